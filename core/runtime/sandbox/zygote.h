// The processes of the namespace sandbox below the slave (docs/sandbox.md):
//
//   slave ──clone(new user/pid/mount/net/ipc/uts namespaces)──> zygote   (one per busy slot,
//         long-lived, inside its stage cgroup; builds the private read-only root once)
//   zygote ──clone(new pid namespace)──> init (pid 1 of the stage)   (one per stage)
//   init: own mount, IPC and cgroup namespaces, a new /proc, fresh /tmp and /dev/shm, the job's
//         work directory, the root read-only; starts the program, reaps everything, reports
//   program: stdio, rlimits, unprivileged uid, no capabilities, no_new_privs, seccomp, execve
//
// Everything here runs in a child of the multi-threaded slave: only system calls on data
// prepared beforehand, never an allocation or a lock. Private to core.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "id_map.h"  // kInsideId
#include "mount_plan.h"
#include "polyrun/sandbox.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000  // Linux 5.2; glibc 2.36's <sched.h> may lack it
#endif

namespace polyrun::detail {

/// One stage as the slave lays it out in the zygote's shared request area: the pointers point
/// into the same area, which the zygote and the stage's init map at the same address.
struct StageRequest {
  ProcessLimits limits;
  char** argv;
  char** envp;
  const char* cwd;
};

/// Writes `spec` into `area` (`size` bytes) as a StageRequest; false when it does not fit.
bool writeStageRequest(void* area, size_t size, const ProcessSpec& spec);

/// What the stage's init reports on the status pipe.
struct StatusMessage {
  enum Kind : int { kProgramEnded = 0, kSetupFailed = 1, kExecFailed = 2 } kind;
  int step;   // StageStep (setup) or ProgramStep (exec)
  int error;  // errno
  int wait_status;
  int64_t cpu_ms;
  int64_t max_rss_kb;
};

enum StageStep {
  kStageNamespaces = 0,
  kStageProc,
  kStageOomScore,
  kStageTmp,
  kStageShm,
  kStageMountPoint,
  kStageWorkDir,
  kStageReadOnlyRoot,
  kStageStartProgram
};
const char* stageStepName(int step);
const char* programStepName(int step);

/// The zygote's replies on its control socket. A kStarted reply carries the pidfd of the
/// stage's init (SCM_RIGHTS).
struct ZygoteMessage {
  enum Kind : int { kReady = 0, kSetupFailed = 1, kStarted = 2, kStageFailed = 3 } kind;
  int step;   // kSetupFailed: index of the MountStep (-1 before them, steps.size() pivoting);
              // kStageFailed: ZygoteStageStep
  int error;  // errno
};

/// kSetupFailed's step while the zygote sets its user namespace's limits (NamespaceBudgets).
constexpr int kSetupStepBudgets = -2;

enum ZygoteStageStep {
  kZygoteFds = 0,
  kZygoteHostMounts,
  kZygoteOpenWorkDir,
  kZygoteSandboxMounts,
  kZygoteMountPoint,
  kZygoteStartInit
};
const char* zygoteStepName(int step);

/// Requests on the control socket: one byte, with the stage's stdin (read end), stdout and
/// stderr (write ends) and status pipe (write end) as SCM_RIGHTS, in that order, and
/// optionally a fifth: the work directory as a detached mount (open_tree with OPEN_TREE_CLONE)
/// made by a root slave, used instead of the zygote's own clone from its copy of the host's
/// mounts (which has no mount made after the zygote started, such as a job's own tmpfs).
constexpr int kStageFds = 4;

/// What the stages of one zygote may spend of the kernel's per-user budgets. The zygote's user
/// namespace belongs to the slave's user (host root), so what its stages hold also counts
/// against that user's budgets on the host: each zygote gets a share (docs/sandbox.md).
struct NamespaceBudgets {
  /// "/proc/sys/user/<name>" and its value, written in the zygote's own user namespace (only
  /// tightens: the host's limits still apply above it). Pre-formatted: nothing is allocated in
  /// the zygote.
  struct Sysctl {
    std::string path;
    std::string value;
  };
  std::vector<Sysctl> sysctls;
  int64_t sigpending = 0;      // RLIMIT_SIGPENDING of programs (queued signals); 0 = unchanged
  int64_t msgqueue_bytes = 0;  // RLIMIT_MSGQUEUE of programs (POSIX message queues); 0 = unchanged
};

struct ZygotePlan {
  const std::vector<MountStep>* steps;
  const char* root;             // where the steps build the root, on the host's paths
  int control;                  // the zygote's end of the control socket
  const StageRequest* request;  // the shared area
  const std::vector<sock_filter>* seccomp;
  const char* tmp_options;  // tmpfs options of each stage's /tmp and /dev/shm
  bool limit_processes_by_rlimit;
  bool own_uid;          // unprivileged slave: the program keeps the slave's uid (0 inside)
  bool reset_oom_score;  // the slave shielded the zygote from the OOM killer; stages are not
  const NamespaceBudgets* budgets;
};

/// The zygote: waits for one byte on `control` (sent once its id maps and cgroup are set),
/// builds the root, replies kReady (or kSetupFailed and exits), then serves one stage per
/// request until the control socket closes.
[[noreturn]] void zygoteMain(const ZygotePlan& plan);

/// Closes every descriptor but the ones in `keep` (sorted in place); async-signal-safe.
void closeAllExcept(int* keep, int count);

}  // namespace polyrun::detail
