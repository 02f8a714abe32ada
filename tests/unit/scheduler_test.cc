// The master's scheduler driven directly, with fake peers recording what they are sent, and a
// journal that is real (SQLite) or fake (one that fails or holds its writes).
#include "scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>

#include "job_ids.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "sqlite_journal.h"
#include "support/fake_journal.h"
#include "support/fake_peer.h"
#include "support/test_support.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

using test::FakePeer;

RunnerInfo python() {
  RunnerInfo info;
  info.language = "python";
  info.version = "3.11.2";
  info.aliases = {"py"};
  return info;
}

RunnerInfo c() {
  RunnerInfo info;
  info.language = "c";
  info.version = "12.2.0";
  return info;
}

Job pythonJob() {
  Job job;
  job.language = "py";
  job.files.push_back({"main.py", "print(1)", Encoding::kUtf8});
  return job;
}

SchedulerConfig config() {
  SchedulerConfig c;
  c.defaults.run = {5000, 5000, 1 << 28};
  c.defaults.compile = {15000, 15000, 1 << 28};
  c.defaults.output_bytes = 1 << 20;
  c.defaults.processes = 64;
  c.maxima.run = {30000, 30000, 1 << 30};
  c.maxima.compile = {60000, 60000, 1 << 30};
  c.maxima.output_bytes = 16 << 20;
  c.maxima.processes = 256;
  c.queue_max = 3;
  c.max_attempts = 2;
  return c;
}

SlaveRegistration slaveOf(const std::string& name, int capacity,
                          std::vector<RunnerInfo> languages = {python()},
                          std::vector<std::string> held = {}) {
  SlaveRegistration r;
  r.name = name;
  r.capacity = capacity;
  r.languages = std::move(languages);
  r.held_jobs = std::move(held);
  return r;
}

JobResult okResult(const std::string& job_id) {
  JobResult r;
  r.job_id = job_id;
  r.verdict = Verdict::kOk;
  r.run = StageResult{};
  return r;
}

std::string lastAssigned(const FakePeer& slave) {
  return slave.ofType(msg::kAssign).back()["job_id"];
}

TEST(SchedulerTest, AssignsFillsDefaultLimitsAndReportsProgress) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  ASSERT_EQ(slave->ofType(msg::kRegistered).size(), 1u);
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  ASSERT_EQ(client->ofType(msg::kAccepted).size(), 1u);
  auto assigns = slave->ofType(msg::kAssign);
  ASSERT_EQ(assigns.size(), 1u);
  const json& job = assigns[0]["job"];
  EXPECT_EQ(job["language"], "python") << "the alias is resolved before the slave sees it";
  EXPECT_EQ(job["version"], "3.11.2");
  EXPECT_EQ(job["limits"]["run"]["wall_ms"], 5000);
  const std::string job_id = assigns[0]["job_id"];
  EXPECT_EQ(client->ofType(msg::kAccepted)[0]["job_id"], job_id);

  s.slaveProgress(id, job_id, JobState::kRunning);
  s.slaveResult(id, okResult(job_id));
  auto results = client->ofType(msg::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["id"], "r1");
  EXPECT_EQ(results[0]["result"]["slave"], "a");
  std::vector<std::string> states;
  for (const auto& p : client->ofType(msg::kProgress)) states.push_back(p["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"queued", "assigned", "running"}));
}

TEST(SchedulerTest, ClusterListsRecentJobsNewestFirstAndKeepsFifty) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.addClient(client);
  for (int i = 0; i < 52; ++i) {
    s.submit(client, i, pythonJob());
    s.slaveResult(id, okResult(lastAssigned(*slave)));
  }
  const json recent = s.cluster()["recent_jobs"];
  ASSERT_EQ(recent.size(), 50u);
  EXPECT_EQ(recent[0]["job_id"], lastAssigned(*slave)) << "newest first";
  EXPECT_EQ(recent[0]["verdict"], "OK");
  EXPECT_EQ(recent[0]["slave"], "a");
  EXPECT_EQ(recent[0]["language"], "python");
  EXPECT_EQ(recent[0]["client"], client->address());
  EXPECT_TRUE(recent[0].contains("total_ms") && recent[0].contains("finished_ms_ago"));
}

TEST(SchedulerTest, QueuesBeyondCapacityAndStartsWhenASlotFrees) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  auto assigns = slave->ofType(msg::kAssign);
  ASSERT_EQ(assigns.size(), 1u) << "capacity 1 means one job at a time";
  s.slaveResult(id, okResult(assigns[0]["job_id"]));
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 2u) << "the queued job starts when the slot frees";
}

TEST(SchedulerTest, IdleSlaveGetsTheJobAndALanguageGoesWhereItIsOffered) {
  Scheduler s(config());
  auto busy = std::make_shared<FakePeer>();
  auto idle = std::make_shared<FakePeer>();
  auto c_only = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.addSlave(busy, slaveOf("busy", 2));
  s.submit(client, "r1", pythonJob());
  ASSERT_EQ(busy->ofType(msg::kAssign).size(), 1u);
  s.addSlave(idle, slaveOf("idle", 2));
  s.addSlave(c_only, slaveOf("c", 4, {c()}));
  s.submit(client, "r2", pythonJob());
  EXPECT_EQ(idle->ofType(msg::kAssign).size(), 1u) << "the idle slave, not the busy one";
  EXPECT_EQ(busy->ofType(msg::kAssign).size(), 1u);
  Job cjob = pythonJob();
  cjob.language = "c";
  for (int i = 0; i < 3; ++i) s.submit(client, "c" + std::to_string(i), cjob);
  EXPECT_EQ(c_only->ofType(msg::kAssign).size(), 3u) << "only that slave offers c";
  EXPECT_TRUE(c_only->ofType(msg::kAssign).size() + busy->ofType(msg::kAssign).size() +
                  idle->ofType(msg::kAssign).size() ==
              5u);
}

TEST(SchedulerTest, QueueFullIsRefusedNotDropped) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  for (int i = 0; i < 4; ++i) s.submit(client, i, pythonJob());  // no slave: all wait
  EXPECT_EQ(client->ofType(msg::kAccepted).size(), 3u);
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["code"], errc::kQueueFull);
  EXPECT_EQ(errors[0]["id"], 3);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("master.queue.max"), std::string::npos);
}

TEST(SchedulerTest, JobWaitingWithNoSlaveRunsWhenOneArrives) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  EXPECT_EQ(client->ofType(msg::kAccepted).size(), 1u);
  auto slave = std::make_shared<FakePeer>();
  s.addSlave(slave, slaveOf("late", 2));
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u);
}

