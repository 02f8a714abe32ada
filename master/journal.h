// The master's job journal, as the scheduler uses it: every accepted job and every outcome, so
// that a master that restarts runs unfinished jobs again and still answers lookups of finished
// ones. docs/architecture.md, "Faults and recovery", says how the scheduler uses it. The one
// real implementation is SqliteJournal (sqlite_journal.h); tests use a fake that can fail or
// hold its writes (tests/support/fake_journal.h).
//
// Contract of every implementation:
// - Writes are queued; each write's `done` callback runs once its write is committed (ok) or
//   failed (ok false, error says why), in the order the writes were queued, and never inside
//   the call that queued it (the scheduler queues writes under its mutex, and its callbacks take
//   that mutex). The master acknowledges a job only once it is durable.
// - Callbacks must not call flush() or the destructor.
// - Every public member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace polyrun::master {

class Journal {
 public:
  /// A job accepted and not yet finished, as the journal stores it.
  struct Accepted {
    std::string job_id;
    std::string language;     // as the scheduler queued it
    std::string job_json;     // the job (polyrun/job_json.h), limits filled in
    int64_t accepted_ms = 0;  // Unix time
    std::string client;       // who submitted it (its host): whose share its outcome counts on
  };
  /// A finished or cancelled job.
  struct Outcome {
    std::string state;        // "finished" or "cancelled"
    std::string result_json;  // the result for "finished"; empty for "cancelled"
    int64_t finished_ms = 0;  // Unix time
  };
  /// Called once the write is committed (ok) or failed (ok false, error says why).
  using Done = std::function<void(bool ok, const std::string& error)>;

  /// Commits what is queued (running its callbacks), then stops.
  virtual ~Journal() = default;

  /// Jobs accepted and not finished, in the order they were accepted.
  virtual std::vector<Accepted> unfinished() = 0;

  /// Queues the record of an accepted job.
  virtual void accepted(Accepted job, Done done) = 0;
  /// Queues the outcome of a job (it is then no longer unfinished).
  virtual void finished(std::string job_id, Outcome outcome, Done done) = 0;

  /// The outcome of a job that finished within the retention time; nullopt when the journal
  /// does not know it as finished (never accepted, still running, or purged).
  virtual std::optional<Outcome> lookup(const std::string& job_id) = 0;

  /// Waits until every write queued before the call is done (committed or failed).
  virtual void flush() = 0;

  /// Unix time now, in ms.
  static int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace polyrun::master
