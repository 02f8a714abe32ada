// The benchmark suite (docs/performance.md, "Benchmark suite"): polyrun against doing the same by
// hand, on a real master and two slaves on loopback, with the other benchmarks' figures gathered.
//
//   scripts/bench.sh [--quick]          builds what is needed, then runs this
//   build/bin/suite_bench --help        every option
//
// Every comparison is interleaved: iteration i runs each variant once, in an order rotated by i,
// so that a busy neighbour slows all variants alike; a ratio or a difference is the median of the
// per-iteration pairs. The report (Markdown) goes to stdout, progress to stderr.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "master_client.h"
#include "polyrun/job.h"
#include "polyrun/job_executor.h"
#include "polyrun/job_json.h"
#include "suite/gathered.h"
#include "suite/local_cluster.h"
#include "suite/process.h"
#include "suite/stats.h"

namespace polyrun::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kHello = "Hello, world!\n";
constexpr int kSubmitTimeoutMs = 120000;

constexpr const char* kUsage = R"(usage: suite_bench [--quick] [options]

Starts a polyrun master and two slaves on loopback and prints, as Markdown tables:
end-to-end latency of a hello world per language (persistent client connection and
`polyrun run`) against the same compile+run done directly; throughput of trivial Python jobs
against the same jobs run directly with the same parallelism, and the CPU time per job of each
side's processes (programs, slaves, master, client); compile-cache hits against misses;
the figures of sandbox_bench, router_bench and master_throughput_bench; the targets of issue 9.

  --quick             fewer iterations and shorter gathered benchmarks (under a minute)
  --iterations N      measured iterations per latency variant (default 20, quick 5)
  --jobs N            Python jobs per throughput round and side (default 200, quick 30)
  --rounds N          throughput rounds, raw and polyrun alternating (default 5, quick 2)
  --slots N           jobs per slave (slave.jobs.max; default: cores / 2, at least 1)
  --languages L,...   languages to measure (default python,c,c++,java)
  --no-gathered       do not run the other benchmark binaries
  --fresh-cache       slaves start with an empty slave.cache.dir (compile cache, and the
                      toolchains when they are kept there); by default it is kept across
                      runs in BUILD/suite-cache, as a long-lived slave keeps it (new sources
                      make the cache misses either way)
  --keep              keep the cluster's directory (logs, work directories) and say where
  --help              this text
)";

// ---------------------------------------------------------------------------------------------
// Options

struct SuiteOptions {
  bool quick = false;
  int iterations = 20;
  int jobs = 200;
  int rounds = 5;
  int slots = 0;
  std::vector<std::string> languages = {"python", "c", "c++", "java"};
  bool gathered = true;
  bool keep = false;
  bool fresh_cache = false;
  std::string command_line;
};

bool parsePositive(const std::string& text, int* out) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 1 || value > 1000000) return false;
  *out = static_cast<int>(value);
  return true;
}