TEST(SchedulerTest, LostSlavesJobsRunElsewhereAndItsLateResultIsIgnored) {
  Scheduler s(config());
  auto a = std::make_shared<FakePeer>();
  auto b = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  const int ida = s.addSlave(a, slaveOf("a", 1));
  s.submit(client, "r1", pythonJob());
  ASSERT_EQ(a->ofType(msg::kAssign).size(), 1u);
  const std::string job_id = lastAssigned(*a);
  const int idb = s.addSlave(b, slaveOf("b", 1));
  s.removeSlave(ida, "test");
  ASSERT_EQ(b->ofType(msg::kAssign).size(), 1u);
  EXPECT_EQ(lastAssigned(*b), job_id);
  s.slaveResult(ida, okResult(job_id));  // late, from the lost slave
  EXPECT_TRUE(client->ofType(msg::kResult).empty());
  s.slaveResult(idb, okResult(job_id));
  s.slaveResult(idb, okResult(job_id));  // a duplicate
  ASSERT_EQ(client->ofType(msg::kResult).size(), 1u) << "exactly one result per job";
  EXPECT_EQ(client->ofType(msg::kResult)[0]["result"]["slave"], "b");
}

TEST(SchedulerTest, GivesUpAfterMaxAttempts) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int id = s.addSlave(std::make_shared<FakePeer>(), slaveOf("doomed", 1));
    s.removeSlave(id, "crashed");
  }
  auto results = client->ofType(msg::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["result"]["verdict"], "INTERNAL_ERROR");
  const std::string message = results[0]["result"]["message"];
  EXPECT_NE(message.find("crashed"), std::string::npos) << message;
  EXPECT_NE(message.find("master.job.attempts"), std::string::npos) << message;
}

TEST(SchedulerTest, LimitsAreCheckedAgainstTheMaxima) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  Job over = pythonJob();
  over.limits.run.memory_bytes = 1ll << 40;
  s.submit(client, "r1", over);
  Job negative = pythonJob();
  negative.limits.compile.cpu_ms = -5;
  s.submit(client, "r2", negative);
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["code"], errc::kBadLimits);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("limits.run.memory_bytes"),
            std::string::npos);
  EXPECT_NE(errors[1]["message"].get<std::string>().find("negative"), std::string::npos);
}

Job judgedJob(size_t cases) {
  Job job = pythonJob();
  for (size_t i = 0; i < cases; ++i) {
    TestCase& t = job.tests.emplace_back();
    t.name = "case-" + std::to_string(i + 1);
    t.stdin_data = std::to_string(i);
    t.expected_stdout = std::to_string(i) + "\n";
  }
  return job;
}

TEST(SchedulerTest, ASlavesCaseProgressReachesTheSubmitter) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.addClient(client);
  s.submit(client, "r1", judgedJob(3));
  const json assigned = slave->ofType(msg::kAssign).at(0);
  ASSERT_EQ(assigned["job"]["tests"].size(), 3u) << "the slave gets the cases";
  const std::string job_id = assigned["job_id"];
  s.slaveProgress(id, job_id, JobState::kRunning);
  CaseResult c;
  c.name = "case-2";
  c.run.verdict = Verdict::kWrongAnswer;
  c.run.message = "line 1, column 1: expected \"1\", got \"2\"";
  c.run.stdout_data = "2\n";
  c.run.wall_ms = 14;
  c.line = 1;
  c.column = 1;
  s.slaveProgress(id, job_id, JobState::kRunning, &c, 1);
  const auto progress = client->ofType(msg::kProgress);
  ASSERT_FALSE(progress.empty());
  const json& last = progress.back();
  EXPECT_EQ(last["id"], "r1");
  EXPECT_EQ(last["job_id"], job_id);
  EXPECT_EQ(last["state"], "running");
  EXPECT_EQ(last["slave"], "a");
  ASSERT_TRUE(last.contains("test")) << last.dump();
  EXPECT_EQ(last["test"], caseProgressJson(1, c));
  EXPECT_EQ(last["test"]["index"], 1);
  EXPECT_EQ(last["test"]["name"], "case-2");
  EXPECT_EQ(last["test"]["verdict"], "WRONG_ANSWER");
  EXPECT_EQ(last["test"]["line"], 1);
  EXPECT_FALSE(last["test"].contains("stdout")) << "outputs wait for the result";
  EXPECT_FALSE(progress[progress.size() - 2].contains("test")) << "a plain progress has none";
}

TEST(SchedulerTest, ACaseProgressBeyondTheJobsCasesIsDropped) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 2));
  s.addClient(client);
  s.submit(client, "r1", judgedJob(3));
  const std::string judged = lastAssigned(*slave);
  s.submit(client, "r2", pythonJob());
  const std::string plain = lastAssigned(*slave);
  const size_t before = client->ofType(msg::kProgress).size();
  CaseResult c;
  c.name = "x";
  s.slaveProgress(id, judged, JobState::kRunning, &c, 3);
  s.slaveProgress(id, judged, JobState::kRunning, &c, size_t(-1));
  s.slaveProgress(id, plain, JobState::kRunning, &c, 0);
  EXPECT_EQ(client->ofType(msg::kProgress).size(), before);
  s.slaveProgress(id, judged, JobState::kRunning, &c, 2);
  ASSERT_EQ(client->ofType(msg::kProgress).size(), before + 1);
  EXPECT_EQ(client->ofType(msg::kProgress).back()["test"]["index"], 2);
  EXPECT_TRUE(client->ofType(msg::kError).empty());
}

TEST(SchedulerTest, TooManyCasesOrATooLargeCaseIsRefused) {
  SchedulerConfig cfg = config();
  cfg.max_tests = 4;
  cfg.max_stdin_bytes = 100;
  Scheduler s(cfg);
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addSlave(slave, slaveOf("a", 4));
  s.addClient(client);
  s.submit(client, "many", judgedJob(5));
  Job large = judgedJob(3);
  large.tests[2].stdin_data = std::string(101, 'x');
  s.submit(client, "large", large);
  Job fits = judgedJob(4);
  fits.tests[3].stdin_data = std::string(100, 'x');
  s.submit(client, "fits", fits);

  const auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["id"], "many");
  EXPECT_EQ(errors[0]["code"], errc::kBadLimits);
  const std::string many = errors[0]["message"];
  EXPECT_NE(many.find("master.limits.tests.max"), std::string::npos) << many;
  EXPECT_NE(many.find('5'), std::string::npos) << many;
  EXPECT_EQ(errors[1]["id"], "large");
  EXPECT_EQ(errors[1]["code"], errc::kBadLimits);
  const std::string big = errors[1]["message"];
  EXPECT_NE(big.find("test case 3"), std::string::npos) << big;
  EXPECT_NE(big.find("master.limits.stdin_bytes.max"), std::string::npos) << big;
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "only the job within the limits runs";
  EXPECT_EQ(slave->ofType(msg::kAssign)[0]["job"]["tests"].size(), 4u);
}

