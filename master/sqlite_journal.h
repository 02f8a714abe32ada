// The master's job journal (journal.h) in SQLite through Poco::Data (WAL mode): a master that
// crashes and restarts runs unfinished jobs again and still answers lookups of finished ones for
// `retention_ms`.
//
// Writes are queued and committed by one writer thread in batches (group commit): a burst of
// submissions costs one transaction, not one each, and a failed transaction fails every write
// in it. Each write's `done` callback runs on the writer thread after its transaction committed
// (or failed), in the order the writes were queued.
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "journal.h"
#include "polyrun/thread_annotations.h"

namespace Poco::Data {
class Session;
}

namespace polyrun::master {

struct JournalConfig {
  std::string path;                 // the SQLite database file (master.journal.path)
  bool full_sync = false;           // fsync every commit (survives power loss) rather than WAL's
                                    // default (survives a crash of the master process)
  int64_t retention_ms = 3600'000;  // finished jobs older than this are purged
  // Bounds on the outcomes kept (bytes of results, master.journal.max.bytes and
  // master.journal.client.max.bytes): past one, the oldest outcomes (of that client, or of
  // anyone) are purged before their retention time. Each is at least a frame (a result's most).
  int64_t max_bytes = 1ll << 30;
  int64_t client_max_bytes = 256ll << 20;
};

class SqliteJournal final : public Journal {
 public:
  /// Opens or creates the journal and starts its writer thread; nullptr with *error naming the
  /// path and the cause.
  static std::unique_ptr<SqliteJournal> open(const JournalConfig& config, std::string* error);
  /// Commits what is queued, then stops the writer thread.
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  std::vector<Accepted> unfinished() override;
  void accepted(Accepted job, Done done) override;
  void finished(std::string job_id, Outcome outcome, Done done) override;
  std::optional<Outcome> lookup(const std::string& job_id) override;
  void flush() override;

 private:
  struct Op {
    bool accepted = false;  // else finished
    Accepted job;           // accepted
    std::string job_id;     // finished
    Outcome outcome;        // finished
    Done done;
  };

  explicit SqliteJournal(JournalConfig config);
  void writerLoop();
  void commit(const std::vector<Op>& batch, std::string* error);
  void purgeExpired();
  // Purges the oldest outcomes while the bytes kept (*kept, *per_client) are over a bound;
  // SQLite's result code of the first failure, or SQLITE_DONE.
  int purgeOverBounds(const std::set<std::string>& clients, int64_t* kept,
                      std::map<std::string, int64_t>* per_client);
  void loadKeptBytes();

  struct WriterStatements;  // the writer's prepared statements (sqlite_journal.cc)

  const JournalConfig config_;
  std::unique_ptr<Poco::Data::Session> writer_session_;  // only the writer thread uses it
  std::unique_ptr<WriterStatements> statements_;         // on writer_session_; goes first
  Mutex read_mutex_;
  std::unique_ptr<Poco::Data::Session> reader_session_ POLYRUN_GUARDED_BY(read_mutex_);

  // Bytes of results kept, in total and per client (only the writer thread, and open()).
  int64_t kept_bytes_ = 0;
  std::map<std::string, int64_t> client_kept_bytes_;

  std::thread writer_;  // started by open(), joined by the destructor

  Mutex mutex_;  // guards everything below
  std::condition_variable work_ready_;
  std::condition_variable committed_cv_;
  std::deque<Op> queue_ POLYRUN_GUARDED_BY(mutex_);
  uint64_t queued_ POLYRUN_GUARDED_BY(mutex_) = 0;     // writes queued since start
  uint64_t committed_ POLYRUN_GUARDED_BY(mutex_) = 0;  // writes done (committed or failed)
  bool stopping_ POLYRUN_GUARDED_BY(mutex_) = false;
};

}  // namespace polyrun::master
