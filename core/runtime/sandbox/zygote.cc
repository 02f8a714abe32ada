#include "zygote.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fd_passing.h"
#include "seccomp_filter.h"

// The new mount API (Linux 5.2); glibc 2.36 has no wrappers that coexist with <sys/mount.h>.
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

namespace polyrun::detail {
namespace {

constexpr size_t kMaxPath = 4096;

// Stacks of the stages' inits and of the program until its execve: they share the zygote's
// memory. Two for inits, used in turn: a stage's init may still be exiting (it reported, and
// touches its stack only to call _exit) while the next stage's init starts. One for programs:
// a program starts only once the previous stage's init is gone. Static, so nothing is
// allocated after the fork; a page is resident only once touched.
alignas(64) char g_init_stacks[2][256 << 10];
alignas(64) char g_program_stack[256 << 10];

void* stackTop(char (&stack)[256 << 10]) { return stack + sizeof stack; }

// 0 while the previous stage's init is still exiting, then 1: a stage's init starts its
// program only then (a futex word, in the memory the zygote and its inits share). So the
// program never shares its process and memory limits with what is left of the stage before:
// that init counts in the pids controller, and the previous stage's /tmp is uncharged only when
// its mount namespace is gone.
int g_previous_gone = 1;

void waitPreviousGone() {
  while (__atomic_load_n(&g_previous_gone, __ATOMIC_ACQUIRE) == 0)
    ::syscall(SYS_futex, &g_previous_gone, FUTEX_WAIT, 0, nullptr, nullptr, 0);
}

void setPreviousGone(int gone) {
  __atomic_store_n(&g_previous_gone, gone, __ATOMIC_RELEASE);
  if (gone) ::syscall(SYS_futex, &g_previous_gone, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

enum ProgramStep {
  kStdio = 0,
  kCwd,
  kLimits,
  kGroups,
  kIds,
  kCaps,
  kNoNewPrivs,
  kSeccomp,
  kExec,
  kOomScore
};

void writeAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0 && errno != EINTR) return;
    if (n > 0) {
      p += n;
      size -= static_cast<size_t>(n);
    }
  }
}

[[noreturn]] void report(int fd, StatusMessage::Kind kind, int step) {
  StatusMessage m{};
  m.kind = kind;
  m.step = step;
  m.error = errno;
  writeAll(fd, &m, sizeof m);
  ::_exit(127);
}

// Creates each missing directory of `path` (absolute), like mkdir -p. When `first_created` is
// given it receives the length of the shortest prefix this call created (0: none), for
// removeCreated().
int makeDirs(const char* path, size_t* first_created) {
  char buf[kMaxPath];
  const size_t n = std::strlen(path);
  if (n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buf, path, n + 1);
  if (first_created) *first_created = 0;
  for (size_t i = 1; i <= n; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    const char saved = buf[i];
    buf[i] = '\0';
    if (::mkdir(buf, 0755) == 0) {
      if (first_created && *first_created == 0) *first_created = i;
    } else if (errno != EEXIST) {
      return -1;
    }
    buf[i] = saved;
  }
  return 0;
}

// Removes what makeDirs() created for `path`, deepest first.
void removeCreated(const char* path, size_t first_created) {
  if (first_created == 0) return;
  char buf[kMaxPath];
  size_t n = std::strlen(path);
  if (n >= sizeof buf) return;
  std::memcpy(buf, path, n + 1);
  while (n >= first_created) {
    buf[n] = '\0';
    if (::rmdir(buf) != 0) return;
    while (n > 0 && buf[n - 1] != '/') --n;
    if (n <= 1) return;
    --n;
  }
}

int runStep(const MountStep& s) {
  const char* target = s.target.c_str();
  switch (s.kind) {
    case MountStep::kMkdir:
      return makeDirs(target, nullptr);
    case MountStep::kTmpfs:
      if (makeDirs(target, nullptr) != 0) return -1;
      return ::mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, s.source.c_str());
    case MountStep::kProc:
      if (makeDirs(target, nullptr) != 0) return -1;
      return ::mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    case MountStep::kSymlink:
      return ::symlink(s.source.c_str(), target);
    case MountStep::kWriteFile: {
      const int fd = ::open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return -1;
      writeAll(fd, s.source.data(), s.source.size());
      return ::close(fd);
    }
    case MountStep::kReadOnly:
      return ::mount(nullptr, target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | s.flags, nullptr);
    case MountStep::kBind:
    case MountStep::kBindFile: {
      if (s.kind == MountStep::kBind) {
        if (makeDirs(target, nullptr) != 0) return -1;
      } else {
        const int fd = ::open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        ::close(fd);
      }
      if (::mount(s.source.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return -1;
      if (!s.read_only) return 0;  // device nodes keep their flags
      return ::mount(nullptr, target, nullptr,
                     MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | s.flags, nullptr);
    }
  }
  return -1;
}

// One stage, as the zygote hands it to the stage's init and init to the program.
struct StagePlan {
  const ZygotePlan* zygote;
  const StageRequest* request;
  const char* cwd;  // the zygote's copy: the request area is rewritten once the stage is over
  int in, out, err, status, tree;
};

[[noreturn]] void programMain(const StagePlan& s) {
  const ZygotePlan& z = *s.zygote;
  const int status_fd = s.status;
  if (::dup2(s.in, 0) < 0 || ::dup2(s.out, 1) < 0 || ::dup2(s.err, 2) < 0)
    report(status_fd, StatusMessage::kExecFailed, kStdio);
  // Only stdio and the status pipe (closed by execve) survive.
  const unsigned status_u = static_cast<unsigned>(status_fd);
  if (status_u > 3) ::syscall(SYS_close_range, 3u, status_u - 1, 0u);
  ::syscall(SYS_close_range, status_u + 1, ~0u, 0u);
  if (z.reset_oom_score) {
    // The zygote and init are shielded from the OOM killer; the program must not be.
    const int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1)
      report(status_fd, StatusMessage::kExecFailed, kOomScore);
    ::close(fd);
  }
  if (::chdir(s.cwd) != 0) report(status_fd, StatusMessage::kExecFailed, kCwd);
  const ProcessLimits& l = s.request->limits;
  auto limit = [&](int resource, rlim_t soft, rlim_t hard) {
    rlimit r{soft, hard};
    if (::setrlimit(resource, &r) != 0) report(status_fd, StatusMessage::kExecFailed, kLimits);
  };
  if (l.cpu_ms > 0) {
    const rlim_t seconds = static_cast<rlim_t>((l.cpu_ms + 999) / 1000);
    limit(RLIMIT_CPU, seconds, seconds + 1);
  }
  if (l.file_size_bytes > 0)
    limit(RLIMIT_FSIZE, rlim_t(l.file_size_bytes), rlim_t(l.file_size_bytes));
  if (z.budgets->sigpending > 0)
    limit(RLIMIT_SIGPENDING, rlim_t(z.budgets->sigpending), rlim_t(z.budgets->sigpending));
  if (z.budgets->msgqueue_bytes > 0)
    limit(RLIMIT_MSGQUEUE, rlim_t(z.budgets->msgqueue_bytes), rlim_t(z.budgets->msgqueue_bytes));
  if (l.open_files > 0) limit(RLIMIT_NOFILE, rlim_t(l.open_files), rlim_t(l.open_files));
  if (z.limit_processes_by_rlimit && l.processes > 0) {
    // As in pids.max, the stage's init is one of its processes. RLIMIT_NPROC counts the
    // processes of the program's uid in its user namespace: the program's own when the slave is
    // root (init runs as root); the zygote's and init's too when it is not (one uid for all).
    const rlim_t nproc = z.own_uid ? rlim_t(l.processes + 1) : rlim_t(l.processes - 1);
    limit(RLIMIT_NPROC, nproc, nproc);
  }
  limit(RLIMIT_CORE, 0, 0);
  // Supplementary groups of the slave's user must not follow the program (an unprivileged
  // slave cannot drop them: its namespace denies setgroups, and it had nothing more to give).
  // Raw system calls: glibc's wrappers for these signal every thread of the slave it believes
  // still exist and wait for them, forever in a cloned child.
  if (::syscall(SYS_setgroups, 0, nullptr) != 0 && errno != EPERM)
    report(status_fd, StatusMessage::kExecFailed, kGroups);
  if (z.own_uid) {
    // The namespace maps only the slave's own uid, as 0: stay on it, but make sure execve gives
    // nothing back: an empty bounding set, and root is not special.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (::prctl(PR_SET_SECUREBITS,
                SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
                0, 0, 0) != 0)
      report(status_fd, StatusMessage::kExecFailed, kCaps);
  } else if (::syscall(SYS_setresgid, kInsideId, kInsideId, kInsideId) != 0 ||
             ::syscall(SYS_setresuid, kInsideId, kInsideId, kInsideId) !=
                 0) {  // clears all capabilities
    report(status_fd, StatusMessage::kExecFailed, kIds);
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (::syscall(SYS_capset, &header, data) != 0)
    report(status_fd, StatusMessage::kExecFailed, kCaps);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    report(status_fd, StatusMessage::kExecFailed, kNoNewPrivs);
  if (installSeccompFilter(*z.seccomp) != 0)
    report(status_fd, StatusMessage::kExecFailed, kSeccomp);
  ::execve(s.request->argv[0], s.request->argv, s.request->envp);
  report(status_fd, StatusMessage::kExecFailed, kExec);
}

