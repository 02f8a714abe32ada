// The master's scheduler driven directly, with fake peers recording what they are sent.
#include "scheduler.h"

#include <gtest/gtest.h>

#include <mutex>

#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

class FakePeer final : public Peer {
 public:
  void send(const json& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(message);
  }
  void close() override { closed_ = true; }
  std::string address() const override { return "fake:1"; }

  std::vector<json> ofType(std::string_view type) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<json> out;
    for (const auto& m : sent_)
      if (m.value("type", "") == type) out.push_back(m);
    return out;
  }
  bool closed_ = false;

 private:
  mutable std::mutex mutex_;
  std::vector<json> sent_;
};

RunnerInfo python() {
  RunnerInfo info;
  info.language = "python";
  info.version = "3.11.2";
  info.aliases = {"py"};
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

JobResult okResult(const std::string& job_id) {
  JobResult r;
  r.job_id = job_id;
  r.verdict = Verdict::kOk;
  r.run = StageResult{};
  return r;
}

TEST(SchedulerTest, AssignsFillsDefaultLimitsAndReportsProgress) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, "a", 1, {python()}, {});
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

  s.slaveProgress(id, job_id, "running");
  s.slaveResult(id, okResult(job_id));
  auto results = client->ofType(msg::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["id"], "r1");
  EXPECT_EQ(results[0]["result"]["slave"], "a");
  std::vector<std::string> states;
  for (const auto& p : client->ofType(msg::kProgress)) states.push_back(p["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"queued", "assigned", "running"}));
}

TEST(SchedulerTest, QueuesBeyondCapacityAndStartsWhenASlotFrees) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  const int id = s.addSlave(slave, "a", 1, {python()}, {});
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  s.submit(client, "r2", pythonJob());
  auto assigns = slave->ofType(msg::kAssign);
  ASSERT_EQ(assigns.size(), 1u) << "capacity 1 means one job at a time";
  s.slaveResult(id, okResult(assigns[0]["job_id"]));
  ASSERT_EQ(slave->ofType(msg::kAssign).size(), 2u) << "the queued job starts when the slot frees";
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
}

TEST(SchedulerTest, JobWaitingWithNoSlaveRunsWhenOneArrives) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  EXPECT_EQ(client->ofType(msg::kAccepted).size(), 1u);
  auto slave = std::make_shared<FakePeer>();
  s.addSlave(slave, "late", 2, {python()}, {});
  EXPECT_EQ(slave->ofType(msg::kAssign).size(), 1u);
}

TEST(SchedulerTest, LostSlavesJobsRunElsewhereAndItsLateResultIsIgnored) {
  Scheduler s(config());
  auto a = std::make_shared<FakePeer>();
  auto b = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  const int ida = s.addSlave(a, "a", 1, {python()}, {});
  s.submit(client, "r1", pythonJob());
  ASSERT_EQ(a->ofType(msg::kAssign).size(), 1u);
  const std::string job_id = a->ofType(msg::kAssign)[0]["job_id"];
  const int idb = s.addSlave(b, "b", 1, {python()}, {});
  s.removeSlave(ida, "test");
  ASSERT_EQ(b->ofType(msg::kAssign).size(), 1u);
  EXPECT_EQ(b->ofType(msg::kAssign)[0]["job_id"], job_id);
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
    const int id = s.addSlave(std::make_shared<FakePeer>(), "doomed", 1, {python()}, {});
    s.removeSlave(id, "crashed");
  }
  auto results = client->ofType(msg::kResult);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["result"]["verdict"], "INTERNAL_ERROR");
  EXPECT_NE(results[0]["result"]["message"].get<std::string>().find("crashed"), std::string::npos);
}

TEST(SchedulerTest, LimitsAreCheckedAgainstTheMaxima) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), "a", 1, {python()}, {});
  Job over = pythonJob();
  over.limits.run.memory_bytes = 1ll << 40;
  s.submit(client, "r1", over);
  Job negative = pythonJob();
  negative.limits.compile.cpu_ms = -5;
  s.submit(client, "r2", negative);
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["code"], errc::kBadLimits);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("limits.run.memory_bytes"), std::string::npos);
  EXPECT_NE(errors[1]["message"].get<std::string>().find("negative"), std::string::npos);
}

TEST(SchedulerTest, UnknownLanguageAndVersionAreRefused) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addSlave(std::make_shared<FakePeer>(), "a", 1, {python()}, {});
  Job cobol = pythonJob();
  cobol.language = "cobol";
  s.submit(client, "r1", cobol);
  Job old = pythonJob();
  old.version = "2.7";
  s.submit(client, "r2", old);
  auto errors = client->ofType(msg::kError);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["code"], errc::kUnknownLanguage);
  EXPECT_EQ(errors[1]["code"], errc::kUnknownLanguage);
  EXPECT_NE(errors[1]["message"].get<std::string>().find("2.7"), std::string::npos);
}

TEST(SchedulerTest, DisconnectedClientsQueuedJobsAreDropped) {
  Scheduler s(config());
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, "r1", pythonJob());
  s.clientGone(client.get());
  for (const auto& [language, length] : s.cluster()["queues"].items()) EXPECT_EQ(length, 0) << language;
  auto slave = std::make_shared<FakePeer>();
  s.addSlave(slave, "a", 1, {python()}, {});
  EXPECT_TRUE(slave->ofType(msg::kAssign).empty());
}

TEST(SchedulerTest, RuntimesMergeSlaves) {
  Scheduler s(config());
  s.addSlave(std::make_shared<FakePeer>(), "a", 1, {python()}, {});
  s.addSlave(std::make_shared<FakePeer>(), "b", 1, {python()}, {});
  const json r = s.runtimes();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["language"], "python");
  EXPECT_EQ(r[0]["slaves"], 2);
}

TEST(SchedulerTest, ShutdownClosesEveryPeer) {
  Scheduler s(config());
  auto slave = std::make_shared<FakePeer>();
  auto client = std::make_shared<FakePeer>();
  s.addSlave(slave, "a", 1, {python()}, {});
  s.addClient(client);
  s.shutdown();
  EXPECT_TRUE(slave->closed_);
  EXPECT_TRUE(client->closed_);
}

}  // namespace
}  // namespace polyrun::master
