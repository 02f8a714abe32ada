// Sandbox overhead: the same command through plain posix_spawn, the process sandbox and the
// namespace sandbox, side by side in one run. docs/performance.md has the figures and command:
//   build/bin/sandbox_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "polyrun/job_executor.h"
#include "polyrun/sandbox.h"

extern char** environ;

namespace {

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

void spawnDirect(benchmark::State& state, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto _ : state) {
    pid_t pid;
    if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) state.SkipWithError("spawn");
    ::waitpid(pid, nullptr, 0);
  }
}

void throughSandbox(benchmark::State& state, polyrun::Sandbox* sandbox, const std::vector<std::string>& argv) {
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
  for (auto _ : state) {
    const auto r = sandbox->run(spec);
    if (!r.started || r.exit_code != 0) state.SkipWithError(("run failed: " + r.error).c_str());
  }
}

polyrun::Sandbox* processSandbox() {
  static auto s = polyrun::makeProcessSandbox();
  return s.get();
}

polyrun::Sandbox* namespaceSandbox() {
  static auto s = [] {
    polyrun::SandboxOptions o;
    o.state_dir = workDir() + "-state";
    std::string error;
    auto sb = polyrun::makeNamespaceSandbox(o, &error);
    if (!sb) fprintf(stderr, "namespace sandbox: %s\n", error.c_str());
    return sb;
  }();
  return s.get();
}

void BM_True_Direct(benchmark::State& s) { spawnDirect(s, kTrue); }
void BM_True_ProcessSandbox(benchmark::State& s) { throughSandbox(s, processSandbox(), kTrue); }
void BM_True_NamespaceSandbox(benchmark::State& s) { throughSandbox(s, namespaceSandbox(), kTrue); }
void BM_Python_Direct(benchmark::State& s) { spawnDirect(s, kPython); }
void BM_Python_ProcessSandbox(benchmark::State& s) { throughSandbox(s, processSandbox(), kPython); }
void BM_Python_NamespaceSandbox(benchmark::State& s) { throughSandbox(s, namespaceSandbox(), kPython); }

BENCHMARK(BM_True_Direct)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_True_ProcessSandbox)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_True_NamespaceSandbox)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Python_Direct)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Python_ProcessSandbox)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Python_NamespaceSandbox)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
