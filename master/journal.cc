#include "journal.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Logger.h>

#include <chrono>
#include <filesystem>

#include "output_batch.h"

namespace polyrun::master {
namespace {
using namespace Poco::Data::Keywords;

Poco::Logger& log() { return Poco::Logger::get("master.journal"); }

// Schema version in PRAGMA user_version; a newer file is refused rather than misread.
constexpr int kSchemaVersion = 1;
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

int64_t Journal::nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Journal::Journal(JournalConfig config) : config_(std::move(config)) {}

std::unique_ptr<Journal> Journal::open(const JournalConfig& config, std::string* error) {
  registerConnector();
  const std::filesystem::path folder = std::filesystem::path(config.path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    *error = "master.journal.path = " + config.path + ": the folder " + folder.string() +
             " does not exist; create it (writable by the master) or choose another path";
    return nullptr;
  }
  std::unique_ptr<Journal> journal(new Journal(config));
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
      *error = "master.journal.path = " + config.path + " was written by a newer polyrun-master "
               "(schema " + std::to_string(version) + "); use that version or another file";
      return nullptr;
    }
    s << "CREATE TABLE IF NOT EXISTS jobs ("
         " seq INTEGER PRIMARY KEY,"       // acceptance order
         " job_id TEXT NOT NULL UNIQUE,"
         " language TEXT NOT NULL,"
         " job TEXT NOT NULL,"             // the job as JSON; emptied once it finished
         " accepted_ms INTEGER NOT NULL,"  // Unix time
         " state TEXT NOT NULL,"           // pending | finished | cancelled
         " result TEXT,"                   // the result as JSON when finished
         " finished_ms INTEGER)",
        now;
    s << "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_ms)", now;
    s << "PRAGMA user_version = " + std::to_string(kSchemaVersion), now;
    journal->reader_session_ = connect(config);
  } catch (const Poco::Exception& e) {
    *error = "master.journal.path = " + config.path + " cannot be opened as a journal: " +
             e.displayText() + "; check that its folder exists and is writable";
    return nullptr;
  }
  journal->purgeExpired();
  journal->writer_ = std::thread([j = journal.get()] { j->writerLoop(); });
  return journal;
}

Journal::~Journal() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
}

std::vector<Journal::Accepted> Journal::unfinished() {
  std::vector<Accepted> jobs;
  std::lock_guard<std::mutex> lock(read_mutex_);
  try {
    std::vector<std::string> ids, languages, bodies;
    std::vector<Poco::Int64> accepted;
    *reader_session_ << "SELECT job_id, language, job, accepted_ms FROM jobs WHERE state = 'pending' "
                        "ORDER BY seq",
        into(ids), into(languages), into(bodies), into(accepted), now;
    for (size_t i = 0; i < ids.size(); ++i)
      jobs.push_back({ids[i], languages[i], bodies[i], static_cast<int64_t>(accepted[i])});
  } catch (const Poco::Exception& e) {
    log().error("cannot read unfinished jobs from %s: %s", config_.path, e.displayText());
  }
  return jobs;
}

void Journal::accepted(Accepted job, Done done) {
  Op op;
  op.accepted = true;
  op.job = std::move(job);
  op.done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(op));
    ++queued_;
  }
  work_ready_.notify_one();
}

void Journal::finished(std::string job_id, Outcome outcome, Done done) {
  Op op;
  op.job_id = std::move(job_id);
  op.outcome = std::move(outcome);
  op.done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(op));
    ++queued_;
  }
  work_ready_.notify_one();
}

std::optional<Journal::Outcome> Journal::lookup(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(read_mutex_);
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

void Journal::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = queued_;
  committed_cv_.wait(lock, [&] { return committed_ >= target; });
}

void Journal::purgeExpired() {
  try {
    Poco::Int64 cutoff = nowMs() - config_.retention_ms;
    *writer_session_ << "DELETE FROM jobs WHERE state <> 'pending' AND finished_ms < ?", use(cutoff), now;
  } catch (const Poco::Exception& e) {
    log().error("cannot purge expired jobs from %s: %s", config_.path, e.displayText());
  }
}

void Journal::commit(std::vector<Op>& batch, std::string* error) {
  // One statement per kind for the whole batch, bound to columns (Poco::Data runs it once per
  // row): much cheaper than a statement per write. Inserts go first: a job's outcome is always
  // queued after its acceptance, so it finds its row, in this batch or an earlier one.
  std::vector<std::string> ids, languages, bodies, done_ids, states, results;
  std::vector<Poco::Int64> accepted_ms, finished_ms;
  for (Op& op : batch) {
    if (op.accepted) {
      ids.push_back(std::move(op.job.job_id));
      languages.push_back(std::move(op.job.language));
      bodies.push_back(std::move(op.job.job_json));
      accepted_ms.push_back(op.job.accepted_ms);
    } else {
      done_ids.push_back(std::move(op.job_id));
      states.push_back(std::move(op.outcome.state));
      results.push_back(std::move(op.outcome.result_json));
      finished_ms.push_back(op.outcome.finished_ms);
    }
  }
  Poco::Data::Session& s = *writer_session_;
  try {
    s.begin();
    if (!ids.empty()) {
      s << "INSERT OR REPLACE INTO jobs (job_id, language, job, accepted_ms, state) "
           "VALUES (?, ?, ?, ?, 'pending')",
          use(ids), use(languages), use(bodies), use(accepted_ms), now;
    }
    if (!done_ids.empty()) {
      s << "UPDATE jobs SET state = ?, result = ?, finished_ms = ?, job = '' WHERE job_id = ?",
          use(states), use(results), use(finished_ms), use(done_ids), now;
    }
    s.commit();
  } catch (const Poco::Exception& e) {
    *error = "journal " + config_.path + ": " + e.displayText();
    try {
      if (s.isTransaction()) s.rollback();
    } catch (const Poco::Exception&) {
    }
  }
}

void Journal::writerLoop() {
  auto next_purge = std::chrono::steady_clock::now() + kPurgeEvery;
  for (;;) {
    std::vector<Op> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait_until(lock, next_purge, [this] { return stopping_ || !queue_.empty(); });
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
        std::lock_guard<std::mutex> lock(mutex_);
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
