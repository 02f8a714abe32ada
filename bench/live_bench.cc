// Live output, side by side in one run (docs/performance.md, "Live output"; issue 18): how long
// a line a program writes takes to reach a client of the master, against the same program run
// by hand with pipes, and what streaming costs the master and the slave per MiB of output.
//
//   build/bin/live_bench [--lines=N] [--rounds=R] [--mib=M] [--cpu-rounds=K]
//
// A real master and one slave (one slot) on loopback; one MasterClient connection.
//
// Latency (every variant once per round, in a rotated order, N lines each; percentiles over
// all rounds' lines):
//   round trip   an interactive job echoing each line it reads (Python `print(input(),
//                flush=True)`, C fgets + fputs + fflush): from before the client sends the
//                `input` to when the `output` holding the echo has been read and parsed
//   one way      a streamed job printing its CLOCK_MONOTONIC time every 20 ms (the clock is the
//                host's: the sandbox has no time namespace): the client's CLOCK_MONOTONIC when
//                the `output` holding a line has been read and parsed, less the stamp in it
//   by hand      the same programs started here with posix_spawn, stdin and stdout on pipes,
//                measured the same way (the time the line is read from the pipe)
//
// CPU per MiB (K rounds, every job in each, the streamed one first in every other round): two
// Python programs writing to stdout as fast as they can, M MiB in 64 KiB writes and 100,000
// short lines each flushed (a write system call per line: what coalescing is for), each once
// with `stream` (this client reads every `output`) and once without (the output travels once,
// in the result). CPU = utime + stime of the master and of the slave process from
// /proc/PID/stat, before and after each job, summed over the rounds.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "master_client.h"
#include "polyrun/job_json.h"
#include "polyrun/wire_bytes.h"
#include "suite/local_cluster.h"
#include "suite/process.h"
#include "suite/stats.h"

namespace {
namespace fs = std::filesystem;
using namespace polyrun;
using namespace polyrun::bench;
using nlohmann::json;

constexpr int kLineTimeoutMs = 20000;  // a line that takes longer fails the variant
constexpr int kStartTimeoutMs = 120000;

int64_t monotonicNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

double cpuSelfMs() {
  timespec ts;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// --- The programs ---------------------------------------------------------------------------

constexpr const char* kPythonEcho = R"(print('ready', flush=True)
while True:
    try:
        line = input()
    except EOFError:
        break
    print(line, flush=True)
)";

constexpr const char* kCEcho = R"(#include <stdio.h>
int main(void) {
  char line[256];
  puts("ready");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    fputs(line, stdout);
    fflush(stdout);
  }
  return 0;
}
)";

// `@LINES@` is replaced by the number of lines.
constexpr const char* kPythonTicker = R"(import time
for i in range(@LINES@):
    print(i, time.monotonic_ns(), flush=True)
    time.sleep(0.02)
)";

constexpr const char* kCTicker = R"(#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>
int main(void) {
  const struct timespec pause = {0, 20000000};
  for (int i = 0; i < @LINES@; ++i) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("%d %lld\n", i, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    fflush(stdout);
    nanosleep(&pause, NULL);
  }
  return 0;
}
)";

// `@BLOCKS@` is replaced by the number of 64 KiB blocks (printable ASCII: no base64 on the wire).
constexpr const char* kPythonFlood = R"(import sys
block = (b'x' * 1023 + b'\n') * 64
out = sys.stdout.buffer
for _ in range(@BLOCKS@):
    out.write(block)
out.flush()
)";

// `@LINES@` is replaced by the number of lines: a write system call per line.
constexpr const char* kPythonLines = R"(for i in range(@LINES@):
    print(i, flush=True)
)";
constexpr long kFlushedLines = 100000;

std::string substitute(std::string text, const std::string& key, long value) {
  text.replace(text.find(key), key.size(), std::to_string(value));
  return text;
}

// --- A running program, read line by line -----------------------------------------------------

struct Line {
  std::string text;   // without its '\n'
  int64_t at_ns = 0;  // CLOCK_MONOTONIC when the bytes that completed it were read
};

