// A one-shot cancellation signal that a poll loop can wait on: cancel() makes fd() readable and
// keeps it readable. The slave gives one to each running job; the sandbox adds fd() to the set
// it polls, so a cancelled stage ends at once without any polling loop or sleep.
#pragma once

#include <atomic>

#include "polyrun/export.h"

namespace polyrun {

class POLYRUN_API CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  /// Signals cancellation. Thread-safe and idempotent; never blocks.
  void cancel();
  /// True once cancel() was called. Thread-safe.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  /// An eventfd that becomes readable (POLLIN) on cancel() and stays so; never read from it.
  /// -1 when the kernel refused one (out of descriptors): cancelled() still works, but a wait
  /// in poll() will not be woken.
  int fd() const { return fd_; }

 private:
  std::atomic<bool> cancelled_{false};
  int fd_ = -1;
};

}  // namespace polyrun
