// An unchanged Piston client (the npm package piston-client, installed by the ctest fixture
// piston_client_install) against a real master and slave: runtimes, Python, C++, errors. The
// checks themselves are in piston_client.mjs; this test starts the cluster and runs it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cluster.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;

TEST(PistonClientTest, RuntimesPythonAndCppThroughTheNpmClient) {
  const std::string node = POLYRUN_NODE;
  ASSERT_TRUE(std::filesystem::exists(node))
      << "node not found (" << node << "): install Node.js (scripts/setup-deps.sh installs nodejs)";
  const std::string modules = std::string(POLYRUN_NPM_PREFIX) + "/node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules + "/piston-client/index.js"))
      << "piston-client is not installed in " << modules
      << ": the fixture test piston_client_install "
      << "installs it with npm (ctest -R piston_client runs both)";

  Cluster::Options options;
  options.slaves = 1;
  std::unique_ptr<Cluster> cluster(startSuiteCluster(options));
  ASSERT_NE(cluster, nullptr);

  const std::string log = cluster->dir() + "/node.log";
  const pid_t pid = spawnLogged({node, POLYRUN_PISTON_SCRIPT, modules,
                                 "http://127.0.0.1:" + std::to_string(cluster->httpPort())},
                                log);
  ASSERT_GT(pid, 0);
  int status = -1;
  const bool exited = waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 120s);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::ifstream in(log);
  std::stringstream output;
  output << in.rdbuf();
  ASSERT_TRUE(exited) << "node did not finish within 120 s:\n" << output.str();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output.str() << "\n"
                                                             << cluster->logs();
  EXPECT_NE(output.str().find("python says: 42"), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("c++ says: c++ 3 args, last 3"), std::string::npos) << output.str();
}

}  // namespace
}  // namespace polyrun::test