// Exit code 64 (usage) with a message naming the bad argument.
std::optional<SuiteOptions> parseOptions(int argc, char** argv, int* exit_code) {
  SuiteOptions o;
  for (int i = 0; i < argc; ++i) o.command_line += (i ? " " : "") + std::string(argv[i]);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (std::find(args.begin(), args.end(), "--quick") != args.end()) {
    o.quick = true;
    o.iterations = 5;
    o.jobs = 30;
    o.rounds = 2;
  }
  auto fail = [&](const std::string& message) -> std::optional<SuiteOptions> {
    std::fprintf(stderr, "suite_bench: %s\n(suite_bench --help lists the options)\n",
                 message.c_str());
    *exit_code = 64;
    return std::nullopt;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](int* out) {
      if (i + 1 >= args.size() || !parsePositive(args[i + 1], out)) return false;
      ++i;
      return true;
    };
    if (a == "--quick") {
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      *exit_code = 0;
      return std::nullopt;
    } else if (a == "--iterations") {
      if (!value(&o.iterations)) return fail("--iterations needs a whole number from 1");
    } else if (a == "--jobs") {
      if (!value(&o.jobs)) return fail("--jobs needs a whole number from 1");
    } else if (a == "--rounds") {
      if (!value(&o.rounds)) return fail("--rounds needs a whole number from 1");
    } else if (a == "--slots") {
      if (!value(&o.slots)) return fail("--slots needs a whole number from 1");
    } else if (a == "--languages") {
      if (i + 1 >= args.size()) return fail("--languages needs a list such as python,c++");
      o.languages.clear();
      std::stringstream list(args[++i]);
      for (std::string l; std::getline(list, l, ',');)
        if (!l.empty()) o.languages.push_back(l);
    } else if (a == "--no-gathered") {
      o.gathered = false;
    } else if (a == "--fresh-cache") {
      o.fresh_cache = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else {
      return fail("unknown argument \"" + a + "\"");
    }
  }
  if (o.slots == 0) o.slots = std::max(1u, std::thread::hardware_concurrency() / 2);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Languages: the hello worlds of examples/ and the commands a user types to compile and run
// them by hand: the flags that decide what is built as the runners ship them (plugins/*: -O2,
// -std, the source encoding), without what the runners add only to go faster (precompiled
// headers, class-data archives, JVM options): that is what is being measured. Where such options
// exist (Java), a second by-hand row uses them, so that the table shows what they alone give.

struct Language {
  std::string name;     // canonical name on the wire
  std::string file;     // main file name
  std::string source;   // examples/hello.*
  std::string comment;  // line comment, to make a source unique without changing what it does
  std::vector<std::string> compile;  // empty: interpreted
  std::vector<std::string> run;      // relative paths are in the work directory
  // The same by hand with the runner's options that change only speed; empty: none.
  std::vector<std::string> tuned_compile{};
  std::vector<std::string> tuned_run{};
};

std::string jdkBin() {
  std::error_code ec;
  const fs::path javac = fs::canonical("/usr/bin/javac", ec);
  return ec ? std::string("/usr/bin") : javac.parent_path().string();
}

std::vector<Language> knownLanguages() {
  const std::string jdk = jdkBin();
  // The JVM options of plugins/java (kJavacJvmFlags, kRunJvmFlags).
  const std::vector<std::string> javac_jvm = {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                              "-Xshare:auto", "-XX:-UsePerfData", "-Xms64m"};
  const std::vector<std::string> run_jvm = {"-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1",
                                            "-XX:CICompilerCount=2", "-Xshare:auto",
                                            "-XX:-UsePerfData"};
  const std::vector<std::string> javac_args = {"-encoding", "UTF-8", "-d", ".", "Hello.java"};
  const std::vector<std::string> java_args = {"-cp", ".", "Hello"};
  std::vector<std::string> javac = {jdk + "/javac"}, tuned_javac = {jdk + "/javac"};
  for (const auto& flag : javac_jvm) tuned_javac.push_back("-J" + flag);
  javac.insert(javac.end(), javac_args.begin(), javac_args.end());
  tuned_javac.insert(tuned_javac.end(), javac_args.begin(), javac_args.end());
  std::vector<std::string> java = {jdk + "/java"}, tuned_java = {jdk + "/java"};
  tuned_java.insert(tuned_java.end(), run_jvm.begin(), run_jvm.end());
  java.insert(java.end(), java_args.begin(), java_args.end());
  tuned_java.insert(tuned_java.end(), java_args.begin(), java_args.end());
  return {
      {"python",
       "hello.py",
       "print(\"Hello, world!\")\n",
       "#",
       {},
       {"/usr/bin/python3", "-B", "hello.py"}},
      {"c",
       "hello.c",
       "#include <stdio.h>\n\nint main(void) {\n  printf(\"Hello, world!\\n\");\n  return 0;\n}\n",
       "//",
       {"/usr/bin/gcc", "-std=c17", "-O2", "-pipe", "-o", "main", "hello.c", "-lm"},
       {"main"}},
      {"c++",
       "hello.cpp",
       "#include <iostream>\n\nint main() {\n  std::cout << \"Hello, world!\\n\";\n  return "
       "0;\n}\n",
       "//",
       {"/usr/bin/g++", "-std=c++17", "-O2", "-pipe", "-o", "main", "hello.cpp", "-lm"},
       {"main"}},
      {"java", "Hello.java",
       "public class Hello {\n  public static void main(String[] args) {\n"
       "    System.out.println(\"Hello, world!\");\n  }\n}\n",
       "//", javac, java, tuned_javac, tuned_java},
  };
}

// ---------------------------------------------------------------------------------------------
// One measurement of one variant

struct Sample {
  double ms = NAN;      // end to end; NaN when it failed
  double run_ms = NAN;  // raw only: the run step alone
  std::optional<bool> cache_hit;
  std::string error;
};

Sample failed(std::string error) {
  Sample s;
  s.error = std::move(error);
  return s;
}

// `compile.cached` of the result (docs/protocol.md): whether the slave's compile cache served the
// compile stage. nullopt when the result does not say (no compile stage, or an older master).
std::optional<bool> compileCacheHit(const json& result) {
  const json compile = result.value("compile", json::object());
  if (compile.contains("cached") && compile["cached"].is_boolean())
    return compile["cached"].get<bool>();
  return std::nullopt;
}

// A `result` object that must be an OK hello world.
Sample checkResult(const json& result, double elapsed_ms) {
  if (!result.is_object()) return failed("no result object");
  const std::string verdict = result.value("verdict", "");
  const std::string out = result.value("run", json::object()).value("stdout", "");
  if (verdict != "OK" || out != kHello) {
    return failed("verdict " + verdict + ", stdout \"" + out + "\", message \"" +
                  result.value("message", "") + "\"");
  }
  Sample s;
  s.ms = elapsed_ms;
  s.cache_hit = compileCacheHit(result);
  return s;
}

class Workspace {
 public:
  Workspace() {
    std::string pattern = (fs::temp_directory_path() / "polyrun-suite-work-XXXXXX").string();
    if (::mkdtemp(pattern.data())) root_ = pattern;
  }
  ~Workspace() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  bool ok() const { return !root_.empty(); }
  const std::string& root() const { return root_; }
  // A fresh empty directory, removed by the next call or the destructor.
  std::string fresh() {
    std::error_code ec;
    const std::string dir = root_ + "/d";
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    return dir;
  }

 private:
  std::string root_;
};

bool writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out.flush());
}

std::vector<std::string> inDir(std::vector<std::string> argv, const std::string& dir) {
  if (!argv.empty() && argv[0].front() != '/') argv[0] = dir + "/" + argv[0];
  return argv;
}

