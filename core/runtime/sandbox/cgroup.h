// Per-stage control groups for memory and process limits and for the accounting of a whole
// stage's CPU time and peak memory. Supports cgroup v2 (unified, with memory and pids delegated
// to this process's cgroup) and v1 (writable memory, pids and cpuacct hierarchies, as on hybrid
// hosts). Private to core; used by the namespace sandbox.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::detail {

/// The cgroup(s) of one sandbox zygote and the stages it starts (namespace_sandbox.cc): the
/// zygote is moved in once, its stages are born inside, and each stage sets the limits and
/// remembers the OOM count. Creating and removing a memory cgroup costs milliseconds, so groups
/// outlive their zygote in the manager's pool, reused once no process is left in them.
class StageCgroup {
 public:
  virtual ~StageCgroup() = default;
  /// Moves `pid` (and so every process it forks later) into the group; kIoError when the kernel
  /// refuses.
  virtual Status addProcess(pid_t pid) = 0;
  /// True when the kernel's OOM killer killed a process of the group during this stage.
  virtual bool oomKilled() const = 0;
  /// Sets the limits for the next stage (0 = none; writes only what changed since the last
  /// call) and starts its OOM count afresh. kIoError when a limit cannot be written, or a lower
  /// memory limit than the group still holds cannot be set.
  virtual Status prepare(int64_t memory_bytes, int64_t processes) = 0;
  /// Waits (bounded) until every process of the stage is gone; false if some remain.
  virtual bool waitEmpty() = 0;
  /// CPU time (user + system) of every process of the group since the last prepare(), in
  /// microseconds, whether or not they were waited for; -1 when the group does not account CPU.
  virtual int64_t cpuUsageUs() = 0;
  /// The group's peak memory (what its memory limit counts) since the last prepare(); -1 when
  /// the kernel cannot tell. cgroup v2 before Linux 6.12 cannot reset a group's peak: there it
  /// is the most the group held when notePeak() looked.
  virtual int64_t peakMemoryBytes() = 0;
  /// Called before the stage is killed at a limit, while its processes still hold their memory.
  virtual void notePeak() {}
};

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  /// "cgroup v1 (memory, pids, cpuacct)" or "cgroup v2 (memory, pids, cpu)": what it limits and
  /// accounts.
  virtual std::string describe() const = 0;
  virtual bool limitsMemory() const = 0;
  virtual bool limitsProcesses() const = 0;
  /// True when its groups account the CPU time of all their processes (cpuUsageUs() >= 0).
  virtual bool accountsCpu() const = 0;
  /// A group for one stage with the limits (0 = none), stored in *out (untouched on failure).
  /// Give it back with release() when the stage's processes are gone.
  Status acquire(int64_t memory_bytes, int64_t processes, std::unique_ptr<StageCgroup>* out);
  void release(std::unique_ptr<StageCgroup> group);

 protected:
  /// A new empty group in *out; kIoError when it cannot be made.
  virtual Status create(std::unique_ptr<StageCgroup>* out) = 0;
  /// Removes the idle groups now (before a manager removes what holds them).
  void clearPool();

 private:
  Mutex mutex_;
  std::vector<std::unique_ptr<StageCgroup>> idle_ POLYRUN_GUARDED_BY(mutex_);
};

/// Where a sandbox's stage groups may come from (SandboxOptions, docs/install.md "Hosts").
struct CgroupSetup {
  /// A cgroup v2 directory made for the stage groups, used instead of this process's own group
  /// (as isolate's cg_root); "" for none. With one given, nothing else is tried.
  std::string root;
};

/// polyrun::cgroupScopeNeeded() (sandbox.h).
std::string cgroupScopeNeeded();

/// Finds a writable hierarchy for this process (delegating its own cgroup v2 group, or the
/// configured root); nullptr with *why when there is none.
std::unique_ptr<CgroupManager> detectCgroups(const CgroupSetup& setup, std::string* why);

/// The cgroup v2 path of detectCgroups() with this process's group given (`own_group`, a
/// directory of a cgroup2 file system, or for tests one shaped like it). `top`: the group is the
/// top of the hierarchy this process sees but not the host's root (a container's private cgroup
/// namespace), so the processes in it are the container's own and may move into a leaf.
std::unique_ptr<CgroupManager> detectCgroupV2At(const std::string& own_group, bool top,
                                                std::string* why);

/// The configured-root path of detectCgroups(): stage groups under `root`, which must hold no
/// process and have memory and pids available (enabled for its children here if they are not).
std::unique_ptr<CgroupManager> useCgroupV2Root(const std::string& root, std::string* why);

}  // namespace polyrun::detail
