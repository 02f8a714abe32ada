// Programs the benchmark suite starts: one run to completion with its output captured and its
// wall time measured (the "raw" side of every comparison, and the CLI), or one left running in
// the background with its output in a log file (the master and the slaves).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace polyrun::bench {

/// Milliseconds on the steady clock, from an arbitrary origin: the suite's one stopwatch.
double nowMs();

struct ProcessRun {
  bool started = false;
  int status = -1;     // as from waitpid
  std::string output;  // stdout and stderr, interleaved as written
  double wall_ms = 0;  // from posix_spawn to the reaped exit, output read included
  std::string error;   // why it did not start

  bool exitedZero() const;
  /// "exit code 3", "signal 9", or the start error: for messages.
  std::string describe() const;
};

/// Runs `argv` (argv[0] an absolute path) in `cwd`, stdin from /dev/null, and waits for it.
/// `env` ("KEY=VALUE" entries) replaces the caller's environment when given.
ProcessRun runProcess(const std::vector<std::string>& argv, const std::string& cwd,
                      const std::vector<std::string>* env = nullptr);

/// Starts `argv` in the background, stdin from /dev/null, stdout and stderr appended to
/// `log_path`. The pid, or -1.
pid_t spawnLogged(const std::vector<std::string>& argv, const std::string& log_path);

/// SIGTERM; SIGKILL when it has not exited within `grace`. Reaps it. Does nothing for pid <= 0.
void stopProcess(pid_t pid, std::chrono::milliseconds grace);

}  // namespace polyrun::bench
