// The isolating Sandbox (sandbox.h, docs/sandbox.md), the slave's side. The processes below the
// slave are in zygote.h: a long-lived zygote per busy slot keeps the user, network, UTS and
// sandbox mount namespaces and the private root, and sits in its own stage cgroup for good;
// each stage is only a fork of it into a new PID namespace, whose init makes the stage's own
// mount, IPC and cgroup namespaces, /proc, /tmp, /dev/shm and work directory mount.
//
// Why: a stage used to pay for building namespaces and a root (about 1 ms), and above all for
// moving its init into the cgroup: writing to cgroup.procs takes the kernel's
// cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period (5 to 15 ms here)
// unless another write happened just before. A process forked inside the cgroup pays nothing.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cgroup.h"
#include "fd_passing.h"
#include "id_map.h"
#include "mount_plan.h"
#include "polyrun/cancel_token.h"
#include "polyrun/sandbox.h"
#include "seccomp_filter.h"
#include "stage_io.h"
#include "zygote.h"
#include "zygote_pool.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

namespace polyrun {
namespace {

// The first number after "<key>:" in a /proc file, or -1.
long procField(const std::string& path, const std::string& key, bool last = false) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    long value = -1, v = 0;
    while (fields >> v) {
      value = v;
      if (!last) break;
    }
    return value;
  }
  return -1;
}

// Sends `signo` to a stage's program: its init's first child, pid 2 in the stage's PID
// namespace (a live stage's `signal`). Checked through a pidfd, so a pid reused since the
// program ended is never signalled; nothing happens once the program is gone.
void signalStageProgram(int init_pidfd, int signo) {
  const long init = procField("/proc/self/fdinfo/" + std::to_string(init_pidfd), "Pid");
  if (init <= 0) return;
  const std::string init_s = std::to_string(init);
  std::ifstream children("/proc/" + init_s + "/task/" + init_s + "/children");
  long program = -1;
  if (!(children >> program) || program <= 0) return;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(program), 0));
  if (pidfd < 0) return;
  const std::string status = "/proc/" + std::to_string(program) + "/status";
  if (procField(status, "PPid") == init && procField(status, "NSpid", true) == 2)
    ::syscall(SYS_pidfd_send_signal, pidfd, signo, nullptr, 0);
  ::close(pidfd);
}
using namespace detail;
namespace fs = std::filesystem;

// How long a zygote may take to build its root or to start a stage before it counts as hung.
constexpr int kZygoteReplyMs = 10000;

// Gives the stage's user the work directory the executor filled as root; never follows links.
void chownTree(const std::string& dir, unsigned uid, unsigned gid) {
  std::error_code ec;
  ::lchown(dir.c_str(), uid, gid);
  ::chmod(dir.c_str(), 0700);
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    ::lchown(it->path().c_str(), uid, gid);
}

// Half of what the slave's user may hold of a per-user kernel budget, split between `stages`.
int64_t shareOf(int64_t budget, unsigned stages) {
  return std::max<int64_t>(1, budget / 2 / std::max(stages, 1u));
}

int64_t readNumber(const char* path, int64_t fallback) {
  std::ifstream in(path);
  int64_t value = 0;
  return in >> value && value > 0 ? value : fallback;
}

