// A slave never runs jobs with memory and process limits weaker than configured unless its
// operator said so (docs/install.md, "Hosts"): here, a slave run as an unprivileged user on a
// host whose cgroups only root may write, as README allows. It refuses to start and says what
// to do; with slave.sandbox.limits=rlimits it starts, and the mode shows in `cluster`,
// `/metrics` and `polyrun status`.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/cluster.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr unsigned kNobody = 65534;
const std::vector<std::string> kAsNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"};

std::string httpGet(int port, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  std::ostringstream out;
  Poco::StreamCopier::copyStream(body, out);
  return out.str();
}

class LimitsModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a slave as nobody";
    if (::access(kAsNobody[0].c_str(), X_OK) != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
    // A work directory nobody may write, on a path nobody may walk.
    ::chmod(work_.path().c_str(), 0755);
    fs::create_directories(workDir());
    ASSERT_EQ(::chown(workDir().c_str(), kNobody, kNobody), 0);
    std::string error;
    ASSERT_TRUE(cluster_.startMaster(&error)) << error;
  }
  std::string workDir() const { return work_.path() + "/nobody"; }
  // Starts a slave as nobody with `defines`.
  pid_t startAsNobody(std::vector<std::string> defines) {
    defines.push_back("slave.work.dir=" + workDir());
    return cluster_.startSlave("nobody", defines, kAsNobody);
  }
  // Whether this host gives an unprivileged process a cgroup it may write (then it has no
  // weaker mode to refuse).
  static bool nobodyHasACgroup(const std::string& log) {
    return log.find("rlimits only") == std::string::npos;
  }

  TempDir work_;
  Cluster cluster_{Cluster::Options{0, 1, "test-token", {}, {}, false}};
};

TEST_F(LimitsModeTest, WithoutACgroupTheSlaveRefusesToStartAndSaysWhatToDo) {
  startAsNobody({});
  int status = 0;
  ASSERT_TRUE(cluster_.waitForSlaveExit("nobody", 60s, &status))
      << "it must not run jobs with weaker limits than configured\n"
      << cluster_.slaveLog("nobody");
  const std::string log = cluster_.slaveLog("nobody");
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 78) << log;  // EX_CONFIG
  for (const char* what : {"memory and process limits need a cgroup", "Delegate=yes",
                           "slave.sandbox.limits=rlimits", "docs/install.md"})
    EXPECT_NE(log.find(what), std::string::npos) << "the message must say " << what << "\n" << log;
}

TEST_F(LimitsModeTest, TheWeakerModeRunsOnlyWhenChosenAndShowsEverywhere) {
  startAsNobody({"slave.sandbox.limits=rlimits"});
  cluster_.startSlave("root");
  std::string error;
  ASSERT_TRUE(cluster_.waitForSlaves(2, &error)) << error << "\n" << cluster_.logs();
  const std::string log = cluster_.slaveLog("nobody");
  if (nobodyHasACgroup(log)) GTEST_SKIP() << "nobody gets a writable cgroup on this host";
  EXPECT_NE(log.find("rlimits only"), std::string::npos) << log;

  const nlohmann::json snapshot = cluster_.snapshot();
  std::map<std::string, std::string> limits;
  for (const auto& s : snapshot["slaves"]) limits[s.value("name", "")] = s.value("limits", "");
  EXPECT_EQ(limits["nobody"], "rlimits") << snapshot.dump();
  EXPECT_EQ(limits["root"], "cgroup") << snapshot.dump();

  const std::string cluster_json = httpGet(cluster_.httpPort(), "/api/v1/cluster");
  EXPECT_NE(cluster_json.find("\"limits\":\"rlimits\""), std::string::npos) << cluster_json;
  const std::string metrics = httpGet(cluster_.httpPort(), "/metrics");
  EXPECT_NE(metrics.find("polyrun_slave_limits{slave=\"nobody\",id="), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(",mode=\"rlimits\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(",mode=\"cgroup\"} 1"), std::string::npos) << metrics;

  const std::string out = work_.path() + "/status.txt";
  const pid_t cli =
      spawnLogged({binaryPath("polyrun"), "status", "--master", cluster_.masterAddress()}, out);
  ASSERT_TRUE(waitFor([&] { return ::waitpid(cli, nullptr, WNOHANG) == cli; }, 30s));
  std::ifstream in(out);
  const std::string status((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(status.find("LIMITS"), std::string::npos) << status;
  EXPECT_NE(status.find("rlimits"), std::string::npos) << status;
}

// A root slave's stages run as other users. A toolchain folder they cannot reach (under a
// folder of mode 0750, as the packaged unit's /var/cache/polyrun was) used to stop the slave
// with "the namespace sandbox does not work on this machine ... fix the kernel".
TEST_F(LimitsModeTest, AToolchainFolderTheStagesCannotReachIsNamedWithTheFix) {
  const fs::path closed = fs::path(work_.path()) / "closed";
  fs::create_directories(closed / "toolchains");
  ASSERT_EQ(::chown(closed.c_str(), 12345, 12345), 0);
  ASSERT_EQ(::chmod(closed.c_str(), 0750), 0);
  cluster_.startSlave("root", {"slave.toolchains=true",
                               "slave.toolchains.dir=" + (closed / "toolchains").string()});
  int status = 0;
  ASSERT_TRUE(cluster_.waitForSlaveExit("root", 60s, &status)) << cluster_.slaveLog("root");
  const std::string log = cluster_.slaveLog("root");
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 78) << log;
  for (const char* what : {"slave.toolchains.dir", "cannot be read by the stages' users",
                           "is mode 0750", "chmod o+rx", "slave.toolchains=false"})
    EXPECT_NE(log.find(what), std::string::npos) << "the message must say " << what << "\n" << log;
  EXPECT_EQ(log.find("fix the kernel"), std::string::npos) << log;
}

}  // namespace
}  // namespace polyrun::test
