// The job journal on a real SQLite file: what it keeps across a reopen, in which order, for how
// long, and how it refuses what it cannot use.
#include "journal.h"

#include <gtest/gtest.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "support/test_support.h"

namespace polyrun::master {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Journal> open(int64_t retention_ms = 3600'000) {
    JournalConfig config;
    config.path = path();
    config.retention_ms = retention_ms;
    std::string error;
    auto journal = Journal::open(config, &error);
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
    return {id, "python", R"j({"language":"python","files":[{"content":"print(1)"}]})j", Journal::nowMs()};
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
  EXPECT_EQ(Journal::open(config, &error), nullptr);
  EXPECT_NE(error.find("master.journal.path"), std::string::npos) << error;
  EXPECT_NE(error.find(config.path), std::string::npos) << error;

  std::ofstream(path()) << "this is not a database, just text long enough to be looked at........";
  config.path = path();
  EXPECT_EQ(Journal::open(config, &error), nullptr);
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
  EXPECT_EQ(Journal::open(config, &error), nullptr);
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

}  // namespace
}  // namespace polyrun::master
