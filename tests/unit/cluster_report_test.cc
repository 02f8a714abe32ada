// The `cluster` snapshot and the counters behind it, built from hand-made scheduler state.
#include "cluster_report.h"

#include <gtest/gtest.h>

#include "support/fake_peer.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using Clock = ClusterReport::Clock;
using std::chrono::milliseconds;

using test::FakePeer;

struct Cluster {
  std::map<int, SlaveState> slaves;
  Router router;
  std::map<std::string, std::deque<std::string>> queues;
  Clock::time_point started_at = Clock::now() - milliseconds(5000);

  ClusterReport::State state(bool stopping = false) const {
    return {slaves, router, queues, 3, stopping, true, started_at};
  }
};

JobResult resultOf(const std::string& job_id, Verdict verdict, int64_t queue_ms = 4,
                   int64_t total_ms = 40) {
  JobResult r;
  r.job_id = job_id;
  r.language = "python";
  r.version = "3.11.2";
  r.verdict = verdict;
  r.slave = "a";
  r.queue_ms = queue_ms;
  r.total_ms = total_ms;
  return r;
}

ClientIdentity who(const std::string& owner, bool sees_all = false) { return {owner, sees_all}; }

TEST(ClusterReportTest, ShowsEachSlaveWithItsLoadLanguagesAndSlots) {
  Cluster c;
  const auto now = Clock::now();
  SlaveState& a = c.slaves[7];
  a.peer = std::make_shared<FakePeer>("10.0.0.7:51234");
  a.name = "slave-a";
  a.limits = "cgroup";
  a.reported.running = 1;
  a.reported.capacity = 4;
  a.reported.load_avg = 0.5;
  a.reported.memory_free_bytes = 1 << 30;
  a.plugins = json::array({{{"file", "polyrun_python.so"}}});
  a.last_heartbeat = now - milliseconds(250);
  a.held = {"j-1", "j-2"};
  SlaveSnapshot snapshot;
  snapshot.id = 7;
  snapshot.capacity = 4;
  snapshot.running = 2;
  snapshot.languages.push_back(RunnerInfo{});
  snapshot.languages[0].language = "python";
  snapshot.languages[0].version = "3.11.2";
  c.router.update(snapshot);
  c.queues["python"] = {"j-3", "j-4", "j-5"};
  c.queues["c"] = {};

  ClusterReport report(OtherJobs::kNone);
  const json j = report.snapshot(c.state(), who("alice"), now);
  EXPECT_EQ(j["uptime_ms"], 5000);
  EXPECT_EQ(j["state"], "serving");
  EXPECT_EQ(j["journal"], true);
  EXPECT_EQ(j["clients"], 3);
  ASSERT_EQ(j["slaves"].size(), 1u);
  const json& s = j["slaves"][0];
  EXPECT_EQ(s["id"], 7);
  EXPECT_EQ(s["name"], "slave-a");
  EXPECT_EQ(s["address"], "10.0.0.7:51234");
  EXPECT_EQ(s["state"], "ready");
  EXPECT_EQ(s["running"], 2) << "the jobs the master counts on its slots, not what it reported";
  EXPECT_EQ(s["capacity"], 4);
  EXPECT_EQ(s["limits"], "cgroup");
  EXPECT_DOUBLE_EQ(s["score"].get<double>(), slaveScore(*c.router.find(7)));
  EXPECT_EQ(s["load"]["running"], 1);
  EXPECT_EQ(s["load"]["memory_free_bytes"], 1 << 30);
  EXPECT_DOUBLE_EQ(s["load"]["load_avg"].get<double>(), 0.5);
  ASSERT_EQ(s["languages"].size(), 1u);
  EXPECT_EQ(s["languages"][0]["language"], "python");
  EXPECT_EQ(s["plugins"][0]["file"], "polyrun_python.so");
  EXPECT_EQ(s["last_heartbeat_ms"], 250);
  EXPECT_EQ(j["queues"], (json{{"c", 0}, {"python", 3}}));
  EXPECT_EQ(j["counters"]["queued"], 3);
  EXPECT_EQ(j["counters"]["running"], 2);

  snapshot.draining = true;
  c.router.update(snapshot);
  EXPECT_EQ(report.snapshot(c.state(true), who("alice"), now)["slaves"][0]["state"], "draining");
  EXPECT_EQ(report.snapshot(c.state(true), who("alice"), now)["state"], "stopping");
}

TEST(ClusterReportTest, ASlaveTheRouterDoesNotKnowIsLeftOut) {
  Cluster c;
  c.slaves[1].peer = std::make_shared<FakePeer>("x:1");
  ClusterReport report(OtherJobs::kAll);
  EXPECT_TRUE(report.snapshot(c.state(), who("alice"), Clock::now())["slaves"].empty());
}

