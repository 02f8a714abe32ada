// The isolating Sandbox (sandbox.h, docs/sandbox.md). Each stage is three processes:
//
//   slave thread ──clone(new user/pid/mount/net/ipc/uts/cgroup namespaces)──> init (pid 1)
//   init: waits for its uid/gid maps and cgroup, builds a private root, pivots into it,
//         starts the program, reaps everything, reports the program's status, exits
//   program: stdio, rlimits, unprivileged uid, no capabilities, no_new_privs, seccomp, execve
//
// When init exits, or is killed at a limit, the kernel kills every process left in its PID
// namespace: double forks and setsid() do not outlive the stage.
//
// Between clone and execve the children only make system calls on data prepared beforehand:
// the slave is multi-threaded, so they may not allocate or take locks.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "cgroup.h"
#include "polyrun/cancel_token.h"
#include "polyrun/sandbox.h"
#include "seccomp_filter.h"
#include "stage_io.h"

namespace polyrun {
namespace {
using namespace detail;
namespace fs = std::filesystem;

constexpr unsigned kInsideId = 1000;  // the program's uid and gid inside its namespace

// One step of building the private root, executed by init in order.
struct MountStep {
  enum Kind { kMkdir, kTmpfs, kBind, kBindFile, kSymlink, kProc, kWriteFile } kind;
  std::string target;  // absolute path under the new root
  std::string source;  // bind source, symlink target, tmpfs options, or file content
  unsigned long flags = 0;      // extra mount flags (for a read-only bind: the source's locked flags)
  bool read_only = false;
  std::string what;  // for the error message: "bind /usr read-only"
};

// What init and the program report on the status pipe.
struct StatusMessage {
  enum Kind : int { kProgramEnded = 0, kSetupFailed = 1, kExecFailed = 2 } kind;
  int step;   // index into the steps (setup) or a program step code
  int error;  // errno
  int wait_status;
  int64_t cpu_ms;
  int64_t max_rss_kb;
};

// Mount flags the kernel locks on a bind mount made in a user namespace: a read-only remount
// must repeat them or fail with EPERM.
unsigned long lockedFlags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

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

// Creates each missing directory of `path` (absolute), like mkdir -p; async-signal-safe.
int makeDirs(const char* path) {
  char buf[4096];
  const size_t n = std::strlen(path);
  if (n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    const char saved = buf[i];
    buf[i] = '\0';
    if (::mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
    buf[i] = saved;
  }
  return 0;
}

int runStep(const MountStep& s) {
  const char* target = s.target.c_str();
  switch (s.kind) {
    case MountStep::kMkdir:
      return makeDirs(target);
    case MountStep::kTmpfs:
      if (makeDirs(target) != 0) return -1;
      return ::mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, s.source.c_str());
    case MountStep::kProc:
      if (makeDirs(target) != 0) return -1;
      return ::mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    case MountStep::kSymlink:
      return ::symlink(s.source.c_str(), target);
    case MountStep::kWriteFile: {
      const int fd = ::open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return -1;
      writeAll(fd, s.source.data(), s.source.size());
      return ::close(fd);
    }
    case MountStep::kBind:
    case MountStep::kBindFile: {
      if (s.kind == MountStep::kBind) {
        if (makeDirs(target) != 0) return -1;
      } else {
        const int fd = ::open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        ::close(fd);
      }
      if (::mount(s.source.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return -1;
      if (!s.read_only) return 0;  // device nodes and the work directory keep their flags
      return ::mount(nullptr, target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | s.flags, nullptr);
    }
  }
  return -1;
}

struct ChildPlan {
  const std::vector<MountStep>* steps;
  const char* root;
  const char* cwd;
  char* const* argv;
  char* const* envp;
  const ProcessLimits* limits;
  const std::vector<sock_filter>* seccomp;
  bool limit_processes_by_rlimit;
  bool own_uid;  // unprivileged slave: the program keeps the slave's uid (0 inside)
  int in, out, err, go, status;
};

enum ProgramStep { kStdio = 0, kCwd, kLimits, kGroups, kIds, kCaps, kNoNewPrivs, kSeccomp, kExec };

[[noreturn]] void programMain(const ChildPlan& p) {
  if (::dup2(p.in, 0) < 0 || ::dup2(p.out, 1) < 0 || ::dup2(p.err, 2) < 0)
    report(p.status, StatusMessage::kExecFailed, kStdio);
  // Only stdio and the status pipe (closed by execve) survive.
  const unsigned status_fd = static_cast<unsigned>(p.status);
  if (status_fd > 3) ::syscall(SYS_close_range, 3u, status_fd - 1, 0u);
  ::syscall(SYS_close_range, status_fd + 1, ~0u, 0u);
  if (::chdir(p.cwd) != 0) report(p.status, StatusMessage::kExecFailed, kCwd);
  const ProcessLimits& l = *p.limits;
  auto limit = [&](int resource, rlim_t soft, rlim_t hard) {
    rlimit r{soft, hard};
    if (::setrlimit(resource, &r) != 0) report(p.status, StatusMessage::kExecFailed, kLimits);
  };
  if (l.cpu_ms > 0) {
    const rlim_t seconds = static_cast<rlim_t>((l.cpu_ms + 999) / 1000);
    limit(RLIMIT_CPU, seconds, seconds + 1);
  }
  if (l.file_size_bytes > 0) limit(RLIMIT_FSIZE, rlim_t(l.file_size_bytes), rlim_t(l.file_size_bytes));
  if (l.open_files > 0) limit(RLIMIT_NOFILE, rlim_t(l.open_files), rlim_t(l.open_files));
  if (p.limit_processes_by_rlimit && l.processes > 0) limit(RLIMIT_NPROC, rlim_t(l.processes), rlim_t(l.processes));
  limit(RLIMIT_CORE, 0, 0);
  // Supplementary groups of the slave's user must not follow the program (an unprivileged
  // slave cannot drop them: its namespace denies setgroups, and it had nothing more to give).
  // Raw system calls: glibc's wrappers for these signal every thread of the slave it believes
  // still exist and wait for them, forever in a cloned child.
  if (::syscall(SYS_setgroups, 0, nullptr) != 0 && errno != EPERM)
    report(p.status, StatusMessage::kExecFailed, kGroups);
  if (p.own_uid) {
    // The namespace maps only the slave's own uid, as 0: stay on it, but make sure execve gives
    // nothing back: an empty bounding set, and root is not special.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (::prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
                0, 0, 0) != 0)
      report(p.status, StatusMessage::kExecFailed, kCaps);
  } else if (::syscall(SYS_setresgid, kInsideId, kInsideId, kInsideId) != 0 ||
             ::syscall(SYS_setresuid, kInsideId, kInsideId, kInsideId) != 0) {  // clears all capabilities
    report(p.status, StatusMessage::kExecFailed, kIds);
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (::syscall(SYS_capset, &header, data) != 0) report(p.status, StatusMessage::kExecFailed, kCaps);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) report(p.status, StatusMessage::kExecFailed, kNoNewPrivs);
  if (installSeccompFilter(*p.seccomp) != 0) report(p.status, StatusMessage::kExecFailed, kSeccomp);
  ::execve(p.argv[0], p.argv, p.envp);
  report(p.status, StatusMessage::kExecFailed, kExec);
}

// Closes every descriptor but the ones in `keep`: init inherits all of the slave's, among them
// the parent's end of the stdin pipe, which would keep the program from ever seeing EOF.
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

[[noreturn]] void initMain(const ChildPlan& p) {
  // If the slave dies, the stage dies with it (and with init, its whole PID namespace).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int keep[] = {p.in, p.out, p.err, p.go, p.status};
  closeAllExcept(keep, 5);
  char go = 0;
  if (::read(p.go, &go, 1) != 1) ::_exit(126);  // the parent gave up on this stage
  ::close(p.go);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    report(p.status, StatusMessage::kSetupFailed, -1);
  const auto& steps = *p.steps;
  for (size_t i = 0; i < steps.size(); ++i)
    if (runStep(steps[i]) != 0) report(p.status, StatusMessage::kSetupFailed, static_cast<int>(i));
  const int pivot_step = static_cast<int>(steps.size());
  if (::chdir(p.root) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 || ::umount2(".", MNT_DETACH) != 0 ||
      ::chdir("/") != 0)
    report(p.status, StatusMessage::kSetupFailed, pivot_step);
  ::sethostname("polyrun", 7);

  const pid_t program = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (program < 0) report(p.status, StatusMessage::kSetupFailed, pivot_step + 1);
  if (program == 0) programMain(p);
  ::close(p.in);
  ::close(p.out);
  ::close(p.err);
  // As pid 1, init inherits every orphan of the stage: reap them all until the program ends.
  for (;;) {
    int status = 0;
    const pid_t pid = ::wait4(-1, &status, __WALL, nullptr);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) ::_exit(125);
    if (pid != program) continue;
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    StatusMessage m{};
    m.kind = StatusMessage::kProgramEnded;
    m.wait_status = status;
    m.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
    m.max_rss_kb = usage.ru_maxrss;
    writeAll(p.status, &m, sizeof m);
    ::_exit(0);
  }
}

const char* programStepName(int step) {
  switch (step) {
    case kStdio: return "redirecting stdio";
    case kCwd: return "entering the work directory";
    case kLimits: return "setting resource limits";
    case kGroups: return "dropping supplementary groups";
    case kIds: return "switching to the sandbox user";
    case kCaps: return "dropping capabilities";
    case kNoNewPrivs: return "setting no_new_privs";
    case kSeccomp: return "installing the seccomp filter";
    default: return "executing the program";
  }
}

bool writeProcFile(pid_t pid, const char* name, const std::string& value, std::string* error) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

// Gives the stage's user the work directory the executor filled as root; never follows links.
void chownTree(const std::string& dir, unsigned uid, unsigned gid) {
  std::error_code ec;
  ::lchown(dir.c_str(), uid, gid);
  ::chmod(dir.c_str(), 0700);
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    ::lchown(it->path().c_str(), uid, gid);
}

// Empty network namespaces, reused one stage at a time: making one costs about half a
// millisecond, joining one microseconds. A stage cannot change anything in it that outlives
// its processes (it has no capabilities there), so reuse leaks nothing. Root only: joining
// needs CAP_SYS_ADMIN over the namespace.
class NetnsPool {
 public:
  ~NetnsPool() {
    for (int fd : idle_) ::close(fd);
  }
  bool init(std::string* error) {
    own_.fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own_.fd < 0) *error = errnoText("opening this thread's network namespace");
    return own_.fd >= 0;
  }
  int acquire(std::string* error) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        const int fd = idle_.back();
        idle_.pop_back();
        return fd;
      }
    }
    return create(error);
  }
  void release(int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(fd);
  }
  int own() const { return own_.fd; }

 private:
  // A child makes the namespace; its handle outlives the child.
  static int create(std::string* error) {
    Fd hold_r, hold_w;
    if (!makePipe(&hold_r, &hold_w)) {
      *error = errnoText("pipe");
      return -1;
    }
    const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    if (pid < 0) {
      *error = errnoText("clone with a new network namespace");
      return -1;
    }
    if (pid == 0) {
      // Only its own end: a copy of another thread's pipe held here could hold that up.
      int keep[] = {hold_r.fd};
      closeAllExcept(keep, 1);
      char c;
      (void)!::read(hold_r.fd, &c, 1);  // returns when the parent closes its end
      ::_exit(0);
    }
    const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) *error = errnoText(("opening " + path).c_str());
    hold_w.reset();
    ::waitpid(pid, nullptr, 0);
    return fd;
  }

  Fd own_;
  std::mutex mutex_;  // guards idle_
  std::vector<int> idle_;
};

