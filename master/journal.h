// The master's job journal: every accepted job and every outcome, in SQLite through Poco::Data
// (WAL mode), so that a master that crashes and restarts runs unfinished jobs again and still
// answers lookups of finished ones for `retention_ms`. docs/architecture.md, "Faults and
// recovery", says how the scheduler uses it.
//
// Writes are queued and committed by one writer thread in batches (group commit): a burst of
// submissions costs one transaction, not one each. Each write's `done` callback runs on the
// writer thread after its transaction committed (or failed), in the order the writes were
// queued, so the master acknowledges a job only once it is durable. Callbacks must not call
// flush() or the destructor.
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace Poco::Data {
class Session;
}

namespace polyrun::master {

struct JournalConfig {
  std::string path;              // the SQLite database file (master.journal.path)
  bool full_sync = false;        // fsync every commit (survives power loss) rather than WAL's
                                 // default (survives a crash of the master process)
  int64_t retention_ms = 3600'000;  // finished jobs older than this are purged
  // Bounds on the outcomes kept (bytes of results, master.journal.max.bytes and
  // master.journal.client.max.bytes): past one, the oldest outcomes (of that client, or of
  // anyone) are purged before their retention time. Each is at least a frame (a result's most).
  int64_t max_bytes = 1ll << 30;
  int64_t client_max_bytes = 256ll << 20;
};

class Journal {
 public:
  /// A job accepted and not yet finished, as the journal stores it.
  struct Accepted {
    std::string job_id;
    std::string language;  // as the scheduler queued it
    std::string job_json;  // the job (polyrun/job_json.h), limits filled in
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

  /// Opens or creates the journal and starts its writer thread; nullptr with *error naming the
  /// path and the cause.
  static std::unique_ptr<Journal> open(const JournalConfig& config, std::string* error);
  /// Commits what is queued, then stops the writer thread.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Jobs accepted and not finished, in the order they were accepted.
  std::vector<Accepted> unfinished();

  /// Queues the record of an accepted job.
  void accepted(Accepted job, Done done);
  /// Queues the outcome of a job (it is then no longer unfinished).
  void finished(std::string job_id, Outcome outcome, Done done);

  /// The outcome of a job that finished within the retention time; nullopt when the journal
  /// does not know it as finished (never accepted, still running, or purged).
  std::optional<Outcome> lookup(const std::string& job_id);

  /// Waits until every write queued before the call is committed.
  void flush();

  /// Unix time now, in ms.
  static int64_t nowMs();

 private:
  struct Op {
    bool accepted = false;  // else finished
    Accepted job;           // accepted
    std::string job_id;     // finished
    Outcome outcome;        // finished
    Done done;
  };

  explicit Journal(JournalConfig config);
  void writerLoop();
  void commit(const std::vector<Op>& batch, std::string* error);
  void purgeExpired();
  // Purges the oldest outcomes while the bytes kept (*kept, *per_client) are over a bound;
  // SQLite's result code of the first failure, or SQLITE_DONE.
  int purgeOverBounds(const std::set<std::string>& clients, int64_t* kept,
                      std::map<std::string, int64_t>* per_client);
  void loadKeptBytes();

  struct WriterStatements;  // the writer's prepared statements (journal.cc)

  const JournalConfig config_;
  std::unique_ptr<Poco::Data::Session> writer_session_;  // only the writer thread uses it
  std::unique_ptr<WriterStatements> statements_;        // on writer_session_; goes first
  std::mutex read_mutex_;                                // guards reader_session_
  std::unique_ptr<Poco::Data::Session> reader_session_;

  // Bytes of results kept, in total and per client (only the writer thread, and open()).
  int64_t kept_bytes_ = 0;
  std::map<std::string, int64_t> client_kept_bytes_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable work_ready_;
  std::condition_variable committed_cv_;
  std::deque<Op> queue_;
  uint64_t queued_ = 0;     // writes queued since start
  uint64_t committed_ = 0;  // writes done (committed or failed) since start
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace polyrun::master
