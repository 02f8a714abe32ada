#include "seccomp_filter.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace polyrun::detail {

const std::vector<const char*>& forbiddenSyscalls() {
  // What a compiler or a contest program never needs, and what an escape would: tracing other
  // processes, changing mounts or namespaces, kernel modules and keys, BPF, perf, time and
  // machine state.
  static const std::vector<const char*> names = {
      "ptrace",
      "process_vm_readv",
      "process_vm_writev",
      "pidfd_getfd",
      "mount",
      "umount2",
      "pivot_root",
      "chroot",
      "mount_setattr",
      "move_mount",
      "open_tree",
      "fsopen",
      "fsconfig",
      "fsmount",
      "fspick",
      "unshare",
      "setns",
      "kexec_load",
      "kexec_file_load",
      "reboot",
      "init_module",
      "finit_module",
      "delete_module",
      "bpf",
      "perf_event_open",
      "userfaultfd",
      "fanotify_init",
      "lookup_dcookie",
      "keyctl",
      "add_key",
      "request_key",
      "swapon",
      "swapoff",
      "acct",
      "quotactl",
      "syslog",
      "vhangup",
      "open_by_handle_at",
      "name_to_handle_at",
      "iopl",
      "ioperm",
      "settimeofday",
      "clock_settime",
      "clock_adjtime",
      "adjtimex",
      "sethostname",
      "setdomainname",
  };
  return names;
}

const std::vector<const char*>& unavailableSyscalls() {
  static const std::vector<const char*> names = {"clone3", "io_uring_setup", "io_uring_enter",
                                                 "io_uring_register"};
  return names;
}

Status buildSeccompFilter(std::vector<sock_filter>* program, bool tree) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return Status::internal("seccomp_init failed");
  struct Release {
    scmp_filter_ctx ctx;
    ~Release() { seccomp_release(ctx); }
  } release{ctx};
  auto fail = [](const std::string& what, int rc) { return Status::fromErrno(what, -rc); };
  // A tree rather than a list: the kernel installs it in about a third of the time, since at
  // install it runs the filter for every system call number to find the always-allowed ones
  // (docs/performance.md, "System-call filter").
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, tree ? 2 : 1); rc < 0)
    return fail("seccomp binary tree optimization", rc);
  auto addAll = [&](const std::vector<const char*>& names, uint32_t action) {
    for (const char* name : names) {
      const int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
      if (int rc = seccomp_rule_add(ctx, action, nr, 0); rc < 0)
        return fail(std::string("seccomp rule for ") + name, rc);
    }
    return Status::ok();
  };
  if (Status s = addAll(forbiddenSyscalls(), SCMP_ACT_KILL_PROCESS); !s.isOk()) return s;
  // clone() may not make namespaces. clone3() passes its flags in memory the filter cannot
  // read, so it reports ENOSYS (below) and the C library falls back to clone().
  for (unsigned long flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                             CLONE_NEWUTS, CLONE_NEWCGROUP}) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
        rc < 0)
      return fail("seccomp rule for clone", rc);
  }
  // io_uring runs open, connect, send... from kernel workers that this filter never sees: a
  // ring would be a way around every rule above. ENOSYS, as on a kernel built without it, so
  // that runtimes which try it (libuv) fall back to plain system calls.
  if (Status s = addAll(unavailableSyscalls(), SCMP_ACT_ERRNO(ENOSYS)); !s.isOk()) return s;

  const int fd = ::memfd_create("polyrun-seccomp", MFD_CLOEXEC);
  if (fd < 0) return Status::fromErrno("memfd_create", errno);
  const int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    ::close(fd);
    return fail("seccomp_export_bpf", rc);
  }
  const off_t size = ::lseek(fd, 0, SEEK_END);
  program->resize(static_cast<size_t>(size) / sizeof(sock_filter));
  const ssize_t n = ::pread(fd, program->data(), static_cast<size_t>(size), 0);
  ::close(fd);
  if (n != size || program->empty())
    return Status::internal("cannot read the exported seccomp filter");
  return Status::ok();
}

int installSeccompFilter(const std::vector<sock_filter>& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

}  // namespace polyrun::detail
