#include "sqlite_journal.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Logger.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>

#include "output_batch.h"

namespace polyrun::master {
namespace {
using namespace Poco::Data::Keywords;

Poco::Logger& log() { return Poco::Logger::get("master.journal"); }

// Schema version in PRAGMA user_version; a newer file is refused rather than misread.
// 2 added jobs.client (version 1 files get it, empty, when opened).
constexpr int kSchemaVersion = 2;
// The write-ahead log is cut back to this after a checkpoint, or it keeps its largest size.
constexpr int64_t kWalLimitBytes = 64ll << 20;
// Bytes of a row's result, as counted against the bounds.
#define POLYRUN_RESULT_BYTES "length(CAST(COALESCE(result, '') AS BLOB))"
// Most writes in one transaction: bounds the latency of the first one in a burst.
constexpr size_t kMaxBatch = 4096;
// How often finished jobs past their retention are deleted.
constexpr auto kPurgeEvery = std::chrono::seconds(30);

void registerConnector() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

// How long Poco may keep retrying to open the file (its default is a minute).
constexpr size_t kOpenTimeoutSeconds = 5;

std::unique_ptr<Poco::Data::Session> connect(const JournalConfig& config) {
  auto session = std::make_unique<Poco::Data::Session>("SQLite", config.path, kOpenTimeoutSeconds);
  // A reader and the writer may meet on a lock while WAL checkpoints: wait rather than fail.
  *session << "PRAGMA busy_timeout = 5000", now;
  return session;
}

}  // namespace

// The writer's statements, prepared once on its connection: a commit then costs binding and
// stepping, not parsing SQL again (most of the master's work per job at a few hundred jobs a
// second, where every result is a transaction of its own; docs/performance.md).
struct SqliteJournal::WriterStatements {
  sqlite3* db = nullptr;
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* update = nullptr;
  sqlite3_stmt* outcome_of = nullptr;        // a job's client, state and result bytes
  sqlite3_stmt* oldest_of_client = nullptr;  // a client's oldest outcome: seq, bytes
  sqlite3_stmt* oldest = nullptr;            // the oldest outcome: seq, client, bytes
  sqlite3_stmt* remove = nullptr;

  WriterStatements() = default;
  WriterStatements(const WriterStatements&) = delete;
  WriterStatements& operator=(const WriterStatements&) = delete;
  ~WriterStatements() {
    for (sqlite3_stmt* s :
         {begin, commit, rollback, insert, update, outcome_of, oldest_of_client, oldest, remove})
      sqlite3_finalize(s);
  }

  // False with *error naming the statement SQLite refused.
  bool prepare(sqlite3* handle, std::string* error) {
    db = handle;
    const std::pair<sqlite3_stmt**, const char*> all[] = {
        {&begin, "BEGIN"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&insert,
         "INSERT OR REPLACE INTO jobs (job_id, language, job, accepted_ms, state, client) "
         "VALUES (?1, ?2, ?3, ?4, 'pending', ?5)"},
        {&update,
         "UPDATE jobs SET state = ?1, result = ?2, finished_ms = ?3, job = '' WHERE job_id = ?4"},
        {&outcome_of, "SELECT client, state, " POLYRUN_RESULT_BYTES " FROM jobs WHERE job_id = ?1"},
        {&oldest_of_client, "SELECT seq, " POLYRUN_RESULT_BYTES " FROM jobs WHERE client = ?1 AND "
                            "state <> 'pending' ORDER BY finished_ms, seq LIMIT 1"},
        {&oldest, "SELECT seq, client, " POLYRUN_RESULT_BYTES " FROM jobs WHERE state <> 'pending' "
                  "ORDER BY finished_ms, seq LIMIT 1"},
        {&remove, "DELETE FROM jobs WHERE seq = ?1"},
    };
    for (const auto& [statement, sql] : all) {
      if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr) !=
          SQLITE_OK) {
        *error = std::string("cannot prepare \"") + sql + "\": " + sqlite3_errmsg(db);
        return false;
      }
    }
    return true;
  }

  // Runs `statement` to its end and makes it ready for the next run; SQLITE_DONE on success.
  int run(sqlite3_stmt* statement) {
    const int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    return rc;
  }

  // Bound text stays owned by the caller: SQLite reads it during the step that follows.
  void bindText(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
};

