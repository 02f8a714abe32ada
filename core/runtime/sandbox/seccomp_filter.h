// The system-call filter every sandboxed program runs under. Built once with libseccomp in the
// parent and installed in the child with a bare prctl(), which allocates nothing.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "polyrun/status.h"

namespace polyrun::detail {

/// The filter as classic BPF in *program. kIoError (libseccomp's errno) or kInternal when
/// libseccomp cannot build it. `tree`: the system call numbers as a binary search tree (what
/// the sandbox installs); false: the plain list libseccomp makes by default, with the same
/// decisions (bench/seccomp_bench compares them).
Status buildSeccompFilter(std::vector<sock_filter>* program, bool tree = true);

/// Installs `program`; async-signal-safe. Requires PR_SET_NO_NEW_PRIVS first. 0 or -1/errno.
int installSeccompFilter(const std::vector<sock_filter>& program);

/// The system calls the filter forbids (the process is killed), for documentation and messages.
const std::vector<const char*>& forbiddenSyscalls();

/// The system calls that fail with ENOSYS as if the kernel lacked them: clone3 (its flags are
/// out of the filter's reach; the C library falls back to clone) and io_uring (a ring makes
/// system calls the filter never sees).
const std::vector<const char*>& unavailableSyscalls();

}  // namespace polyrun::detail
