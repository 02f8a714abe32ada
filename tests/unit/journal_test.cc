// The job journal on a real SQLite file: what it keeps across a reopen, in which order, for how
// long, and how it refuses what it cannot use.
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "sqlite_journal.h"
#include "support/test_support.h"

namespace polyrun::master {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJournal> open(int64_t retention_ms = 3600'000,
                                      int64_t max_bytes = 1ll << 30,
                                      int64_t client_max_bytes = 256ll << 20) {
    JournalConfig config;
    config.path = path();
    config.retention_ms = retention_ms;
    config.max_bytes = max_bytes;
    config.client_max_bytes = client_max_bytes;
    std::string error;
    auto journal = SqliteJournal::open(config, &error);
    EXPECT_NE(journal, nullptr) << error;
    return journal;
  }
  std::string path() const { return dir_.path() + "/master.journal"; }
  // A connection of the test's own to the journal's file, beside the journal's.
  Poco::Data::Session otherSession() const {
    Poco::Data::SQLite::Connector::registerConnector();
    return Poco::Data::Session("SQLite", path());
  }
  static Journal::Accepted job(const std::string& id) {
    return {id, "python", R"j({"language":"python","files":[{"content":"print(1)"}]})j",
            Journal::nowMs(), ""};
  }
  test::TempDir dir_;
};

TEST_F(JournalTest, KeepsUnfinishedJobsInOrderAcrossAReopen) {
  {
    auto journal = open();
    for (const char* id : {"j-1", "j-2", "j-3", "j-4"}) journal->accepted(job(id), nullptr);
    journal->finished("j-2", {"finished", R"({"verdict":"OK"})", Journal::nowMs()}, nullptr);
    journal->finished("j-4", {"cancelled", "", Journal::nowMs()}, nullptr);
    journal->flush();
  }
  auto journal = open();
  const auto unfinished = journal->unfinished();
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_EQ(unfinished[0].job_id, "j-1");
  EXPECT_EQ(unfinished[1].job_id, "j-3");
  EXPECT_EQ(unfinished[0].language, "python");
  EXPECT_NE(unfinished[0].job_json.find("print(1)"), std::string::npos);
  auto done = journal->lookup("j-2");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, "finished");
  EXPECT_EQ(done->result_json, R"({"verdict":"OK"})");
  ASSERT_TRUE(journal->lookup("j-4"));
  EXPECT_EQ(journal->lookup("j-4")->state, "cancelled");
  EXPECT_FALSE(journal->lookup("j-1")) << "an unfinished job has no outcome yet";
  EXPECT_FALSE(journal->lookup("j-nope"));
}

