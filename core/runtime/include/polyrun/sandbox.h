// Runs one command with limits and captures what it does. The interface is the seam between
// the job executor and the operating system: the real implementation forks and execs; tests
// may inject a fake. Implementations are thread-safe: a slave runs several stages at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "polyrun/export.h"
#include "polyrun/status.h"

namespace polyrun {

class CancelToken;  // polyrun/cancel_token.h
class StageStream;  // polyrun/stage_stream.h

struct ProcessLimits {
  int64_t wall_ms = 5000;
  int64_t cpu_ms = 5000;
  int64_t memory_bytes = 0;        // 0 = not enforced
  int64_t output_bytes = 1 << 20;  // per stream; more is read and discarded, and flagged
  int64_t processes = 0;           // 0 = not enforced
  int64_t file_size_bytes = 0;     // largest file it may write; 0 = not enforced
  int64_t open_files = 256;
  /// A live stage (ProcessSpec::stream) with neither input nor output for this long ends;
  /// 0 = no idle limit.
  int64_t idle_ms = 0;
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path or "./name" inside cwd
  std::string cwd;                // absolute
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::string stdin_data;
  ProcessLimits limits;
  /// When set and cancelled (before or during the run), the whole process group is killed and
  /// the result says `cancelled`. Not owned; must outlive run().
  const CancelToken* cancel = nullptr;
  /// When set, the stage is live: its output also goes to the stream as it is read, in bursts;
  /// signals queued on it go to the program's main process; an interactive stream's input is
  /// written after stdin_data and stdin stays open until the stream ends it. Not owned; must
  /// outlive run().
  StageStream* stream = nullptr;
};

struct ProcessResult {
  bool started = false;  // false: could not start; `error` says why
  std::string error;
  int exit_code = -1;         // -1 unless it exited normally
  int signal = 0;             // the signal that killed it, 0 if none
  bool wall_timeout = false;  // killed by us at the wall-clock limit
  bool cpu_timeout = false;   // went over its CPU time limit
  bool memory_exceeded = false;
  bool cancelled = false;          // killed because spec.cancel was cancelled
  bool idle_timeout = false;       // killed at the idle limit (limits.idle_ms)
  bool forbidden_syscall = false;  // killed by the seccomp filter (SIGSYS)
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  /// User + system of every process of the stage where the sandbox accounts it (the namespace
  /// sandbox with a cgroup, docs/sandbox.md), else of the process and its waited-for children.
  int64_t cpu_ms = 0;
  int64_t wall_ms = 0;
  /// Peak memory: of the stage's cgroup where there is one (what its memory limit counts), or
  /// the peak resident set size of its largest process, whichever is larger.
  int64_t memory_bytes = 0;
};

/// How a sandbox holds a stage to its memory and process limits (docs/sandbox.md). The name is
/// what a slave reports in its register message ("limits") and `polyrun status` shows.
enum class LimitsMode {
  kNone,     // "none": not at all (plain processes)
  kRlimits,  // "rlimits": per-process rlimits and checks after the fact only; weaker than asked
  kCgroup,   // "cgroup": a cgroup per stage limits its memory and processes together
};
inline const char* limitsModeName(LimitsMode mode) {
  return mode == LimitsMode::kCgroup ? "cgroup" : mode == LimitsMode::kRlimits ? "rlimits" : "none";
}

class POLYRUN_API Sandbox {
 public:
  virtual ~Sandbox() = default;
  /// Runs `spec` to completion. When it returns, every process the command started is gone.
  virtual ProcessResult run(const ProcessSpec& spec) = 0;
  /// One line for logs and `polyrun status`: what isolates and limits a stage.
  virtual std::string describe() const { return "plain processes (no isolation)"; }
  virtual LimitsMode limitsMode() const { return LimitsMode::kNone; }
  /// Why memory and processes are not limited by a cgroup; "" in LimitsMode::kCgroup.
  virtual std::string limitsProblem() const { return "plain processes have no cgroup"; }
};

/// How the namespace sandbox isolates a stage (docs/sandbox.md).
struct SandboxOptions {
  /// A directory the sandbox owns (the empty mount point of each zygote's root); created.
  std::string state_dir;
  /// First host user and group of the range stages run in when the slave is root (an
  /// unprivileged slave's stages run as the slave's own user). Inside, the program sees uid and
  /// gid 1000.
  unsigned uid = 65534;
  unsigned gid = 65534;
  /// Stages expected at once (the slave: its job slots plus its own probes). Each of that many
  /// concurrent stages runs as a host uid and gid of its own, `uid` to `uid + stages - 1` (more
  /// share them), so that per-user kernel budgets (pipe buffers, epoll watches...) of one job
  /// are not another's; and together they get at most half of the slave's user's budgets of
  /// inotify instances and watches, queued signals and message queue bytes.
  unsigned stages = 1;
  /// Size of each stage's private /tmp (and /dev/shm).
  int64_t tmp_bytes = 64ll << 20;
  /// Host paths shown read-only besides /usr and the few /etc entries tools need (e.g. a JDK
  /// installed under /opt). Each must be absolute.
  std::vector<std::string> readonly_paths;
  /// Use cgroups for memory and process limits where a writable hierarchy exists.
  bool use_cgroups = true;
  /// A cgroup v2 directory made for the stage groups (holding no process), used instead of the
  /// process's own group; "" for none (docs/install.md, "Hosts").
  std::string cgroup_root;
};

/// The isolating sandbox: user, PID, mount, network, IPC, UTS and cgroup namespaces, a private
/// read-only root, an unprivileged uid without capabilities, a seccomp filter, cgroup limits.
/// Checks at creation that it works here by running /bin/true, and stores it in *out; otherwise
/// kUnavailable saying what the host does not allow (*out untouched).
POLYRUN_API Status makeNamespaceSandbox(const SandboxOptions& options,
                                        std::unique_ptr<Sandbox>* out);

/// On a cgroup v2 host run by systemd: why the calling process's own cgroup cannot be delegated
/// to a sandbox's stages (other processes share it, as in a login session's scope, or this user
/// may not write it), so that it needs a transient scope with Delegate=yes to limit them; ""
/// when it can be delegated, or on a host where a scope would not help.
POLYRUN_API std::string cgroupScopeNeeded();

/// The plain process runner: its own process group and session, rlimits (CPU, file size, open
/// files), a wall-clock limit enforced by killing the whole group, output capped per stream.
/// Not yet an isolation boundary: see docs/sandbox.md.
POLYRUN_API std::unique_ptr<Sandbox> makeProcessSandbox();

}  // namespace polyrun
