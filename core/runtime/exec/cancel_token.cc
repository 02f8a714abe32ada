#include "polyrun/cancel_token.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace polyrun {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CancelToken::~CancelToken() {
  if (fd_ >= 0) ::close(fd_);
}

void CancelToken::cancel() {
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  if (fd_ >= 0) {
    // The counter goes from 0 to 1: readable from now on, since nobody reads it back.
    const uint64_t one = 1;
    (void)!::write(fd_, &one, sizeof one);
  }
}

}  // namespace polyrun