int programEntry(void* plan) { programMain(*static_cast<const StagePlan*>(plan)); }

// Pid 1 of the stage. What it mounts lives in the stage's own mount namespace and goes with it.
[[noreturn]] void stageInitMain(const StagePlan& s) {
  const ZygotePlan& z = *s.zygote;
  int keep[] = {s.in, s.out, s.err, s.status, s.tree};
  closeAllExcept(keep, 5);
  ::prctl(PR_SET_NAME, "polyrun-init", 0, 0, 0);
  // IPC objects (SysV, POSIX queues) and the mounts below die with the stage; the cgroup
  // namespace makes the stage's group its root.
  if (::unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWCGROUP) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageNamespaces);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageProc);
  if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, z.tmp_options) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageTmp);
  if (::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, z.tmp_options) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageShm);
  if (makeDirs(s.cwd, nullptr) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageMountPoint);
  if (::syscall(SYS_move_mount, s.tree, "", AT_FDCWD, s.cwd, MOVE_MOUNT_F_EMPTY_PATH) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageWorkDir);
  ::close(s.tree);
  // The root tmpfs is shared by every stage of this zygote: read-only here, whoever the
  // program runs as.
  if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
              nullptr) != 0)
    report(s.status, StatusMessage::kSetupFailed, kStageReadOnlyRoot);

  // Like posix_spawn: the program borrows init's memory until its execve, so nothing is copied.
  waitPreviousGone();
  const pid_t program = ::clone(programEntry, stackTop(g_program_stack),
                                CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<StagePlan*>(&s));
  if (program < 0) report(s.status, StatusMessage::kSetupFailed, kStageStartProgram);
  ::close(s.in);
  ::close(s.out);
  ::close(s.err);
  // As pid 1, init inherits every orphan of the stage: reap them all until the program ends.
  for (;;) {
    int status = 0;
    const pid_t pid = ::wait4(-1, &status, __WALL, nullptr);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) ::_exit(125);
    if (pid != program) continue;
    // The usage of the program and of the orphans reaped while it ran, as before any kill.
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    // Then whatever the program left running is killed and reaped, so that the report means
    // the stage is over: the slave takes it as the stage's end and need not wait for init's
    // own exit, whose mount namespace teardown waits for an RCU grace period
    // (docs/performance.md, "Throughput"). A process that forks meanwhile gets the signal too,
    // or its fork fails.
    ::kill(-1, SIGKILL);
    for (;;) {
      const pid_t left = ::wait4(-1, nullptr, __WALL, nullptr);
      if (left < 0 && errno != EINTR) break;  // ECHILD: nobody left
    }
    StatusMessage m{};
    m.kind = StatusMessage::kProgramEnded;
    m.wait_status = status;
    m.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
    m.max_rss_kb = usage.ru_maxrss;
    writeAll(s.status, &m, sizeof m);
    ::_exit(0);
  }
}