TEST(SchedulerTest, UnknownLanguageAndVersionAreRefused) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  Job cobol = pythonJob();
  cobol.language = "cobol";
  s.submit(client, "r1", cobol);
  Job old = pythonJob();
  old.version = "2.7";
  s.submit(client, "r2", old);
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["code"], errc::kUnknownLanguage);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("available: python"), std::string::npos);
  EXPECT_EQ(errors[1]["code"], errc::kUnknownLanguage);
  EXPECT_NE(errors[1]["message"].get<std::string>().find("2.7"), std::string::npos);
}

// A checker program (docs/checkers.md): its language is refused as a job's is, and the job goes
// only to a slave offering both.
Job checkedJob(const std::string& checker_language, const std::string& checker_version = "") {
  Job job = judgedJob(2);
  job.checker.kind = CheckerKind::kProgram;
  job.checker.language = checker_language;
  job.checker.version = checker_version;
  job.checker.source = {"check.c", "int main(void) { return 0; }", Encoding::kUtf8};
  return job;
}

TEST(SchedulerTest, ACheckersLanguageIsRefusedAsAJobsLanguageIs) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("b", 1, {c()}));
  s.submit(client, "unknown", checkedJob("cobol"));
  s.submit(client, "version", checkedJob("py", "2.7"));
  s.submit(client, "apart", checkedJob("c"));  // a offers python, b offers c: none both
  Job over = checkedJob("py");
  over.checker.limits.wall_ms = 30001;
  s.submit(client, "limits", over);
  const auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 4u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(errors[i]["code"], errc::kUnknownLanguage) << i;
  const std::string unknown = errors[0]["message"];
  EXPECT_NE(unknown.find("checker's language \"cobol\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("available: c, python"), std::string::npos) << unknown;
  const std::string version = errors[1]["message"];
  EXPECT_NE(version.find("checker's language python at version \"2.7\""), std::string::npos)
      << version;
  const std::string apart = errors[2]["message"];
  EXPECT_NE(apart.find("no slave offers both python and the checker's language c"),
            std::string::npos)
      << apart;
  EXPECT_EQ(errors[3]["code"], errc::kBadLimits);
  const std::string limits = errors[3]["message"];
  EXPECT_NE(limits.find("checker.limits.wall_ms = 30001"), std::string::npos) << limits;
  EXPECT_TRUE(client->ofType(msg::kAccepted).empty());
}

TEST(SchedulerTest, AJobWithACheckerGoesOnlyToASlaveOfferingBoth) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  // No slave yet: queued like any job.
  s.submit(client, "r1", checkedJob("c", "12"));
  ASSERT_EQ(client->ofType(msg::kAccepted).size(), 1u);
  auto python_only = std::make_shared<FakePeer>();
  s.addSlave(python_only, slaveOf("a", 4));
  EXPECT_TRUE(python_only->ofType(msg::kAssign).empty()) << "a lacks the checker's language";
  auto both = std::make_shared<FakePeer>();
  s.addSlave(both, slaveOf("b", 1, {python(), c()}));
  const auto assigns = both->ofType(msg::kAssign);
  ASSERT_EQ(assigns.size(), 1u);
  const json& checker = assigns[0]["job"]["checker"];
  EXPECT_EQ(checker["kind"], "program");
  EXPECT_EQ(checker["language"], "c");
  EXPECT_EQ(checker["version"], "12.2.0") << "the exact version the slave offers";
  EXPECT_EQ(checker["limits"]["wall_ms"], 5000) << "the job's run limits";
  EXPECT_EQ(checker["limits"]["memory_bytes"], 1 << 28);
  EXPECT_EQ(assigns[0]["job"]["language"], "python");

  // A checker in the job's own language needs nothing more.
  s.submit(client, "r2", checkedJob("python"));
  EXPECT_EQ(python_only->ofType(msg::kAssign).size(), 1u);
}

// A client's strings come back in an error only cut short: a megabyte of language name, version
// or job id must not come back whole.
TEST(SchedulerTest, RefusalsQuoteAClientsStringsOnlyCutShort) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  const std::string huge(1 << 20, 'x');
  Job named = pythonJob();
  named.language = huge;
  s.submit(client, "r1", named);
  Job versioned = pythonJob();
  versioned.version = huge;
  s.submit(client, "r2", versioned);
  s.lookup(client, "r3", huge, false);
  s.cancel(client, "r4", huge);
  const auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 4u);
  for (const auto& e : errors) {
    const std::string message = e["message"];
    EXPECT_LT(message.size(), 600u) << message.substr(0, 200);
    EXPECT_NE(message.find("(cut; 1048576 bytes)"), std::string::npos) << message.substr(0, 200);
  }
}

TEST(SchedulerTest, DisconnectedClientsJobsRunAndStayRetrievable) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  const std::string job_id = client->ofType(msg::kAccepted)[0]["job_id"];
  EXPECT_TRUE(s.clientBusy(client.get()));
  s.clientGone(client.get());
  EXPECT_FALSE(s.clientBusy(client.get()));
  EXPECT_EQ(s.cluster()["clients"], 0);
  auto slave = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "an accepted job is not dropped";
  s.slaveResult(id, okResult(job_id));
  EXPECT_TRUE(client->ofType(msg::kResult).empty()) << "nothing goes to a client that left";
  auto later = std::make_shared<FakePeer>();
  s.addClient(later);
  s.lookup(later, "q", job_id, false);
  auto replies = later->ofType(msg::kJob);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["state"], "finished");
  EXPECT_EQ(replies[0]["result"]["verdict"], "OK");
  EXPECT_EQ(s.cluster()["counters"]["running"], 0);
  EXPECT_EQ(s.cluster()["counters"]["queued"], 0);
}

TEST(SchedulerTest, LookupAnswersStateNowOrResultWhenItEnds) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  auto watcher = std::make_shared<FakePeer>();
  s.addClient(client);
  s.addClient(watcher);
  s.submit(client, "r1", pythonJob());
  const std::string job_id = client->ofType(msg::kAccepted)[0]["job_id"];
  s.lookup(watcher, "now", job_id, false);
  s.lookup(watcher, "wait", job_id, true);
  ASSERT_EQ(watcher->ofType(msg::kJob).size(), 1u) << "wait answers only at the end";
  EXPECT_EQ(watcher->ofType(msg::kJob)[0]["state"], "queued");
  EXPECT_TRUE(s.clientBusy(watcher.get()));
  auto slave = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.lookup(watcher, "now2", job_id, false);
  EXPECT_EQ(watcher->ofType(msg::kJob)[1]["state"], "assigned");
  EXPECT_EQ(watcher->ofType(msg::kJob)[1]["slave"], "a");
  s.slaveResult(id, okResult(job_id));
  auto replies = watcher->ofType(msg::kJob);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[2]["id"], "wait");
  EXPECT_EQ(replies[2]["state"], "finished");
  EXPECT_EQ(replies[2]["result"]["job_id"], job_id);
  s.lookup(watcher, "missing", "j-nope", false);
  auto errors = watcher->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["code"], errc::kUnknownJob);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("j-nope"), std::string::npos);
}

