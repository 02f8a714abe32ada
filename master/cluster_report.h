// What the master reports about itself: counters, recent jobs and latency histograms kept as
// jobs pass, and the `cluster` snapshot built from them and the scheduler's state
// (docs/protocol.md, "cluster"; `polyrun status`, /api/v1/cluster and /metrics read it).
// Not thread-safe: the Scheduler calls it under its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "latency_histogram.h"
#include "peer.h"
#include "polyrun/job.h"
#include "router.h"
#include "slave_state.h"

namespace polyrun::master {

/// What `cluster` shows a client of the recent jobs of other clients (master.monitor.other_jobs).
enum class OtherJobs {
  kNone,     // nothing: a client sees only its own jobs
  kSummary,  // language, version, verdict, slave and times, without job id or client
  kAll,      // everything, job ids included (ids still answer only to their owner)
};

/// What /metrics exposes beyond the snapshot: finished jobs per (language, verdict) and the
/// latency histograms, since the master started.
struct JobMetrics {
  std::map<std::pair<std::string, std::string>, uint64_t> jobs;  // (language, verdict) -> count
  LatencyHistogram queue;  // acceptance to assignment (to the end for jobs never assigned)
  LatencyHistogram run;    // assignment to result, for jobs a slave ran
  // Live jobs' output bytes passed on to their clients, and dropped for clients reading slowly.
  uint64_t live_output_sent = 0;
  uint64_t live_output_dropped = 0;
};

class ClusterReport {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kRecentJobs = 50;  // most recent jobs listed, newest first

  explicit ClusterReport(OtherJobs other_jobs) : other_jobs_(other_jobs) {}

  // Counted as they happen.
  void submitted() { ++submitted_; }
  void refused() { ++refused_; }
  void cancelled() { ++cancelled_; }
  void requeued() { ++requeued_; }
  void recovered(uint64_t n) { recovered_ = n; }
  void liveOutput(uint64_t sent, uint64_t dropped) {
    metrics_.live_output_sent += sent;
    metrics_.live_output_dropped += dropped;
  }
  /// A job ended at `at` with `result` (its queue_ms and total_ms set). `language` is the queue
  /// it ran from; `client` the submitter's address ("-" when gone); `owner` who submitted it;
  /// `run_ms` the time from assignment to the end, nullopt for a job never assigned.
  void finished(const JobResult& result, const std::string& language, const std::string& client,
                const std::string& owner, std::optional<int64_t> run_ms, Clock::time_point at);

  const JobMetrics& metrics() const { return metrics_; }

  /// The scheduler's state the snapshot shows; references valid while snapshot() runs.
  struct State {
    const std::map<int, SlaveState>& slaves;
    const Router& router;  // each slave's languages, capacity, draining and score
    const std::map<std::string, std::deque<std::string>>& queues;  // language -> waiting job ids
    size_t clients = 0;
    bool stopping = false;
    bool journal = false;
    Clock::time_point started_at;
  };
  /// The `cluster` snapshot (docs/protocol.md, without type and id) as `viewer` may see it: the
  /// recent jobs of others only as OtherJobs allows.
  nlohmann::json snapshot(const State& state, const ClientIdentity& viewer,
                          Clock::time_point now) const;

 private:
  struct RecentJob {
    nlohmann::json info;  // job_id, client, language, version, verdict, slave, queue_ms, total_ms
    Clock::time_point at;
    std::string owner;
  };

  const OtherJobs other_jobs_;
  uint64_t submitted_ = 0;
  uint64_t completed_ = 0;
  uint64_t cancelled_ = 0;
  uint64_t requeued_ = 0;
  uint64_t refused_ = 0;
  uint64_t recovered_ = 0;
  std::deque<RecentJob> recent_jobs_;  // newest first, at most kRecentJobs
  std::map<std::string, uint64_t> by_verdict_;
  std::map<std::string, uint64_t> by_language_;
  JobMetrics metrics_;
};

}  // namespace polyrun::master
