// The outcomes of finished jobs the master keeps in memory, so that `job` and `cancel` answer
// without the journal: the oldest go first once past the retention time, the count or the byte
// budget (master.results.*); with a journal, those are still found there.
// Not thread-safe: the Scheduler calls it under its mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "job_state.h"
#include "polyrun/job.h"

namespace polyrun::master {

/// How a job ended, as kept for lookups.
struct FinishedJob {
  using Clock = std::chrono::steady_clock;
  JobState state = JobState::kFinished;  // kFinished or kCancelled
  std::shared_ptr<const nlohmann::json>
      result;            // toJson(JobResult) for kFinished; null for kCancelled
  Clock::time_point at;  // when it ended: retention counts from here
  size_t bytes = 256;    // roughly what it costs in memory

  /// A finished job whose memory cost is its outputs and message (what dominates a result).
  static FinishedJob ofResult(const JobResult& result, std::shared_ptr<const nlohmann::json> json,
                              Clock::time_point at);
};

class ResultStore {
 public:
  struct Bounds {
    int64_t retention_ms = 3600'000;  // an outcome older than this is dropped
    size_t max_results = 10000;       // at most this many outcomes
    size_t max_bytes = 256u << 20;    // and at most about this many bytes of them
  };

  explicit ResultStore(Bounds bounds) : bounds_(bounds) {}

  /// Keeps the outcome of `job_id` (replacing one kept before, in its place in the order), then
  /// drops the oldest outcomes while one is older than the retention time counted back from
  /// `outcome.at`, or the count or the bytes are over their bound; `outcome` itself may go.
  void put(const std::string& job_id, FinishedJob outcome);
  /// The kept outcome of `job_id`; nullptr when there is none. Valid until the next put().
  const FinishedJob* find(const std::string& job_id) const;

  size_t size() const { return outcomes_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  const Bounds bounds_;
  std::unordered_map<std::string, FinishedJob> outcomes_;
  std::deque<std::string> order_;  // job ids, oldest first
  size_t bytes_ = 0;               // sum of outcomes_[*].bytes
};

}  // namespace polyrun::master