// A program this bench talks to: through polyrun (a live job) or by hand (pipes).
class LiveProgram {
 public:
  virtual ~LiveProgram() = default;
  /// Bytes for the program's stdin.
  virtual bool write(const std::string& data, std::string* error) = 0;
  /// Ends the program's stdin, waits for its end; true when it ended well (exit 0, verdict OK).
  virtual bool finish(std::string* error) = 0;

  /// The next whole line of stdout; false + error after timeout_ms or at the end of the output.
  bool readLine(Line* line, int timeout_ms, std::string* error) {
    const double deadline = nowMs() + timeout_ms;
    while (lines_.empty()) {
      const double left = deadline - nowMs();
      if (left <= 0) {
        *error = "no line within " + std::to_string(timeout_ms) + " ms";
        return false;
      }
      if (!more(static_cast<int>(left) + 1, error)) return false;
    }
    *line = std::move(lines_.front());
    lines_.pop_front();
    return true;
  }
  /// How many reads (by hand) or `output` messages (polyrun) brought stdout so far.
  long deliveries() const { return deliveries_; }

 protected:
  // Waits at most timeout_ms for more stdout and hands it to take(); false + error on timeout,
  // at the end of the output or on a failure.
  virtual bool more(int timeout_ms, std::string* error) = 0;
  void take(const std::string& data, int64_t at_ns) {
    ++deliveries_;
    partial_ += data;
    for (size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
      lines_.push_back({partial_.substr(0, nl), at_ns});
      partial_.erase(0, nl + 1);
    }
  }

 private:
  std::string partial_;
  std::deque<Line> lines_;
  long deliveries_ = 0;
};

// A live job on the shared client. One at a time: messages for other ids are ignored.
class PolyrunProgram : public LiveProgram {
 public:
  PolyrunProgram(MasterClient& client, const Job& job, std::string* error)
      : client_(client), input_open_(job.interactive) {
    id_ = client_.sendSubmit(job, error);
  }
  bool started() const { return !id_.empty(); }

  bool write(const std::string& data, std::string* error) override {
    while (job_id_.empty())
      if (!more(kStartTimeoutMs, error)) return false;
    json m = {{"type", "input"}, {"job_id", job_id_}};
    putBytes(m, "data", data);
    return client_.send(m, error);
  }

  bool finish(std::string* error) override {
    if (!job_id_.empty() && !final_.is_object() && input_open_) {
      json m = {{"type", "input"}, {"job_id", job_id_}, {"data", ""}, {"eof", true}};
      if (!client_.send(m, error)) return false;
      input_open_ = false;
    }
    while (!final_.is_object())
      if (!more(kStartTimeoutMs, error) && !final_.is_object()) return false;
    JobResult r;
    if (final_.value("type", "") != "result" ||
        !fromJson(final_.value("result", json::object()), &r).isOk()) {
      *error = "the job ended with " + final_.dump().substr(0, 300);
      return false;
    }
    result_ = r;
    if (r.verdict != Verdict::kOk) {
      *error = "verdict " + final_["result"].value("verdict", "?") + ": " + r.message;
      return false;
    }
    return true;
  }

  const JobResult& result() const { return result_; }
  size_t streamedBytes() const { return streamed_bytes_; }
  size_t droppedBytes() const { return dropped_bytes_; }

 protected:
  bool more(int timeout_ms, std::string* error) override {
    if (final_.is_object()) {
      *error = "the job ended: " + final_.dump().substr(0, 300);
      return false;
    }
    for (;;) {
      auto m = client_.receive(timeout_ms, error);
      const int64_t at = monotonicNs();
      if (!m) return false;
      if (m->value("id", json()) != json(id_)) continue;
      const std::string type = m->value("type", "");
      if (type == "accepted") {
        job_id_ = m->value("job_id", "");
      } else if (type == "output") {
        std::vector<OutputChunk> chunks;
        if (Status s = fromJson(m->value("chunks", json()), &chunks); !s.isOk()) {
          *error = "bad output message: " + s.message();
          return false;
        }
        dropped_bytes_ += m->value("dropped", size_t{0});
        std::string out;
        for (const OutputChunk& c : chunks) {
          streamed_bytes_ += c.data.size();
          if (c.stream == OutputStream::kStdout) out += c.data;
        }
        take(out, at);
        return true;
      } else if (type == "result" || type == "error" || type == "cancelled") {
        final_ = std::move(*m);
        *error = "the job ended before the output expected: " + final_.dump().substr(0, 600);
        return false;
      }
    }
  }

