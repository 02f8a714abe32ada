// Sandbox overhead: the same command through plain posix_spawn, the process sandbox and the
// namespace sandbox, side by side in one run. Each benchmark times every run on its own and
// reports the median and the 10th/90th percentiles (counters median_ms, p10_ms, p90_ms): the
// mean hides what a typical stage costs behind the odd slow one. Real time decides how long
// each runs: the work is in child processes, not in this thread's CPU time. docs/performance.md has
// the figures and the command:
//   build/bin/sandbox_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//       --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "polyrun/job_executor.h"
#include "polyrun/sandbox.h"

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kTrue = {"/bin/true"};
const std::vector<std::string> kPython = {"/usr/bin/python3", "-c", "print(1)"};

std::string workDir() {
  static const std::string dir = [] {
    std::string d = "/tmp/polyrun-bench-" + std::to_string(::getpid());
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Per-run wall times, summarised as counters once the benchmark's loop is over.
class RunTimes {
 public:
  explicit RunTimes(benchmark::State& state) : state_(state) { ms_.reserve(4096); }
  ~RunTimes() {
    if (ms_.empty()) return;
    std::sort(ms_.begin(), ms_.end());
    auto at = [&](double q) {
      return ms_[static_cast<size_t>(q * static_cast<double>(ms_.size() - 1))];
    };
    state_.counters["median_ms"] = at(0.5);
    state_.counters["p10_ms"] = at(0.1);
    state_.counters["p90_ms"] = at(0.9);
  }
  void add(Clock::time_point start) {
    ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }

 private:
  benchmark::State& state_;
  std::vector<double> ms_;
};

// Plain fork/exec: posix_spawn, with the environment the sandboxes give the command.
void spawnDirect(benchmark::State& state, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::vector<std::string> env_strings = polyrun::cleanEnvironment(workDir());
  std::vector<char*> env;
  for (const auto& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  // Its output goes nowhere, as the sandbox's goes into a pipe it drains.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  RunTimes times(state);
  for (auto _ : state) {
    const auto start = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data()) != 0)
      state.SkipWithError("spawn");
    ::waitpid(pid, nullptr, 0);
    times.add(start);
  }
  posix_spawn_file_actions_destroy(&actions);
}

void throughSandbox(benchmark::State& state, polyrun::Sandbox* sandbox,
                    const std::vector<std::string>& argv) {
  if (!sandbox) {
    state.SkipWithError("sandbox unavailable");
    return;
  }
  polyrun::ProcessSpec spec;
  spec.argv = argv;
  spec.cwd = workDir();
  spec.env = polyrun::cleanEnvironment(spec.cwd);
  spec.limits.memory_bytes = 256 << 20;
  spec.limits.processes = 64;
  RunTimes times(state);
  for (auto _ : state) {
    const auto start = Clock::now();
    const auto r = sandbox->run(spec);
    times.add(start);
    if (!r.started || r.exit_code != 0) state.SkipWithError(("run failed: " + r.error).c_str());
  }
}

polyrun::SandboxOptions namespaceOptions() {
  polyrun::SandboxOptions o;
  o.state_dir = workDir() + "-state";
  return o;
}

polyrun::Sandbox* processSandbox() {
  static auto s = polyrun::makeProcessSandbox();
  return s.get();
}

polyrun::Sandbox* namespaceSandbox() {
  static auto s = [] {
    std::unique_ptr<polyrun::Sandbox> sb;
    if (polyrun::Status s = polyrun::makeNamespaceSandbox(namespaceOptions(), &sb); !s.isOk())
      fprintf(stderr, "namespace sandbox: %s\n", s.message().c_str());
    return sb;
  }();
  return s.get();
}

void BM_True_Direct(benchmark::State& s) { spawnDirect(s, kTrue); }
void BM_True_ProcessSandbox(benchmark::State& s) { throughSandbox(s, processSandbox(), kTrue); }
void BM_True_NamespaceSandbox(benchmark::State& s) { throughSandbox(s, namespaceSandbox(), kTrue); }
void BM_Python_Direct(benchmark::State& s) { spawnDirect(s, kPython); }
void BM_Python_ProcessSandbox(benchmark::State& s) { throughSandbox(s, processSandbox(), kPython); }
void BM_Python_NamespaceSandbox(benchmark::State& s) {
  throughSandbox(s, namespaceSandbox(), kPython);
}

// The one-time cost a slave pays at start (and per extra concurrent slot, for its zygote):
// detecting cgroups, building the seccomp filter, the first zygote with its root, and the
// /bin/true probe.
void BM_NamespaceSandbox_Create(benchmark::State& state) {
  RunTimes times(state);
  for (auto _ : state) {
    const auto start = Clock::now();
    std::unique_ptr<polyrun::Sandbox> sb;
    const polyrun::Status made = polyrun::makeNamespaceSandbox(namespaceOptions(), &sb);
    times.add(start);
    if (!made.isOk()) state.SkipWithError(("sandbox unavailable: " + made.message()).c_str());
  }
}

BENCHMARK(BM_True_Direct)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_True_ProcessSandbox)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_True_NamespaceSandbox)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Python_Direct)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Python_ProcessSandbox)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Python_NamespaceSandbox)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_NamespaceSandbox_Create)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace

BENCHMARK_MAIN();
