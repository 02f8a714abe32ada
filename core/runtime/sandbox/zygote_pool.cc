#include "zygote_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace polyrun::detail {

bool waitReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

Zygote::~Zygote() {
  control.reset();
  if (pidfd.fd >= 0) ::syscall(SYS_pidfd_send_signal, pidfd.fd, SIGKILL, nullptr, 0);
  if (pid > 0)
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  if (area) ::munmap(area, kAreaBytes);
  if (cgroup) cgroups->release(std::move(cgroup));
  if (ids) ids->release(id_index);
}

bool Zygote::alive() const { return pidfd.fd >= 0 && !waitReadable(pidfd.fd, 0); }

std::unique_ptr<Zygote> ZygotePool::take() {
  for (;;) {
    std::unique_ptr<Zygote> z;
    {
      MutexLock lock(mutex_);
      if (idle_.empty()) return nullptr;
      z = std::move(idle_.back());
      idle_.pop_back();
    }
    if (z->alive()) return z;
    // Killed between stages: ended here, outside the lock (its destructor waits for it).
  }
}

void ZygotePool::put(std::unique_ptr<Zygote> zygote) {
  if (!zygote || !zygote->alive()) return;
  MutexLock lock(mutex_);
  idle_.push_back(std::move(zygote));
}

}  // namespace polyrun::detail
