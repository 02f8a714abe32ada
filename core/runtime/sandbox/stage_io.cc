#include "stage_io.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "polyrun/stage_stream.h"

namespace polyrun::detail {
namespace {

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads everything available now. Returns true when the stream went over `cap` (the excess is
// dropped and *truncated set).
bool drain(Fd& fd, int64_t cap, std::string& sink, bool& truncated, size_t budget = SIZE_MAX) {
  char buf[65536];
  bool over = false;
  for (size_t taken = 0; taken < budget;) {
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
      taken += static_cast<size_t>(r);
      continue;
    }
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) fd.reset();  // EOF or broken
    return over;
  }
  return over;  // the budget is spent; what is left stays in the pipe (still readable)
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

// Notes what a drain() of `stream` added to `sink` since it held `before` bytes, for the live
// stream's next burst.
void noteLive(StagePipes& pipes, OutputStream stream, const std::string& sink, size_t before) {
  if (sink.size() <= before) return;
  if (pipes.unsent.empty()) pipes.unsent_since = Clock::now();
  if (pipes.unsent.empty() || pipes.unsent.back().stream != stream)
    pipes.unsent.push_back(OutputChunk{stream, {}});
  pipes.unsent.back().data.append(sink, before, std::string::npos);
  pipes.unsent_bytes += sink.size() - before;
}

void sendLive(StagePipes& pipes, const ProcessSpec& spec) {
  if (!spec.stream || pipes.unsent.empty()) return;
  spec.stream->emit(std::move(pipes.unsent));
  pipes.unsent.clear();
  pipes.unsent_bytes = 0;
}

// Drains one output pipe into its sink (and, live, the next burst); true when over the cap.
bool drainOutput(StagePipes& pipes, OutputStream stream, const ProcessSpec& spec, int64_t cap,
                 ProcessResult* result, bool final = false) {
  const bool err = stream == OutputStream::kStderr;
  std::string& sink = err ? result->stderr_data : result->stdout_data;
  const size_t before = sink.size();
  // Live, one burst at a time: a program writing without pause must not make one huge frame.
  const bool over = drain(err ? pipes.err_r : pipes.out_r, cap, sink,
                          err ? result->stderr_truncated : result->stdout_truncated,
                          spec.stream && !final ? kLiveBurstBytes : SIZE_MAX);
  if (spec.stream) noteLive(pipes, stream, sink, before);
  return over;
}

int msUntil(Clock::time_point when) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left + 1, 0, INT32_MAX));
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
                   int cancel_fd, ProcessResult* result, const CpuWatch* cpu,
                   const SignalProgram& signal_program) {
  for (Fd* fd : {&pipes.in_w, &pipes.out_r, &pipes.err_r})
    if (fd->fd >= 0) setNonBlocking(fd->fd);
  // stdin: the stage's stdin_data, then (interactive) what the stream brings until it ends it.
  StageStream* const live = spec.stream;
  const bool interactive = live && live->interactive();
  const int wake_fd = live ? live->wakeFd() : -1;
  size_t stdin_offset = 0;
  std::string more_input;  // taken from the stream, not yet written
  size_t more_offset = 0;
  bool input_ended = !interactive;
  if (spec.stdin_data.empty() && input_ended) pipes.in_w.reset();
  auto inputLeft = [&] {
    return stdin_offset < spec.stdin_data.size() || more_offset < more_input.size();
  };
  const int64_t cap = outputCap(spec);
  const auto deadline = spec.limits.wall_ms > 0
                            ? start + std::chrono::milliseconds(spec.limits.wall_ms)
                            : Clock::time_point::max();
  const auto idle = std::chrono::milliseconds(live ? spec.limits.idle_ms : 0);
  auto last_activity = Clock::now();
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
    if (!pipes.unsent.empty() &&
        (pipes.unsent_bytes >= kLiveBurstBytes || Clock::now() >= pipes.unsent_since + kLiveFlush))
      sendLive(pipes, spec);
    if (idle.count() > 0 && Clock::now() >= last_activity + idle) return StageEnd::kIdle;
    pollfd fds[6];
    int count = 0;
    auto add = [&](int fd, short events) {
      if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
    };
    add(end_fd, POLLIN);
    add(pipes.out_r.fd, POLLIN);
    add(pipes.err_r.fd, POLLIN);
    if (inputLeft()) add(pipes.in_w.fd, POLLOUT);
    add(cancel_fd, POLLIN);
    add(wake_fd, POLLIN);
    int timeout = -1;
    auto wakeBy = [&](Clock::time_point when) {
      const int ms = msUntil(when);
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    };
    if (deadline != Clock::time_point::max()) {
      if (Clock::now() >= deadline) return StageEnd::kWallTimeout;
      wakeBy(deadline);
    }
    if (watch_cpu) wakeBy(std::max(cpu_check, Clock::now() + std::chrono::milliseconds(1)));
    if (!pipes.unsent.empty()) wakeBy(pipes.unsent_since + kLiveFlush);
    if (idle.count() > 0) wakeBy(last_activity + idle);
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
      } else if (fd == wake_fd) {
        StageStream::Pending p = live->take();
        if (!p.input.empty() || p.eof) last_activity = Clock::now();
        if (interactive && !input_ended) {
          more_input.erase(0, more_offset);
          more_offset = 0;
          more_input += p.input;
          input_ended = p.eof;
        }
        for (int signo : p.signals)
          if (signal_program) signal_program(signo);
      } else if (fd == pipes.out_r.fd || fd == pipes.err_r.fd) {
        const auto stream = fd == pipes.out_r.fd ? OutputStream::kStdout : OutputStream::kStderr;
        const size_t before = result->stdout_data.size() + result->stderr_data.size();
        if (drainOutput(pipes, stream, spec, cap, result)) return StageEnd::kOutputLimit;
        if (pipes.unsent_bytes >= kLiveBurstBytes) sendLive(pipes, spec);
        if (result->stdout_data.size() + result->stderr_data.size() != before)
          last_activity = Clock::now();
      } else if (fd == pipes.in_w.fd) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          pipes.in_w.reset();  // the program closed its stdin: the rest is not wanted
          continue;
        }
        const bool first = stdin_offset < spec.stdin_data.size();
        const std::string& from = first ? spec.stdin_data : more_input;
        size_t& offset = first ? stdin_offset : more_offset;
        const ssize_t w = writeNoSigpipe(pipes.in_w.fd, from.data() + offset, from.size() - offset);
        if (w > 0) offset += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) pipes.in_w.reset();
      }
    }
    // Input all written and no more to come: the program reads its end of file.
    if (pipes.in_w.fd >= 0 && input_ended && !inputLeft()) pipes.in_w.reset();
    if (exited) return StageEnd::kExited;
  }
}

void drainStage(StagePipes& pipes, const ProcessSpec& spec, ProcessResult* result) {
  const int64_t cap = outputCap(spec);
  pipes.in_w.reset();
  if (pipes.out_r.fd >= 0) drainOutput(pipes, OutputStream::kStdout, spec, cap, result, true);
  if (pipes.err_r.fd >= 0) drainOutput(pipes, OutputStream::kStderr, spec, cap, result, true);
  pipes.out_r.reset();
  pipes.err_r.reset();
  sendLive(pipes, spec);
}

}  // namespace polyrun::detail
