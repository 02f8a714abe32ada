// Descriptors passed over a Unix socket (SCM_RIGHTS): the slave hands a stage's pipes and work
// directory to its zygote, and the zygote answers with the stage's init pidfd. Neither function
// allocates, so the zygote (a child forked from a threaded process) may call them.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace polyrun::detail {

/// The most descriptors one message carries.
constexpr size_t kMaxPassedFds = 8;

/// Sends `size` bytes of `data` with `count` (at most kMaxPassedFds) descriptors, retrying on
/// EINTR; what sendmsg(2) returned (the bytes sent, or -1 with errno).
ssize_t sendWithFds(int socket, const void* data, size_t size, const int* fds, size_t count);

/// Receives up to `size` bytes into `data` and the descriptors that come with them (close-on-
/// exec) into `fds`: `*count` of them, at most `max_fds`, the rest closed. Retries on EINTR;
/// what recvmsg(2) returned (0 when the peer is gone, -1 with errno).
ssize_t receiveWithFds(int socket, void* data, size_t size, int* fds, size_t max_fds,
                       size_t* count);

}  // namespace polyrun::detail