TEST(SchedulerTest, CancelQueuedJobRemovesIt) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  const std::string job_id = client->ofType(msg::kAccepted)[0]["job_id"];
  s.cancel(client, "c1", job_id);
  auto cancelled = client->ofType(msg::kCancelled);
  ASSERT_EQ(cancelled.size(), 2u) << "one answers the cancel, one ends the submit request";
  EXPECT_EQ(cancelled[0]["id"], "c1");
  EXPECT_EQ(cancelled[0]["state"], "queued");
  EXPECT_EQ(cancelled[1]["id"], "r1");
  auto slave = std::make_shared<FakePeer>();
  s.addSlave(slave, slaveOf("a", 1));
  EXPECT_TRUE(slave->ofType(msg::kAssign).empty()) << "a cancelled job never runs";
  s.lookup(client, "q", job_id, false);
  EXPECT_EQ(client->ofType(msg::kJob)[0]["state"], "cancelled");
  s.cancel(client, "c2", job_id);
  EXPECT_EQ(client->ofType(msg::kCancelled).size(), 3u) << "cancelling twice is harmless";
  EXPECT_TRUE(client->ofType(msg::kResult).empty());
}

TEST(SchedulerTest, CancelRunningJobStopsItOnTheSlaveAndFreesTheSlotOnlyWhenConfirmed) {
  Scheduler s(config());
  auto submitter = std::make_shared<FakePeer>();
  auto other = std::make_shared<FakePeer>();
  auto slave = std::make_shared<FakePeer>();
  s.addClient(submitter);
  s.addClient(other);
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.submit(submitter, "r1", pythonJob());
  s.submit(submitter, "r2", pythonJob());
  const std::string job_id = lastAssigned(*slave);
  s.cancel(other, "c", job_id);
  ASSERT_EQ(slave->ofType(msg::kCancel).size(), 1u);
  EXPECT_EQ(slave->ofType(msg::kCancel)[0]["job_id"], job_id);
  ASSERT_EQ(other->ofType(msg::kCancelled).size(), 1u);
  EXPECT_EQ(other->ofType(msg::kCancelled)[0]["state"], "assigned");
  auto to_submitter = submitter->ofType(msg::kCancelled);
  ASSERT_EQ(to_submitter.size(), 1u) << "the submitter learns its job ended";
  EXPECT_EQ(to_submitter[0]["id"], "r1");
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "the slot is busy until the slave confirms";
  s.slaveResult(id, okResult(job_id));  // raced the cancel: dropped, but the slot is free
  EXPECT_TRUE(submitter->ofType(msg::kResult).empty());
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 2u);
  s.slaveCancelled(id, job_id);  // the confirmation that follows changes nothing
  EXPECT_EQ(s.cluster()["slaves"][0]["running"], 1);
  s.cancel(other, "again", lastAssigned(*slave));
  s.slaveCancelled(id, lastAssigned(*slave));
  EXPECT_EQ(s.cluster()["slaves"][0]["running"], 0);
  EXPECT_EQ(s.cluster()["counters"]["cancelled"], 2);
}

TEST(SchedulerTest, CancelOfFinishedOrUnknownJobIsAClearError) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  const int id = s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  s.submit(client, "r1", pythonJob());
  const std::string job_id = client->ofType(msg::kAccepted)[0]["job_id"];
  s.slaveResult(id, okResult(job_id));
  s.cancel(client, "c1", job_id);
  s.cancel(client, "c2", "j-unknown");
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["code"], errc::kAlreadyFinished);
  EXPECT_EQ(errors[1]["code"], errc::kUnknownJob);
}

TEST(SchedulerTest, DrainingSlaveGetsNoNewJob) {
  Scheduler s(config());
  auto a = std::make_shared<FakePeer>();
  auto b = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  const int ida = s.addSlave(a, slaveOf("a", 4));
  s.slaveDrain(ida);
  EXPECT_EQ(a->ofType(msg::kDraining).size(), 1u);
  EXPECT_EQ(s.cluster()["slaves"][0]["state"], "draining");
  s.submit(client, "r1", pythonJob());
  EXPECT_TRUE(a->ofType(msg::kAssign).empty());
  EXPECT_TRUE(client->ofType(msg::kError).empty())
      << "the job waits for a slave, it is not refused";
  s.addSlave(b, slaveOf("b", 1));
  EXPECT_EQ(b->ofType(msg::kAssign).size(), 1u);
  EXPECT_TRUE(a->ofType(msg::kAssign).empty());
  auto slave = std::make_shared<FakePeer>();
  SlaveRegistration leaving = slaveOf("c", 2);
  leaving.draining = true;  // reconnected while draining
  s.addSlave(slave, leaving);
  EXPECT_EQ(slave->ofType(msg::kDraining).size(), 1u);
  s.submit(client, "r2", pythonJob());
  EXPECT_TRUE(slave->ofType(msg::kAssign).empty());
}

TEST(SchedulerTest, ReRegisteredSlaveKeepsTheJobsItHolds) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  auto first = std::make_shared<FakePeer>();
  const int id1 = s.addSlave(first, slaveOf("a", 1));
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  const std::string job_id = lastAssigned(*first);
  s.removeSlave(id1, "no heartbeat");  // back to the queue, no other slave
  auto again = std::make_shared<FakePeer>();
  const int id2 = s.addSlave(again, slaveOf("a", 1, {python()}, {job_id}));
  EXPECT_TRUE(again->ofType(msg::kAssign).empty())
      << "it still holds the job: not sent again, and its slot is taken";
  EXPECT_TRUE(again->ofType(msg::kCancel).empty());
  s.slaveResult(id2, okResult(job_id));
  ASSERT_EQ(client->ofType(msg::kResult).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kResult)[0]["job_id"], job_id);
  EXPECT_EQ(again->ofType(msg::kAssign).size(), 1u) << "then the next job";
}

TEST(SchedulerTest, HeldJobThatIsOverIsCancelledOnTheSlave) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  auto slave = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1, {python()}, {"j-from-before"}));
  ASSERT_EQ(slave->ofType(msg::kCancel).size(), 1u);
  EXPECT_EQ(slave->ofType(msg::kCancel)[0]["job_id"], "j-from-before");
  s.submit(client, "r1", pythonJob());
  EXPECT_TRUE(slave->ofType(msg::kAssign).empty())
      << "the held job takes the only slot until confirmed";
  s.slaveCancelled(id, "j-from-before");
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u);
}

