// A broken plugin costs only itself: the slave checks every new library in a child process
// before it loads it (slave/plugin_check.h). Each plugin below kills or hangs the process that
// loads it (tests/plugins/CMakeLists.txt); dropped into a running slave while a Python job runs
// there, it is refused with the reason, the job finishes, the slave lives on and still offers
// its other languages.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "support/cluster.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSlave = "isolation-slave";

struct Fault {
  std::string behaviour;  // polyrun_test_<behaviour>.so
  std::string reason;     // what its report line says
};
void PrintTo(const Fault& fault, std::ostream* os) { *os << fault.behaviour; }

class PluginIsolationTest : public ::testing::TestWithParam<Fault> {
 protected:
  // One master and one slave for every case: a slave a plugin took down stays down, and the
  // cases after it fail too.
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    plugins_ = pluginDir(dir_->path(), {"polyrun_python.so"});
    fs::copy_file(std::string(POLYRUN_TEST_PLUGIN_DIR) + "/polyrun_test_good.so",
                  plugins_ + "/polyrun_test_good.so");
    Cluster::Options options;
    options.slaves = 0;
    cluster_ = new Cluster(options);
    std::string error;
    if (!cluster_->start(&error)) {
      ADD_FAILURE() << error;
      return;
    }
    slave_pid_ = cluster_->startSlave(
        kSlave, {"slave.plugins.dir=" + plugins_, "slave.selftest.wall_ms=2000"});
    if (slave_pid_ <= 0 || !waitFor([] { return languages().size() == 2; }, 60s))
      ADD_FAILURE() << "the slave does not offer python and testlang\n" << cluster_->logs();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
    cluster_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(languages(), (std::set<std::string>{"python", "testlang"}));
  }

  static json slave() { return slaveEntry(cluster_->snapshot(), kSlave); }

  static std::set<std::string> languages() {
    std::set<std::string> out;
    const json s = slave();
    if (s.is_object())
      for (const auto& l : s.value("languages", json::array())) out.insert(l.value("language", ""));
    return out;
  }

  // The slave's plugin report line for `file` in its plugin folder, or null.
  static json pluginStatus(const std::string& file) {
    const json s = slave();
    if (s.is_object())
      for (const auto& p : s.value("plugins", json::array()))
        if (p.value("library", "") == plugins_ + "/" + file) return p;
    return nullptr;
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string plugins_;
  static inline Cluster* cluster_ = nullptr;
  static inline pid_t slave_pid_ = -1;
};

TEST_P(PluginIsolationTest, RefusedWhileTheSlaveAndItsRunningJobLiveOn) {
  const Fault& fault = GetParam();
  auto client = connectTo(*cluster_);
  ASSERT_NE(client, nullptr);
  auto job = std::async(std::launch::async, [&] {
    return runJob(*client,
                  pythonJob("import time\ntime.sleep(3)\nprint('still here')\n", "", 20000),
                  *cluster_);
  });
  ASSERT_TRUE(waitFor(
      [] {
        const json s = slave();
        return s.is_object() && s.value("running", 0) == 1;
      },
      20s))
      << cluster_->logs();

  // Dropped in the documented way: copied under a hidden name, renamed into place.
  const std::string file = "polyrun_test_" + fault.behaviour + ".so";
  fs::copy_file(std::string(POLYRUN_TEST_PLUGIN_DIR) + "/" + file, plugins_ + "/." + file);
  fs::rename(plugins_ + "/." + file, plugins_ + "/" + file);
  ASSERT_TRUE(waitFor([&] { return pluginStatus(file).is_object(); }, 20s))
      << "no report line for " << file << "\n"
      << cluster_->logs();
  const json status = pluginStatus(file);
  EXPECT_FALSE(status.value("ready", true)) << status.dump();
  const std::string problem = status.value("problem", "");
  EXPECT_NE(problem.find(fault.reason), std::string::npos) << problem;
  EXPECT_NE(problem.find("the slave did not load it"), std::string::npos) << problem;

  const JobResult result = job.get();
  EXPECT_EQ(result.verdict, Verdict::kOk) << result.message;
  ASSERT_TRUE(result.run.has_value());
  EXPECT_EQ(result.run->stdout_data, "still here\n");
  EXPECT_EQ(::waitpid(slave_pid_, nullptr, WNOHANG), 0) << "the slave is alive";
  EXPECT_EQ(languages(), (std::set<std::string>{"python", "testlang"}));

  fs::remove(plugins_ + "/" + file);
  EXPECT_TRUE(waitFor([&] { return pluginStatus(file).is_null(); }, 5s));
}

INSTANTIATE_TEST_SUITE_P(
    Faults, PluginIsolationTest,
    ::testing::Values(Fault{"static_crashes", "crashed while loading (SIGSEGV in its static"},
                      Fault{"factory_crashes", "crashed while loading (SIGSEGV"},
                      Fault{"factory_exits", "exited with code 3 while loading"},
                      Fault{"factory_hangs", "hung while loading: killed after"},
                      Fault{"info_crashes", "crashed while loading (SIGABRT"},
                      Fault{"selftest_crashes", "crashed while loading (SIGSEGV"}),
    [](const ::testing::TestParamInfo<Fault>& info) { return info.param.behaviour; });

}  // namespace
}  // namespace polyrun::test
