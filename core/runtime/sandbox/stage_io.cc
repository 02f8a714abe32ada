#include "stage_io.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace polyrun::detail {
namespace {

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads everything available now. Returns true when the stream went over `cap` (the excess is
// dropped and *truncated set).
bool drain(Fd& fd, int64_t cap, std::string& sink, bool& truncated) {
  char buf[65536];
  bool over = false;
  for (;;) {
    const ssize_t r = ::read(fd.fd, buf, sizeof buf);
    if (r > 0) {
      const int64_t room = cap - static_cast<int64_t>(sink.size());
      if (r > room) {
        sink.append(buf, static_cast<size_t>(std::max<int64_t>(room, 0)));
        truncated = true;
        over = true;
      } else {
        sink.append(buf, static_cast<size_t>(r));
      }
      continue;
    }
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) fd.reset();  // EOF or broken
    return over;
  }
}

// A program that closes its stdin early must cost an EPIPE, not a SIGPIPE to the slave: the
// signal is blocked in this thread for the write and a pending one is consumed.
ssize_t writeNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t w = ::write(fd, data, size);
  if (w < 0 && errno == EPIPE) {
    const int saved = errno;
    timespec zero{};
    ::sigtimedwait(&pipe_set, nullptr, &zero);
    errno = saved;
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return w;
}

int64_t outputCap(const ProcessSpec& spec) {
  return spec.limits.output_bytes > 0 ? spec.limits.output_bytes : INT64_MAX;
}

}  // namespace

void Fd::reset() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool makePipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  read_end->fd = p[0];
  write_end->fd = p[1];
  return true;
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::vector<char*> cStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

StageEnd pumpStage(int end_fd, StagePipes& pipes, const ProcessSpec& spec, Clock::time_point start,
                   int cancel_fd, ProcessResult* result, const CpuWatch* cpu) {
  for (Fd* fd : {&pipes.in_w, &pipes.out_r, &pipes.err_r})
    if (fd->fd >= 0) setNonBlocking(fd->fd);
  size_t stdin_offset = 0;
  if (spec.stdin_data.empty()) pipes.in_w.reset();
  const int64_t cap = outputCap(spec);
  const auto deadline = spec.limits.wall_ms > 0
                            ? start + std::chrono::milliseconds(spec.limits.wall_ms)
                            : Clock::time_point::max();
  // A stage cannot use CPU faster than every CPU at once: the next look at its usage is when it
  // could first have reached its limit, so a stage well within it is not looked at.
  const bool watch_cpu = cpu && cpu->used_ms && cpu->limit_ms > 0;
  const int64_t cpus = std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN));
  auto cpu_check =
      watch_cpu ? start + std::chrono::milliseconds(std::max<int64_t>(1, cpu->limit_ms / cpus))
                : Clock::time_point::max();
  for (;;) {
    if (watch_cpu && Clock::now() >= cpu_check) {
      const int64_t used = cpu->used_ms();
      if (used > cpu->limit_ms) return StageEnd::kCpuLimit;
      cpu_check = Clock::now() +
                  std::chrono::milliseconds(std::max<int64_t>(1, (cpu->limit_ms - used) / cpus));
    }
    pollfd fds[5];
    int count = 0;
    auto add = [&](int fd, short events) {
      if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
    };
    add(end_fd, POLLIN);
    add(pipes.out_r.fd, POLLIN);
    add(pipes.err_r.fd, POLLIN);
    add(pipes.in_w.fd, POLLOUT);
    add(cancel_fd, POLLIN);
    int timeout = -1;
    if (deadline != Clock::time_point::max()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return StageEnd::kWallTimeout;
      timeout = static_cast<int>(std::min<int64_t>(left + 1, INT32_MAX));
    }
    if (watch_cpu) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(cpu_check - Clock::now()).count();
      const int cpu_timeout = static_cast<int>(std::clamp<int64_t>(left + 1, 1, INT32_MAX));
      timeout = timeout < 0 ? cpu_timeout : std::min(timeout, cpu_timeout);
    }
    int ready = ::poll(fds, static_cast<nfds_t>(count), timeout);
    if (ready < 0 && errno != EINTR) return StageEnd::kExited;  // cannot happen with valid fds
    bool exited = false;
    for (int i = 0; i < count && ready > 0; ++i) {
      if (!fds[i].revents) continue;
      const int fd = fds[i].fd;
      if (fd == end_fd) {
        exited = true;
      } else if (fd == cancel_fd) {
        return StageEnd::kCancelled;
      } else if (fd == pipes.out_r.fd) {
        if (drain(pipes.out_r, cap, result->stdout_data, result->stdout_truncated))
          return StageEnd::kOutputLimit;
      } else if (fd == pipes.err_r.fd) {
        if (drain(pipes.err_r, cap, result->stderr_data, result->stderr_truncated))
          return StageEnd::kOutputLimit;
      } else if (fd == pipes.in_w.fd) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          pipes.in_w.reset();  // the program closed its stdin: the rest is not wanted
          continue;
        }
        const ssize_t w = writeNoSigpipe(pipes.in_w.fd, spec.stdin_data.data() + stdin_offset,
                                         spec.stdin_data.size() - stdin_offset);
        if (w > 0) stdin_offset += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || stdin_offset == spec.stdin_data.size())
          pipes.in_w.reset();
      }
    }
    if (exited) return StageEnd::kExited;
  }
}

void drainStage(StagePipes& pipes, const ProcessSpec& spec, ProcessResult* result) {
  const int64_t cap = outputCap(spec);
  pipes.in_w.reset();
  if (pipes.out_r.fd >= 0) drain(pipes.out_r, cap, result->stdout_data, result->stdout_truncated);
  if (pipes.err_r.fd >= 0) drain(pipes.err_r, cap, result->stderr_data, result->stderr_truncated);
  pipes.out_r.reset();
  pipes.err_r.reset();
}

}  // namespace polyrun::detail
