// The slave's side of its zygotes (zygote.h): the handle on one zygote process, and the idle
// zygotes kept between stages. A stage takes an idle zygote or has a new one made
// (NamespaceSandbox::createZygote, which knows the root, filter and limits), and gives it back
// when it ends. Private to core.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "cgroup.h"
#include "id_map.h"
#include "polyrun/thread_annotations.h"
#include "stage_io.h"

namespace polyrun::detail {

/// The shared area a stage's argv, environment and work directory travel in (only the pages
/// used are ever allocated).
constexpr size_t kAreaBytes = 4u << 20;

/// Whether `fd` becomes readable within `timeout_ms` (-1: no limit); retries on EINTR.
bool waitReadable(int fd, int timeout_ms);

/// The slave's handle on one zygote process. Used by one stage at a time. Destroying it ends
/// the zygote (and every process below it), and gives back its area, cgroup and host ids.
struct Zygote {
  pid_t pid = -1;
  Fd pidfd;
  Fd control;            // closing it makes the zygote leave, and with it every process below it
  void* area = nullptr;  // kAreaBytes, shared with the zygote
  CgroupManager* cgroups = nullptr;
  std::unique_ptr<StageCgroup> cgroup;  // the zygote lives in it; each stage sets its limits
  Fd last_init;               // pidfd of the last stage's init, which may still be exiting
  unsigned uid = 0, gid = 0;  // the host ids its programs run as (when the slave is root)
  IdPool* ids = nullptr;      // set when the ids are this zygote's alone
  unsigned id_index = 0;

  Zygote() = default;
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;
  ~Zygote();
  /// False once its pidfd says it has ended.
  bool alive() const;
};

/// The idle zygotes. Thread-safe. Destroy it before the CgroupManager and IdPool its zygotes
/// give their groups and ids back to.
class ZygotePool {
 public:
  /// An idle zygote that is still alive, or nullptr; those that died while idle (killed by an
  /// operator, the OOM killer...) are ended on the way.
  std::unique_ptr<Zygote> take();
  /// Keeps `zygote` for a later stage, unless it is gone.
  void put(std::unique_ptr<Zygote> zygote);

 private:
  Mutex mutex_;
  std::vector<std::unique_ptr<Zygote>> idle_ POLYRUN_GUARDED_BY(mutex_);
};

}  // namespace polyrun::detail
