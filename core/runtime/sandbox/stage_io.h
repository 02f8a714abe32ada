// What every Sandbox implementation does around its child process: pipes, feeding stdin,
// draining stdout and stderr under the output cap, and waiting for the end of the stage on a
// pidfd, the wall-clock deadline or a cancellation, whichever comes first. Private to core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "polyrun/job.h"
#include "polyrun/sandbox.h"

namespace polyrun::detail {

using Clock = std::chrono::steady_clock;

/// An owned file descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset();
};

/// A pipe with O_CLOEXEC on both ends; false (errno set) on failure.
bool makePipe(Fd* read_end, Fd* write_end);
/// "what: strerror(errno)".
std::string errnoText(const char* what);

/// The parent's ends of the child's stdio.
struct StagePipes {
  Fd in_w;
  Fd out_r;
  Fd err_r;
  // A live stage's output read but not yet handed to its stream: one burst (pumpStage sends it
  // kLiveFlush after its first byte, or at kLiveBurstBytes; drainStage sends the rest).
  std::vector<OutputChunk> unsent;
  size_t unsent_bytes = 0;
  Clock::time_point unsent_since;
};

/// How long a live stage's output may wait to be sent with what follows it, and how much.
inline constexpr std::chrono::milliseconds kLiveFlush{5};
inline constexpr size_t kLiveBurstBytes = 64u << 10;

enum class StageEnd { kExited, kWallTimeout, kOutputLimit, kCancelled, kCpuLimit, kIdle };

/// Sends a signal to the stage's main process (a live stage's `signal`), if it still runs.
using SignalProgram = std::function<void(int signo)>;

/// The CPU limit of a whole stage (every process it started, waited for or not), checked while
/// it runs: `used_ms` says what the stage has used so far.
struct CpuWatch {
  std::function<int64_t()> used_ms;
  int64_t limit_ms = 0;
};

/// Pumps stdio until `end_fd` is readable or hung up (the pidfd of the process whose end ends
/// the stage, or a pipe its end closes), the wall-clock limit from `start` passes, an output
/// stream goes over its cap, `cancel_fd` (-1: none) becomes readable, or the stage's CPU time
/// per `cpu` (nullptr: not watched) goes over its limit. Captured output and truncation flags
/// go into *result. Never blocks on a pipe; waits only in poll().
/// A live stage (spec.stream) also hands its output to the stream in bursts, takes its input
/// and signals (passing signals to `signal_program`), and ends kIdle after limits.idle_ms
/// without input or output.
StageEnd pumpStage(int end_fd, StagePipes& pipes, const ProcessSpec& spec, Clock::time_point start,
                   int cancel_fd, ProcessResult* result, const CpuWatch* cpu = nullptr,
                   const SignalProgram& signal_program = {});

/// Takes what is already in the output pipes without waiting, then closes every pipe; a live
/// stage's last burst goes to its stream.
void drainStage(StagePipes& pipes, const ProcessSpec& spec, ProcessResult* result);

/// Pointers into `strings` plus a terminating null, for execve. Built before fork: the child
/// may not allocate.
std::vector<char*> cStrings(const std::vector<std::string>& strings);

}  // namespace polyrun::detail
