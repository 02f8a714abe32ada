// Removes finished jobs' work directories on a thread of its own, so that a job's result does not
// wait for the file system: on a disk mounted with `discard`, removing a file waits for the device
// (docs/performance.md, "Throughput"). The slave hands each job's directory to one DirReaper.
#pragma once

#include "polyrun/export.h"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace polyrun {

class POLYRUN_API DirReaper {
 public:
  /// Starts the removing thread. At most `max_pending` directories wait at once (at least 1).
  explicit DirReaper(size_t max_pending = 64);
  /// Removes every directory still queued, then stops the thread.
  ~DirReaper();
  DirReaper(const DirReaper&) = delete;
  DirReaper& operator=(const DirReaper&) = delete;

  /// Queues `dir` to be removed with everything in it (symbolic links are removed, never
  /// followed). Blocks while `max_pending` directories wait, so that a disk slower than the jobs
  /// slows the jobs down rather than filling up. Thread-safe; never throws.
  void remove(std::string dir);
  /// Returns once every directory queued before the call is gone. Thread-safe.
  void flush();
  /// Directories handled so far (one that could not be removed, as before, counts too).
  size_t removed() const;

 private:
  void loop();

  const size_t max_pending_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;   // the thread waits for work
  std::condition_variable progress_;  // remove() waits for room, flush() for completion
  std::deque<std::string> pending_;
  size_t queued_total_ = 0;
  size_t removed_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace polyrun
