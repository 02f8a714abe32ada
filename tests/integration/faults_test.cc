// Faults and routing on a real cluster (processes on loopback): a slave killed mid-run, jobs
// waiting for a slave, draining, cancel, clients that vanish, and where jobs are routed.
// Slaves load only the Python plugin (or a chosen one) so that they start in a moment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <memory>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

class FaultsTest : public ::testing::Test {
 protected:
  // A cluster of `slaves` Python-only slaves.
  std::unique_ptr<Cluster> startCluster(int slaves, int capacity,
                                        std::vector<std::string> master_defines = {}) {
    Cluster::Options o;
    o.slaves = slaves;
    o.slave_capacity = capacity;
    o.master_defines = std::move(master_defines);
    o.slave_defines = {"slave.plugins.dir=" + pluginDir(plugins_.path(), {"polyrun_python.so"})};
    auto cluster = std::make_unique<Cluster>(o);
    std::string error;
    EXPECT_TRUE(cluster->start(&error)) << error;
    return cluster;
  }
  std::unique_ptr<PipelineClient> connect(const Cluster& cluster) {
    auto client = std::make_unique<PipelineClient>(cluster.clientPort());
    std::string error;
    EXPECT_TRUE(client->connect(&error)) << error;
    return client;
  }

  TempDir plugins_;
};

TEST_F(FaultsTest, KillNineASlaveWhileAHundredJobsRunEveryResultComesBackOnce) {
  auto cluster = startCluster(2, 2);
  auto client = connect(*cluster);
  std::map<std::string, int> expected;  // request id -> value the job prints
  for (int i = 0; i < 100; ++i) {
    const std::string id = client->submit(
        pythonJob("import time\ntime.sleep(0.05)\nprint(int(input()) * 3)\n", std::to_string(i)));
    expected[id] = i * 3;
  }
  std::vector<std::string> ids;
  for (const auto& [id, v] : expected) ids.push_back(id);
  // Some results first, so that slave-a is surely in the middle of jobs when it dies.
  ASSERT_TRUE(client->pumpUntil([&] { return client->finals().size() >= 10; }, 60s))
      << cluster->logs();
  cluster->killSlave("slave-a");
  ASSERT_TRUE(client->waitFinal(ids, 120s)) << client->finals().size() << " of 100\n"
                                            << cluster->logs();
  std::set<std::string> slaves_after;
  for (const auto& [id, value] : expected) {
    const json& m = client->finals().at(id);
    ASSERT_EQ(m["type"], "result") << m.dump();
    JobResult r;
    ASSERT_EQ(fromJson(m["result"], &r).message(), "");
    ASSERT_EQ(r.verdict, Verdict::kOk) << m.dump();
    EXPECT_EQ(r.run->stdout_data, std::to_string(value) + "\n") << id;
    EXPECT_EQ(client->finalCounts().at(id), 1) << "exactly one result for " << id;
  }
  const json snapshot = cluster->snapshot();
  EXPECT_GE(snapshot["counters"]["requeued"].get<int>(), 1)
      << "slave-a's jobs in flight went back to the queue";
  EXPECT_EQ(snapshot["counters"]["completed"], 100);
  EXPECT_EQ(snapshot["slaves"].size(), 1u);
}