 private:
  MasterClient& client_;
  std::string id_, job_id_;
  json final_;
  JobResult result_;
  bool input_open_;  // an interactive job whose end of input finish() has still to send
  size_t streamed_bytes_ = 0, dropped_bytes_ = 0;
};

// A program started here, stdin and stdout on pipes, stderr inherited.
class LocalProgram : public LiveProgram {
 public:
  LocalProgram(const std::vector<std::string>& argv, const std::string& cwd, std::string* error) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char path[] = "PATH=/usr/bin:/bin";
    char lang[] = "LANG=C.UTF-8";
    char* envp[] = {path, lang, nullptr};
    const int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      *error = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
    }
  }
  ~LocalProgram() override {
    std::string ignored;
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    finish(&ignored);
  }
  bool started() const { return pid_ > 0; }

  bool write(const std::string& data, std::string* error) override {
    for (size_t done = 0; done < data.size();) {
      const ssize_t w = ::write(in_, data.data() + done, data.size() - done);
      if (w <= 0) {
        *error = std::string("write to the program: ") + std::strerror(errno);
        return false;
      }
      done += static_cast<size_t>(w);
    }
    return true;
  }

  bool finish(std::string* error) override {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
    while (out_ >= 0 && more(kLineTimeoutMs, error)) {
    }
    if (out_ >= 0) ::close(out_);
    out_ = -1;
    if (pid_ <= 0) return false;
    int status = 0;
    const bool ok =
        ::waitpid(pid_, &status, 0) == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    pid_ = -1;
    if (!ok) *error = "the program did not exit 0 (wait status " + std::to_string(status) + ")";
    return ok;
  }

 protected:
  bool more(int timeout_ms, std::string* error) override {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
      *error = "no output within " + std::to_string(timeout_ms) + " ms";
      return false;
    }
    char buffer[65536];
    const ssize_t r = ::read(out_, buffer, sizeof buffer);
    const int64_t at = monotonicNs();
    if (r <= 0) {
      ::close(out_);
      out_ = -1;
      *error = "end of output";
      return false;
    }
    take(std::string(buffer, static_cast<size_t>(r)), at);
    return true;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
};

// --- Measurements ------------------------------------------------------------------------------

// Sends `lines` numbered lines one after the other, each when the previous one came back; the
// round trip of each in ms appended to *samples. False + error when the echo is wrong or late.
bool measureRoundTrip(LiveProgram& program, int lines, std::vector<double>* samples,
                      std::string* error) {
  Line line;
  if (!program.readLine(&line, kStartTimeoutMs, error)) return false;
  if (line.text != "ready") {
    *error = "expected 'ready', got '" + line.text + "'";
    return false;
  }
  for (int i = 0; i < lines; ++i) {
    const std::string text = std::to_string(i) + " echo";
    const int64_t sent = monotonicNs();
    if (!program.write(text + "\n", error) || !program.readLine(&line, kLineTimeoutMs, error))
      return false;
    if (line.text != text) {
      *error = "sent '" + text + "', got back '" + line.text + "'";
      return false;
    }
    samples->push_back(static_cast<double>(line.at_ns - sent) / 1e6);
  }
  return program.finish(error);
}

// Reads the ticker's `lines` stamped lines; their one-way latency in ms appended to *samples.
bool measureOneWay(LiveProgram& program, int lines, std::vector<double>* samples,
                   std::string* error) {
  for (int i = 0; i < lines; ++i) {
    Line line;
    if (!program.readLine(&line, i == 0 ? kStartTimeoutMs : kLineTimeoutMs, error)) return false;
    long seq = -1;
    long long stamp = 0;
    if (std::sscanf(line.text.c_str(), "%ld %lld", &seq, &stamp) != 2 || seq != i) {
      *error = "line " + std::to_string(i) + " reads '" + line.text + "'";
      return false;
    }
    samples->push_back(static_cast<double>(line.at_ns - stamp) / 1e6);
  }
  return program.finish(error);
}

