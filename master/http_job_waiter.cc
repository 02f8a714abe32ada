#include "http_job_waiter.h"

#include "polyrun/protocol.h"

namespace polyrun::master {

void HttpJobWaiter::send(const nlohmann::json& message) {
  const std::string type = message.value("type", "");
  MutexLock lock(mutex_);
  if (!final_.is_null()) return;     // one answer per request: the first final message wins
  if (type == msg::kOutput) return;  // live output: the result carries it whole
  if (type == msg::kAccepted) {
    job_id_ = message.value("job_id", "");
    cv_.notify_all();  // waitAccepted()
    return;
  }
  if (type == msg::kProgress) {
    const std::string st = message.value("state", "");
    const bool was_queued = state_ == state::kQueued;
    const bool queued = st == state::kQueued;
    state_ = st;
    if (was_queued != queued) {
      phase_start_ = Clock::now();
      cv_.notify_all();  // the waiter's deadline moved
    }
    return;
  }
  final_ = message;
  cv_.notify_all();
}

void HttpJobWaiter::close() {
  MutexLock lock(mutex_);
  closed_ = true;
  cv_.notify_all();
}

HttpJobWaiter::Outcome HttpJobWaiter::wait(std::chrono::milliseconds queue_wait,
                                           std::chrono::milliseconds run_budget) {
  MutexLock lock(mutex_);
  for (;;) {
    if (!final_.is_null()) return Outcome::kFinal;
    if (closed_) return Outcome::kClosed;
    // Re-read on every wake-up: a progress message may have moved the job to another phase.
    const bool queued = state_ == state::kQueued;
    const auto deadline = phase_start_ + (queued ? queue_wait : run_budget);
    if (Clock::now() >= deadline) return queued ? Outcome::kQueueWait : Outcome::kRunTimeout;
    cv_.wait_until(lock.native(), deadline);
  }
}

bool HttpJobWaiter::waitFinal(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  MutexLock lock(mutex_);
  while (final_.is_null() && !closed_ &&
         cv_.wait_until(lock.native(), deadline) != std::cv_status::timeout) {
  }
  return !final_.is_null();
}

bool HttpJobWaiter::waitAccepted(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  MutexLock lock(mutex_);
  while (job_id_.empty() && final_.is_null() && !closed_ &&
         cv_.wait_until(lock.native(), deadline) != std::cv_status::timeout) {
  }
  return !job_id_.empty() || !final_.is_null();
}

nlohmann::json HttpJobWaiter::final() const {
  MutexLock lock(mutex_);
  return final_;
}

std::string HttpJobWaiter::jobId() const {
  MutexLock lock(mutex_);
  return job_id_;
}

std::string HttpJobWaiter::state() const {
  MutexLock lock(mutex_);
  return state_;
}

}  // namespace polyrun::master