TEST_F(JournalTest, CallsBackAfterTheCommitInQueueOrder) {
  auto journal = open();
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> all_done;
  for (int i = 0; i < 100; ++i) {
    journal->accepted(job("j-" + std::to_string(i)), [&, i](bool ok, const std::string& error) {
      EXPECT_TRUE(ok) << error;
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(i);
      if (order.size() == 100) all_done.set_value();
    });
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(journal->unfinished().size(), 100u) << "committed by the time the callback ran";
}

TEST_F(JournalTest, UsesWriteAheadLogging) {
  auto journal = open();
  journal->accepted(job("j-1"), nullptr);
  journal->flush();
  Poco::Data::Session session = otherSession();
  std::string mode;
  using namespace Poco::Data::Keywords;
  session << "PRAGMA journal_mode", into(mode), now;
  EXPECT_EQ(mode, "wal");
}

// A write SQLite refuses fails its whole batch: every write of it hears so, with the journal's
// path and what SQLite said.
TEST_F(JournalTest, AFailedCommitFailsEveryWriteOfItsBatch) {
  auto journal = open();
  journal->accepted(job("j-1"), nullptr);
  journal->flush();
  {
    // Another connection removes the row's table under the journal's prepared statements.
    Poco::Data::Session session = otherSession();
    using namespace Poco::Data::Keywords;
    session << "DROP TABLE jobs", now;
  }
  std::mutex mutex;
  std::vector<std::string> errors;
  auto record = [&](bool ok, const std::string& error) {
    std::lock_guard<std::mutex> lock(mutex);
    errors.push_back(ok ? "ok" : error);
  };
  journal->accepted(job("j-2"), record);
  journal->finished("j-1", {"finished", "{}", Journal::nowMs()}, record);
  journal->flush();
  ASSERT_EQ(errors.size(), 2u);
  for (const auto& e : errors) {
    EXPECT_NE(e, "ok");
    EXPECT_NE(e.find(path()), std::string::npos) << e;
    EXPECT_NE(e.find("jobs"), std::string::npos) << "names what is wrong: " << e;
  }
}

TEST_F(JournalTest, ForgetsOutcomesAfterTheRetentionTime) {
  auto journal = open(1);
  journal->accepted(job("j-1"), nullptr);
  journal->finished("j-1", {"finished", "{}", Journal::nowMs()}, nullptr);
  journal->flush();
  EXPECT_TRUE(test::waitFor([&] { return !journal->lookup("j-1"); }, std::chrono::seconds(5)));
  EXPECT_TRUE(journal->unfinished().empty());
}

TEST_F(JournalTest, UnusablePathIsAClearError) {
  JournalConfig config;
  config.path = dir_.path() + "/no/such/folder/master.journal";
  std::string error;
  EXPECT_EQ(SqliteJournal::open(config, &error), nullptr);
  EXPECT_NE(error.find("master.journal.path"), std::string::npos) << error;
  EXPECT_NE(error.find(config.path), std::string::npos) << error;

  std::ofstream(path()) << "this is not a database, just text long enough to be looked at........";
  config.path = path();
  EXPECT_EQ(SqliteJournal::open(config, &error), nullptr);
  EXPECT_NE(error.find(path()), std::string::npos) << error;
}

TEST_F(JournalTest, RefusesAJournalFromANewerMaster) {
  open().reset();
  {
    Poco::Data::Session session("SQLite", path());
    using namespace Poco::Data::Keywords;
    session << "PRAGMA user_version = 99", now;
  }
  JournalConfig config;
  config.path = path();
  std::string error;
  EXPECT_EQ(SqliteJournal::open(config, &error), nullptr);
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

// Results of a loop of jobs printing as much as they may: the journal keeps at most its bounds
// (per client and in total), dropping the oldest outcomes first, and its file stays bounded.
TEST_F(JournalTest, KeepsAtMostItsBoundsDroppingTheOldestOutcomesFirst) {
  constexpr int64_t kResult = 100'000;
  constexpr int64_t kClientMax = 10 * kResult, kMax = 25 * kResult;
  const auto result = [](int i) {
    return std::string(kResult - 8, 'x') + std::to_string(10000000 + i);
  };
  auto finish = [&](Journal& journal, const std::string& id, const std::string& client, int i) {
    Journal::Accepted a = job(id);
    a.client = client;
    journal.accepted(a, nullptr);
    journal.finished(id, {"finished", result(i), Journal::nowMs()}, nullptr);
    // One job a commit: a commit writes its results before it purges, so the file's size would
    // otherwise depend on how many writes a busy machine lets pile up into one batch.
    journal.flush();
  };
  {
    auto journal = open(3600'000, kMax, kClientMax);
    // A client looping jobs: only its newest 10 outcomes stay.
    for (int i = 0; i < 60; ++i) finish(*journal, "greedy-" + std::to_string(i), "10.0.0.1", i);
    journal->flush();
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(journal->lookup("greedy-" + std::to_string(i))) << i;
    for (int i = 50; i < 60; ++i) {
      auto kept = journal->lookup("greedy-" + std::to_string(i));
      ASSERT_TRUE(kept) << i;
      EXPECT_EQ(kept->result_json, result(i));
    }
    // Another client is not pushed out by the first one's share.
    for (int i = 0; i < 5; ++i) finish(*journal, "other-" + std::to_string(i), "10.0.0.2", i);
    journal->flush();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(journal->lookup("other-" + std::to_string(i))) << i;
    // Many clients together: the total bound drops the oldest outcomes of anyone.
    for (int i = 0; i < 20; ++i)
      finish(*journal, "many-" + std::to_string(i), "10.1.0." + std::to_string(i), i);
    journal->flush();
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(journal->lookup("many-" + std::to_string(i))) << i;
    for (int i = 50; i < 60; ++i) EXPECT_FALSE(journal->lookup("greedy-" + std::to_string(i))) << i;
  }
  // The counts survive a reopen: the bound still holds for what comes next.
  auto journal = open(3600'000, kMax, kClientMax);
  for (int i = 0; i < 5; ++i) finish(*journal, "more-" + std::to_string(i), "10.1.0.99", i);
  journal->flush();
  int kept = 0;
  for (const char* prefix : {"other-", "many-", "more-"})
    for (int i = 0; i < 20; ++i) kept += journal->lookup(prefix + std::to_string(i)).has_value();
  EXPECT_EQ(kept, 25) << "exactly the newest 25 results fit " << kMax << " bytes";
  EXPECT_TRUE(journal->lookup("more-4"));
  EXPECT_FALSE(journal->lookup("other-0"));
  // Unfinished jobs are never dropped for space.
  Journal::Accepted pending = job("pending-1");
  pending.client = "10.0.0.1";
  journal->accepted(pending, nullptr);
  for (int i = 0; i < 30; ++i) finish(*journal, "flood-" + std::to_string(i), "10.0.0.1", i);
  journal->flush();
  ASSERT_EQ(journal->unfinished().size(), 1u);
  EXPECT_EQ(journal->unfinished()[0].job_id, "pending-1");
  // The file holds about the bound, not the 120 results written to it (pages are reused).
  std::error_code ec;
  EXPECT_LT(std::filesystem::file_size(path(), ec), static_cast<uintmax_t>(2 * kMax))
      << ec.message();
}

TEST_F(JournalTest, AJournalOfTheFirstSchemaGetsClientsOnOpen) {
  {
    auto session = otherSession();
    session << "CREATE TABLE jobs (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL UNIQUE, language "
               "TEXT NOT NULL,"
               " job TEXT NOT NULL, accepted_ms INTEGER NOT NULL, state TEXT NOT NULL, result TEXT,"
               " finished_ms INTEGER)",
        Poco::Data::Keywords::now;
    session << "INSERT INTO jobs VALUES (1, 'old-1', 'python', '', 1, 'finished', '{}', "
            << std::to_string(Journal::nowMs()) << ")",
        Poco::Data::Keywords::now;
    session << "PRAGMA user_version = 1", Poco::Data::Keywords::now;
  }
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->lookup("old-1"));
  Journal::Accepted a = job("new-1");
  a.client = "10.0.0.1";
  journal->accepted(a, nullptr);
  journal->finished("new-1", {"finished", "{}", Journal::nowMs()}, nullptr);
  journal->flush();
  EXPECT_TRUE(journal->lookup("new-1"));
}

}  // namespace
}  // namespace polyrun::master
