// Clang's thread-safety analysis (-Wthread-safety) for state guarded by a mutex: which mutex
// guards a field (POLYRUN_GUARDED_BY), which a function needs held (POLYRUN_REQUIRES, the
// `*Locked` methods) — checked by the compiler instead of trusted to a naming convention. The
// macros are empty under g++, which builds polyrun; scripts/check-thread-safety.py compiles the
// annotated files with clang++ -Wthread-safety -Werror (ctest `thread_safety`).
//
// std::mutex carries no annotation in libstdc++, so annotated state uses polyrun::Mutex and
// polyrun::MutexLock, thin wrappers with the same cost.
#pragma once

#include <mutex>

#if defined(__clang__)
#define POLYRUN_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define POLYRUN_THREAD_ANNOTATION(x)
#endif

#define POLYRUN_CAPABILITY(x) POLYRUN_THREAD_ANNOTATION(capability(x))
#define POLYRUN_SCOPED_CAPABILITY POLYRUN_THREAD_ANNOTATION(scoped_lockable)
#define POLYRUN_GUARDED_BY(x) POLYRUN_THREAD_ANNOTATION(guarded_by(x))
#define POLYRUN_REQUIRES(...) POLYRUN_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define POLYRUN_EXCLUDES(...) POLYRUN_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define POLYRUN_ACQUIRE(...) POLYRUN_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define POLYRUN_RELEASE(...) POLYRUN_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace polyrun {

/// A std::mutex the analysis knows as a capability.
class POLYRUN_CAPABILITY("mutex") Mutex {
 public:
  void lock() POLYRUN_ACQUIRE() { mutex_.lock(); }
  void unlock() POLYRUN_RELEASE() { mutex_.unlock(); }
  /// The wrapped mutex, for a std::condition_variable (through MutexLock::native()).
  std::mutex& native() { return mutex_; }

 private:
  std::mutex mutex_;
};

/// Holds a Mutex for its scope, as std::unique_lock does; native() lends the lock to a
/// std::condition_variable's wait, which returns with the mutex held again.
class POLYRUN_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) POLYRUN_ACQUIRE(mutex) : lock_(mutex.native()) {}
  ~MutexLock() POLYRUN_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace polyrun