// Compile (if any) and run by hand: the runner's commands, in the environment a stage gets
// (cleanEnvironment), without polyrun.
Sample measureRaw(const Language& language, const std::string& source, Workspace* space) {
  const std::string dir = space->fresh();
  const auto env = cleanEnvironment(dir);
  const double start = nowMs();
  if (!writeFile(dir + "/" + language.file, source)) return failed("cannot write in " + dir);
  if (!language.compile.empty()) {
    const ProcessRun compile = runProcess(inDir(language.compile, dir), dir, &env);
    if (!compile.exitedZero())
      return failed(language.compile[0] + ": " + compile.describe() + "\n" + compile.output);
  }
  const ProcessRun run = runProcess(inDir(language.run, dir), dir, &env);
  const double end = nowMs();
  if (!run.exitedZero() || run.output != kHello)
    return failed(language.run[0] + ": " + run.describe() + ", output \"" + run.output + "\"");
  Sample s;
  s.ms = end - start;
  s.run_ms = run.wall_ms;
  return s;
}

Sample measureClient(MasterClient* client, const Language& language, const std::string& source) {
  std::string error;
  if (!client->connected() && !client->connect(&error)) return failed(error);
  Job job;
  job.language = language.name;
  job.files.push_back({language.file, source, Encoding::kUtf8});
  const double start = nowMs();
  const auto reply = client->submit(job, kSubmitTimeoutMs, &error);
  const double elapsed = nowMs() - start;
  if (!reply) return failed(error);
  if (reply->value("type", "") != "result") return failed("reply " + reply->dump());
  return checkResult((*reply)["result"], elapsed);
}

// A new connection per job, as `polyrun run` makes one: the client's row plus connecting, the
// master's accept and registration of the connection, and closing it; `polyrun run` less its
// process (issue 16 item 10).
Sample measureNewConnection(const std::string& master, const Language& language,
                            const std::string& source) {
  const uint16_t port = static_cast<uint16_t>(std::stoi(master.substr(master.rfind(':') + 1)));
  Job job;
  job.language = language.name;
  job.files.push_back({language.file, source, Encoding::kUtf8});
  std::string error;
  std::optional<nlohmann::json> reply;
  const double start = nowMs();
  {
    MasterClient client("127.0.0.1", port);
    if (!client.connect(&error)) return failed(error);
    reply = client.submit(job, kSubmitTimeoutMs, &error);
  }
  const double elapsed = nowMs() - start;
  if (!reply) return failed(error);
  if (reply->value("type", "") != "result") return failed("reply " + reply->dump());
  return checkResult((*reply)["result"], elapsed);
}

// `polyrun run FILE --json`: the output is the program's, but as JSON, so that the verdict and
// the cache flag can be read; printing it costs the CLI nothing measurable.
Sample measureCli(const std::string& polyrun, const std::string& master, const Language& language,
                  const std::string& source, Workspace* space) {
  const std::string dir = space->fresh();
  const std::string file = dir + "/" + language.file;
  const double start = nowMs();
  if (!writeFile(file, source)) return failed("cannot write " + file);
  const ProcessRun run = runProcess({polyrun, "run", file, "--master", master, "--json"}, dir);
  const double elapsed = nowMs() - start;
  if (!run.exitedZero()) return failed("polyrun run: " + run.describe() + "\n" + run.output);
  const json result = json::parse(run.output, nullptr, false);
  if (result.is_discarded()) return failed("polyrun run --json printed no JSON:\n" + run.output);
  return checkResult(result, elapsed);
}

// ---------------------------------------------------------------------------------------------
// End-to-end latency per language

struct Variant {
  std::string label;
  std::function<Sample()> measure;
  std::vector<Sample> samples;

  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& s : samples) v.push_back(s.ms);
    return v;
  }
  std::vector<double> runValues() const {
    std::vector<double> v;
    for (const auto& s : samples) v.push_back(s.run_ms);
    return v;
  }
  int failures() const {
    return static_cast<int>(std::count_if(samples.begin(), samples.end(),
                                          [](const Sample& s) { return std::isnan(s.ms); }));
  }
  std::string firstError() const {
    for (const auto& s : samples)
      if (!s.error.empty()) return s.error;
    return {};
  }
  // "hit 5/5", "miss 5/5", "hit 3/5", or "not reported".
  std::string cacheSummary() const {
    int hits = 0, misses = 0;
    for (const auto& s : samples) {
      if (!s.cache_hit) continue;
      (*s.cache_hit ? hits : misses)++;
    }
    if (hits + misses == 0) return "not reported";
    const int n = hits + misses;
    return hits >= misses ? "hit " + std::to_string(hits) + "/" + std::to_string(n)
                          : "miss " + std::to_string(misses) + "/" + std::to_string(n);
  }
  bool mostlyHits() const {
    int hits = 0, misses = 0;
    for (const auto& s : samples)
      if (s.cache_hit) (*s.cache_hit ? hits : misses)++;
    return hits > misses;
  }
  bool cacheReported() const {
    return std::any_of(samples.begin(), samples.end(),
                       [](const Sample& s) { return s.cache_hit.has_value(); });
  }
};

// Progress lines rewritten in place only on a terminal; a log gets one line per section.
bool progressShown() {
  static const bool tty = ::isatty(STDERR_FILENO) == 1;
  return tty;
}

