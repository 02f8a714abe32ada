// The plain process runner behind the Sandbox interface (see sandbox.h): no isolation, only a
// process group, rlimits and the stage's limits. Used where namespaces are unavailable and
// configuration allows it (slave.sandbox = process), and for running trusted tools in tests.
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "polyrun/cancel_token.h"
#include "polyrun/sandbox.h"
#include "stage_io.h"

namespace polyrun {
namespace {
using namespace detail;

// Between fork and exec only async-signal-safe calls: report failure through `err_fd`.
[[noreturn]] void execChild(const ProcessSpec& spec, char* const* argv, char* const* envp, int in,
                            int out, int err, int err_fd) {
  auto fail = [err_fd](int code) {
    int e = errno;
    (void)!::write(err_fd, &code, sizeof code);
    (void)!::write(err_fd, &e, sizeof e);
    ::_exit(127);
  };
  ::setsid();  // own session and process group: the whole group is killed at the end
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) fail(1);
  if (::chdir(spec.cwd.c_str()) != 0) fail(2);
  const ProcessLimits& l = spec.limits;
  if (l.cpu_ms > 0) {
    // Whole seconds, rounded up; the exact limit is checked on the measured time afterwards.
    rlim_t soft = static_cast<rlim_t>((l.cpu_ms + 999) / 1000);
    rlimit r{soft, soft + 1};
    if (::setrlimit(RLIMIT_CPU, &r) != 0) fail(3);
  }
  if (l.file_size_bytes > 0) {
    rlimit r{static_cast<rlim_t>(l.file_size_bytes), static_cast<rlim_t>(l.file_size_bytes)};
    if (::setrlimit(RLIMIT_FSIZE, &r) != 0) fail(4);
  }
  if (l.open_files > 0) {
    rlimit r{static_cast<rlim_t>(l.open_files), static_cast<rlim_t>(l.open_files)};
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) fail(5);
  }
  rlimit core{0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
  ::execve(argv[0], argv, envp);
  fail(6);
  ::_exit(127);
}

const char* childStepName(int code) {
  switch (code) {
    case 1:
      return "redirecting stdio";
    case 2:
      return "entering the work directory";
    case 3:
      return "setting the CPU limit";
    case 4:
      return "setting the file size limit";
    case 5:
      return "setting the open files limit";
    default:
      return "executing the program";
  }
}

class ProcessSandbox final : public Sandbox {
 public:
  ProcessResult run(const ProcessSpec& spec) override;
};

ProcessResult ProcessSandbox::run(const ProcessSpec& spec) {
  ProcessResult result;
  if (spec.argv.empty() || (spec.argv[0].rfind("/", 0) != 0 && spec.argv[0].rfind("./", 0) != 0)) {
    result.error = "command must start with an absolute path or ./name";
    return result;
  }
  // Everything the child needs is built before fork: it may not allocate afterwards.
  std::vector<char*> argv = cStrings(spec.argv);
  std::vector<char*> envp = cStrings(spec.env);

  Fd in_r, out_w, err_w, fail_r, fail_w;
  StagePipes pipes;
  if (!makePipe(&in_r, &pipes.in_w) || !makePipe(&pipes.out_r, &out_w) ||
      !makePipe(&pipes.err_r, &err_w) || !makePipe(&fail_r, &fail_w)) {
    result.error = errnoText("pipe");
    return result;
  }
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = errnoText("fork");
    return result;
  }
  if (pid == 0) execChild(spec, argv.data(), envp.data(), in_r.fd, out_w.fd, err_w.fd, fail_w.fd);

  in_r.reset();
  out_w.reset();
  err_w.reset();
  fail_w.reset();
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.fd < 0) {
    // Without a pidfd the exit could not be waited on together with the pipes (Linux >= 5.3).
    result.error = errnoText("pidfd_open (polyrun needs Linux 5.3 or newer)");
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return result;
  }

  // The fail pipe closes on a successful exec (O_CLOEXEC) or carries the failing step and errno.
  int failure[2] = {0, 0};
  ssize_t n;
  do n = ::read(fail_r.fd, failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    result.error = std::string("failed ") + childStepName(failure[0]) + " (" + spec.argv[0] +
                   "): " + std::strerror(failure[1]);
    return result;
  }
  result.started = true;

  // Cancellation (polyrun/cancel_token.h): the token's fd joins the poll set; the group is
  // killed below like at any other end of the stage.
  const int cancel_fd = spec.cancel ? spec.cancel->fd() : -1;
  // The main process is not reaped before the stage ends: its pid cannot be anyone else's.
  const StageEnd end = pumpStage(pidfd.fd, pipes, spec, start, cancel_fd, &result, nullptr,
                                 [pid](int signo) { ::kill(pid, signo); });
  result.wall_timeout = end == StageEnd::kWallTimeout;
  result.idle_timeout = end == StageEnd::kIdle;
  result.cancelled = end == StageEnd::kCancelled || (spec.cancel && spec.cancel->cancelled());
  // The stage ends with its main process: nothing it started in its group may outlive it.
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  drainStage(pipes, spec, &result);

  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  result.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  result.memory_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  const int64_t cpu_limit = spec.limits.cpu_ms;
  if (cpu_limit > 0 && (result.signal == SIGXCPU || result.cpu_ms > cpu_limit))
    result.cpu_timeout = true;
  if (spec.limits.memory_bytes > 0 && result.memory_bytes > spec.limits.memory_bytes)
    result.memory_exceeded = true;
  return result;
}

}  // namespace

std::unique_ptr<Sandbox> makeProcessSandbox() { return std::make_unique<ProcessSandbox>(); }

}  // namespace polyrun
