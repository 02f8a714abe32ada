// Hello in every language, side by side in one run (docs/performance.md, "Languages"; issue 19):
// the latency of a hello-world job through a real master and slave, cold (the compile cache has
// never seen the source) and cached (the same source again), against the same commands run by
// hand in a directory of their own, without the sandbox.
//
//   build/bin/languages_bench [--rounds=R] [--languages=go,rust,...] [--plugins=DIR]
//
// The languages are the definitions in plugins/languages/ (DIR: the source tree's) that have a
// hello program in tests/languages/; the cluster is one slave with one slot whose plugin folder
// holds them all. Each round, per language: cold = hello with (round + 1) blank lines added, so
// its source is new to the compile cache; cached = that job again. By hand: the definition's own
// commands (its runner's prepare(), the same argv and environment) with posix_spawn: compile
// and run, then run alone (the program is built). Client-side wall time from submit to result;
// medians over the rounds, and the paired median of the ratios.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "master_client.h"
#include "polyrun/job_json.h"
#include "polyrun/language_definition.h"
#include "suite/local_cluster.h"
#include "suite/process.h"
#include "suite/stats.h"

namespace polyrun::bench {
namespace {
namespace fs = std::filesystem;

struct Language {
  std::string stem;  // file stem of its definition
  LanguageDefinition definition;
  std::shared_ptr<const Runner> runner;  // for the by-hand commands
  std::string hello;
  std::vector<double> cold, cached, hand_cold, hand_cached;
  std::string failure;
};

std::string helloOf(const std::string& stem) {
  try {
    const toml::table cases =
        toml::parse_file(std::string(POLYRUN_SOURCE_DIR) + "/tests/languages/" + stem + ".toml");
    return cases["hello"].value_or(std::string());
  } catch (const std::exception&) {
    return {};
  }
}

// The wall time of `job` through the cluster, NaN (and *failure) when it did not succeed.
double throughCluster(MasterClient& client, const Job& job, std::string* failure) {
  std::string error;
  const double start = nowMs();
  auto reply = client.submit(job, 300000, &error);
  const double took = nowMs() - start;
  if (!reply || reply->value("type", "") != "result") {
    *failure = reply ? reply->dump().substr(0, 400) : error;
    return NAN;
  }
  JobResult r;
  if (!fromJson((*reply)["result"], &r).isOk()) {
    *failure = "an unreadable result: " + reply->dump().substr(0, 400);
    return NAN;
  }
  if (r.verdict != Verdict::kOk || !r.run || r.run->stdout_data != "Hello, polyrun!\n") {
    *failure = std::string(verdictName(r.verdict)) + " " + r.message;
    return NAN;
  }
  return took;
}

// By hand: the commands prepare() describes, in a fresh directory; the compile (when there is
// one) and the run, or the run alone when `run_only`. NaN when one fails.
double byHand(const Language& l, const std::string& source, const fs::path& dir, bool run_only,
              std::string* failure) {
  PrepareInput input;
  input.files = {{"", source}};
  const Prepared p = l.runner->prepare(input);
  if (!p.error.empty()) {
    *failure = p.error;
    return NAN;
  }
  if (!run_only) {
    fs::remove_all(dir);
    fs::create_directories(dir / "tmp");
    for (const auto& f : p.files) std::ofstream(dir / f.path, std::ios::binary) << f.content;
  }
  const auto env = [&](const Command& c) {
    std::vector<std::string> e = {"PATH=/usr/bin:/bin", "HOME=" + (dir / "tmp").string(),
                                  "TMPDIR=" + (dir / "tmp").string()};
    e.insert(e.end(), c.env.begin(), c.env.end());
    return e;
  };
  double total = 0;
  if (p.compile && !run_only) {
    const std::vector<std::string> e = env(*p.compile);
    const ProcessRun c = runProcess(p.compile->argv, dir.string(), &e);
    if (!c.exitedZero()) {
      *failure = "compile by hand: " + c.describe() + ": " + c.output.substr(0, 300);
      return NAN;
    }
    total += c.wall_ms;
  }
  std::vector<std::string> argv = p.run.argv;
  if (argv[0].rfind("./", 0) == 0) argv[0] = (dir / argv[0].substr(2)).string();
  const std::vector<std::string> e = env(p.run);
  const ProcessRun r = runProcess(argv, dir.string(), &e);
  if (!r.exitedZero() || r.output.find("Hello, polyrun!") == std::string::npos) {
    *failure = "run by hand: " + r.describe() + ": " + r.output.substr(0, 300);
    return NAN;
  }
  return total + r.wall_ms;
}

}  // namespace
}  // namespace polyrun::bench