// Whatever happens, the master never has more jobs out on a slave than its capacity: counted
// from what the slave was sent and what it confirmed, as the slave itself would count.
TEST(SchedulerTest, CapacityIsNeverExceededUnderRandomEvents) {
  std::mt19937 rng(7);
  SchedulerConfig cfg = config();
  cfg.queue_max = 50;
  cfg.max_attempts = 100;
  Scheduler s(cfg);
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  struct FakeSlave {
    std::shared_ptr<FakePeer> peer;
    int id;
    int capacity;
    size_t seen = 0;  // messages of peer already processed
    std::set<std::string> holding;
  };
  std::vector<FakeSlave> slaves;
  auto addSlave = [&] {
    auto peer = std::make_shared<FakePeer>();
    const int capacity = 1 + int(rng() % 3);
    const int id = s.addSlave(peer, slaveOf("s" + std::to_string(slaves.size()), capacity));
    slaves.push_back({peer, id, capacity, 0, {}});
  };
  for (int i = 0; i < 3; ++i) addSlave();
  int request = 0;
  for (int step = 0; step < 3000; ++step) {
    // What each slave was told so far.
    for (auto& sl : slaves) {
      const auto all = sl.peer->all();
      for (; sl.seen < all.size(); ++sl.seen) {
        const json& m = all[sl.seen];
        if (m["type"] == msg::kAssign) sl.holding.insert(m["job_id"].get<std::string>());
      }
      ASSERT_LE(sl.holding.size(), size_t(sl.capacity)) << "slave " << sl.id << " at step " << step;
    }
    const unsigned action = rng() % 10;
    if (action < 4) {
      s.submit(client, request++, pythonJob());
    } else if (action < 7 && !slaves.empty()) {
      auto& sl = slaves[rng() % slaves.size()];
      if (sl.holding.empty()) continue;
      const std::string job_id = *std::next(sl.holding.begin(), rng() % sl.holding.size());
      sl.holding.erase(job_id);
      if (rng() % 2)
        s.slaveResult(sl.id, okResult(job_id));
      else
        s.slaveCancelled(sl.id, job_id);
    } else if (action < 8) {
      const auto accepted = client->ofType(msg::kAccepted);
      if (!accepted.empty()) s.cancel(client, "c", accepted[rng() % accepted.size()]["job_id"]);
    } else if (action < 9 && slaves.size() > 1) {
      const size_t i = rng() % slaves.size();
      s.removeSlave(slaves[i].id, "random");
      slaves.erase(slaves.begin() + long(i));
    } else {
      addSlave();
    }
  }
}

TEST(SchedulerTest, FinishedResultsInMemoryAreBoundedByCountAndBytes) {
  SchedulerConfig cfg = config();
  cfg.results_in_memory = 2;
  cfg.results_memory_bytes = 10000;
  Scheduler s(cfg);
  auto client = std::make_shared<FakePeer>();
  auto slave = std::make_shared<FakePeer>();
  s.addClient(client);
  const int id = s.addSlave(slave, slaveOf("a", 1));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    s.submit(client, i, pythonJob());
    JobResult r = okResult(lastAssigned(*slave));
    if (i == 3) r.run->stdout_data = std::string(20000, 'x');  // alone over the byte budget
    ids.push_back(r.job_id);
    s.slaveResult(id, std::move(r));
  }
  auto state = [&](const std::string& job_id) {
    s.lookup(client, "q", job_id, false);
    const json last = client->all().back();
    return last["type"] == "job" ? last["state"].get<std::string>()
                                 : last["code"].get<std::string>();
  };
  EXPECT_EQ(state(ids[0]), "unknown_job") << "beyond the count";
  EXPECT_EQ(state(ids[1]), "unknown_job");
  EXPECT_EQ(state(ids[2]), "unknown_job") << "pushed out with the big one, oldest first";
  EXPECT_EQ(state(ids[3]), "unknown_job") << "over the byte budget by itself";
  EXPECT_EQ(state(ids[4]), "finished");
}

TEST(SchedulerTest, RuntimesMergeSlaves) {
  Scheduler s(config());
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  s.addSlave(std::make_shared<FakePeer>(), slaveOf("b", 1));
  const json r = s.runtimes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["language"], "python");
  EXPECT_EQ(r[0]["slaves"], 2);
}

TEST(SchedulerTest, ShutdownRefusesNewJobsAndClosesEveryPeer) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("a", 1));
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  s.beginShutdown();
  s.submit(client, "r3", pythonJob());
  ASSERT_EQ(client->ofType(msg::kError).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kError)[0]["code"], errc::kShuttingDown);
  EXPECT_FALSE(s.waitUntilIdle(std::chrono::milliseconds(1)));
  s.slaveResult(id, okResult(lastAssigned(*slave)));
  EXPECT_EQ(client->ofType(msg::kResult).size(), 1u) << "running jobs finish and are delivered";
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "queued ones are not started";
  EXPECT_TRUE(s.waitUntilIdle(std::chrono::milliseconds(1)));
  s.shutdown();
  EXPECT_TRUE(slave->closed());
  EXPECT_TRUE(client->closed());
  // Without a journal the queued job is lost: its client is told, never left waiting.
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1]["id"], "r2");
  EXPECT_NE(errors[1]["message"].get<std::string>().find("master.journal.path"), std::string::npos);
}

// --- With a journal ------------------------------------------------------------------------

class JournaledSchedulerTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJournal> openJournal(int64_t retention_ms = 3600'000) {
    JournalConfig jc;
    jc.path = dir_.path() + "/master.journal";
    jc.retention_ms = retention_ms;
    std::string error;
    auto journal = SqliteJournal::open(jc, &error);
    EXPECT_NE(journal, nullptr) << error;
    return journal;
  }
  test::TempDir dir_;
};

TEST_F(JournaledSchedulerTest, AcknowledgesOnlyOnceJournaledAndRecoversAfterARestart) {
  std::string finished_id;
  std::vector<std::string> unfinished_ids;
  {
    auto journal = openJournal();
    Scheduler s(config(), journal.get());
    auto client = std::make_shared<FakePeer>();
    auto slave = std::make_shared<FakePeer>();
    s.addClient(client);
    const int id = s.addSlave(slave, slaveOf("a", 1));
    for (int i = 0; i < 3; ++i) s.submit(client, i, pythonJob());
    journal->flush();
    auto accepted = client->ofType(msg::kAccepted);
    ASSERT_EQ(accepted.size(), 3u);
    finished_id = lastAssigned(*slave);
    s.slaveResult(id, okResult(finished_id));
    journal->flush();
    ASSERT_EQ(client->ofType(msg::kResult).size(), 1u) << "the result goes out once journaled";
    for (const auto& a : accepted)
      if (a["job_id"] != finished_id) unfinished_ids.push_back(a["job_id"]);
    // The master "crashes" here: nothing more is written.
  }
  auto journal = openJournal();
  Scheduler s(config(), journal.get());
  EXPECT_EQ(s.recover(), 2u);
  EXPECT_EQ(s.cluster()["counters"]["recovered"], 2);
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.lookup(client, "old", finished_id, false);
  ASSERT_EQ(client->ofType(msg::kJob).size(), 1u) << "a result from before the restart";
  EXPECT_EQ(client->ofType(msg::kJob)[0]["state"], "finished");
  EXPECT_EQ(client->ofType(msg::kJob)[0]["result"]["job_id"], finished_id);
  for (const auto& id : unfinished_ids) s.lookup(client, "w-" + id, id, true);
  auto slave = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, slaveOf("b", 2));
  auto assigns = slave->ofType(msg::kAssign);
  ASSERT_EQ(assigns.size(), 2u) << "unfinished jobs run again";
  EXPECT_EQ(assigns[0]["job_id"], unfinished_ids[0]) << "in their original order";
  for (const auto& a : assigns) s.slaveResult(id, okResult(a["job_id"]));
  journal->flush();
  auto replies = client->ofType(msg::kJob);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[1]["state"], "finished");
  EXPECT_EQ(replies[2]["state"], "finished");
}