TEST_F(FaultsTest, FrozenSlaveIsLostAfterTheHeartbeatTimeoutItsLateResultIgnoredAndItComesBack) {
  auto cluster = startCluster(2, 1, {"master.heartbeat.timeout.ms=600"});
  auto client = connect(*cluster);
  const std::string id = client->submit(pythonJob("import time\ntime.sleep(1)\nprint('once')\n"));
  const json assigned = client->waitProgress(id, "assigned", 30s);
  ASSERT_FALSE(assigned.is_null()) << cluster->logs();
  const std::string frozen = assigned["slave"];
  ASSERT_EQ(::kill(cluster->slavePid(frozen), SIGSTOP), 0);
  // Silent for 600 ms: lost, and the job runs on the other slave.
  ASSERT_TRUE(client->waitFinal({id}, 30s)) << cluster->logs();
  const json& result = client->finals().at(id);
  ASSERT_EQ(result["type"], "result") << result.dump();
  EXPECT_NE(result["result"]["slave"], frozen);
  EXPECT_EQ(result["result"]["run"]["stdout"], "once\n");
  EXPECT_NE(cluster->masterLog().find("no message for 600 ms"), std::string::npos)
      << cluster->masterLog();
  // Thawed, it reconnects and registers again; whatever it does with the job it still had (its
  // result sent on the dead connection, or held, reported and cancelled by the master), it ends
  // up holding nothing, as its own counters say.
  ASSERT_EQ(::kill(cluster->slavePid(frozen), SIGCONT), 0);
  std::string error;
  ASSERT_TRUE(cluster->waitForSlaves(2, &error)) << error;
  ASSERT_TRUE(waitFor(
      [&] {
        const json s = slaveEntry(cluster->snapshot(), frozen);
        return !s.is_null() && s["running"] == 0 && s["load"]["assigned"] == 0 &&
               s["last_heartbeat_ms"] < 300;
      },
      20s))
      << cluster->snapshot().dump() << cluster->logs();
  // Its late result never reaches the client: a job submitted now is answered after anything
  // the master sent about the first one.
  const std::string marker = client->submit(pythonJob("print('marker')\n"));
  ASSERT_TRUE(client->waitFinal({marker}, 30s));
  EXPECT_EQ(client->finalCounts().at(id), 1) << "exactly one result";
  EXPECT_EQ(cluster->snapshot()["counters"]["completed"], 2);
}

TEST_F(FaultsTest, JobSubmittedWithNoSlaveRunsWhenASlaveStarts) {
  auto cluster = startCluster(0, 1);
  auto client = connect(*cluster);
  const std::string id = client->submit(pythonJob("print('late but fine')\n"));
  ASSERT_FALSE(client->waitAccepted(id, 10s).empty()) << cluster->logs();
  EXPECT_EQ(client->finals().count(id), 0u);
  cluster->startSlave("late", {});
  ASSERT_TRUE(client->waitFinal({id}, 60s)) << cluster->logs();
  const json& m = client->finals().at(id);
  ASSERT_EQ(m["type"], "result") << m.dump();
  EXPECT_EQ(m["result"]["run"]["stdout"], "late but fine\n");
  EXPECT_EQ(m["result"]["slave"], "late");
}

TEST_F(FaultsTest, DrainingSlaveFinishesItsJobGetsNoNewOneAndExits) {
  auto cluster = startCluster(1, 2);
  auto client = connect(*cluster);
  const std::string slow =
      client->submit(pythonJob("import time\ntime.sleep(1.5)\nprint('finished')\n"));
  ASSERT_FALSE(client->waitProgress(slow, "assigned", 30s).is_null()) << cluster->logs();
  cluster->startSlave("slave-b");
  std::string error;
  ASSERT_TRUE(cluster->waitForSlaves(2, &error)) << error;
  cluster->terminateSlave("slave-a");
  ASSERT_TRUE(waitFor(
      [&] {
        const json s = slaveEntry(cluster->snapshot(), "slave-a");
        return !s.is_null() && s["state"] == "draining";
      },
      10s))
      << cluster->logs();
  std::vector<std::string> later;
  for (int i = 0; i < 6; ++i)
    later.push_back(client->submit(pythonJob("print(" + std::to_string(i) + ")\n")));
  ASSERT_TRUE(client->waitFinal(later, 60s)) << cluster->logs();
  for (const auto& id : later) {
    const json& m = client->finals().at(id);
    ASSERT_EQ(m["type"], "result") << m.dump();
    EXPECT_EQ(m["result"]["slave"], "slave-b") << "a draining slave gets no new job";
  }
  ASSERT_TRUE(client->waitFinal({slow}, 30s)) << cluster->logs();
  EXPECT_EQ(client->finals().at(slow)["result"]["run"]["stdout"], "finished\n")
      << "its running job finished";
  EXPECT_EQ(client->finals().at(slow)["result"]["slave"], "slave-a");
  int status = 0;
  ASSERT_TRUE(cluster->waitForSlaveExit("slave-a", 20s, &status)) << cluster->slaveLog("slave-a");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(cluster->slaveLog("slave-a").find("drained"), std::string::npos);
}