Job sourceJob(const std::string& language, const std::string& file, const std::string& source) {
  Job job;
  job.language = language;
  job.files.push_back({file, source, Encoding::kUtf8});
  return job;
}

struct Variant {
  using Start = std::function<std::unique_ptr<LiveProgram>(std::string* error)>;
  using Measure = std::function<bool(LiveProgram&, std::vector<double>*, std::string*)>;
  Variant(std::string n, Start s, Measure m)
      : name(std::move(n)), start(std::move(s)), measure(std::move(m)) {}

  std::string name;
  Start start;
  Measure measure;
  std::vector<double> samples;
  long lines = 0, deliveries = 0;  // lines measured; reads or output messages that brought them
  double master_ms = 0;            // the master's CPU while this variant ran, every round
  std::string failure;
};

void printLatencyTable(const std::string& title, const std::vector<Variant>& variants) {
  std::printf("%s\n\n", title.c_str());
  std::printf(
      "| variant | lines | median | p90 | p99 | max | min | reads or `output`s per line | "
      "master CPU per line |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Variant& v : variants) {
    if (!v.failure.empty()) {
      std::printf("| %s | failed: %s | | | | | | | |\n", v.name.c_str(), v.failure.c_str());
      continue;
    }
    std::printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s |\n", v.name.c_str(),
                v.samples.size(), fixed(median(v.samples), 2).c_str(),
                fixed(p90(v.samples), 2).c_str(), fixed(percentile(v.samples, 0.99), 2).c_str(),
                fixed(percentile(v.samples, 1.0), 2).c_str(),
                fixed(present(v.samples).empty() ? NAN : present(v.samples).front(), 2).c_str(),
                fixed(v.lines ? static_cast<double>(v.deliveries) / v.lines : NAN, 2).c_str(),
                duration(v.lines ? v.master_ms * 1e6 / v.lines : NAN).c_str());
  }
  std::printf(
      "\n(milliseconds; the master's CPU in clock ticks of %.0f ms, summed over the "
      "rounds and divided by the lines, its job's submit and result included)\n\n",
      1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)));
}

// Every variant once per round, the first one rotating, so a busy neighbour slows all alike.
void runRounds(const LocalCluster& cluster, std::vector<Variant>& variants, int rounds,
               const char* what) {
  const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (int round = 0; round < rounds; ++round) {
    for (size_t k = 0; k < variants.size(); ++k) {
      Variant& v = variants[(k + static_cast<size_t>(round)) % variants.size()];
      if (!v.failure.empty()) continue;
      std::string error;
      const long master_before = cluster.cpuTicks().master;
      auto program = v.start(&error);
      const size_t before = v.samples.size();
      if (!program || !v.measure(*program, &v.samples, &error)) {
        v.failure = error;
        std::fprintf(stderr, "%s, %s: failed: %s\n", what, v.name.c_str(), error.c_str());
        continue;
      }
      v.master_ms += static_cast<double>(cluster.cpuTicks().master - master_before) * tick_ms;
      v.lines += static_cast<long>(v.samples.size() - before);
      v.deliveries += program->deliveries();
      std::vector<double> these(v.samples.begin() + static_cast<long>(before), v.samples.end());
      std::fprintf(stderr, "%s round %d, %s: median %.2f ms, max %.2f ms\n", what, round + 1,
                   v.name.c_str(), median(these), percentile(these, 1.0));
    }
  }
}

// --- CPU per MiB -------------------------------------------------------------------------------

struct CpuRow {
  double master_ms = 0, slave_ms = 0, client_ms = 0;
  std::vector<double> wall_ms;
  long messages = 0;  // `output` messages (streamed)
  size_t dropped = 0;
  std::string failure;
};