class NamespaceSandbox final : public Sandbox {
 public:
  bool init(const SandboxOptions& options, std::string* error);
  ProcessResult run(const ProcessSpec& spec) override;
  std::string describe() const override { return description_; }

 private:
  void addReadOnly(const std::string& host_path);

  SandboxOptions options_;
  std::string root_;
  std::vector<MountStep> base_steps_;
  std::vector<sock_filter> seccomp_;
  std::unique_ptr<CgroupManager> cgroups_;
  std::unique_ptr<NetnsPool> netns_;  // null: each stage makes its own (unprivileged slave)
  bool privileged_ = false;
  std::string description_;
};

void NamespaceSandbox::addReadOnly(const std::string& host_path) {
  std::error_code ec;
  const auto status = fs::symlink_status(host_path, ec);
  if (ec) return;
  const std::string target = root_ + host_path;
  if (fs::is_symlink(status)) {
    base_steps_.push_back({MountStep::kSymlink, target, fs::read_symlink(host_path, ec).string(), 0,
                           false, "link " + host_path});
  } else if (fs::is_directory(status)) {
    base_steps_.push_back({MountStep::kBind, target, host_path, lockedFlags(host_path), true,
                           "bind " + host_path + " read-only"});
  } else {
    base_steps_.push_back({MountStep::kBindFile, target, host_path, lockedFlags(host_path), true,
                           "bind " + host_path + " read-only"});
  }
}