// The stages' shares of the budgets the kernel keeps per user of the host. The zygote's user
// namespace belongs to the slave's user, so each count its stages hold is also charged to that
// user (a job's inotify instances left host root with none); each zygote's share is enforced
// in its own namespace (inotify) or by the programs' rlimits (signals, message queues), which
// the kernel checks against the same per-namespace counts.
NamespaceBudgets budgetsFor(unsigned stages) {
  NamespaceBudgets b;
  auto sysctl = [&](const char* name, int64_t value) {
    b.sysctls.push_back({std::string("/proc/sys/user/") + name, std::to_string(value)});
  };
  sysctl("max_inotify_instances",
         shareOf(readNumber("/proc/sys/user/max_inotify_instances", 128), stages));
  sysctl("max_inotify_watches",
         shareOf(readNumber("/proc/sys/user/max_inotify_watches", 8192), stages));
  // Programs make no namespace (the seccomp filter forbids it); the zygote and its inits make
  // only mount, IPC, cgroup and PID namespaces.
  for (const char* none : {"max_user_namespaces", "max_net_namespaces", "max_uts_namespaces",
                           "max_time_namespaces", "max_fanotify_groups", "max_fanotify_marks"})
    sysctl(none, 0);
  rlimit r{};
  if (::getrlimit(RLIMIT_SIGPENDING, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
    b.sigpending = shareOf(static_cast<int64_t>(r.rlim_cur), stages);
  if (::getrlimit(RLIMIT_MSGQUEUE, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
    b.msgqueue_bytes = shareOf(static_cast<int64_t>(r.rlim_cur), stages);
  return b;
}

// A reply from the zygote, with the descriptor it carries (or -1). False when the zygote is
// gone or hung.
bool receiveReply(const Zygote& z, ZygoteMessage* m, int* fd) {
  *fd = -1;
  if (!waitReadable(z.control.fd, kZygoteReplyMs)) return false;
  size_t count = 0;
  const ssize_t n = receiveWithFds(z.control.fd, m, sizeof *m, fd, 1, &count);
  if (n != static_cast<ssize_t>(sizeof *m)) {
    if (count > 0) ::close(*fd);
    *fd = -1;
    return false;
  }
  return true;
}

// The CPU limit over every process of the stage, where its group accounts CPU: rlimits (in
// programMain) hold each process to the limit on its own, not the stage's processes together.
CpuWatch stageCpuWatch(Zygote& zygote, const ProcessSpec& spec) {
  CpuWatch watch;
  if (!zygote.cgroup || !zygote.cgroups->accountsCpu() || spec.limits.cpu_ms <= 0) return watch;
  StageCgroup* group = zygote.cgroup.get();
  watch.used_ms = [group] { return group->cpuUsageUs() / 1000; };
  watch.limit_ms = spec.limits.cpu_ms;
  return watch;
}

// What the stage's group saw beyond what init can report (the main process and what it waited
// for): the CPU time of every process of the stage, and its peak memory, also when init was
// killed at a limit before it could report.
void accountStage(StageCgroup& group, const ProcessSpec& spec, ProcessResult* result) {
  const int64_t cpu_us = group.cpuUsageUs();
  if (cpu_us >= 0) result->cpu_ms = std::max(result->cpu_ms, cpu_us / 1000);
  const int64_t peak = group.peakMemoryBytes();
  if (peak >= 0) result->memory_bytes = std::max(result->memory_bytes, peak);
  // Where the kernel keeps no peak of its own for the stage, the OOM killer's verdict says the
  // group reached its limit.
  if (result->memory_exceeded && spec.limits.memory_bytes > 0)
    result->memory_bytes = std::max(result->memory_bytes, spec.limits.memory_bytes);
}

// Why the cgroups found (or not) do not limit both memory and processes; "" when they do.
std::string cgroupLimitsProblem(const CgroupManager* cgroups, const std::string& why_none) {
  if (!cgroups) return why_none;
  if (!cgroups->limitsMemory()) return cgroups->describe() + " has no memory controller";
  if (!cgroups->limitsProcesses()) return cgroups->describe() + " has no pids controller";
  return {};
}

class NamespaceSandbox final : public Sandbox {
 public:
  bool init(const SandboxOptions& options, std::string* error);
  ProcessResult run(const ProcessSpec& spec) override;
  std::string describe() const override { return description_; }
  LimitsMode limitsMode() const override {
    return limits_problem_.empty() ? LimitsMode::kCgroup : LimitsMode::kRlimits;
  }
  std::string limitsProblem() const override { return limits_problem_; }

 private:
  enum class Launch { kStarted, kFailed, kZygoteGone };

  std::unique_ptr<Zygote> createZygote(std::string* error);
  std::unique_ptr<Zygote> acquireZygote(std::string* error);
  void releaseZygote(std::unique_ptr<Zygote> zygote);
  Launch launch(Zygote& zygote, const ProcessSpec& spec, StagePipes* pipes, Fd* status_r,
                Fd* init_pidfd, std::string* error);

  SandboxOptions options_;
  std::string root_;
  std::string tmp_options_;
  std::vector<MountStep> steps_;
  std::vector<sock_filter> seccomp_;
  std::unique_ptr<CgroupManager> cgroups_;
  NamespaceBudgets budgets_;
  std::unique_ptr<IdPool> ids_;
  bool privileged_ = false;
  std::string description_;
  std::string limits_problem_;  // why memory and processes are not both limited by cgroups
  ZygotePool zygotes_;  // after cgroups_ and ids_: its zygotes give their groups and ids back
};

bool NamespaceSandbox::init(const SandboxOptions& options, std::string* error) {
  options_ = options;
  privileged_ = ::geteuid() == 0;
  if (options_.state_dir.empty())
    options_.state_dir = "/tmp/polyrun-sandbox-" + std::to_string(::getpid());
  root_ = (fs::path(options_.state_dir) / "root").string();
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) {
    *error = "cannot create the sandbox root " + root_ + ": " + ec.message();
    return false;
  }
  ::chmod(options_.state_dir.c_str(), 0711);
  if (!buildSeccompFilter(&seccomp_).report(error)) return false;
  budgets_ = budgetsFor(options_.stages);
  ids_ = std::make_unique<IdPool>(options_.stages);
  std::string cgroup_why = "disabled by configuration";
  if (options_.use_cgroups) cgroups_ = detectCgroups({options_.cgroup_root}, &cgroup_why);
  limits_problem_ = cgroupLimitsProblem(cgroups_.get(), cgroup_why);

  tmp_options_ = "size=" + std::to_string(options_.tmp_bytes) + ",mode=1777";
  if (!buildMountPlan({root_, options_.readonly_paths}, hostFiles(), &steps_).report(error))
    return false;

  description_ =
      std::string("namespaces (user, pid, mount, network, ipc, uts, cgroup), seccomp, ") +
      (privileged_ ? "uids " + std::to_string(options_.uid) + "-" +
                         std::to_string(options_.uid + std::max(options_.stages, 1u) - 1)
                   : "the slave's own uid") +
      ", " + (cgroups_ ? cgroups_->describe() : "rlimits only (" + cgroup_why + ")") +
      ", stages forked from per-slot zygotes";

  // Prove it here and now rather than on the first job.
  ProcessSpec probe;
  probe.argv = {"/bin/true"};
  probe.limits.wall_ms = 10000;
  const std::string probe_dir = (fs::path(options_.state_dir) / "probe").string();
  fs::create_directories(probe_dir, ec);
  probe.cwd = probe_dir;
  const ProcessResult r = run(probe);
  fs::remove_all(probe_dir, ec);
  if (!r.started || r.exit_code != 0) {
    *error =
        "the namespace sandbox does not work on this machine: " +
        (r.started ? "/bin/true exited with " + std::to_string(r.exit_code) + " " + r.stderr_data
                   : r.error);
    return false;
  }
  return true;
}

std::unique_ptr<Zygote> NamespaceSandbox::createZygote(std::string* error) {
  auto z = std::make_unique<Zygote>();
  if (cgroups_) {
    z->cgroups = cgroups_.get();
    if (!cgroups_->acquire(0, 0, &z->cgroup).report(error)) return nullptr;
  }
  void* area =
      ::mmap(nullptr, kAreaBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) {
    *error = errnoText("mapping the zygote's request area");
    return nullptr;
  }
  z->area = area;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    *error = errnoText("socketpair for the zygote");
    return nullptr;
  }
  z->control.fd = sv[0];
  Fd zygote_end(sv[1]);
  const ZygotePlan plan{&steps_,
                        root_.c_str(),
                        zygote_end.fd,
                        static_cast<const StageRequest*>(area),
                        &seccomp_,
                        tmp_options_.c_str(),
                        !(cgroups_ && cgroups_->limitsProcesses()),
                        !privileged_,
                        privileged_,
                        &budgets_};
  // The host ids of this zygote's programs: its own from the range while it lives.
  const auto [index, owned] = ids_->acquire();
  z->uid = options_.uid + index;
  z->gid = options_.gid + index;
  z->id_index = index;
  if (owned) z->ids = ids_.get();
  int pidfd = -1;
  const unsigned long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
                              CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD;
  const pid_t pid =
      static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, &pidfd, nullptr, nullptr));
  if (pid < 0) {
    *error = errnoText("clone with new namespaces");
    return nullptr;
  }
  if (pid == 0) zygoteMain(plan);
  z->pid = pid;
  z->pidfd.fd = pidfd;
  zygote_end.reset();

  // The zygote builds the root as uid 0 of its namespace, so the files and mount points it makes
  // belong to a mapped user: host root when the slave is root (the program then switches to
  // 1000 = the unprivileged host uid), else the slave's own uid, the only one it may map.
  const unsigned uid = privileged_ ? z->uid : ::getuid();
  const unsigned gid = privileged_ ? z->gid : ::getgid();
  if (!writeIdMaps(pid, privileged_, uid, gid).report(error)) return nullptr;
  // The one move into a cgroup this zygote ever makes; every stage is born in it.
  if (z->cgroup && !z->cgroup->addProcess(pid).report(error)) return nullptr;
  // The zygote and each stage's init are forks of the slave and look big to the OOM killer;
  // only the program may be its victim (it resets its own score).
  if (privileged_) {
    writeProcFile(pid, "oom_score_adj", "-1000");  // best effort
  }
  const char go = 1;
  if (::send(z->control.fd, &go, 1, MSG_NOSIGNAL) != 1) {
    *error = errnoText("starting the zygote");
    return nullptr;
  }
  ZygoteMessage m{};
  int fd = -1;
  if (!receiveReply(*z, &m, &fd)) {
    *error = "the sandbox's zygote did not start (it died or hung while building the root)";
    return nullptr;
  }
  if (fd >= 0) ::close(fd);
  if (m.kind != ZygoteMessage::kReady) {
    const std::string what =
        m.step == kSetupStepBudgets                ? "limiting its user namespace (/proc/sys/user)"
        : m.step < 0                               ? "preparing its mount namespaces"
        : m.step < static_cast<int>(steps_.size()) ? steps_[m.step].what
                                                   : "pivoting into the new root";
    *error = "sandbox setup failed (" + what + "): " + std::strerror(m.error);
    return nullptr;
  }
  return z;
}