SqliteJournal::SqliteJournal(JournalConfig config) : config_(std::move(config)) {}

std::unique_ptr<SqliteJournal> SqliteJournal::open(const JournalConfig& config,
                                                   std::string* error) {
  registerConnector();
  const std::filesystem::path folder = std::filesystem::path(config.path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    *error = "master.journal.path = " + config.path + ": the folder " + folder.string() +
             " does not exist; create it (writable by the master) or choose another path";
    return nullptr;
  }
  std::unique_ptr<SqliteJournal> journal(new SqliteJournal(config));
  try {
    journal->writer_session_ = connect(config);
    Poco::Data::Session& s = *journal->writer_session_;
    std::string mode;
    s << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal") {
      *error = "master.journal.path = " + config.path + ": SQLite refused WAL mode (got \"" + mode +
               "\"); put the journal on a local file system";
      return nullptr;
    }
    // NORMAL: a commit is durable once written to the WAL file, which survives a crash of the
    // process (kill -9); FULL also fsyncs each commit, which survives a power loss.
    s << (config.full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"), now;
    int version = 0;
    s << "PRAGMA user_version", into(version), now;
    if (version > kSchemaVersion) {
      *error = "master.journal.path = " + config.path +
               " was written by a newer polyrun-master "
               "(schema " +
               std::to_string(version) + "); use that version or another file";
      return nullptr;
    }
    s << "CREATE TABLE IF NOT EXISTS jobs ("
         " seq INTEGER PRIMARY KEY,"  // acceptance order
         " job_id TEXT NOT NULL UNIQUE,"
         " language TEXT NOT NULL,"
         " job TEXT NOT NULL,"             // the job as JSON; emptied once it finished
         " accepted_ms INTEGER NOT NULL,"  // Unix time
         " state TEXT NOT NULL,"           // pending | finished | cancelled
         " result TEXT,"                   // the result as JSON when finished
         " finished_ms INTEGER,"
         " client TEXT NOT NULL DEFAULT '')",  // the submitter's host (bounds per client)
        now;
    if (version == 1) s << "ALTER TABLE jobs ADD COLUMN client TEXT NOT NULL DEFAULT ''", now;
    s << "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_ms)", now;
    s << "CREATE INDEX IF NOT EXISTS jobs_client_finished ON jobs(client, finished_ms)", now;
    s << "PRAGMA journal_size_limit = " + std::to_string(kWalLimitBytes), now;
    s << "PRAGMA user_version = " + std::to_string(kSchemaVersion), now;
    journal->statements_ = std::make_unique<WriterStatements>();
    std::string why;
    if (!journal->statements_->prepare(Poco::Data::SQLite::Utility::dbHandle(s), &why)) {
      *error = "master.journal.path = " + config.path + ": " + why;
      return nullptr;
    }
    MutexLock lock(journal->read_mutex_);  // nobody else has the journal yet
    journal->reader_session_ = connect(config);
  } catch (const Poco::Exception& e) {
    *error = "master.journal.path = " + config.path +
             " cannot be opened as a journal: " + e.displayText() +
             "; check that its folder exists and is writable";
    return nullptr;
  }
  journal->purgeExpired();
  journal->writer_ = std::thread([j = journal.get()] { j->writerLoop(); });
  return journal;
}

SqliteJournal::~SqliteJournal() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
}

std::vector<Journal::Accepted> SqliteJournal::unfinished() {
  std::vector<Accepted> jobs;
  MutexLock lock(read_mutex_);
  try {
    std::vector<std::string> ids, languages, bodies, clients;
    std::vector<Poco::Int64> accepted;
    *reader_session_
        << "SELECT job_id, language, job, accepted_ms, client FROM jobs WHERE state = 'pending' "
           "ORDER BY seq",
        into(ids), into(languages), into(bodies), into(accepted), into(clients), now;
    for (size_t i = 0; i < ids.size(); ++i)
      jobs.push_back(
          {ids[i], languages[i], bodies[i], static_cast<int64_t>(accepted[i]), clients[i]});
  } catch (const Poco::Exception& e) {
    log().error("cannot read unfinished jobs from %s: %s", config_.path, e.displayText());
  }
  return jobs;
}

