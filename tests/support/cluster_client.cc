#include "support/cluster_client.h"

#include <gtest/gtest.h>

#include "polyrun/job_json.h"

namespace polyrun::test {

Job sourceJob(const std::string& language, const std::string& name, const std::string& source,
              const std::string& stdin_data, const std::vector<std::string>& args) {
  Job job;
  job.language = language;
  job.files.push_back({name, source, Encoding::kUtf8});
  job.stdin_data = stdin_data;
  job.args = args;
  return job;
}

Job pythonJob(const std::string& source, const std::string& stdin_data, int64_t wall_ms) {
  Job job = sourceJob("python", "main.py", source, stdin_data);
  job.limits.run.wall_ms = wall_ms;
  return job;
}

Job foreverJob() {
  return pythonJob("import time\nwhile True:\n    time.sleep(0.05)\n", "", 20000);
}

std::unique_ptr<MasterClient> connectTo(const Cluster& cluster) {
  auto client =
      std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  std::string error;
  if (client->connect(&error)) return client;
  ADD_FAILURE() << error << "\n" << cluster.logs();
  return nullptr;
}

JobResult runJob(MasterClient& client, const Job& job, const Cluster& cluster) {
  std::string error;
  auto reply = client.submit(job, 60000, &error);
  EXPECT_TRUE(reply.has_value()) << error << "\n" << cluster.logs();
  JobResult result;
  if (!reply) return result;
  EXPECT_EQ(reply->value("type", ""), "result") << reply->dump();
  if (reply->contains("result")) {
    EXPECT_EQ(fromJson((*reply)["result"], &result).message(), "");
  }
  return result;
}

}  // namespace polyrun::test