// Runs `warmup` unrecorded then `iterations` recorded rounds; round i starts at variant i mod n.
void interleave(std::vector<Variant*> variants, int warmup, int iterations,
                const std::string& what) {
  const size_t n = variants.size();
  const double start = nowMs();
  for (int i = -warmup; i < iterations; ++i) {
    if (progressShown())
      std::fprintf(stderr, "\r  %-8s %s %d/%d   ", what.c_str(), i < 0 ? "warm-up" : "iteration",
                   i < 0 ? i + warmup + 1 : i + 1, i < 0 ? warmup : iterations);
    for (size_t k = 0; k < n; ++k) {
      Variant* v = variants[(static_cast<size_t>(std::max(i, 0)) + k) % n];
      Sample s = v->measure();
      if (!s.error.empty() && v->firstError().empty())
        std::fprintf(stderr, "\n  %s, %s failed: %s\n", what.c_str(), v->label.c_str(),
                     s.error.c_str());
      if (i >= 0) v->samples.push_back(std::move(s));
    }
  }
  std::fprintf(stderr, "%s%-8s %d iterations (%.1f s)\n", progressShown() ? "\r\033[K  " : "  ",
               what.c_str(), iterations, (nowMs() - start) / 1000);
}

struct LanguageResult {
  Language language;
  Variant raw, raw_tuned, client_miss, client_hit, client_new, cli_miss, cli_hit;
};

struct Suite {
  SuiteOptions options;
  std::string bin_dir = POLYRUN_BIN_DIR;
  std::string run_tag;  // makes this run's sources differ from every earlier run's
  int counter = 0;

  std::string uniqueSource(const Language& l) {
    return l.source + l.comment + " polyrun-suite " + run_tag + " " + std::to_string(++counter) +
           "\n";
  }
  std::string sameSource(const Language& l) {
    return l.source + l.comment + " polyrun-suite " + run_tag + " cached\n";
  }
};