TEST(ClusterReportTest, CountsWhatHappensToJobs) {
  Cluster c;
  ClusterReport report(OtherJobs::kNone);
  for (int i = 0; i < 3; ++i) report.submitted();
  report.refused();
  report.cancelled();
  report.requeued();
  report.requeued();
  report.recovered(5);
  const auto now = Clock::now();
  report.finished(resultOf("j-1", Verdict::kOk), "python", "10.0.0.1:1", "alice", 36, now);
  report.finished(resultOf("j-2", Verdict::kTimeLimit), "python", "-", "alice", std::nullopt, now);
  const json counters = report.snapshot(c.state(), who("alice"), now)["counters"];
  EXPECT_EQ(counters["submitted"], 3);
  EXPECT_EQ(counters["refused"], 1);
  EXPECT_EQ(counters["cancelled"], 1);
  EXPECT_EQ(counters["requeued"], 2);
  EXPECT_EQ(counters["recovered"], 5);
  EXPECT_EQ(counters["completed"], 2);
  EXPECT_EQ(counters["by_verdict"], (json{{"OK", 1}, {"TIME_LIMIT", 1}}));
  EXPECT_EQ(counters["by_language"], (json{{"python", 2}}));
  const JobMetrics& m = report.metrics();
  EXPECT_EQ(m.jobs.at({"python", "OK"}), 1u);
  EXPECT_EQ(m.jobs.at({"python", "TIME_LIMIT"}), 1u);
  EXPECT_EQ(m.queue.count, 2u) << "every finished job waited in a queue";
  EXPECT_EQ(m.run.count, 1u) << "only the job a slave ran has a run time";
}

TEST(ClusterReportTest, RecentJobsAreNewestFirstAndBounded) {
  Cluster c;
  ClusterReport report(OtherJobs::kNone);
  const auto start = Clock::now();
  for (size_t i = 0; i < ClusterReport::kRecentJobs + 5; ++i)
    report.finished(resultOf("j-" + std::to_string(i), Verdict::kOk), "python", "10.0.0.1:1",
                    "alice", 1, start + milliseconds(i));
  const auto now = start + milliseconds(1000);
  const json recent = report.snapshot(c.state(), who("alice"), now)["recent_jobs"];
  ASSERT_EQ(recent.size(), ClusterReport::kRecentJobs);
  const size_t newest = ClusterReport::kRecentJobs + 4;
  EXPECT_EQ(recent[0]["job_id"], "j-" + std::to_string(newest));
  EXPECT_EQ(recent[0]["finished_ms_ago"], 1000 - static_cast<int64_t>(newest));
  EXPECT_EQ(recent[0]["client"], "10.0.0.1:1");
  EXPECT_EQ(recent[0]["language"], "python");
  EXPECT_EQ(recent[0]["version"], "3.11.2");
  EXPECT_EQ(recent[0]["verdict"], "OK");
  EXPECT_EQ(recent[0]["slave"], "a");
  EXPECT_EQ(recent[0]["queue_ms"], 4);
  EXPECT_EQ(recent[0]["total_ms"], 40);
  EXPECT_EQ(recent.back()["job_id"], "j-5") << "the five oldest were dropped";
}

TEST(ClusterReportTest, OthersJobsShowAsTheMasterAllows) {
  Cluster c;
  const auto now = Clock::now();
  auto reportFor = [&](OtherJobs other) {
    ClusterReport report(other);
    report.finished(resultOf("j-alice", Verdict::kOk), "python", "10.0.0.1:1", "alice", 1, now);
    return report;
  };
  const ClusterReport none = reportFor(OtherJobs::kNone);
  EXPECT_EQ(none.snapshot(c.state(), who("alice"), now)["recent_jobs"].size(), 1u);
  EXPECT_TRUE(none.snapshot(c.state(), who("bob"), now)["recent_jobs"].empty());
  EXPECT_EQ(none.snapshot(c.state(), who("ops", true), now)["recent_jobs"][0]["job_id"], "j-alice");

  const ClusterReport summary = reportFor(OtherJobs::kSummary);
  const json seen = summary.snapshot(c.state(), who("bob"), now)["recent_jobs"];
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].contains("job_id"));
  EXPECT_FALSE(seen[0].contains("client"));
  EXPECT_EQ(seen[0]["verdict"], "OK");
  EXPECT_TRUE(summary.snapshot(c.state(), who("alice"), now)["recent_jobs"][0].contains("job_id"));

  const ClusterReport all = reportFor(OtherJobs::kAll);
  EXPECT_EQ(all.snapshot(c.state(), who("bob"), now)["recent_jobs"][0]["job_id"], "j-alice");
}

}  // namespace
}  // namespace polyrun::master
