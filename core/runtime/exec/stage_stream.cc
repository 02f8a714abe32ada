#include "polyrun/stage_stream.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace polyrun {

StageStream::StageStream(OutputFn on_output, bool interactive, size_t max_pending_input)
    : on_output_(std::move(on_output)),
      interactive_(interactive),
      max_pending_input_(max_pending_input),
      fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

StageStream::~StageStream() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
void wake(int fd) {
  const uint64_t one = 1;
  if (fd >= 0) (void)!::write(fd, &one, sizeof one);
}
}  // namespace

bool StageStream::input(std::string bytes, bool eof) {
  {
    MutexLock lock(mutex_);
    if (ended_ || pending_.input.size() + bytes.size() > max_pending_input_) return false;
    pending_.input += bytes;
    if (eof) pending_.eof = ended_ = true;
  }
  wake(fd_);
  return true;
}

void StageStream::signal(int signo) {
  {
    MutexLock lock(mutex_);
    pending_.signals.push_back(signo);
  }
  wake(fd_);
}

StageStream::Pending StageStream::take() {
  uint64_t count = 0;
  if (fd_ >= 0) (void)!::read(fd_, &count, sizeof count);
  MutexLock lock(mutex_);
  Pending out = std::move(pending_);
  pending_ = Pending{};
  return out;
}

void StageStream::emit(std::vector<OutputChunk> chunks) const {
  if (!chunks.empty() && on_output_) on_output_(std::move(chunks));
}

}  // namespace polyrun