// One flood job; adds its CPU to *row. The client reads everything it is sent.
void floodOnce(LocalCluster& cluster, MasterClient& client, const Job& job, size_t bytes,
               CpuRow* row) {
  const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const LocalCluster::CpuTicks before = cluster.cpuTicks();
  const double client_before = cpuSelfMs();
  const double start = nowMs();
  std::string error;
  PolyrunProgram program(client, job, &error);
  bool ok = program.started() && program.finish(&error);
  if (ok && (program.result().run->stdout_data.size() != bytes ||
             (job.stream && program.streamedBytes() + program.droppedBytes() != bytes))) {
    error = "expected " + std::to_string(bytes) + " bytes, the result has " +
            std::to_string(program.result().run->stdout_data.size()) + " and the stream " +
            std::to_string(program.streamedBytes()) + " (+" +
            std::to_string(program.droppedBytes()) + " dropped)";
    ok = false;
  }
  const double wall = nowMs() - start;
  const double client_cpu = cpuSelfMs() - client_before;
  const LocalCluster::CpuTicks after = cluster.cpuTicks();
  if (!ok) {
    row->failure = error;
    return;
  }
  row->master_ms += static_cast<double>(after.master - before.master) * tick_ms;
  row->slave_ms += static_cast<double>(after.slaves - before.slaves) * tick_ms;
  row->client_ms += client_cpu;
  row->wall_ms.push_back(wall);
  row->messages += program.deliveries();
  row->dropped += program.droppedBytes();
}

// A program writing as fast as it can, and its CPU streamed and not.
struct Flood {
  Flood(std::string n, Job j, size_t b) : name(std::move(n)), job(std::move(j)), bytes(b) {}

  std::string name;
  Job job;
  size_t bytes = 0;  // what it writes to stdout
  CpuRow streamed, plain;
};

std::string loadAverage() {
  std::string load;
  std::getline(std::ifstream("/proc/loadavg"), load);
  return load;
}

}  // namespace