TEST_F(JournaledSchedulerTest, ResultNeverOvertakesTheAcknowledgement) {
  auto journal = openJournal();
  Scheduler s(config(), journal.get());
  auto client = std::make_shared<FakePeer>();
  auto slave = std::make_shared<FakePeer>();
  s.addClient(client);
  const int id = s.addSlave(slave, slaveOf("a", 3));
  for (int i = 0; i < 3; ++i) {
    s.submit(client, i, pythonJob());
    s.slaveResult(id, okResult(lastAssigned(*slave)));  // faster than the journal, perhaps
  }
  journal->flush();
  std::map<int, std::vector<std::string>> by_request;
  for (const auto& m : client->all()) by_request[m["id"].get<int>()].push_back(m["type"]);
  ASSERT_EQ(by_request.size(), 3u);
  for (const auto& [rid, types] : by_request) {
    ASSERT_FALSE(types.empty());
    EXPECT_EQ(types.front(), "accepted") << rid;
    EXPECT_EQ(types.back(), "result") << rid;
    EXPECT_EQ(std::count(types.begin(), types.end(), "result"), 1) << rid;
  }
  journal.reset();
  auto reopened = openJournal();
  EXPECT_TRUE(reopened->unfinished().empty()) << "each outcome was written after its job";
}

TEST_F(JournaledSchedulerTest, CancelledJobsDoNotRunAgainAfterARestart) {
  std::string job_id;
  {
    auto journal = openJournal();
    Scheduler s(config(), journal.get());
    auto client = std::make_shared<FakePeer>();
    s.addClient(client);
    s.submit(client, "r1", pythonJob());
    journal->flush();
    job_id = client->ofType(msg::kAccepted)[0]["job_id"];
    s.cancel(client, "c1", job_id);
    journal->flush();
    EXPECT_EQ(client->ofType(msg::kCancelled).size(), 2u);
  }
  auto journal = openJournal();
  Scheduler s(config(), journal.get());
  EXPECT_EQ(s.recover(), 0u);
  auto client = std::make_shared<FakePeer>();
  s.lookup(client, "q", job_id, false);
  ASSERT_EQ(client->ofType(msg::kJob).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kJob)[0]["state"], "cancelled");
}

