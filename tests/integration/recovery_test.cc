// Recovery through the master's journal on a real cluster: a master killed with kill -9, or
// stopped with SIGTERM, loses no accepted job; after a restart every job finishes and is
// retrievable by id.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <memory>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

class RecoveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<Cluster> startCluster(std::vector<std::string> master_defines = {}) {
    Cluster::Options o;
    o.slaves = 2;
    o.slave_capacity = 2;
    o.master_defines = std::move(master_defines);
    o.slave_defines = {"slave.plugins.dir=" + pluginDir(plugins_.path(), {"polyrun_python.so"}),
                       "slave.reconnect.max_ms=200"};
    auto cluster = std::make_unique<Cluster>(o);
    std::string error;
    EXPECT_TRUE(cluster->start(&error)) << error;
    return cluster;
  }

  // Looks every job up (waiting for its end) from a fresh connection; checks each printed its
  // number times 5.
  static void expectAllFinished(const Cluster& cluster, const std::map<std::string, int>& jobs) {
    PipelineClient client(cluster.clientPort());
    std::string error;
    ASSERT_TRUE(client.connect(&error)) << error;
    std::map<std::string, std::string> lookups;  // request id -> job id
    for (const auto& [job_id, n] : jobs)
      lookups[client.send({{"type", "job"}, {"job_id", job_id}, {"wait", true}})] = job_id;
    std::vector<std::string> ids;
    for (const auto& [id, job_id] : lookups) ids.push_back(id);
    ASSERT_TRUE(client.waitFinal(ids, 120s))
        << client.finals().size() << " of " << ids.size() << "\n"
        << cluster.logs();
    for (const auto& [id, job_id] : lookups) {
      const json& m = client.finals().at(id);
      ASSERT_EQ(m["type"], "job") << m.dump();
      ASSERT_EQ(m["state"], "finished") << m.dump();
      EXPECT_EQ(m["result"]["job_id"], job_id);
      EXPECT_EQ(m["result"]["verdict"], "OK") << m.dump();
      EXPECT_EQ(m["result"]["run"]["stdout"], std::to_string(jobs.at(job_id) * 5) + "\n") << job_id;
    }
  }

  TempDir plugins_;
};

TEST_F(RecoveryTest, KillNineTheMasterWithFiftyJobsInFlightAllFinishAfterARestart) {
  auto cluster = startCluster();
  std::map<std::string, int> jobs;  // job id -> number
  {
    PipelineClient client(cluster->clientPort());
    std::string error;
    ASSERT_TRUE(client.connect(&error)) << error;
    std::map<std::string, int> requests;
    for (int i = 0; i < 50; ++i)
      requests[client.submit(pythonJob("import time\ntime.sleep(0.1)\nprint(int(input()) * 5)\n",
                                       std::to_string(i)))] = i;
    for (const auto& [id, n] : requests) {
      const std::string job_id = client.waitAccepted(id, 30s);
      ASSERT_FALSE(job_id.empty()) << "request " << id << " not accepted\n" << cluster->logs();
      jobs[job_id] = n;
    }
    ASSERT_TRUE(client.pumpUntil([&] { return !client.finals().empty(); }, 30s))
        << "some are running";
    EXPECT_LT(client.finals().size(), 50u) << "the kill must catch jobs in flight";
    cluster->killMaster();
  }
  std::string error;
  ASSERT_TRUE(cluster->startMaster(&error)) << error;
  expectAllFinished(*cluster, jobs);
  const json snapshot = cluster->snapshot();
  EXPECT_GE(snapshot["counters"]["recovered"].get<int>(), 1) << snapshot.dump();
}

TEST_F(RecoveryTest, SigtermFinishesRunningJobsAndKeepsQueuedOnesForTheNextStart) {
  auto cluster = startCluster({"master.shutdown.timeout.ms=20000"});
  std::map<std::string, int> jobs;
  PipelineClient client(cluster->clientPort());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  std::map<std::string, int> requests;
  for (int i = 0; i < 12; ++i)
    requests[client.submit(pythonJob("import time\ntime.sleep(0.4)\nprint(int(input()) * 5)\n",
                                     std::to_string(i)))] = i;
  std::vector<std::string> running;
  for (const auto& [id, n] : requests) {
    const std::string job_id = client.waitAccepted(id, 30s);
    ASSERT_FALSE(job_id.empty()) << cluster->logs();
    jobs[job_id] = n;
  }
  ASSERT_TRUE(client.pumpUntil(
      [&] {
        size_t assigned = 0;
        for (const auto& [id, n] : requests)
          assigned += !client.waitProgress(id, "assigned", 0ms).is_null();
        return assigned >= 4;
      },
      30s));
  const int status = cluster->stopMaster(30s);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n"
                                                             << cluster->masterLog();
  // Jobs that were running when SIGTERM came finished and were delivered before the exit.
  client.pumpUntil([] { return false; }, 2s);  // what is still in flight on the socket
  size_t delivered = 0;
  for (const auto& [id, m] : client.finals()) {
    if (m["type"] != "result") continue;
    ++delivered;
    EXPECT_EQ(m["result"]["verdict"], "OK") << m.dump();
  }
  EXPECT_GE(delivered, 4u) << cluster->masterLog();
  EXPECT_LT(delivered, 12u) << "queued jobs wait for the next start";
  ASSERT_TRUE(cluster->startMaster(&error)) << error;
  expectAllFinished(*cluster, jobs);
}

}  // namespace
}  // namespace polyrun::test