int main(int argc, char** argv) {
  using namespace polyrun;
  using namespace polyrun::bench;
  int rounds = 3;
  std::set<std::string> only;
  std::string definitions = std::string(POLYRUN_SOURCE_DIR) + "/plugins/languages";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--rounds=", 0) == 0) {
      rounds = std::max(1, std::atoi(a.c_str() + 9));
    } else if (a.rfind("--languages=", 0) == 0) {
      std::istringstream in(a.substr(12));
      for (std::string name; std::getline(in, name, ',');) only.insert(name);
    } else if (a.rfind("--plugins=", 0) == 0) {
      definitions = a.substr(10);
    } else {
      std::fprintf(stderr,
                   "usage: languages_bench [--rounds=R] [--languages=a,b] [--plugins=DIR]\n");
      return 64;
    }
  }

  // The languages this machine has: a definition, a hello program, and its tools.
  std::vector<Language> languages;
  const fs::path folder =
      fs::temp_directory_path() / ("polyrun-languages-bench-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  for (const auto& entry : fs::directory_iterator(definitions)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() != ".toml" || (!only.empty() && !only.count(stem))) continue;
    Language l;
    l.stem = stem;
    l.hello = helloOf(stem);
    PluginLoadResult loaded = loadDefinition(entry.path().string(), {});
    if (l.hello.empty() || loaded.runners.empty()) {
      std::fprintf(stderr, "languages_bench: %s left out: %s\n", stem.c_str(),
                   l.hello.empty() ? "no hello in tests/languages" : loaded.error.c_str());
      continue;
    }
    if (!readLanguageDefinition(entry.path().string(), &l.definition).isOk()) continue;
    l.runner = loaded.runners[0].runner;
    fs::copy_file(entry.path(), folder / entry.path().filename());
    languages.push_back(std::move(l));
  }
  std::sort(languages.begin(), languages.end(),
            [](const Language& a, const Language& b) { return a.stem < b.stem; });
  if (languages.empty()) {
    std::fprintf(stderr, "languages_bench: no language to measure (setup-deps.sh --languages)\n");
    return 69;
  }

  LocalCluster::Options co;
  co.bin_dir = POLYRUN_BIN_DIR;
  co.plugin_dir = folder.string();
  co.slaves = 1;
  co.slave_capacity = 1;
  co.languages_timeout_ms = 600000;
  for (const auto& l : languages) co.languages.insert(l.definition.info.language);
  LocalCluster cluster(co);
  std::string error;
  const double started = nowMs();
  if (!cluster.start(&error)) {
    std::fprintf(stderr, "languages_bench: the cluster did not start: %s\n", error.c_str());
    return 69;
  }
  std::fprintf(stderr, "languages_bench: %zu languages ready in %.1f s\n",
               cluster.languages().size(), (nowMs() - started) / 1000);
  MasterClient client("127.0.0.1", cluster.clientPort());
  if (!client.connect(&error)) {
    std::fprintf(stderr, "languages_bench: %s\n", error.c_str());
    return 69;
  }

  const fs::path hand = fs::path(cluster.dir()) / "by-hand";
  for (int round = 0; round < rounds; ++round) {
    for (auto& l : languages) {
      if (!cluster.languages().count(l.definition.info.language)) continue;
      Job job;
      job.language = l.definition.info.language;
      const std::string source = l.hello + std::string(static_cast<size_t>(round + 1), '\n');
      job.files.push_back({"", source, Encoding::kUtf8});
      l.cold.push_back(throughCluster(client, job, &l.failure));
      l.cached.push_back(throughCluster(client, job, &l.failure));
      l.hand_cold.push_back(byHand(l, source, hand / l.stem, false, &l.failure));
      l.hand_cached.push_back(byHand(l, source, hand / l.stem, true, &l.failure));
    }
  }

  std::printf(
      "| language | version | cold | by hand (compile + run) | ratio | cached | by hand (run) | "
      "ratio |\n|---|---|---|---|---|---|---|---|\n");
  const auto versions = [&] {
    std::map<std::string, std::string> out;
    const nlohmann::json c = cluster.snapshot();
    for (const auto& s : c.value("slaves", nlohmann::json::array()))
      for (const auto& r : s.value("languages", nlohmann::json::array()))
        out[r.value("language", "")] = r.value("version", "");
    return out;
  }();
  for (const auto& l : languages) {
    const std::string& name = l.definition.info.language;
    if (!cluster.languages().count(name)) {
      std::printf("| %s | not offered | | | | | | |\n", name.c_str());
      continue;
    }
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", name.c_str(),
                versions.count(name) ? versions.at(name).c_str() : "", ms(median(l.cold)).c_str(),
                ms(median(l.hand_cold)).c_str(), fixed(ratioOf(l.cold, l.hand_cold), 2).c_str(),
                ms(median(l.cached)).c_str(), ms(median(l.hand_cached)).c_str(),
                fixed(ratioOf(l.cached, l.hand_cached), 2).c_str());
    if (!l.failure.empty())
      std::fprintf(stderr, "languages_bench: %s: a measurement failed: %s\n", name.c_str(),
                   l.failure.c_str());
  }
  fs::remove_all(folder);
  return 0;
}
