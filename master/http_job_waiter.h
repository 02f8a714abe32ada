// The Peer an HTTP request hands the scheduler: it collects what the scheduler sends for one
// request (`accepted`, `progress`, then the final `result`, `error`, `cancelled` or `job`) and
// wakes the handler thread waiting for the final one. send() never blocks (it may be called
// under the scheduler's mutex); any thread may call close() to give up the wait (master stopping).
#pragma once

#include <chrono>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <string>

#include "peer.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {

class HttpJobWaiter final : public Peer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HttpJobWaiter(std::string address) : address_(std::move(address)) {}

  void send(const nlohmann::json& message) override;
  void close() override;
  std::string address() const override { return address_; }

  enum class Outcome {
    kFinal,       // final() holds the scheduler's last word for the request
    kClosed,      // close() was called first
    kQueueWait,   // the job was still queued (not accepted, or back in the queue) at its deadline
    kRunTimeout,  // the job was on a slave past its deadline
  };
  /// Waits for the final message. While the job is queued the deadline is `queue_wait` from
  /// the submission (or from its return to the queue); once a slave has it, `run_budget` from
  /// the assignment: each phase gets the job's own time, however long the other took.
  Outcome wait(std::chrono::milliseconds queue_wait, std::chrono::milliseconds run_budget);
  /// Waits up to `timeout` for `accepted` (then jobId() is set) or a final message (the job was
  /// refused: final() says why); false when neither came in time or close() was called.
  bool waitAccepted(std::chrono::milliseconds timeout);
  /// Waits up to `timeout` for the final message only (a lookup, a cancel's aftermath).
  bool waitFinal(std::chrono::milliseconds timeout);

  nlohmann::json final() const;
  std::string jobId() const;
  std::string state() const;  // last progress state: queued, assigned, compiling, running

 private:
  const std::string address_;
  mutable Mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  std::string job_id_ POLYRUN_GUARDED_BY(mutex_);
  std::string state_ POLYRUN_GUARDED_BY(mutex_) = "queued";
  // When the job entered its current phase.
  Clock::time_point phase_start_ POLYRUN_GUARDED_BY(mutex_) = Clock::now();
  nlohmann::json final_ POLYRUN_GUARDED_BY(mutex_);  // null until the final message arrives
  bool closed_ POLYRUN_GUARDED_BY(mutex_) = false;
};

}  // namespace polyrun::master