bool NamespaceSandbox::init(const SandboxOptions& options, std::string* error) {
  options_ = options;
  privileged_ = ::geteuid() == 0;
  if (options_.state_dir.empty()) options_.state_dir = "/tmp/polyrun-sandbox-" + std::to_string(::getpid());
  root_ = (fs::path(options_.state_dir) / "root").string();
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) {
    *error = "cannot create the sandbox root " + root_ + ": " + ec.message();
    return false;
  }
  ::chmod(options_.state_dir.c_str(), 0711);
  if (!buildSeccompFilter(&seccomp_, error)) return false;
  if (privileged_) {
    netns_ = std::make_unique<NetnsPool>();
    if (!netns_->init(error)) return false;
  }
  std::string cgroup_why = "disabled by configuration";
  if (options_.use_cgroups) cgroups_ = detectCgroups(&cgroup_why);

  const std::string tmp_size = "size=" + std::to_string(options_.tmp_bytes) + ",mode=1777";
  base_steps_.push_back({MountStep::kTmpfs, root_, "size=4m,mode=0755", 0, false, "mount the root tmpfs"});
  for (const char* p : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) addReadOnly(p);
  base_steps_.push_back({MountStep::kMkdir, root_ + "/etc", "", 0, false, "create /etc"});
  // Of the host's /etc only what the tools read: the loader's cache, the alternatives links and
  // the JDK's and Python's own configuration. Each bind costs a little on every stage.
  for (const char* p : {"/etc/ld.so.cache", "/etc/alternatives"}) addReadOnly(p);
  for (const auto& e : fs::directory_iterator("/etc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("java", 0) == 0 || name.rfind("python3", 0) == 0) addReadOnly(e.path().string());
  }
  base_steps_.push_back({MountStep::kWriteFile, root_ + "/etc/passwd",
                         "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                         "sandbox:x:1000:1000:polyrun job:/tmp:/bin/sh\n"
                         "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                         0, false, "write /etc/passwd"});
  base_steps_.push_back({MountStep::kWriteFile, root_ + "/etc/group",
                         "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n", 0, false, "write /etc/group"});
  base_steps_.push_back({MountStep::kWriteFile, root_ + "/etc/hosts", "127.0.0.1 localhost polyrun\n", 0,
                         false, "write /etc/hosts"});
  for (const auto& p : options_.readonly_paths) {
    if (p.empty() || p[0] != '/') {
      *error = "read-only path \"" + p + "\" must be absolute";
      return false;
    }
    addReadOnly(p);
  }
  base_steps_.push_back({MountStep::kProc, root_ + "/proc", "", 0, false, "mount /proc"});
  base_steps_.push_back({MountStep::kTmpfs, root_ + "/dev", "size=64k,mode=0755", 0, false, "mount /dev"});
  for (const char* d : {"null", "zero", "random", "urandom"})
    base_steps_.push_back({MountStep::kBindFile, root_ + "/dev/" + d, std::string("/dev/") + d, 0, false,
                           std::string("bind /dev/") + d});
  base_steps_.push_back({MountStep::kSymlink, root_ + "/dev/fd", "/proc/self/fd", 0, false, "link /dev/fd"});
  base_steps_.push_back({MountStep::kSymlink, root_ + "/dev/stdin", "/proc/self/fd/0", 0, false, "link /dev/stdin"});
  base_steps_.push_back({MountStep::kSymlink, root_ + "/dev/stdout", "/proc/self/fd/1", 0, false, "link /dev/stdout"});
  base_steps_.push_back({MountStep::kSymlink, root_ + "/dev/stderr", "/proc/self/fd/2", 0, false, "link /dev/stderr"});
  base_steps_.push_back({MountStep::kTmpfs, root_ + "/dev/shm", tmp_size, 0, false, "mount /dev/shm"});
  base_steps_.push_back({MountStep::kTmpfs, root_ + "/tmp", tmp_size, 0, false, "mount /tmp"});

  description_ = std::string("namespaces (user, pid, mount, network, ipc, uts, cgroup), seccomp, ") +
                 (privileged_ ? "uid " + std::to_string(options_.uid) : "the slave's own uid") + ", " +
                 (cgroups_ ? cgroups_->describe() : "rlimits only (" + cgroup_why + ")");

  // Prove it here and now rather than on the first job.
  ProcessSpec probe;
  probe.argv = {"/bin/true"};
  probe.cwd = root_;
  probe.limits.wall_ms = 10000;
  const std::string probe_dir = (fs::path(options_.state_dir) / "probe").string();
  fs::create_directories(probe_dir, ec);
  probe.cwd = probe_dir;
  const ProcessResult r = run(probe);
  fs::remove_all(probe_dir, ec);
  if (!r.started || r.exit_code != 0) {
    *error = "the namespace sandbox does not work on this machine: " +
             (r.started ? "/bin/true exited with " + std::to_string(r.exit_code) + " " + r.stderr_data : r.error);
    return false;
  }
  return true;
}

ProcessResult NamespaceSandbox::run(const ProcessSpec& spec) {
  ProcessResult result;
  if (spec.argv.empty() || (spec.argv[0].rfind("/", 0) != 0 && spec.argv[0].rfind("./", 0) != 0)) {
    result.error = "command must start with an absolute path or ./name";
    return result;
  }
  if (spec.cwd.empty() || spec.cwd[0] != '/') {
    result.error = "the work directory must be an absolute path";
    return result;
  }
  // The stage's own steps: its work directory, read-write, at the same path as on the host.
  std::vector<MountStep> steps = base_steps_;
  steps.push_back({MountStep::kBind, root_ + spec.cwd, spec.cwd, 0, false, "bind the work directory"});
  std::vector<char*> argv = cStrings(spec.argv);
  std::vector<char*> envp = cStrings(spec.env);
  const unsigned uid = privileged_ ? options_.uid : ::getuid();
  const unsigned gid = privileged_ ? options_.gid : ::getgid();
  if (privileged_) chownTree(spec.cwd, uid, gid);

  struct CgroupLease {
    CgroupManager* manager;
    std::unique_ptr<StageCgroup> group;
    ~CgroupLease() {
      if (group) manager->release(std::move(group));
    }
  } cgroup{cgroups_.get(), nullptr};
  if (cgroups_) {
    cgroup.group = cgroups_->acquire(spec.limits.memory_bytes, spec.limits.processes, &result.error);
    if (!cgroup.group) return result;
  }
  struct NetnsLease {
    NetnsPool* pool;
    int fd = -1;
    ~NetnsLease() {
      if (fd >= 0) pool->release(fd);
    }
  } netns{netns_.get()};
  if (netns_) {
    netns.fd = netns_->acquire(&result.error);
    if (netns.fd < 0) return result;
  }

  Fd in_r, out_w, err_w, go_r, go_w, status_r, status_w;
  StagePipes pipes;
  if (!makePipe(&in_r, &pipes.in_w) || !makePipe(&pipes.out_r, &out_w) || !makePipe(&pipes.err_r, &err_w) ||
      !makePipe(&go_r, &go_w) || !makePipe(&status_r, &status_w)) {
    result.error = errnoText("pipe");
    return result;
  }
  ChildPlan plan{&steps, root_.c_str(), spec.cwd.c_str(), argv.data(), envp.data(), &spec.limits, &seccomp_,
                 !(cgroups_ && cgroups_->limitsProcesses()), !privileged_, in_r.fd, out_w.fd, err_w.fd, go_r.fd, status_w.fd};
  const auto start = Clock::now();
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
                        CLONE_NEWCGROUP | SIGCHLD;
  // The child takes its network namespace from this thread: join the pooled one just for the
  // clone, then come back.
  if (netns.fd < 0 || ::setns(netns.fd, CLONE_NEWNET) != 0) flags |= CLONE_NEWNET;
  const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
  if (pid != 0 && !(flags & CLONE_NEWNET) && ::setns(netns_->own(), CLONE_NEWNET) != 0) {
    // This thread could not return to the slave's network: never let it make a connection.
    std::abort();
  }
  if (pid < 0) {
    result.error = errnoText("clone with new namespaces");
    return result;
  }
  if (pid == 0) initMain(plan);

  in_r.reset();
  out_w.reset();
  err_w.reset();
  go_r.reset();
  status_w.reset();
  auto abandon = [&](const std::string& why) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    result.error = why;
    return result;
  };
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.fd < 0) return abandon(errnoText("pidfd_open (polyrun needs Linux 5.3 or newer)"));
  std::string error;
  // Init builds the root as uid 0 of the namespace, so the files and mount points it makes
  // belong to a mapped user: host root when the slave is root (the program then switches to
  // 1000 = the unprivileged host uid), else the slave's own uid, the only one it may map.
  const std::string uid_map = privileged_ ? "0 0 1\n" + std::to_string(kInsideId) + " " + std::to_string(uid) + " 1\n"
                                          : "0 " + std::to_string(uid) + " 1\n";
  const std::string gid_map = privileged_ ? "0 0 1\n" + std::to_string(kInsideId) + " " + std::to_string(gid) + " 1\n"
                                          : "0 " + std::to_string(gid) + " 1\n";
  if (!privileged_ && !writeProcFile(pid, "setgroups", "deny", &error)) return abandon(error);
  if (!writeProcFile(pid, "uid_map", uid_map, &error) || !writeProcFile(pid, "gid_map", gid_map, &error))
    return abandon(error);
  if (cgroup.group && !cgroup.group->addProcess(pid, &error)) return abandon(error);
  const char go = 1;
  if (::write(go_w.fd, &go, 1) != 1) return abandon(errnoText("starting the sandbox"));
  go_w.reset();

  // Cancellation (polyrun/cancel_token.h): the token's fd joins the poll set; a cancelled stage
  // ends like a timed-out one, its PID namespace killed with its init.
  const int cancel_fd = spec.cancel ? spec.cancel->fd() : -1;
  const StageEnd end = pumpStage(pidfd.fd, pipes, spec, start, cancel_fd, &result);
  result.wall_timeout = end == StageEnd::kWallTimeout;
  result.cancelled = end == StageEnd::kCancelled || (spec.cancel && spec.cancel->cancelled());
  if (end != StageEnd::kExited) ::kill(pid, SIGKILL);
  drainStage(pipes, spec, &result);
  int init_status = 0;
  while (::waitpid(pid, &init_status, 0) < 0 && errno == EINTR) {
  }
  result.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();

  StatusMessage m{};
  const bool reported = ::read(status_r.fd, &m, sizeof m) == static_cast<ssize_t>(sizeof m);
  if (reported && m.kind == StatusMessage::kSetupFailed) {
    const std::string what = m.step < 0 ? "making mounts private"
                             : m.step < static_cast<int>(steps.size()) ? steps[m.step].what
                             : m.step == static_cast<int>(steps.size()) ? "pivoting into the new root"
                                                                        : "starting the program";
    result.error = "sandbox setup failed (" + what + "): " + std::strerror(m.error);
    return result;
  }
  if (reported && m.kind == StatusMessage::kExecFailed) {
    result.error = std::string("failed ") + programStepName(m.step) + " (" + spec.argv[0] + "): " + std::strerror(m.error);
    return result;
  }
  result.started = true;
  if (reported) {
    result.cpu_ms = m.cpu_ms;
    result.memory_bytes = m.max_rss_kb * 1024;
    if (WIFEXITED(m.wait_status)) result.exit_code = WEXITSTATUS(m.wait_status);
    else if (WIFSIGNALED(m.wait_status)) result.signal = WTERMSIG(m.wait_status);
  } else {
    result.signal = SIGKILL;  // killed by us at a limit before it could report
  }
  if (cgroup.group) result.memory_exceeded = cgroup.group->oomKilled();
  if (spec.limits.memory_bytes > 0 && result.memory_bytes > spec.limits.memory_bytes) result.memory_exceeded = true;
  const int64_t cpu_limit = spec.limits.cpu_ms;
  if (cpu_limit > 0 && (result.signal == SIGXCPU || result.cpu_ms > cpu_limit)) result.cpu_timeout = true;
  result.forbidden_syscall = result.signal == SIGSYS;
  return result;
}

}  // namespace

std::unique_ptr<Sandbox> makeNamespaceSandbox(const SandboxOptions& options, std::string* error) {
  auto sandbox = std::make_unique<NamespaceSandbox>();
  if (!sandbox->init(options, error)) return nullptr;
  return sandbox;
}

}  // namespace polyrun