TEST_F(FaultsTest, CancelQueuedAndRunningJobs) {
  auto cluster = startCluster(1, 1);
  auto client = connect(*cluster);
  const std::string running = client->submit(foreverJob());
  const std::string queued = client->submit(pythonJob("print('never')\n"));
  ASSERT_FALSE(client->waitProgress(running, "running", 30s).is_null()) << cluster->logs();
  const std::string queued_job = client->waitAccepted(queued, 10s);
  ASSERT_FALSE(queued_job.empty());

  const std::string cancel_queued = client->send({{"type", "cancel"}, {"job_id", queued_job}});
  ASSERT_TRUE(client->waitFinal({cancel_queued, queued}, 10s));
  EXPECT_EQ(client->finals().at(cancel_queued)["type"], "cancelled");
  EXPECT_EQ(client->finals().at(cancel_queued)["state"], "queued");
  EXPECT_EQ(client->finals().at(queued)["type"], "cancelled") << "the submit request ends too";

  const auto start = std::chrono::steady_clock::now();
  const std::string cancel_running =
      client->send({{"type", "cancel"}, {"job_id", client->jobIds()[running]}});
  ASSERT_TRUE(client->waitFinal({cancel_running, running}, 10s));
  EXPECT_EQ(client->finals().at(cancel_running)["type"], "cancelled");
  EXPECT_EQ(client->finals().at(cancel_running)["state"], "running");
  // Killed on the slave: its own counter drops long before the 20 s wall limit...
  ASSERT_TRUE(waitFor(
      [&] {
        const json s = slaveEntry(cluster->snapshot(), "slave-a");
        return !s.is_null() && s["running"] == 0 && s["load"]["assigned"] == 0;
      },
      8s))
      << cluster->snapshot().dump() << cluster->logs();
  // ...and its only slot takes the next job at once.
  const std::string next = client->submit(pythonJob("print('next')\n"));
  ASSERT_TRUE(client->waitFinal({next}, 30s));
  EXPECT_EQ(client->finals().at(next)["result"]["run"]["stdout"], "next\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
  EXPECT_EQ(client->finals().at(running)["type"], "cancelled") << "no result after a cancel";
  const std::string lookup = client->send({{"type", "job"}, {"job_id", queued_job}});
  ASSERT_TRUE(client->waitFinal({lookup}, 10s));
  EXPECT_EQ(client->finals().at(lookup)["state"], "cancelled");
}

TEST_F(FaultsTest, ClientThatDisconnectsMidJobLeaksNothingAndTheResultStaysRetrievable) {
  auto cluster = startCluster(1, 1);
  std::string job_id;
  {
    auto client = connect(*cluster);
    const std::string id =
        client->submit(pythonJob("import time\ntime.sleep(0.5)\nprint('done')\n"));
    ASSERT_FALSE(client->waitProgress(id, "assigned", 30s).is_null());
    job_id = client->jobIds()[id];
  }  // disconnects mid-job
  auto later = connect(*cluster);
  const std::string lookup = later->send({{"type", "job"}, {"job_id", job_id}, {"wait", true}});
  ASSERT_TRUE(later->waitFinal({lookup}, 30s)) << cluster->logs();
  const json& m = later->finals().at(lookup);
  ASSERT_EQ(m["state"], "finished") << m.dump();
  EXPECT_EQ(m["result"]["run"]["stdout"], "done\n");
  // Nothing left behind: no job, no slot, no stale client, no work directory on the slave.
  ASSERT_TRUE(waitFor(
      [&] {
        const json c = cluster->snapshot();
        return c.is_object() && c["clients"] == 2 && c["counters"]["running"] == 0 &&
               c["counters"]["queued"] == 0;
      },
      10s))
      << cluster->snapshot().dump();
  const std::string work = cluster->dir() + "/work-slave-a";
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& e : std::filesystem::directory_iterator(work))
          if (e.path().filename().string().rfind("job-", 0) == 0) return false;
        return true;
      },
      10s))
      << "a job's work directory was left in " << work;
}

