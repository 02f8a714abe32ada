// Runs one command with limits and captures what it does. The interface is the seam between
// the job executor and the operating system: the real implementation forks and execs; tests
// may inject a fake. Implementations are thread-safe: a slave runs several stages at once.
#pragma once

#include "polyrun/export.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace polyrun {

struct ProcessLimits {
  int64_t wall_ms = 5000;
  int64_t cpu_ms = 5000;
  int64_t memory_bytes = 0;          // 0 = not enforced
  int64_t output_bytes = 1 << 20;    // per stream; more is read and discarded, and flagged
  int64_t processes = 0;             // 0 = not enforced
  int64_t file_size_bytes = 0;       // largest file it may write; 0 = not enforced
  int64_t open_files = 256;
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path or "./name" inside cwd
  std::string cwd;                // absolute
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::string stdin_data;
  ProcessLimits limits;
};

struct ProcessResult {
  bool started = false;   // false: could not start; `error` says why
  std::string error;
  int exit_code = -1;     // -1 unless it exited normally
  int signal = 0;         // the signal that killed it, 0 if none
  bool wall_timeout = false;  // killed by us at the wall-clock limit
  bool cpu_timeout = false;   // went over its CPU time limit
  bool memory_exceeded = false;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int64_t cpu_ms = 0;        // user + system, of the process and its waited-for children
  int64_t wall_ms = 0;
  int64_t memory_bytes = 0;  // peak resident set size
};

class POLYRUN_API Sandbox {
 public:
  virtual ~Sandbox() = default;
  /// Runs `spec` to completion. When it returns, every process the command started is gone.
  virtual ProcessResult run(const ProcessSpec& spec) = 0;
};

/// The plain process runner: its own process group and session, rlimits (CPU, file size, open
/// files), a wall-clock limit enforced by killing the whole group, output capped per stream.
/// Not yet an isolation boundary: see docs/sandbox.md.
POLYRUN_API std::unique_ptr<Sandbox> makeProcessSandbox();

}  // namespace polyrun
