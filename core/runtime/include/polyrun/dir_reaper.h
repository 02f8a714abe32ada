// Removes finished jobs' work directories on a thread of its own, so that a job's result does not
// wait for the file system: on a disk mounted with `discard`, removing a file waits for the device
// (docs/performance.md, "Throughput"). The slave hands each job's directory to one DirReaper.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "polyrun/export.h"
#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

namespace polyrun {

/// Removes `path` with everything in it, never following a symbolic link, with a bounded number
/// of descriptors whatever the depth (a job can nest directories tens of thousands deep, past
/// any descriptor limit and PATH_MAX). Keeps going past what it cannot remove; then kIoError
/// saying how many removals failed and the first one's name and reason. A missing `path` is
/// not an error. Must not race with anyone moving directories inside `path`.
POLYRUN_API Status removeTree(const std::string& path);

class POLYRUN_API DirReaper {
 public:
  /// Starts the removing thread. At most `max_pending` directories wait at once (at least 1).
  /// `on_failure` (called on the reaper's thread) hears what could not be removed.
  explicit DirReaper(size_t max_pending = 64,
                     std::function<void(const std::string&)> on_failure = {});
  /// Removes every directory still queued, then stops the thread.
  ~DirReaper();
  DirReaper(const DirReaper&) = delete;
  DirReaper& operator=(const DirReaper&) = delete;

  /// Queues `dir` to be removed with everything in it, by removeTree(); `unmount`: `dir` is a
  /// mount point, unmounted first (lazily). Blocks while `max_pending` directories wait, so
  /// that a disk slower than the jobs slows the jobs down rather than filling up. Thread-safe;
  /// never throws.
  void remove(std::string dir, bool unmount = false);
  /// Returns once every directory queued before the call is gone. Thread-safe.
  void flush();
  /// Directories handled so far (one that could not be removed counts too).
  size_t removed() const;
  /// Directories of which something could not be removed (each also reported to on_failure).
  size_t failed() const;

 private:
  void loop();

  const size_t max_pending_;
  const std::function<void(const std::string&)> on_failure_;
  mutable Mutex mutex_;
  std::condition_variable queued_;    // the thread waits for work
  std::condition_variable progress_;  // remove() waits for room, flush() for completion
  std::deque<std::pair<std::string, bool>> pending_
      POLYRUN_GUARDED_BY(mutex_);  // directory, unmount first
  size_t queued_total_ POLYRUN_GUARDED_BY(mutex_) = 0;
  size_t removed_ POLYRUN_GUARDED_BY(mutex_) = 0;
  size_t failed_ POLYRUN_GUARDED_BY(mutex_) = 0;
  bool stopping_ POLYRUN_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace polyrun
