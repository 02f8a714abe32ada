// Installing the sandbox's system-call filter, as each stage's program does before exec: the
// binary tree the sandbox uses against libseccomp's default list, side by side in one run. Each
// iteration forks a child that installs the filter and exits; the time is the install alone,
// measured in the child. docs/performance.md has the figures and the command:
//   build/bin/seccomp_bench --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "seccomp_filter.h"

namespace {

// Microseconds one child took to install `program`, or a negative number on failure.
double installInChild(const std::vector<sock_filter>& program) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    double us = -1;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      const auto start = std::chrono::steady_clock::now();
      if (polyrun::detail::installSeccompFilter(program) == 0)
        us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                 .count();
    }
    (void)!::write(fds[1], &us, sizeof us);
    ::_exit(0);
  }
  double us = -1;
  if (pid < 0 || ::read(fds[0], &us, sizeof us) != sizeof us) us = -1;
  if (pid > 0) ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  return us;
}

void BM_SeccompInstall(benchmark::State& state) {
  const bool tree = state.range(0) != 0;
  std::vector<sock_filter> program;
  if (polyrun::Status s = polyrun::detail::buildSeccompFilter(&program, tree); !s.isOk()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  for (auto _ : state) {
    const double us = installInChild(program);
    if (us < 0) {
      state.SkipWithError("the child could not install the filter");
      return;
    }
    state.SetIterationTime(us / 1e6);
  }
  state.SetLabel(std::string(tree ? "tree" : "list") + ", " + std::to_string(program.size()) +
                 " instructions");
}
BENCHMARK(BM_SeccompInstall)
    ->ArgName("tree")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