TEST_F(JournaledSchedulerTest, ResultsExpireAfterTheRetentionTime) {
  SchedulerConfig cfg = config();
  cfg.result_retention_ms = 1;
  cfg.results_in_memory = 0;  // only the journal answers
  auto journal = openJournal(1);
  Scheduler s(cfg, journal.get());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  const int id = s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  s.submit(client, "r1", pythonJob());
  journal->flush();
  const std::string job_id = client->ofType(msg::kAccepted)[0]["job_id"];
  s.slaveResult(id, okResult(job_id));
  journal->flush();
  EXPECT_TRUE(test::waitFor(
      [&] {
        s.lookup(client, "q", job_id, false);
        return !client->ofType(msg::kError).empty();
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(client->ofType(msg::kError).back()["code"], errc::kUnknownJob);
}

// A job belongs to its submitter: another client's lookups and cancels get unknown_job, as for
// an id that never existed; an operator sees everything; `cluster` shows other clients' jobs as
// configured (here: summaries without id or client).
TEST(SchedulerTest, JobsAnswerOnlyToTheirOwnerAndOperators) {
  SchedulerConfig c = config();
  c.other_jobs = OtherJobs::kSummary;
  Scheduler s(c);
  auto slave = std::make_shared<FakePeer>();
  auto alice = std::make_shared<FakePeer>(), bob = std::make_shared<FakePeer>(),
       ops = std::make_shared<FakePeer>();
  alice->setIdentity({"client-alice", false});
  bob->setIdentity({"client-bob", false});
  ops->setIdentity({"operator-ops", true});
  const int id = s.addSlave(slave, slaveOf("a", 2));
  for (const auto& p : {alice, bob, ops}) s.addClient(p);
  s.submit(alice, "r1", pythonJob());
  const std::string done = lastAssigned(*slave);
  s.slaveResult(id, okResult(done));
  s.submit(alice, "r2", pythonJob());
  const std::string running = lastAssigned(*slave);
  const std::regex shape("j-[0-9a-f]{32}-[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(done, shape)) << done;
  EXPECT_NE(done, running);
  EXPECT_TRUE(jobIdOwnedBy(done, "client-alice"));
  EXPECT_FALSE(jobIdOwnedBy(done, "client-bob"));

  for (const auto& job_id : {done, running}) {
    s.lookup(bob, "l-" + job_id, job_id, false);
    s.cancel(bob, "c-" + job_id, job_id);
  }
  const auto refused = bob->ofType(msg::kError);
  ASSERT_EQ(refused.size(), 4u);
  for (const auto& e : refused) EXPECT_EQ(e["code"], errc::kUnknownJob) << e.dump();
  EXPECT_TRUE(bob->ofType(msg::kJob).empty() && bob->ofType(msg::kCancelled).empty());
  EXPECT_TRUE(slave->ofType(msg::kCancel).empty()) << "Bob's cancel reached the slave";

  s.lookup(alice, "a1", done, false);
  s.lookup(ops, "o1", running, false);
  ASSERT_EQ(alice->ofType(msg::kJob).size(), 1u);
  EXPECT_EQ(alice->ofType(msg::kJob)[0]["state"], "finished");
  ASSERT_EQ(ops->ofType(msg::kJob).size(), 1u);
  EXPECT_EQ(ops->ofType(msg::kJob)[0]["state"], "assigned");

  const json mine = s.cluster(alice->identity())["recent_jobs"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["job_id"], done);
  const json theirs = s.cluster(bob->identity())["recent_jobs"];
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_FALSE(theirs[0].contains("job_id") || theirs[0].contains("client")) << theirs.dump();
  EXPECT_EQ(theirs[0]["verdict"], "OK");
  EXPECT_EQ(s.cluster(ops->identity())["recent_jobs"][0]["job_id"], done);
  c.other_jobs = OtherJobs::kNone;
  Scheduler quiet(c);
  const int qid = quiet.addSlave(slave, slaveOf("b", 1));
  quiet.submit(alice, "q1", pythonJob());
  quiet.slaveResult(qid, okResult(lastAssigned(*slave)));
  EXPECT_TRUE(quiet.cluster(bob->identity())["recent_jobs"].empty());
  EXPECT_EQ(quiet.cluster(alice->identity())["recent_jobs"].size(), 1u);
}

// A client looping jobs with large outputs pushes only its own oldest results out of the journal:
// its connections (native or HTTP, any port) count together, by host.
TEST_F(JournaledSchedulerTest, TheJournalBoundsEachClientByItsHost) {
  JournalConfig jc;
  jc.path = dir_.path() + "/master.journal";
  jc.client_max_bytes = 3 * 20000;
  std::string error;
  auto journal = SqliteJournal::open(jc, &error);
  ASSERT_NE(journal, nullptr) << error;
  SchedulerConfig cfg = config();
  cfg.results_in_memory = 0;  // only the journal answers
  Scheduler s(cfg, journal.get());
  const int id = s.addSlave(std::make_shared<FakePeer>(), slaveOf("a", 1));
  auto run = [&](const std::shared_ptr<FakePeer>& client) {
    s.addClient(client);
    s.submit(client, "r", pythonJob());
    journal->flush();
    const std::string job_id = client->ofType(msg::kAccepted).back()["job_id"];
    JobResult r = okResult(job_id);
    r.run->stdout_data = std::string(20000, 'o');
    s.slaveResult(id, std::move(r));
    journal->flush();
    return job_id;
  };
  const std::string other = run(std::make_shared<FakePeer>("10.0.0.2:7000"));
  std::vector<std::string> greedy;
  for (int i = 0; i < 6; ++i)
    greedy.push_back(
        run(std::make_shared<FakePeer>(i % 2 ? "http 10.0.0.1:" + std::to_string(6000 + i)
                                             : "10.0.0.1:" + std::to_string(5000 + i))));
  auto asker = std::make_shared<FakePeer>();
  auto state = [&](const std::string& job_id) {
    s.lookup(asker, job_id, job_id, false);
    if (asker->all().empty()) return std::string("no answer");
    const json last = asker->all().back();
    return last.value("type", "") == msg::kError ? last.value("code", "") : last.value("state", "");
  };
  EXPECT_EQ(state(other), "finished") << "another client's result stays";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(state(greedy[i]), errc::kUnknownJob) << i;
  for (int i = 4; i < 6; ++i) EXPECT_EQ(state(greedy[i]), "finished") << i;
}

// --- With a journal that fails or holds its writes (tests/support/fake_journal.h) ----------

using test::FakeJournal;

// A scheduler on a fake journal, a client and a slave with one slot. The journal's callbacks
// call into the scheduler: every write is done before the scheduler goes.
class FakeJournalTest : public ::testing::Test {
 protected:
  FakeJournalTest() {
    s.addClient(client);
    id = s.addSlave(slave, slaveOf("a", 1));
  }
  void TearDown() override {
    journal.release();
    journal.flush();
  }
  FakeJournal journal;
  Scheduler s{config(), &journal};
  std::shared_ptr<FakePeer> client = std::make_shared<FakePeer>();
  std::shared_ptr<FakePeer> slave = std::make_shared<FakePeer>();
  int id = 0;
};
using FailingJournalTest = FakeJournalTest;  // "could not journal"
using HeldJournalTest = FakeJournalTest;     // the window between a decision and its commit

bool contains(const json& message, const std::string& part) {
  return message.value("message", "").find(part) != std::string::npos;
}

// Not durable, so not accepted: the client is told why and to retry, never `accepted`; the job
// was routed at once, so its slave is told to stop it, and its slot frees when the slave says so.
TEST_F(FailingJournalTest, AJobTheJournalCannotKeepIsRefusedAndStoppedOnItsSlave) {
  journal.failAccepted("disk I/O error");
  s.submit(client, "r1", pythonJob());
  journal.flush();
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "routed before the journal answered";
  const std::string refused = lastAssigned(*slave);
  const auto sent = client->all();
  ASSERT_EQ(sent.size(), 1u) << "only the refusal, no `accepted` or progress: "
                             << json(sent).dump();
  EXPECT_EQ(sent[0]["type"], msg::kError);
  EXPECT_EQ(sent[0]["id"], "r1");
  EXPECT_EQ(sent[0]["code"], errc::kInternal);
  EXPECT_TRUE(contains(sent[0], "could not journal")) << sent[0].dump();
  EXPECT_TRUE(contains(sent[0], "disk I/O error")) << "the cause: " << sent[0].dump();
  EXPECT_TRUE(contains(sent[0], "retry later")) << "what to do: " << sent[0].dump();
  ASSERT_EQ(slave->ofType(msg::kCancel).size(), 1u);
  EXPECT_EQ(slave->ofType(msg::kCancel)[0]["job_id"], refused);
  EXPECT_EQ(s.cluster()["counters"]["refused"], 1);
  EXPECT_FALSE(s.clientBusy(client.get())) << "nothing of it is in flight";
  EXPECT_FALSE(journal.lookup(refused).has_value());

  journal.failAccepted("");
  s.submit(client, "r2", pythonJob());
  journal.flush();
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u)
      << "the slot is the refused job's until the slave confirms";
  s.slaveCancelled(id, refused);
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 2u);
  s.slaveResult(id, okResult(lastAssigned(*slave)));
  journal.flush();
  ASSERT_EQ(client->ofType(msg::kResult).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kResult)[0]["id"], "r2");
  s.lookup(client, "q", refused, false);
  journal.flush();
  EXPECT_EQ(client->all().back()["code"], errc::kUnknownJob) << "the refused job is gone";
}

TEST_F(FailingJournalTest, AQueuedJobTheJournalCannotKeepNeverRuns) {
  s.submit(client, "r0", pythonJob());  // takes the only slot
  journal.flush();
  journal.failAccepted("database or disk is full");
  s.submit(client, "r1", pythonJob());
  journal.flush();
  const auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["id"], "r1");
  EXPECT_EQ(errors[0]["code"], errc::kInternal);
  s.slaveResult(id, okResult(lastAssigned(*slave)));
  journal.flush();
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u) << "it left its queue";
  EXPECT_TRUE(slave->ofType(msg::kCancel).empty()) << "no slave ever had it";
  EXPECT_TRUE(journal.unfinished().empty());
}

