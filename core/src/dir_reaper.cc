#include "polyrun/dir_reaper.h"

#include <algorithm>
#include <filesystem>

namespace polyrun {

DirReaper::DirReaper(size_t max_pending)
    : max_pending_(std::max<size_t>(max_pending, 1)), thread_([this] { loop(); }) {}

DirReaper::~DirReaper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

void DirReaper::remove(std::string dir) {
  std::unique_lock<std::mutex> lock(mutex_);
  progress_.wait(lock, [this] { return pending_.size() < max_pending_ || stopping_; });
  pending_.push_back(std::move(dir));
  ++queued_total_;
  queued_.notify_one();
}

void DirReaper::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const size_t target = queued_total_;
  progress_.wait(lock, [&] { return removed_ >= target; });
}

size_t DirReaper::removed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return removed_;
}

void DirReaper::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and nothing left to remove
    const std::string dir = pending_.front();
    lock.unlock();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);  // as the executor did inline: a failure leaves it
    lock.lock();
    pending_.pop_front();
    ++removed_;
    progress_.notify_all();
  }
}

}  // namespace polyrun