std::unique_ptr<Zygote> NamespaceSandbox::acquireZygote(std::string* error) {
  if (auto zygote = zygotes_.take()) return zygote;
  return createZygote(error);
}

void NamespaceSandbox::releaseZygote(std::unique_ptr<Zygote> zygote) {
  zygotes_.put(std::move(zygote));
}

NamespaceSandbox::Launch NamespaceSandbox::launch(Zygote& zygote, const ProcessSpec& spec,
                                                  StagePipes* pipes, Fd* status_r, Fd* init_pidfd,
                                                  std::string* error) {
  // The zygote counts as one process of its group.
  const int64_t processes = spec.limits.processes > 0 ? spec.limits.processes + 1 : 0;
  if (zygote.cgroup && !zygote.cgroup->prepare(spec.limits.memory_bytes, processes).report(error)) {
    // The last stage's init may still be exiting, with its /tmp and its clone of the job's
    // tmpfs, charged to this group: a lower memory limit fits once it is gone (its mounts are
    // released before its pidfd says so).
    if (zygote.last_init.fd < 0 || !waitReadable(zygote.last_init.fd, kZygoteReplyMs) ||
        !zygote.cgroup->prepare(spec.limits.memory_bytes, processes).report(error))
      return Launch::kFailed;
  }
  if (!writeStageRequest(zygote.area, kAreaBytes, spec)) {
    *error = "the command line, environment and work directory take more than " +
             std::to_string(kAreaBytes >> 20) + " MiB; shorten them";
    return Launch::kFailed;
  }
  Fd in_r, out_w, err_w, status_w;
  pipes->in_w.reset();
  pipes->out_r.reset();
  pipes->err_r.reset();
  status_r->reset();
  if (!makePipe(&in_r, &pipes->in_w) || !makePipe(&pipes->out_r, &out_w) ||
      !makePipe(&pipes->err_r, &err_w) || !makePipe(status_r, &status_w)) {
    *error = errnoText("pipe");
    return Launch::kFailed;
  }
  // A root slave clones the work directory itself: it may be a mount of its own (the job's
  // tmpfs, slave.work.quota_bytes), which the zygote's older copy of the host's mounts lacks.
  Fd tree;
  if (privileged_) {
    tree.fd = static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, spec.cwd.c_str(), OPEN_TREE_CLONE | O_CLOEXEC));
    if (tree.fd < 0) {
      *error = errnoText("opening the work directory");
      return Launch::kFailed;
    }
  }
  const int fds[kStageFds + 1] = {in_r.fd, out_w.fd, err_w.fd, status_w.fd, tree.fd};
  const char byte = 1;
  if (sendWithFds(zygote.control.fd, &byte, 1, fds, tree.fd >= 0 ? kStageFds + 1 : kStageFds) !=
      1) {
    *error = errnoText("handing the stage to its zygote");
    return Launch::kZygoteGone;
  }
  // The children's ends live on in the stage only: EOF on stdout and the status pipe then
  // means the stage is over.
  in_r.reset();
  out_w.reset();
  err_w.reset();
  status_w.reset();
  tree.reset();
  ZygoteMessage m{};
  int fd = -1;
  if (!receiveReply(zygote, &m, &fd)) {
    *error = "the sandbox's zygote died or hung while starting the stage";
    return Launch::kZygoteGone;
  }
  Fd received(fd);
  if (m.kind == ZygoteMessage::kStarted && received.fd >= 0) {
    std::swap(init_pidfd->fd, received.fd);
    return Launch::kStarted;
  }
  *error = std::string("sandbox setup failed (") + zygoteStepName(m.step) +
           "): " + std::strerror(m.error);
  return Launch::kFailed;
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

  const auto start = Clock::now();
  std::unique_ptr<Zygote> zygote;
  StagePipes pipes;
  Fd status_r, init_pidfd;
  // A zygote that died between stages is noticed here at the latest; a fresh one takes the
  // stage, once.
  for (int attempt = 0;; ++attempt) {
    zygote = acquireZygote(&result.error);
    if (!zygote) return result;
    if (privileged_) chownTree(spec.cwd, zygote->uid, zygote->gid);
    const Launch launched = launch(*zygote, spec, &pipes, &status_r, &init_pidfd, &result.error);
    if (launched == Launch::kStarted) {
      // The zygote keeps this init's pidfd for its next stage; this stage uses it until it ends.
      std::swap(zygote->last_init.fd, init_pidfd.fd);
      break;
    }
    if (launched == Launch::kFailed) {
      releaseZygote(std::move(zygote));
      return result;
    }
    zygote.reset();
    if (attempt == 1) return result;
  }

  // Cancellation (polyrun/cancel_token.h): the token's fd joins the poll set; a cancelled stage
  // ends like a timed-out one, its PID namespace killed with its init.
  const int cancel_fd = spec.cancel ? spec.cancel->fd() : -1;
  // The stage is over when init reports (it does so once every process of the stage is gone)
  // or closes the status pipe without a report (it was killed).
  const CpuWatch cpu_watch = stageCpuWatch(*zygote, spec);
  const int init_fd = zygote->last_init.fd;
  const StageEnd end = pumpStage(status_r.fd, pipes, spec, start, cancel_fd, &result, &cpu_watch,
                                 [init_fd](int signo) { signalStageProgram(init_fd, signo); });
  result.wall_timeout = end == StageEnd::kWallTimeout;
  result.idle_timeout = end == StageEnd::kIdle;
  result.cpu_timeout = end == StageEnd::kCpuLimit;
  result.cancelled = end == StageEnd::kCancelled || (spec.cancel && spec.cancel->cancelled());
  if (end != StageEnd::kExited) {
    if (zygote->cgroup) zygote->cgroup->notePeak();  // what it holds at the limit, before the kill
    ::syscall(SYS_pidfd_send_signal, zygote->last_init.fd, SIGKILL, nullptr, 0);
    waitReadable(zygote->last_init.fd, -1);
  }
  StatusMessage m{};
  const bool reported = ::read(status_r.fd, &m, sizeof m) == static_cast<ssize_t>(sizeof m);
  // Killed without a report: init's end is the end of its PID namespace. Once the pidfd says
  // so, every process of the stage is gone (the kernel kills and reaps them all first). With a
  // report init already saw to that, and the rest of its exit goes on without us.
  if (!reported) waitReadable(zygote->last_init.fd, -1);
  drainStage(pipes, spec, &result);
  result.wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  if (reported && m.kind == StatusMessage::kSetupFailed) {
    result.error = std::string("sandbox setup failed (") + stageStepName(m.step) +
                   "): " + std::strerror(m.error);
    releaseZygote(std::move(zygote));
    return result;
  }
  if (reported && m.kind == StatusMessage::kExecFailed) {
    result.error = std::string("failed ") + programStepName(m.step) + " (" + spec.argv[0] +
                   "): " + std::strerror(m.error);
    releaseZygote(std::move(zygote));
    return result;
  }
  if (zygote->cgroup) result.memory_exceeded = zygote->cgroup->oomKilled();
  // Init ends without a report only when killed: by us at a limit, by the OOM killer, or with
  // its zygote (whose own end may lag a little behind the stage's).
  if (!reported && end == StageEnd::kExited && !result.memory_exceeded &&
      waitReadable(zygote->pidfd.fd, 100)) {
    result.error = "the sandbox's zygote died during the stage";
    return result;
  }
  if (reported) {
    result.cpu_ms = m.cpu_ms;
    result.memory_bytes = m.max_rss_kb * 1024;
  }
  // Before the zygote goes back to the pool, where the next stage resets its group's counters.
  if (zygote->cgroup) accountStage(*zygote->cgroup, spec, &result);
  releaseZygote(std::move(zygote));
  result.started = true;
  if (reported) {
    if (WIFEXITED(m.wait_status))
      result.exit_code = WEXITSTATUS(m.wait_status);
    else if (WIFSIGNALED(m.wait_status))
      result.signal = WTERMSIG(m.wait_status);
  } else {
    result.signal =
        SIGKILL;  // killed by us at a limit, or by the OOM killer, before it could report
  }
  if (spec.limits.memory_bytes > 0 && result.memory_bytes > spec.limits.memory_bytes)
    result.memory_exceeded = true;
  const int64_t cpu_limit = spec.limits.cpu_ms;
  if (cpu_limit > 0 && (result.signal == SIGXCPU || result.cpu_ms > cpu_limit))
    result.cpu_timeout = true;
  result.forbidden_syscall = result.signal == SIGSYS;
  return result;
}

}  // namespace

Status makeNamespaceSandbox(const SandboxOptions& options, std::unique_ptr<Sandbox>* out) {
  auto sandbox = std::make_unique<NamespaceSandbox>();
  // init() and what it calls keep bool + std::string*: they are private to this file.
  std::string error;
  if (!sandbox->init(options, &error)) return Status::unavailable(std::move(error));
  *out = std::move(sandbox);
  return Status::ok();
}

std::string cgroupScopeNeeded() { return detail::cgroupScopeNeeded(); }

}  // namespace polyrun