TEST_F(FaultsTest, IdleSlaveGetsTheJobOverABusyOne) {
  auto cluster = startCluster(2, 2);
  auto client = connect(*cluster);
  const std::string busy = client->submit(foreverJob());
  const json assigned = client->waitProgress(busy, "assigned", 30s);
  ASSERT_FALSE(assigned.is_null());
  const std::string busy_slave = assigned["slave"];
  for (int i = 0; i < 3; ++i) {
    const std::string quick = client->submit(pythonJob("print(1)\n"));
    ASSERT_TRUE(client->waitFinal({quick}, 30s));
    EXPECT_NE(client->finals().at(quick)["result"]["slave"], busy_slave)
        << "the idle slave gets it";
  }
  client->send({{"type", "cancel"}, {"job_id", client->jobIds()[busy]}});
  ASSERT_TRUE(client->waitFinal({busy}, 10s));
}

TEST_F(FaultsTest, ALanguageOnlyOneSlaveHasAlwaysGoesThere) {
  Cluster::Options o;
  o.slaves = 0;
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error;
  cluster.startSlave("py",
                     {"slave.plugins.dir=" + pluginDir(plugins_.path(), {"polyrun_python.so"})});
  cluster.startSlave("both", {"slave.plugins.dir=" +
                              pluginDir(plugins_.path(), {"polyrun_python.so", "polyrun_c.so"})});
  ASSERT_TRUE(cluster.waitForSlaves(2, &error)) << error;
  auto client = connect(cluster);
  std::vector<std::string> c_jobs;
  for (int i = 0; i < 4; ++i) {
    Job job;
    job.language = "c";
    job.files.push_back(
        {"main.c", "#include <stdio.h>\nint main(void){puts(\"c\");return 0;}\n", Encoding::kUtf8});
    c_jobs.push_back(client->submit(job));
  }
  ASSERT_TRUE(client->waitFinal(c_jobs, 60s)) << cluster.logs();
  for (const auto& id : c_jobs) {
    ASSERT_EQ(client->finals().at(id)["type"], "result") << client->finals().at(id).dump();
    EXPECT_EQ(client->finals().at(id)["result"]["slave"], "both");
  }
}

TEST_F(FaultsTest, CapacityIsNeverExceededAsCountedByTheSlaves) {
  auto cluster = startCluster(2, 2);
  auto client = connect(*cluster);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(client->submit(pythonJob("import time\ntime.sleep(0.02)\nprint(1)\n")));
  ASSERT_TRUE(client->waitFinal(ids, 90s)) << cluster->logs();
  for (const auto& id : ids) ASSERT_EQ(client->finals().at(id)["type"], "result");
  // The slaves' own counters, from a heartbeat sent after the burst.
  json snapshot;
  ASSERT_TRUE(waitFor(
      [&] {
        snapshot = cluster->snapshot();
        if (!snapshot.is_object()) return false;
        int peaks = 0;
        for (const auto& s : snapshot["slaves"]) peaks += s["load"]["peak_assigned"].get<int>() > 0;
        return peaks == 2;
      },
      10s))
      << snapshot.dump();
  int fullest = 0;
  for (const auto& s : snapshot["slaves"]) {
    EXPECT_LE(s["load"]["peak_assigned"].get<int>(), 2) << s.dump();
    fullest = std::max(fullest, s["load"]["peak_assigned"].get<int>());
  }
  EXPECT_EQ(fullest, 2) << "the burst filled the slots (the counter counts)";
}

}  // namespace
}  // namespace polyrun::test