LanguageResult measureLanguage(Suite* suite, const Language& language, MasterClient* client,
                               const std::string& master, Workspace* space) {
  LanguageResult r{language, {}, {}, {}, {}, {}, {}, {}};
  const std::string polyrun = suite->bin_dir + "/polyrun";
  const bool compiled = !language.compile.empty();
  // Interpreted: no cache, so the same source throughout. Compiled: a new source each time makes
  // a cache miss; the same source every time makes hits once it has been compiled.
  auto fresh = [suite, &language, compiled] {
    return compiled ? suite->uniqueSource(language) : suite->sameSource(language);
  };
  const std::string same = suite->sameSource(language);
  r.raw = {compiled ? "by hand: compile + run" : "by hand: run",
           [&] { return measureRaw(language, fresh(), space); },
           {}};
  Language tuned = language;
  tuned.compile = language.tuned_compile;
  tuned.run = language.tuned_run;
  r.raw_tuned = {compiled ? "by hand with the runner's JVM options: compile + run"
                          : "by hand with the runner's options: run",
                 [&] { return measureRaw(tuned, fresh(), space); },
                 {}};
  r.client_miss = {compiled ? "client, new source" : "client",
                   [&] { return measureClient(client, language, fresh()); },
                   {}};
  r.client_hit = {"client, same source", [&] { return measureClient(client, language, same); }, {}};
  r.client_new = {"client, a new connection per job",
                  [&] { return measureNewConnection(master, language, fresh()); },
                  {}};
  r.cli_miss = {compiled ? "`polyrun run`, new source" : "`polyrun run`",
                [&] { return measureCli(polyrun, master, language, fresh(), space); },
                {}};
  r.cli_hit = {"`polyrun run`, same source",
               [&] { return measureCli(polyrun, master, language, same, space); },
               {}};
  std::vector<Variant*> variants = {&r.raw, &r.client_miss, &r.client_new, &r.cli_miss};
  if (compiled) variants.insert(variants.end(), {&r.client_hit, &r.cli_hit});
  if (!language.tuned_run.empty()) variants.push_back(&r.raw_tuned);
  interleave(variants, 1, suite->options.iterations, language.name);
  // The closures point into this frame; what is returned carries the samples only.
  for (Variant* v : {&r.raw, &r.raw_tuned, &r.client_miss, &r.client_hit, &r.client_new,
                     &r.cli_miss, &r.cli_hit})
    v->measure = nullptr;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Throughput of trivial Python jobs

constexpr const char* kTrivialPython = "print(1)\n";

// `jobs` runs of python3 on one file, `parallelism` at a time; jobs per second, NaN on failure.
double rawThroughput(int jobs, int parallelism, Workspace* space, std::string* error) {
  const std::string dir = space->fresh();
  if (!writeFile(dir + "/main.py", kTrivialPython)) {
    *error = "cannot write in " + dir;
    return NAN;
  }
  const auto env = cleanEnvironment(dir);
  std::atomic<int> next{0};
  std::atomic<int> bad{0};
  const double start = nowMs();
  std::vector<std::thread> workers;
  for (int w = 0; w < parallelism; ++w) {
    workers.emplace_back([&] {
      while (next.fetch_add(1) < jobs) {
        const ProcessRun run = runProcess({"/usr/bin/python3", "-B", "main.py"}, dir, &env);
        if (!run.exitedZero() || run.output != "1\n") ++bad;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = nowMs() - start;
  if (bad > 0) {
    *error = std::to_string(bad.load()) + " direct runs of python3 failed";
    return NAN;
  }
  return jobs * 1000.0 / elapsed;
}

// `jobs` submits pipelined on one connection, the cluster running them as its slots allow.
double clusterThroughput(MasterClient* client, int jobs, std::string* error) {
  if (!client->connected() && !client->connect(error)) return NAN;
  Job job;
  job.language = "python";
  job.files.push_back({"main.py", kTrivialPython, Encoding::kUtf8});
  const json job_json = toJson(job);
  const double start = nowMs();
  for (int i = 0; i < jobs; ++i) {
    if (!client->send({{"type", "submit"}, {"id", client->nextId()}, {"job", job_json}}, error))
      return NAN;
  }
  int done = 0, bad = 0;
  std::string first_bad;
  while (done < jobs) {
    const auto message = client->receive(kSubmitTimeoutMs, error);
    if (!message) return NAN;
    const std::string type = message->value("type", "");
    if (type == "result") {
      ++done;
      const json& result = (*message)["result"];
      if (result.value("verdict", "") != "OK" ||
          result.value("run", json::object()).value("stdout", "") != "1\n") {
        if (bad++ == 0) first_bad = result.dump();
      }
    } else if (type == "error" || type == "cancelled") {
      ++done;
      if (bad++ == 0) first_bad = message->dump();
    }
  }
  const double elapsed = nowMs() - start;
  if (bad > 0) {
    *error =
        std::to_string(bad) + " of " + std::to_string(jobs) + " jobs failed, first: " + first_bad;
    return NAN;
  }
  return jobs * 1000.0 / elapsed;
}

// CPU time of this process's reaped children (by hand: the python3 processes) and of this
// process itself (polyrun: the client), in ms.
struct OwnCpu {
  double children_ms = 0, self_ms = 0;
  static OwnCpu now() {
    auto ms = [](const rusage& u) {
      return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 +
             (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
    };
    rusage children{}, self{};
    ::getrusage(RUSAGE_CHILDREN, &children);
    ::getrusage(RUSAGE_SELF, &self);
    return {ms(children), ms(self)};
  }
};

struct ThroughputResult {
  int parallelism = 0;
  std::vector<double> raw, cluster;  // jobs/s per round
  // CPU ms over all rounds, and the jobs they ran: where each side's time goes.
  double raw_python_ms = 0, raw_self_ms = 0;
  double stages_ms = 0, slaves_ms = 0, master_ms = 0, client_ms = 0;
  int raw_jobs = 0, cluster_jobs = 0;
};

ThroughputResult measureThroughput(const SuiteOptions& options, MasterClient* client,
                                   const LocalCluster& cluster, Workspace* space) {
  const double ms_per_tick = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  ThroughputResult r;
  r.parallelism = 2 * options.slots;
  double start = nowMs();
  for (int round = 0; round < options.rounds; ++round) {
    if (progressShown())
      std::fprintf(stderr, "\r  throughput round %d/%d   ", round + 1, options.rounds);
    if (round == 0) start = nowMs();
    double raw = NAN, cluster_rate = NAN;
    std::string error;
    // ABBA...: alternate which side goes first.
    for (int side = 0; side < 2; ++side) {
      const OwnCpu own = OwnCpu::now();
      if ((side + round) % 2 == 0) {
        raw = rawThroughput(options.jobs, r.parallelism, space, &error);
        const OwnCpu after = OwnCpu::now();
        if (!std::isnan(raw)) {
          r.raw_python_ms += after.children_ms - own.children_ms;
          r.raw_self_ms += after.self_ms - own.self_ms;
          r.raw_jobs += options.jobs;
        }
      } else {
        const LocalCluster::CpuTicks before = cluster.cpuTicks();
        cluster_rate = clusterThroughput(client, options.jobs, &error);
        const LocalCluster::CpuTicks used = cluster.cpuTicks();
        const OwnCpu after = OwnCpu::now();
        if (!std::isnan(cluster_rate)) {
          r.stages_ms += (used.stages - before.stages) * ms_per_tick;
          r.slaves_ms += (used.slaves - before.slaves) * ms_per_tick;
          r.master_ms += (used.master - before.master) * ms_per_tick;
          r.client_ms += after.self_ms - own.self_ms;
          r.cluster_jobs += options.jobs;
        }
      }
      if (!error.empty()) {
        std::fprintf(stderr, "\n  throughput: %s\n", error.c_str());
        error.clear();
      }
    }
    r.raw.push_back(raw);
    r.cluster.push_back(cluster_rate);
  }
  std::fprintf(stderr, "%sthroughput %d rounds (%.1f s)\n", progressShown() ? "\r\033[K  " : "  ",
               options.rounds, (nowMs() - start) / 1000);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The report

std::string firstLineOf(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M %Z", std::localtime(&now));
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

void printHeader(const SuiteOptions& o, const std::string& load_at_start,
                 const std::vector<std::string>& toolchains) {
  utsname u{};
  ::uname(&u);
  std::printf("## polyrun benchmark suite, %s\n\n", today().c_str());
  std::printf("- command: `%s`%s\n", o.command_line.c_str(), o.quick ? " (quick mode)" : "");
  // scripts/bench.sh says which commit was built.
  if (const char* revision = std::getenv("POLYRUN_SUITE_REVISION"))
    std::printf("- revision: %s\n", revision);
  std::printf("- machine: %s, %u cores, %s %s, %s memory\n",
              trim(firstLineOf("/proc/cpuinfo", "model name")).c_str(),
              std::thread::hardware_concurrency(), u.sysname, u.release,
              trim(firstLineOf("/proc/meminfo", "MemTotal")).c_str());
  std::printf("- load average (1, 5, 15 min) at the start: %s\n", load_at_start.c_str());
  std::printf(
      "- cluster: 1 polyrun-master (journal on, shipped defaults) and 2 polyrun-slave with "
      "slave.jobs.max=%d each, on loopback; built from %s; slave.cache.dir %s\n",
      o.slots, POLYRUN_BIN_DIR,
      o.fresh_cache ? "new (--fresh-cache)" : "kept across runs (BUILD/suite-cache)");
  for (const auto& line : toolchains) std::printf("- slave-1: %s\n", line.c_str());
}

std::string versus(const std::vector<double>& values, const std::vector<double>& base,
                   const std::string& what) {
  const double ratio = ratioOf(values, base);
  if (std::isnan(ratio)) return "—";
  return fixed(ratio, 2) + "× (" + signedMs(differenceOf(values, base)) + ")" +
         (what.empty() ? "" : " " + what);
}

std::string versus(const Variant& v, const std::vector<double>& base, const std::string& what) {
  return versus(v.values(), base, what);
}

void printRow(const std::string& language, const std::string& label,
              const std::vector<double>& values, const std::string& cache, const std::string& vs,
              int failures) {
  std::string median_text = ms(median(values));
  if (failures > 0)
    median_text +=
        " (" + std::to_string(failures) + "/" + std::to_string(values.size()) + " failed)";
  std::printf("| %s | %s | %s | %s | %s | %s |\n", language.c_str(), label.c_str(),
              median_text.c_str(), ms(p90(values)).c_str(), cache.c_str(), vs.c_str());
}

void printLatency(const std::vector<LanguageResult>& results, int iterations) {
  std::printf("\n### End-to-end latency of a hello world\n\n");
  std::printf(
      "%d iterations per row after one warm-up, variants of a language interleaved; "
      "\"vs by hand\" is the median of the per-iteration ratios and differences.\n\n",
      iterations);
  std::printf(
      "| language | path | median | p90 | compile cache (from the result) | vs by hand |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& r : results) {
    const std::string& name = r.language.name;
    const bool compiled = !r.language.compile.empty();
    const auto raw = r.raw.values();
    const auto raw_run = r.raw.runValues();
    const std::string base = compiled ? "of compile + run" : "";
    printRow(name, r.raw.label, raw, "", "", r.raw.failures());
    if (compiled) printRow(name, "by hand: run only (same iterations)", raw_run, "", "", 0);
    if (!r.raw_tuned.samples.empty()) {
      printRow(name, r.raw_tuned.label, r.raw_tuned.values(), "", versus(r.raw_tuned, raw, base),
               r.raw_tuned.failures());
      if (compiled)
        printRow(name, "by hand with the runner's JVM options: run only", r.raw_tuned.runValues(),
                 "", versus(r.raw_tuned.runValues(), raw_run, "of run only"), 0);
    }
    printRow(name, r.client_miss.label, r.client_miss.values(),
             compiled ? r.client_miss.cacheSummary() : "", versus(r.client_miss, raw, base),
             r.client_miss.failures());
    if (compiled)
      printRow(name, r.client_hit.label, r.client_hit.values(), r.client_hit.cacheSummary(),
               versus(r.client_hit, raw_run, "of run only"), r.client_hit.failures());
    printRow(name, r.client_new.label, r.client_new.values(),
             compiled ? r.client_new.cacheSummary() : "", versus(r.client_new, raw, base),
             r.client_new.failures());
    printRow(name, r.cli_miss.label, r.cli_miss.values(), compiled ? r.cli_miss.cacheSummary() : "",
             versus(r.cli_miss, raw, base), r.cli_miss.failures());
    if (compiled)
      printRow(name, r.cli_hit.label, r.cli_hit.values(), r.cli_hit.cacheSummary(),
               versus(r.cli_hit, raw_run, "of run only"), r.cli_hit.failures());
  }
}

void printThroughput(const ThroughputResult& t, const SuiteOptions& o) {
  std::printf("\n### Throughput of trivial Python jobs (`print(1)`)\n\n");
  std::printf(
      "%d rounds of %d jobs per side, sides alternating; by hand = %d python3 processes "
      "at a time; polyrun = the jobs pipelined on one client connection to 2 slaves, "
      "slave.jobs.max=%d.\n\n",
      o.rounds, o.jobs, t.parallelism, o.slots);
  std::printf("| path | median | worst round | vs by hand |\n|---|---|---|---|\n");
  auto worst = [](const std::vector<double>& v) {
    const auto p = present(v);
    return p.empty() ? NAN : p.front();
  };
  std::printf("| by hand, %d in parallel | %s jobs/s | %s jobs/s | |\n", t.parallelism,
              fixed(median(t.raw), 1).c_str(), fixed(worst(t.raw), 1).c_str());
  std::printf("| polyrun, 2 slaves × %d | %s jobs/s | %s jobs/s | %s× |\n", o.slots,
              fixed(median(t.cluster), 1).c_str(), fixed(worst(t.cluster), 1).c_str(),
              fixed(ratioOf(t.cluster, t.raw), 2).c_str());
  if (t.raw_jobs == 0 || t.cluster_jobs == 0) return;
  // Where the two cores' time goes: what each side's processes used, per job, over all rounds.
  const double raw_jobs = t.raw_jobs, jobs = t.cluster_jobs;
  const double raw_total = (t.raw_python_ms + t.raw_self_ms) / raw_jobs;
  const double total = (t.stages_ms + t.slaves_ms + t.master_ms + t.client_ms) / jobs;
  std::printf(
      "\nCPU time per job, over all rounds (user + system; the kernel's own threads are not "
      "counted):\n\n| path | the programs (polyrun: in their stages) | slaves | master | suite "
      "(by hand: spawning; polyrun: the client) | total |\n|---|---|---|---|---|---|\n");
  std::printf("| by hand | %s ms | | | %s ms | %s ms |\n",
              fixed(t.raw_python_ms / raw_jobs, 2).c_str(),
              fixed(t.raw_self_ms / raw_jobs, 2).c_str(), fixed(raw_total, 2).c_str());
  std::printf("| polyrun | %s ms | %s ms | %s ms | %s ms | %s ms |\n",
              fixed(t.stages_ms / jobs, 2).c_str(), fixed(t.slaves_ms / jobs, 2).c_str(),
              fixed(t.master_ms / jobs, 2).c_str(), fixed(t.client_ms / jobs, 2).c_str(),
              fixed(total, 2).c_str());
}

struct Target {
  std::string what;
  std::string measured;
  bool pass = false;
  bool measurable = true;
  std::string note;
};

void printTargets(const std::vector<LanguageResult>& results, const ThroughputResult* t) {
  std::vector<Target> targets;
  auto find = [&](const std::string& name) -> const LanguageResult* {
    for (const auto& r : results)
      if (r.language.name == name) return &r;
    return nullptr;
  };
  auto cachedNote = [](const Variant& v) -> std::string {
    if (!v.cacheReported()) return "the result does not say whether compilation was cached";
    if (!v.mostlyHits()) return "not served from the cache: " + v.cacheSummary();
    return "";
  };
  if (const auto* py = find("python")) {
    const double d = differenceOf(py->client_miss.values(), py->raw.values());
    targets.push_back({"Python hello, client, ≤ by hand + 3 ms",
                       signedMs(d) + " (medians " + ms(median(py->client_miss.values())) + " and " +
                           ms(median(py->raw.values())) + ")",
                       d <= 3.0, !std::isnan(d), ""});
  }
  if (t) {
    const double ratio = ratioOf(t->cluster, t->raw);
    targets.push_back({"Python throughput, 2 slaves, ≥ 0.8 × by hand in parallel",
                       fixed(ratio, 2) + "×", ratio >= 0.8, !std::isnan(ratio), ""});
  }
  struct Compiled {
    std::string name, label;
    double cold_ratio;
    bool cached_is_ratio;  // C++: cached ≤ run + 3 ms; Java: cached ≤ 1.2 × run
    double cached_limit;
  };
  for (const Compiled& c : {Compiled{"c++", "C++ iostream hello", 0.5, false, 3.0},
                            Compiled{"java", "Java hello", 0.6, true, 1.2}}) {
    const auto* r = find(c.name);
    if (!r) continue;
    const double cold = ratioOf(r->client_miss.values(), r->raw.values());
    targets.push_back(
        {c.label + " cold, client, ≤ " + fixed(c.cold_ratio, 1) + " × by hand compile + run",
         fixed(cold, 2) + "× (medians " + ms(median(r->client_miss.values())) + " and " +
             ms(median(r->raw.values())) + ")",
         cold <= c.cold_ratio, !std::isnan(cold), ""});
    const auto hit = r->client_hit.values();
    const auto run = r->raw.runValues();
    Target cached;
    if (c.cached_is_ratio) {
      const double ratio = ratioOf(hit, run);
      cached = {c.label + " cached, client, ≤ " + fixed(c.cached_limit, 1) + " × by hand run",
                fixed(ratio, 2) + "× (medians " + ms(median(hit)) + " and " + ms(median(run)) + ")",
                ratio <= c.cached_limit, !std::isnan(ratio), ""};
    } else {
      const double d = differenceOf(hit, run);
      cached = {c.label + " cached, client, ≤ by hand run + " + fixed(c.cached_limit, 0) + " ms",
                signedMs(d) + " (medians " + ms(median(hit)) + " and " + ms(median(run)) + ")",
                d <= c.cached_limit, !std::isnan(d), ""};
    }
    cached.note = cachedNote(r->client_hit);
    if (r->client_hit.cacheReported() && !r->client_hit.mostlyHits()) cached.pass = false;
    targets.push_back(cached);
  }
  std::printf("\n### Targets (issue 9), from the rows above\n\n");
  if (targets.empty()) {
    std::printf("None applies to the languages measured (Python, C++ and Java have targets).\n");
    return;
  }
  std::printf(
      "Measured = the median over iterations of polyrun's time minus (or divided by) "
      "the by-hand time of the same iteration.\n\n");
  std::printf("| target | measured | result |\n|---|---|---|\n");
  for (const auto& target : targets) {
    std::string result = !target.measurable ? "NOT MEASURED" : target.pass ? "PASS" : "MISS";
    if (!target.note.empty()) result += " (" + target.note + ")";
    std::printf("| %s | %s | %s |\n", target.what.c_str(), target.measured.c_str(), result.c_str());
  }
  // What the JVM options alone give, apart: the cold Java job against the same options by hand.
  if (const auto* r = find("java"); r && !r->raw_tuned.samples.empty()) {
    std::printf(
        "\nJava hello cold, client, against by hand *with* the runner's JVM options: %s "
        "(medians %s and %s): the class-data archive's gain, less what polyrun itself costs "
        "(queueing, the sandbox, the compile cache).\n",
        (fixed(ratioOf(r->client_miss.values(), r->raw_tuned.values()), 2) + "×").c_str(),
        ms(median(r->client_miss.values())).c_str(), ms(median(r->raw_tuned.values())).c_str());
  }
}

int run(const SuiteOptions& options) {
  const double suite_start = nowMs();
  Suite suite;
  suite.options = options;
  suite.run_tag = std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
  Workspace space;
  if (!space.ok()) {
    std::fprintf(stderr, "suite_bench: cannot create a directory under %s (set TMPDIR)\n",
                 fs::temp_directory_path().c_str());
    return 73;
  }
  std::vector<Language> languages;
  for (const auto& l : knownLanguages())
    if (std::find(options.languages.begin(), options.languages.end(), l.name) !=
        options.languages.end())
      languages.push_back(l);
  if (languages.empty()) {
    std::fprintf(stderr, "suite_bench: --languages names none of python, c, c++, java\n");
    return 64;
  }

  const std::string load_at_start = loadAverage();
  std::vector<LanguageResult> results;
  std::vector<std::string> skipped;  // not offered by the cluster
  std::optional<ThroughputResult> throughput;
  {
    LocalCluster::Options cluster_options;
    cluster_options.bin_dir = POLYRUN_BIN_DIR;
    cluster_options.plugin_dir = POLYRUN_PLUGIN_DIR;
    cluster_options.slave_capacity = options.slots;
    cluster_options.keep_dir = options.keep;
    if (!options.fresh_cache)
      cluster_options.cache_root =
          (fs::path(POLYRUN_BIN_DIR).parent_path() / "suite-cache").string();
    for (const auto& l : languages) cluster_options.languages.insert(l.name);
    LocalCluster cluster(cluster_options);
    std::fprintf(stderr, "starting a master and 2 slaves in %s\n", cluster.dir().c_str());
    const double start = nowMs();
    std::string error;
    if (!cluster.start(&error)) {
      std::fprintf(stderr, "suite_bench: the cluster did not start: %s\n", error.c_str());
      return 69;
    }
    std::fprintf(stderr, "  up and quiet in %.1f s\n", (nowMs() - start) / 1000);
    printHeader(options, load_at_start, cluster.slaveLogLines("toolchain"));
    std::fflush(stdout);
    MasterClient client("127.0.0.1", cluster.clientPort());
    if (!client.connect(&error)) {
      std::fprintf(stderr, "suite_bench: %s\n", error.c_str());
      return 69;
    }
    for (const auto& language : languages) {
      if (!cluster.languages().count(language.name)) {
        std::fprintf(stderr, "  %s: not offered by both slaves, skipped (see the slave logs)\n",
                     language.name.c_str());
        skipped.push_back(language.name);
        continue;
      }
      results.push_back(
          measureLanguage(&suite, language, &client, cluster.masterAddress(), &space));
    }
    const bool python = std::any_of(languages.begin(), languages.end(),
                                    [](const Language& l) { return l.name == "python"; });
    if (python && cluster.languages().count("python"))
      throughput = measureThroughput(options, &client, cluster, &space);
    if (options.keep) std::fprintf(stderr, "cluster logs kept in %s\n", cluster.dir().c_str());
  }

  printLatency(results, options.iterations);
  for (const auto& name : skipped)
    std::printf("\n**%s was not measured**: the slaves did not offer it (their logs say why).\n",
                name.c_str());
  if (throughput) printThroughput(*throughput, options);
  printTargets(results, throughput ? &*throughput : nullptr);
  std::fflush(stdout);

  if (options.gathered) {
    std::fprintf(stderr, "gathering the other benchmarks\n");
    const std::string bin = POLYRUN_BIN_DIR;
    // Quick mode runs the cases that answer "what does it add" and keeps each one short.
    const Gathered sandbox =
        options.quick ? runGathered(bin, "sandbox_bench",
                                    {"--benchmark_filter=BM_True_(Direct|NamespaceSandbox)"}, "",
                                    space.root())
                      : runGathered(bin, "sandbox_bench", {}, "", space.root());
    const Gathered router =
        options.quick
            ? runGathered(bin, "router_bench",
                          {"--benchmark_min_time=0.1",
                           "--benchmark_filter=BM_RouterDecision|BM_SchedulerSubmitToAssign/10000"},
                          "", space.root())
            : runGathered(bin, "router_bench", {"--benchmark_min_time=1"}, "", space.root());
    const Gathered master = options.quick
                                ? runGathered(bin, "master_throughput_bench",
                                              {"--benchmark_min_time=0.01",
                                               "--benchmark_filter=BM_MasterThroughput/journal:1"},
                                              "POLYRUN_BENCH_JOBS=4000", space.root())
                                : runGathered(bin, "master_throughput_bench",
                                              {"--benchmark_min_time=1"}, "", space.root());
    std::printf("\n### Gathered from the other benchmarks (their own sections below say more)\n");
    printGathered("Sandbox overhead (sandbox_bench)", sandbox);
    printGathered("Routing (router_bench)", router);
    printGathered("Master throughput with instant fake slaves (master_throughput_bench)", master);
  }
  std::printf("\nLoad average at the end: %s; the suite took %.0f s.\n", loadAverage().c_str(),
              (nowMs() - suite_start) / 1000);
  return 0;
}

}  // namespace
}  // namespace polyrun::bench

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto options = polyrun::bench::parseOptions(argc, argv, &exit_code);
  if (!options) return exit_code;
  return polyrun::bench::run(*options);
}