// A job may finish before the journal answers (it is routed at once). If the journal then
// fails to keep its acceptance, the job is over all the same: the client gets `accepted` and
// its result, exactly one final message, rather than a refusal followed by a result.
TEST_F(FailingJournalTest, AJobThatFinishedBeforeTheJournalFailedKeepsItsResult) {
  journal.failAccepted("disk I/O error");
  journal.failFinished("disk I/O error");  // one failed transaction, as in SQLite's group commit
  journal.hold();
  s.submit(client, "r1", pythonJob());
  const std::string job_id = lastAssigned(*slave);
  s.slaveResult(id, okResult(job_id));
  EXPECT_TRUE(client->all().empty()) << "nothing before the journal answers";
  journal.release();
  journal.flush();
  std::vector<std::string> types;
  for (const auto& m : client->all()) types.push_back(m["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"accepted", "result"}));
  EXPECT_EQ(client->ofType(msg::kResult).at(0)["result"]["job_id"], job_id);
  EXPECT_TRUE(slave->ofType(msg::kCancel).empty());
  EXPECT_FALSE(s.clientBusy(client.get()));
}

// An outcome the journal cannot keep still reaches the client (the job is over either way) and
// is answered from memory; only a restart would forget it.
TEST_F(FailingJournalTest, AnOutcomeTheJournalCannotKeepIsStillDelivered) {
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  journal.flush();
  const auto accepted = client->ofType(msg::kAccepted);
  ASSERT_EQ(accepted.size(), 2u);
  journal.failFinished("disk I/O error");
  const std::string finished = lastAssigned(*slave);
  s.slaveResult(id, okResult(finished));
  const std::string cancelled = accepted[1]["job_id"];
  ASSERT_NE(cancelled, finished);
  s.cancel(client, "c2", cancelled);
  journal.flush();
  ASSERT_EQ(client->ofType(msg::kResult).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kResult)[0]["id"], "r1");
  EXPECT_EQ(client->ofType(msg::kCancelled).size(), 2u) << "to the canceller and the submitter";
  EXPECT_FALSE(s.clientBusy(client.get()));
  EXPECT_FALSE(journal.lookup(finished).has_value()) << "the fake kept a failed write";
  s.lookup(client, "q", finished, false);
  ASSERT_EQ(client->ofType(msg::kJob).size(), 1u);
  EXPECT_EQ(client->ofType(msg::kJob)[0]["state"], "finished");
}

// A job the journal holds but the master cannot read back fails with INTERNAL_ERROR, answered to
// a lookup, instead of stopping the recovery of the others.
TEST_F(FailingJournalTest, AJournaledJobThatCannotBeReadBackFailsAndTheOthersRun) {
  journal.seedUnfinished({"j-bad", "python", "{not json", Journal::nowMs(), "10.0.0.1"});
  journal.seedUnfinished(
      {"j-good", "python", toJson(pythonJob()).dump(), Journal::nowMs(), "10.0.0.1"});
  EXPECT_EQ(s.recover(), 1u);
  journal.flush();
  s.slaveLanguages(id, {python()});  // anything a slave says makes the scheduler assign
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 1u);
  EXPECT_EQ(lastAssigned(*slave), "j-good");
  auto ops = std::make_shared<FakePeer>();
  ops->setIdentity({"operator-ops", true});
  s.lookup(ops, "q", "j-bad", false);
  ASSERT_EQ(ops->ofType(msg::kJob).size(), 1u);
  const json reply = ops->ofType(msg::kJob)[0];
  EXPECT_EQ(reply["state"], "finished");
  EXPECT_EQ(reply["result"]["verdict"], "INTERNAL_ERROR");
  EXPECT_NE(reply["result"]["message"].get<std::string>().find("could not read this job back"),
            std::string::npos);
  EXPECT_TRUE(journal.lookup("j-bad").has_value()) << "its failure is journaled";
}

// Between a job leaving the scheduler and its result being sent lies a journal commit. A client
// waiting there is not idle: the idle timeout (connections.cc asks clientBusy) must not close
// it, or the result is lost (commit 632c47c). Holding the commit makes the window last.
TEST_F(HeldJournalTest, AClientWhoseResultAwaitsItsCommitIsNotIdle) {
  s.submit(client, "r1", pythonJob());
  journal.flush();
  ASSERT_EQ(client->ofType(msg::kAccepted).size(), 1u);
  EXPECT_TRUE(s.clientBusy(client.get())) << "its job runs";
  journal.hold();
  s.slaveResult(id, okResult(lastAssigned(*slave)));
  ASSERT_EQ(journal.pending(), 1u) << "the outcome waits for its commit";
  EXPECT_TRUE(client->ofType(msg::kResult).empty()) << "a result goes out only once committed";
  EXPECT_TRUE(s.clientBusy(client.get())) << "its result is on its way: not idle";
  journal.release();
  journal.flush();
  EXPECT_EQ(client->ofType(msg::kResult).size(), 1u);
  EXPECT_FALSE(s.clientBusy(client.get())) << "delivered: idle again";
}

// The same window for every message that waits for a commit: a `job` request with wait, and the
// `cancelled` a submitter gets when someone else (an operator) cancels its job.
TEST_F(HeldJournalTest, WatchersAndSubmittersOfCancelledJobsAreNotIdleBeforeTheCommit) {
  auto watcher = std::make_shared<FakePeer>();
  auto ops = std::make_shared<FakePeer>();
  ops->setIdentity({"operator-ops", true});
  for (const auto& p : {client, watcher, ops}) s.addClient(p);
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  journal.flush();
  const auto accepted = client->ofType(msg::kAccepted);
  ASSERT_EQ(accepted.size(), 2u);
  const std::string running = lastAssigned(*slave);
  const std::string queued =
      accepted[0]["job_id"] == running ? accepted[1]["job_id"] : accepted[0]["job_id"];
  s.lookup(watcher, "w", running, true);  // same owner (anonymous): it may wait for it
  EXPECT_TRUE(s.clientBusy(watcher.get()));

  journal.hold();
  s.slaveResult(id, okResult(running));
  EXPECT_TRUE(watcher->ofType(msg::kJob).empty());
  EXPECT_TRUE(s.clientBusy(watcher.get())) << "its `job` reply is on its way: not idle";
  journal.release();
  journal.flush();
  EXPECT_EQ(watcher->ofType(msg::kJob).size(), 1u);
  EXPECT_FALSE(s.clientBusy(watcher.get()));

  journal.hold();
  s.cancel(ops, "c", queued);
  EXPECT_TRUE(client->ofType(msg::kCancelled).empty());
  EXPECT_TRUE(s.clientBusy(client.get())) << "its `cancelled` is on its way: not idle";
  journal.release();
  journal.flush();
  EXPECT_EQ(client->ofType(msg::kCancelled).size(), 1u);
  EXPECT_FALSE(s.clientBusy(client.get()));
}

}  // namespace
}  // namespace polyrun::master
