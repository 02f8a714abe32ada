#include "support/fake_journal.h"

#include <algorithm>

namespace polyrun::test {

FakeJournal::FakeJournal() : thread_([this] { run(); }) {}

FakeJournal::~FakeJournal() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    held_ = false;
  }
  changed_.notify_all();
  thread_.join();
}

std::vector<master::Journal::Accepted> FakeJournal::unfinished() {
  std::lock_guard<std::mutex> lock(mutex_);
  return unfinished_;
}

void FakeJournal::accepted(Accepted job, Done done) {
  Write w;
  w.accepted = true;
  w.job = std::move(job);
  w.done = std::move(done);
  queue(std::move(w));
}

void FakeJournal::finished(std::string job_id, Outcome outcome, Done done) {
  Write w;
  w.job_id = std::move(job_id);
  w.outcome = std::move(outcome);
  w.done = std::move(done);
  queue(std::move(w));
}

std::optional<master::Journal::Outcome> FakeJournal::lookup(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = outcomes_.find(job_id);
  if (it == outcomes_.end()) return std::nullopt;
  return it->second;
}

void FakeJournal::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = queued_;
  changed_.wait(lock, [&] { return done_ >= target; });
}

void FakeJournal::failAccepted(std::string error) {
  std::lock_guard<std::mutex> lock(mutex_);
  accepted_error_ = std::move(error);
}

void FakeJournal::failFinished(std::string error) {
  std::lock_guard<std::mutex> lock(mutex_);
  finished_error_ = std::move(error);
}

void FakeJournal::hold() {
  std::lock_guard<std::mutex> lock(mutex_);
  held_ = true;
}

void FakeJournal::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = false;
  }
  changed_.notify_all();
}

size_t FakeJournal::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<size_t>(queued_ - done_);
}

void FakeJournal::seedUnfinished(Accepted job) {
  std::lock_guard<std::mutex> lock(mutex_);
  known_.insert(job.job_id);
  unfinished_.push_back(std::move(job));
}

void FakeJournal::queue(Write write) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    write.error = write.accepted ? accepted_error_ : finished_error_;
    queue_.push_back(std::move(write));
    ++queued_;
  }
  changed_.notify_all();
}

void FakeJournal::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock,
                  [&] { return (!held_ && !queue_.empty()) || (stopping_ && queue_.empty()); });
    if (queue_.empty()) return;  // stopping, and everything is done
    Write w = std::move(queue_.front());
    queue_.pop_front();
    if (w.error.empty()) {
      if (w.accepted) {
        known_.insert(w.job.job_id);
        unfinished_.push_back(w.job);
      } else if (known_.count(w.job_id) > 0) {  // an outcome of a job never kept is not kept
        auto& u = unfinished_;
        u.erase(std::remove_if(u.begin(), u.end(),
                               [&](const Accepted& a) { return a.job_id == w.job_id; }),
                u.end());
        outcomes_[w.job_id] = w.outcome;
      }
    }
    // The callback runs without the lock, as the real journal's do: it may call lookup().
    lock.unlock();
    if (w.done) w.done(w.error.empty(), w.error);
    lock.lock();
    ++done_;
    changed_.notify_all();
  }
}

}  // namespace polyrun::test