void SqliteJournal::accepted(Accepted job, Done done) {
  Op op;
  op.accepted = true;
  op.job = std::move(job);
  op.done = std::move(done);
  {
    MutexLock lock(mutex_);
    queue_.push_back(std::move(op));
    ++queued_;
  }
  work_ready_.notify_one();
}

void SqliteJournal::finished(std::string job_id, Outcome outcome, Done done) {
  Op op;
  op.job_id = std::move(job_id);
  op.outcome = std::move(outcome);
  op.done = std::move(done);
  {
    MutexLock lock(mutex_);
    queue_.push_back(std::move(op));
    ++queued_;
  }
  work_ready_.notify_one();
}

std::optional<Journal::Outcome> SqliteJournal::lookup(const std::string& job_id) {
  MutexLock lock(read_mutex_);
  try {
    std::string id = job_id;
    std::vector<std::string> states, results;
    std::vector<Poco::Int64> finished;
    *reader_session_ << "SELECT state, COALESCE(result, ''), COALESCE(finished_ms, 0) FROM jobs "
                        "WHERE job_id = ? AND state <> 'pending'",
        use(id), into(states), into(results), into(finished), now;
    if (states.empty()) return std::nullopt;
    if (finished[0] < nowMs() - config_.retention_ms) return std::nullopt;  // not purged yet
    return Outcome{states[0], results[0], static_cast<int64_t>(finished[0])};
  } catch (const Poco::Exception& e) {
    log().error("cannot look up job %s in %s: %s", job_id, config_.path, e.displayText());
    return std::nullopt;
  }
}

void SqliteJournal::flush() {
  MutexLock lock(mutex_);
  const uint64_t target = queued_;
  while (committed_ < target) committed_cv_.wait(lock.native());
}

void SqliteJournal::purgeExpired() {
  try {
    Poco::Int64 cutoff = nowMs() - config_.retention_ms;
    *writer_session_ << "DELETE FROM jobs WHERE state <> 'pending' AND finished_ms < ?",
        use(cutoff), now;
  } catch (const Poco::Exception& e) {
    log().error("cannot purge expired jobs from %s: %s", config_.path, e.displayText());
  }
  loadKeptBytes();
}

void SqliteJournal::loadKeptBytes() {
  try {
    std::vector<std::string> clients;
    std::vector<Poco::Int64> bytes;
    *writer_session_ << "SELECT client, SUM(" POLYRUN_RESULT_BYTES
                        ") FROM jobs WHERE state <> 'pending' "
                        "GROUP BY client",
        into(clients), into(bytes), now;
    kept_bytes_ = 0;
    client_kept_bytes_.clear();
    for (size_t i = 0; i < clients.size(); ++i) {
      client_kept_bytes_[clients[i]] = bytes[i];
      kept_bytes_ += bytes[i];
    }
  } catch (const Poco::Exception& e) {
    log().error("cannot count the bytes kept in %s: %s", config_.path, e.displayText());
  }
}

int SqliteJournal::purgeOverBounds(const std::set<std::string>& clients, int64_t* kept,
                                   std::map<std::string, int64_t>* per_client) {
  WriterStatements& st = *statements_;
  size_t purged = 0;
  // Deletes the oldest outcome `select` finds (of `client` when given); false when none is
  // left or SQLite failed (*rc then says how).
  auto purgeOldest = [&](sqlite3_stmt* select, const std::string* client, int* rc) {
    if (client) st.bindText(select, 1, *client);
    if ((*rc = sqlite3_step(select)) != SQLITE_ROW) {
      sqlite3_reset(select);
      return false;
    }
    const int64_t seq = sqlite3_column_int64(select, 0);
    const std::string owner =
        client ? *client : reinterpret_cast<const char*>(sqlite3_column_text(select, 1));
    const int64_t bytes = sqlite3_column_int64(select, client ? 1 : 2);
    sqlite3_reset(select);
    sqlite3_bind_int64(st.remove, 1, seq);
    if ((*rc = st.run(st.remove)) != SQLITE_DONE) return false;
    *kept -= bytes;
    (*per_client)[owner] -= bytes;
    ++purged;
    return true;
  };
  int rc = SQLITE_DONE;
  for (const std::string& client : clients) {
    while (rc == SQLITE_DONE && (*per_client)[client] > config_.client_max_bytes &&
           purgeOldest(st.oldest_of_client, &client, &rc)) {
    }
  }
  while (rc == SQLITE_DONE && *kept > config_.max_bytes && purgeOldest(st.oldest, nullptr, &rc)) {
  }
  if (purged > 0)
    log().information(
        "purged the %z oldest outcomes before their time to stay within "
        "master.journal.max.bytes / master.journal.client.max.bytes",
        purged);
  return rc;
}

