// Who a zygote's processes are on the host: the uid and gid maps the slave writes for a new
// user namespace, and the pool of host ids the slave's zygotes take theirs from. Private to core.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::detail {

/// A stage program's uid and gid inside its namespace.
constexpr unsigned kInsideId = 1000;

/// The text of a uid_map or gid_map (user_namespaces(7)) for a zygote whose programs run as
/// `host_id`: a root slave maps root to root (the zygote builds the root as host root) and
/// kInsideId to `host_id`; an unprivileged slave may map only its own id, to root inside.
std::string idMapText(bool privileged, unsigned host_id);

/// Writes `value` to /proc/`pid`/`name` in one write.
Status writeProcFile(pid_t pid, const char* name, const std::string& value);

/// Writes the id maps of the new user namespace of `pid` (and, for an unprivileged slave,
/// denies setgroups first, which the kernel requires of it before a gid_map).
Status writeIdMaps(pid_t pid, bool privileged, unsigned uid, unsigned gid);

/// Host ids for zygotes: each live zygote takes the lowest index not in use, so concurrent
/// stages run as different host users; past `count` zygotes share (round robin). Thread-safe.
class IdPool {
 public:
  explicit IdPool(unsigned count);
  /// The index, and whether it is this zygote's alone (to be released).
  std::pair<unsigned, bool> acquire();
  /// Gives back an index acquire() returned as this zygote's alone.
  void release(unsigned index);

 private:
  Mutex mutex_;
  std::vector<bool> used_ POLYRUN_GUARDED_BY(mutex_);
  unsigned next_shared_ POLYRUN_GUARDED_BY(mutex_) = 0;
};

}  // namespace polyrun::detail
