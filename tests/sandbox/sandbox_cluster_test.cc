// The adversarial cases again, submitted to a real master and run by a real slave.
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <fstream>

#include "master_client.h"
#include "polyrun/job_json.h"
#include "sandbox/adversarial_cases.h"
#include "support/cluster.h"

namespace polyrun::test {
namespace {

TEST(SandboxClusterTest, AdversarialJobsGetTheirVerdictsThroughTheCluster) {
  Cluster::Options options;
  options.slaves = 1;
  Cluster cluster(options);
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error;
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;

  // The slave's own configuration stands in for the secret here: a real file no job may read.
  TempDir secret_dir;
  const std::string secret = secret_dir.path() + "/slave.properties";
  std::ofstream(secret) << "slave.token = test-token\n";
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));

  for (const auto& c : adversarialCases(secret, listener.address().port())) {
    SCOPED_TRACE(c.name);
    Job job;
    job.language = c.language;
    job.files.push_back({c.file, c.source, Encoding::kUtf8});
    job.limits = c.limits;
    auto reply = client.submit(job, 60000, &error);
    ASSERT_TRUE(reply) << error << "\n" << cluster.logs();
    ASSERT_EQ(reply->value("type", ""), "result") << reply->dump();
    JobResult r;
    ASSERT_EQ(fromJson((*reply)["result"], &r).message(), "");
    EXPECT_EQ(verdictName(r.verdict), verdictName(c.expected)) << r.message;
    if (c.check) {
      EXPECT_EQ(c.check(r), "");
    }
  }
}

}  // namespace
}  // namespace polyrun::test