int initEntry(void* plan) { stageInitMain(*static_cast<const StagePlan*>(plan)); }

void reply(int control, ZygoteMessage::Kind kind, int step, int error, int fd) {
  const ZygoteMessage m{kind, step, error};
  sendWithFds(control, &m, sizeof m, &fd, fd >= 0 ? 1 : 0);
}

[[noreturn]] void setupFailed(int control, int step) {
  reply(control, ZygoteMessage::kSetupFailed, step, errno, -1);
  ::_exit(127);
}

// The descriptors of one request; the number received, or -1 when the slave is gone.
int receiveRequest(int control, int* fds) {
  char byte = 0;
  size_t count = 0;
  if (receiveWithFds(control, &byte, 1, fds, kStageFds + 1, &count) <= 0) {
    for (size_t i = 0; i < count; ++i) ::close(fds[i]);
    return -1;
  }
  return static_cast<int>(count);
}

// A stage's init, from its start until the zygote reaped it.
struct InitProcess {
  pid_t pid = -1;
  int pidfd = -1;
  int stack = 0;  // index into g_init_stacks
  char cwd[kMaxPath];
  size_t created = 0;  // for removeCreated(cwd, created)
};

// Waits for `init` to be gone (it reported, or was killed), reaps it and removes its mount point.
void reap(InitProcess* init) {
  if (init->pid < 0) return;
  while (::waitpid(init->pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  ::close(init->pidfd);
  removeCreated(init->cwd, init->created);
  init->pid = -1;
}

// Serves one request. `lingering`: a previous stage's init that reported but may still be
// exiting (its mount namespace's teardown waits for an RCU grace period, about a millisecond
// on a busy machine): the next stage need not wait for it to set up, only to start its
// program. On return `lingering` is this stage's init if its stage is over but it has not
// exited yet (the next request is already waiting), else none.
void serveStage(const ZygotePlan& z, int host_mounts, int sandbox_mounts, InitProcess* lingering) {
  int fds[kStageFds + 1];
  int received = receiveRequest(z.control, fds);
  if (received < 0) ::_exit(0);  // the slave closed the socket: nothing more to run
  // A fifth descriptor: the work directory, already cloned by the slave (its own per-job mount,
  // which this zygote's copy of the host's mounts does not have).
  const int given_tree = received == kStageFds + 1 ? fds[kStageFds] : -1;
  int unused_tree = given_tree;  // closed by fail() until it is taken as the stage's tree
  if (given_tree >= 0) received = kStageFds;
  auto closeFds = [&] {
    for (int i = 0; i < received; ++i) ::close(fds[i]);
  };
  auto fail = [&](int step, int error) {
    closeFds();
    if (unused_tree >= 0) ::close(unused_tree);
    reap(lingering);
    reply(z.control, ZygoteMessage::kStageFailed, step, error, -1);
  };
  if (received != kStageFds) return fail(kZygoteFds, EINVAL);
  const StageRequest& r = *z.request;
  char cwd[kMaxPath];
  const size_t cwd_len = ::strnlen(r.cwd, sizeof cwd);
  if (cwd_len == sizeof cwd) return fail(kZygoteOpenWorkDir, ENAMETOOLONG);
  std::memcpy(cwd, r.cwd, cwd_len + 1);

  // Otherwise the work directory exists only in the host's view of the file system: clone it
  // there as a detached mount, for the stage's init to attach in its own namespace.
  int tree = given_tree;
  unused_tree = -1;
  if (tree < 0) {
    if (::setns(host_mounts, CLONE_NEWNS) != 0) return fail(kZygoteHostMounts, errno);
    tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, cwd, OPEN_TREE_CLONE | O_CLOEXEC));
    const int tree_error = errno;
    if (::setns(sandbox_mounts, CLONE_NEWNS) != 0) {
      fail(kZygoteSandboxMounts, errno);
      ::_exit(127);  // stuck in the host's view: never start a stage from here
    }
    if (tree < 0) return fail(kZygoteOpenWorkDir, tree_error);
  }
  // Its mount point, on the root tmpfs every stage of this zygote shares: removed afterwards.
  size_t created = 0;
  if (makeDirs(cwd, &created) != 0) {
    const int error = errno;
    ::close(tree);
    return fail(kZygoteMountPoint, error);
  }
  StagePlan plan{&z, &r, cwd, fds[0], fds[1], fds[2], fds[3], tree};
  // Init shares the zygote's memory rather than copying it (a copy of a fork of the slave costs
  // hundreds of microseconds to make and as much to tear down): it runs on a stack of its own,
  // and the zygote touches nothing init reads. The one thing they share that either writes is
  // errno, in the C library's thread block; init reports errno right after its own failed
  // call, while the zygote makes only calls that do not fail (reaping the previous init,
  // removing its empty mount point) or sits in poll().
  InitProcess init;
  init.stack = lingering->pid >= 0 ? 1 - lingering->stack : 0;
  setPreviousGone(lingering->pid < 0);
  init.pid = ::clone(initEntry, stackTop(g_init_stacks[init.stack]),
                     CLONE_VM | CLONE_NEWPID | CLONE_PIDFD | SIGCHLD, &plan, &init.pidfd);
  const int clone_error = errno;
  ::close(tree);
  if (init.pid < 0) {
    removeCreated(cwd, created);
    return fail(kZygoteStartInit, clone_error);
  }
  std::memcpy(init.cwd, cwd, cwd_len + 1);
  init.created = created;
  closeFds();
  reply(z.control, ZygoteMessage::kStarted, 0, 0, init.pidfd);
  if (lingering->pid >= 0) {
    reap(lingering);
    setPreviousGone(1);
  }
  // Until the stage's init is gone, or the next request comes (the slave sends it once init
  // reported, or once it killed init and saw it end), or the slave is gone: then leave, and
  // the kernel ends every stage with this PID namespace.
  pollfd w[2] = {{init.pidfd, POLLIN, 0}, {z.control, POLLIN | POLLRDHUP, 0}};
  for (;;) {
    const int n = ::poll(w, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (w[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) ::_exit(0);
    if (w[0].revents) {
      reap(&init);
      return;
    }
    if (w[1].revents & POLLIN) break;
  }
  *lingering = init;
}

}  // namespace

bool writeStageRequest(void* area, size_t size, const ProcessSpec& spec) {
  char* const base = static_cast<char*>(area);
  size_t used = sizeof(StageRequest);
  auto take = [&](size_t bytes, size_t align) -> char* {
    used = (used + align - 1) / align * align;
    if (used > size || bytes > size - used) return nullptr;
    char* p = base + used;
    used += bytes;
    return p;
  };
  auto strings = [&](const std::vector<std::string>& v) -> char** {
    auto** array = reinterpret_cast<char**>(take((v.size() + 1) * sizeof(char*), alignof(char*)));
    if (!array) return nullptr;
    for (size_t i = 0; i < v.size(); ++i) {
      char* s = take(v[i].size() + 1, 1);
      if (!s) return nullptr;
      std::memcpy(s, v[i].c_str(), v[i].size() + 1);
      array[i] = s;
    }
    array[v.size()] = nullptr;
    return array;
  };
  if (size < sizeof(StageRequest)) return false;
  auto* request = reinterpret_cast<StageRequest*>(base);
  request->limits = spec.limits;
  request->argv = strings(spec.argv);
  request->envp = strings(spec.env);
  char* cwd = take(spec.cwd.size() + 1, 1);
  if (cwd) std::memcpy(cwd, spec.cwd.c_str(), spec.cwd.size() + 1);
  request->cwd = cwd;
  return request->argv && request->envp && cwd;
}

const char* stageStepName(int step) {
  switch (step) {
    case kStageNamespaces:
      return "making the stage's mount, IPC and cgroup namespaces";
    case kStageProc:
      return "mounting the stage's /proc";
    case kStageOomScore:
      return "resetting the OOM score";
    case kStageTmp:
      return "mounting the stage's /tmp";
    case kStageShm:
      return "mounting the stage's /dev/shm";
    case kStageMountPoint:
      return "creating the work directory's mount point";
    case kStageWorkDir:
      return "mounting the work directory";
    case kStageReadOnlyRoot:
      return "making the root read-only";
    default:
      return "starting the program";
  }
}

const char* programStepName(int step) {
  switch (step) {
    case kStdio:
      return "redirecting stdio";
    case kCwd:
      return "entering the work directory";
    case kLimits:
      return "setting resource limits";
    case kGroups:
      return "dropping supplementary groups";
    case kIds:
      return "switching to the sandbox user";
    case kCaps:
      return "dropping capabilities";
    case kNoNewPrivs:
      return "setting no_new_privs";
    case kSeccomp:
      return "installing the seccomp filter";
    case kOomScore:
      return "resetting the OOM score";
    default:
      return "executing the program";
  }
}

const char* zygoteStepName(int step) {
  switch (step) {
    case kZygoteFds:
      return "receiving the stage's pipes";
    case kZygoteHostMounts:
      return "entering the host's mounts";
    case kZygoteOpenWorkDir:
      return "opening the work directory";
    case kZygoteSandboxMounts:
      return "returning to the sandbox's mounts";
    case kZygoteMountPoint:
      return "creating the work directory's mount point";
    default:
      return "starting the stage's init";
  }
}

void closeAllExcept(int* keep, int count) {
  std::sort(keep, keep + count);
  unsigned next = 0;
  for (int i = 0; i < count; ++i) {
    const unsigned fd = static_cast<unsigned>(keep[i]);
    if (fd > next) ::syscall(SYS_close_range, next, fd - 1, 0u);
    next = fd + 1;
  }
  ::syscall(SYS_close_range, next, ~0u, 0u);
}

// The zygote is a fork of the slave that never execs, and each stage's init shares its memory:
// the slave's heap (its token as loaded from the configuration), environment and mappings. A
// non-dumpable memory makes /proc/PID/{mem,environ,maps,fd,...} of the zygote and of every init
// unreadable to anyone without CAP_SYS_PTRACE over the slave's own user namespace, even to a
// program running as init's uid. Called once the slave wrote the zygote's uid and gid maps,
// which a non-dumpable process's /proc files would refuse to an unprivileged slave.
namespace {
void hideFromStages() { ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
}  // namespace

// Writes the namespace's own limits (/proc/sys/user/max_*): the zygote is root of its user
// namespace, which is what may change them; its programs are not. A limit the kernel does not
// have is skipped; one it refuses fails the zygote (kSetupStepBudgets).
int limitNamespaceCounters(const NamespaceBudgets& budgets) {
  for (const auto& sysctl : budgets.sysctls) {
    const int fd = ::open(sysctl.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) continue;
    if (fd < 0) return -1;
    const ssize_t n = ::write(fd, sysctl.value.data(), sysctl.value.size());
    const int error = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(sysctl.value.size())) {
      errno = n < 0 ? error : EIO;
      return -1;
    }
  }
  return 0;
}

[[noreturn]] void zygoteMain(const ZygotePlan& z) {
  int keep[] = {z.control};
  closeAllExcept(keep, 1);
  ::prctl(PR_SET_NAME, "polyrun-zygote", 0, 0, 0);
  char go = 0;
  if (::read(z.control, &go, 1) != 1) ::_exit(126);  // the slave gave up on this zygote
  if (limitNamespaceCounters(*z.budgets) != 0) setupFailed(z.control, kSetupStepBudgets);
  hideFromStages();
  // Two views of the file system: the host's (a copy; for cloning work directories from) and
  // the sandbox's, where the steps build the root.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) setupFailed(z.control, -1);
  const int host_mounts = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (host_mounts < 0 || ::unshare(CLONE_NEWNS) != 0) setupFailed(z.control, -1);
  const int sandbox_mounts = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (sandbox_mounts < 0) setupFailed(z.control, -1);
  const auto& steps = *z.steps;
  for (size_t i = 0; i < steps.size(); ++i)
    if (runStep(steps[i]) != 0) setupFailed(z.control, static_cast<int>(i));
  const int pivot_step = static_cast<int>(steps.size());
  if (::chdir(z.root) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 ||
      ::umount2(".", MNT_DETACH) != 0 || ::chdir("/") != 0)
    setupFailed(z.control, pivot_step);
  ::sethostname("polyrun", 7);
  reply(z.control, ZygoteMessage::kReady, 0, 0, -1);
  InitProcess lingering;
  for (;;) serveStage(z, host_mounts, sandbox_mounts, &lingering);
}

}  // namespace polyrun::detail