void SqliteJournal::commit(const std::vector<Op>& batch, std::string* error) {
  // Inserts go first: a job's outcome is always queued after its acceptance, so it finds its
  // row, in this batch or an earlier one.
  WriterStatements& st = *statements_;
  auto failed = [&](int rc) {
    *error =
        "journal " + config_.path + ": " + sqlite3_errstr(rc) + " (" + sqlite3_errmsg(st.db) + ")";
    if (!sqlite3_get_autocommit(st.db)) st.run(st.rollback);
  };
  int rc = st.run(st.begin);
  if (rc != SQLITE_DONE) return failed(rc);
  for (const Op& op : batch) {
    if (!op.accepted) continue;
    st.bindText(st.insert, 1, op.job.job_id);
    st.bindText(st.insert, 2, op.job.language);
    st.bindText(st.insert, 3, op.job.job_json);
    sqlite3_bind_int64(st.insert, 4, op.job.accepted_ms);
    st.bindText(st.insert, 5, op.job.client);
    if ((rc = st.run(st.insert)) != SQLITE_DONE) return failed(rc);
  }
  int64_t kept = kept_bytes_;
  std::map<std::string, int64_t> per_client = client_kept_bytes_;
  std::set<std::string> clients;  // whose share grew
  for (const Op& op : batch) {
    if (op.accepted) continue;
    st.bindText(st.outcome_of, 1, op.job_id);
    if ((rc = sqlite3_step(st.outcome_of)) == SQLITE_ROW) {
      const std::string client =
          reinterpret_cast<const char*>(sqlite3_column_text(st.outcome_of, 0));
      const bool had_outcome =
          std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st.outcome_of, 1))) !=
          "pending";
      const int64_t delta = static_cast<int64_t>(op.outcome.result_json.size()) -
                            (had_outcome ? sqlite3_column_int64(st.outcome_of, 2) : 0);
      kept += delta;
      per_client[client] += delta;
      clients.insert(client);
    }
    sqlite3_reset(st.outcome_of);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failed(rc);
    st.bindText(st.update, 1, op.outcome.state);
    st.bindText(st.update, 2, op.outcome.result_json);
    sqlite3_bind_int64(st.update, 3, op.outcome.finished_ms);
    st.bindText(st.update, 4, op.job_id);
    if ((rc = st.run(st.update)) != SQLITE_DONE) return failed(rc);
  }
  if ((rc = purgeOverBounds(clients, &kept, &per_client)) != SQLITE_DONE) return failed(rc);
  if ((rc = st.run(st.commit)) != SQLITE_DONE) return failed(rc);
  kept_bytes_ = kept;
  client_kept_bytes_ = std::move(per_client);
}

void SqliteJournal::writerLoop() {
  auto next_purge = std::chrono::steady_clock::now() + kPurgeEvery;
  for (;;) {
    std::vector<Op> batch;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && queue_.empty() &&
             work_ready_.wait_until(lock.native(), next_purge) != std::cv_status::timeout) {
      }
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) {
      std::string error;
      commit(batch, &error);
      if (!error.empty()) log().error("%s (%z writes failed)", error, batch.size());
      {
        OutputBatch output;  // what the callbacks send goes out in one write per peer
        for (Op& op : batch) {
          if (!op.done) continue;
          try {
            op.done(error.empty(), error);
          } catch (const std::exception& e) {
            log().error("journal callback failed: %s", std::string(e.what()));
          }
        }
      }
      {
        MutexLock lock(mutex_);
        committed_ += batch.size();
      }
      committed_cv_.notify_all();
    }
    if (std::chrono::steady_clock::now() >= next_purge) {
      purgeExpired();
      next_purge = std::chrono::steady_clock::now() + kPurgeEvery;
    }
  }
}

}  // namespace polyrun::master