int main(int argc, char** argv) {
  int lines = 200, rounds = 2, mib = 8, cpu_rounds = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* prefix, int* out) {
      if (a.rfind(prefix, 0) != 0) return false;
      *out = std::max(1, std::atoi(a.c_str() + std::strlen(prefix)));
      return true;
    };
    if (!value("--lines=", &lines) && !value("--rounds=", &rounds) && !value("--mib=", &mib) &&
        !value("--cpu-rounds=", &cpu_rounds)) {
      std::fprintf(stderr,
                   "usage: live_bench [--lines=N] [--rounds=R] [--mib=M] [--cpu-rounds=K]\n"
                   "  (unknown argument '%s')\n",
                   a.c_str());
      return 64;
    }
  }
  if (lines > 1000) {
    std::fprintf(stderr,
                 "live_bench: --lines=%d is over 1000: the ticker would outlive the "
                 "run's 30 s wall limit at 20 ms a line; pass at most 1000\n",
                 lines);
    return 64;
  }
  if (mib > 15) {
    std::fprintf(stderr,
                 "live_bench: --mib=%d is over 15: the output limit is 16 MiB and a "
                 "result must fit the master's 16 MiB frame; pass at most 15\n",
                 mib);
    return 64;
  }
  const std::string load_start = loadAverage();

  LocalCluster::Options co;
  co.bin_dir = POLYRUN_BIN_DIR;
  co.plugin_dir = POLYRUN_PLUGIN_DIR;
  co.slaves = 1;
  co.slave_capacity = 1;
  co.languages = {"python", "c"};
  LocalCluster cluster(co);
  std::string error;
  if (!cluster.start(&error)) {
    std::fprintf(stderr, "live_bench: the cluster did not start: %s\n", error.c_str());
    return 69;
  }
  MasterClient client("127.0.0.1", cluster.clientPort());
  if (!client.connect(&error)) {
    std::fprintf(stderr, "live_bench: %s\n", error.c_str());
    return 69;
  }

  // The programs by hand: sources in a directory of their own, the C ones compiled once.
  const fs::path dir = fs::path(cluster.dir()) / "by-hand";
  fs::create_directories(dir);
  const std::string python_ticker = substitute(kPythonTicker, "@LINES@", lines);
  const std::string c_ticker = substitute(kCTicker, "@LINES@", lines);
  std::ofstream(dir / "echo.py") << kPythonEcho;
  std::ofstream(dir / "ticker.py") << python_ticker;
  std::ofstream(dir / "echo.c") << kCEcho;
  std::ofstream(dir / "ticker.c") << c_ticker;
  for (const char* name : {"echo", "ticker"}) {
    const std::string source = (dir / (std::string(name) + ".c")).string();
    const ProcessRun built =
        runProcess({"/usr/bin/gcc", "-O2", "-o", (dir / name).string(), source}, dir.string());
    if (!built.exitedZero()) {
      std::fprintf(stderr, "live_bench: gcc %s failed: %s\n%s", source.c_str(),
                   built.describe().c_str(), built.output.c_str());
      return 1;
    }
  }
  auto byHand = [&](std::vector<std::string> argv) {
    return [argv, &dir](std::string* err) -> std::unique_ptr<LiveProgram> {
      auto p = std::make_unique<LocalProgram>(argv, dir.string(), err);
      if (!p->started()) return nullptr;
      return p;
    };
  };
  auto throughPolyrun = [&](Job job) {
    return [job, &client](std::string* err) -> std::unique_ptr<LiveProgram> {
      auto p = std::make_unique<PolyrunProgram>(client, job, err);
      if (!p->started()) return nullptr;
      return p;
    };
  };
  auto interactiveJob = [](Job job) {
    job.interactive = true;
    return job;
  };
  auto streamedJob = [](Job job) {
    job.stream = true;
    job.limits.run.wall_ms = 30000;
    return job;
  };
  const auto echo = [lines](LiveProgram& p, std::vector<double>* s, std::string* e) {
    return measureRoundTrip(p, lines, s, e);
  };
  const auto tick = [lines](LiveProgram& p, std::vector<double>* s, std::string* e) {
    return measureOneWay(p, lines, s, e);
  };

  // Warm-up, unrecorded: the C sources' compiles (later rounds are cache hits) and a first run.
  for (const Job& job : {sourceJob("c", "echo.c", kCEcho), sourceJob("c", "ticker.c", c_ticker),
                         sourceJob("python", "echo.py", kPythonEcho)}) {
    Job quick = job;
    quick.stdin_data = "";
    const auto reply = client.submit(quick, kStartTimeoutMs, &error);
    if (!reply || reply->value("type", "") != "result" ||
        reply->at("result").value("verdict", "") != "OK") {
      std::fprintf(stderr, "live_bench: warm-up %s failed: %s\n", job.files[0].name.c_str(),
                   reply ? reply->dump().substr(0, 300).c_str() : error.c_str());
      return 1;
    }
  }

  std::vector<Variant> round_trip = {
      {"Python, polyrun (interactive job)",
       throughPolyrun(interactiveJob(sourceJob("python", "echo.py", kPythonEcho))), echo},
      {"Python, by hand (pipes)", byHand({"/usr/bin/python3", "-B", "echo.py"}), echo},
      {"C, polyrun (interactive job)",
       throughPolyrun(interactiveJob(sourceJob("c", "echo.c", kCEcho))), echo},
      {"C, by hand (pipes)", byHand({(dir / "echo").string()}), echo},
  };
  std::vector<Variant> one_way = {
      {"Python, polyrun (streamed job)",
       throughPolyrun(streamedJob(sourceJob("python", "ticker.py", python_ticker))), tick},
      {"Python, by hand (pipes)", byHand({"/usr/bin/python3", "-B", "ticker.py"}), tick},
      {"C, polyrun (streamed job)",
       throughPolyrun(streamedJob(sourceJob("c", "ticker.c", c_ticker))), tick},
      {"C, by hand (pipes)", byHand({(dir / "ticker").string()}), tick},
  };
  runRounds(cluster, round_trip, rounds, "round trip");
  runRounds(cluster, one_way, rounds, "one way");

  // CPU per MiB: each flood streamed and not, alternating which goes first.
  std::vector<Flood> floods;
  floods.push_back(
      {"64 KiB writes, " + std::to_string(mib) + " MiB",
       sourceJob("python", "flood.py", substitute(kPythonFlood, "@BLOCKS@", long{mib} * 16)),
       static_cast<size_t>(mib) << 20});
  size_t line_bytes = 0;
  for (long i = 0; i < kFlushedLines; ++i) line_bytes += std::to_string(i).size() + 1;
  floods.push_back(
      {"a flushed line per write, " + std::to_string(kFlushedLines) + " lines",
       sourceJob("python", "lines.py", substitute(kPythonLines, "@LINES@", kFlushedLines)),
       line_bytes});
  for (Flood& f : floods) {
    f.job.limits.output_bytes = 16 << 20;
    f.job.limits.run.wall_ms = 30000;
  }
  for (int round = 0; round < cpu_rounds; ++round) {
    for (Flood& f : floods) {
      Job streamed_job = f.job;
      streamed_job.stream = true;
      if (round % 2 == 0) floodOnce(cluster, client, streamed_job, f.bytes, &f.streamed);
      floodOnce(cluster, client, f.job, f.bytes, &f.plain);
      if (round % 2 == 1) floodOnce(cluster, client, streamed_job, f.bytes, &f.streamed);
    }
    std::fprintf(stderr, "cpu round %d done\n", round + 1);
  }

  std::printf("live_bench: %d lines a variant a round, %d rounds; floods %d rounds\n", lines,
              rounds, cpu_rounds);
  std::printf("load average at the start: %s; at the end: %s\n\n", load_start.c_str(),
              loadAverage().c_str());
  printLatencyTable("Round trip: `input` sent → echoed line read (interactive echo)", round_trip);
  printLatencyTable(
      "One way: program's write (its CLOCK_MONOTONIC stamp) → line read, a line "
      "every 20 ms",
      one_way);

  std::printf(
      "CPU per MiB of output: Python programs writing as fast as they can, %d rounds "
      "(CPU summed over the rounds; clock ticks of %.0f ms)\n\n",
      cpu_rounds, 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK)));
  std::printf(
      "| flood | job | master CPU / MiB | slave CPU / MiB | client CPU / MiB | "
      "wall (median) | `output` messages per job | bytes per message |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  bool failed = false;
  for (const Flood& f : floods) {
    const double total_mib = static_cast<double>(f.bytes) / 1048576.0 * cpu_rounds;
    for (const auto& [name, row] : {std::pair<const char*, const CpuRow&>{"streamed", f.streamed},
                                    {"not streamed (the output in the result only)", f.plain}}) {
      if (!row.failure.empty()) {
        std::printf("| %s | %s | failed: %s | | | | | |\n", f.name.c_str(), name,
                    row.failure.c_str());
        failed = true;
        continue;
      }
      const double jobs = static_cast<double>(row.wall_ms.size());
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", f.name.c_str(), name,
                  ms(row.master_ms / total_mib).c_str(), ms(row.slave_ms / total_mib).c_str(),
                  ms(row.client_ms / total_mib).c_str(), ms(median(row.wall_ms)).c_str(),
                  fixed(static_cast<double>(row.messages) / jobs, 0).c_str(),
                  row.messages
                      ? fixed(total_mib * 1048576.0 / static_cast<double>(row.messages), 0).c_str()
                      : "—");
    }
  }
  std::printf("\n");
  for (const Flood& f : floods) {
    std::printf("%s, streamed / not streamed: master %sx, slave %sx", f.name.c_str(),
                fixed(f.streamed.master_ms / f.plain.master_ms, 2).c_str(),
                fixed(f.streamed.slave_ms / f.plain.slave_ms, 2).c_str());
    if (f.streamed.dropped) std::printf("; %zu bytes dropped by the master", f.streamed.dropped);
    std::printf("\n");
  }

  for (const auto* variants : {&round_trip, &one_way})
    for (const Variant& v : *variants) failed = failed || !v.failure.empty();
  return failed ? 1 : 0;
}
