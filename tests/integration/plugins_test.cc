// Hot plugin drop-in on a real cluster: a master and a slave whose plugin folder starts empty.
// The JavaScript plugin is the out-of-tree example built against the installed SDK (the
// sdk_example_plugin fixture, tests/plugins/build_example_plugin.cmake); the others are the test
// plugins (tests/plugins).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "master_client.h"
#include "polyrun/sandbox.h"
#include "support/cluster.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSlave = "plugin-slave";

class PluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(POLYRUN_EXAMPLE_PLUGIN))
        << POLYRUN_EXAMPLE_PLUGIN << " is missing: run this test through ctest, whose "
        << "sdk_example_plugin fixture installs the SDK and builds the example plugin";
    Cluster::Options options;
    options.slaves = 0;
    cluster_ = std::make_unique<Cluster>(options);
    std::string error;
    ASSERT_TRUE(cluster_->start(&error)) << error;
    slave_pid_ = cluster_->startSlave(
        kSlave, {"slave.plugins.dir=" + plugins_.path(), "slave.selftest.wall_ms=2000",
                 "slave.plugin.polyrun_test_versioned.version_file=" + version_file_});
    ASSERT_GT(slave_pid_, 0);
    ASSERT_TRUE(waitFor([&] { return slave().is_object(); }, 20s)) << cluster_->logs();
    client_ =
        std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(cluster_->clientPort()));
    ASSERT_TRUE(client_->connect(&error)) << error;
  }

  // The slave's entry in the `cluster` reply, or null.
  json slave() const {
    const json c = cluster_->snapshot();
    if (c.is_object())
      for (const auto& s : c.value("slaves", json::array()))
        if (s.value("name", "") == kSlave) return s;
    return nullptr;
  }

  // The slave's plugin report line for `file` (a name in the plugin folder), or null.
  json pluginStatus(const std::string& file) const {
    const json s = slave();
    if (s.is_object())
      for (const auto& p : s.value("plugins", json::array()))
        if (p.value("library", "") == plugins_.path() + "/" + file) return p;
    return nullptr;
  }

  // "language version" of every runtime the master offers.
  std::set<std::string> runtimes() {
    std::string error;
    auto reply = client_->request({{"type", "runtimes"}}, 5000, &error);
    std::set<std::string> out;
    if (reply)
      for (const auto& r : reply->value("runtimes", json::array()))
        out.insert(r.value("language", "") + " " + r.value("version", ""));
    return out;
  }

  bool offers(const std::string& language) {
    for (const auto& r : runtimes())
      if (r.rfind(language + " ", 0) == 0) return true;
    return false;
  }

  // Installs a plugin the documented way: copied under a hidden temporary name, then renamed.
  void install(const std::string& from, const std::string& name) {
    const fs::path temporary = fs::path(plugins_.path()) / ("." + name + ".tmp");
    fs::copy_file(from, temporary, fs::copy_options::overwrite_existing);
    fs::rename(temporary, fs::path(plugins_.path()) / name);
  }

  static std::string testPlugin(const std::string& behaviour) {
    return std::string(POLYRUN_TEST_PLUGIN_DIR) + "/polyrun_test_" + behaviour + ".so";
  }

  // Runs the polyrun CLI against the cluster from work_.
  ProcessResult polyrun(std::vector<std::string> args) {
    args.insert(args.begin() + 1, "--master=" + cluster_->masterAddress());
    args.insert(args.begin(), binaryPath("polyrun"));
    ProcessSpec spec;
    spec.argv = std::move(args);
    spec.cwd = work_.path();
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + work_.path()};
    spec.limits.wall_ms = spec.limits.cpu_ms = 30000;
    return sandbox_->run(spec);
  }

  // Submits a testlang script on its own connection; `running` is set once it runs.
  std::future<json> submitTestlang(const std::string& script, std::promise<void>* running) {
    return std::async(std::launch::async, [this, script, running] {
      MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster_->clientPort()));
      std::string error;
      if (!client.connect(&error)) return json{{"error", error}};
      Job job;
      job.language = "testlang";
      job.files.push_back({"main.tl", script, Encoding::kUtf8});
      bool told = false;
      auto reply = client.submit(job, 30000, &error, [&](const json& event) {
        if (!told && running && event.value("state", "") == "running") {
          told = true;
          running->set_value();
        }
      });
      return reply ? *reply : json{{"error", error}};
    });
  }

  TempDir plugins_;
  TempDir work_;
  std::string version_file_ = work_.path() + "/testlang-version";
  std::unique_ptr<Cluster> cluster_;
  pid_t slave_pid_ = -1;
  std::unique_ptr<MasterClient> client_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
};

TEST_F(PluginsTest, JavaScriptDropInRunsAndRemovalHidesIt) {
  EXPECT_FALSE(offers("javascript"));
  std::ofstream(work_.path() + "/hello.js") << "console.log('hello from ' + process.argv[2]);\n";

  const auto dropped = std::chrono::steady_clock::now();
  install(POLYRUN_EXAMPLE_PLUGIN, "polyrun_javascript.so");
  ASSERT_TRUE(waitFor([&] { return offers("javascript"); }, 10s)) << cluster_->logs();
  EXPECT_LT(std::chrono::steady_clock::now() - dropped, 2s) << "loaded, self-tested and advertised";

  ProcessResult r = polyrun({"run", "hello.js", "--", "node"});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "hello from node\n");

  r = polyrun({"run", "hello.js", "--json", "--", "json"});
  const json result = json::parse(r.stdout_data, nullptr, false);
  ASSERT_TRUE(result.is_object()) << r.stdout_data << r.stderr_data;
  EXPECT_EQ(result.value("slave", ""), kSlave);
  EXPECT_EQ(result.value("language", ""), "javascript");
  EXPECT_TRUE(runtimes().count("javascript " + result.value("version", "")));
  const json status = pluginStatus("polyrun_javascript.so");
  ASSERT_TRUE(status.is_object()) << slave().dump();
  EXPECT_TRUE(status.value("ready", false)) << status.dump();

  fs::remove(fs::path(plugins_.path()) / "polyrun_javascript.so");
  EXPECT_TRUE(waitFor([&] { return !offers("javascript"); }, 2s));
  r = polyrun({"runtimes"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data.find("javascript"), std::string::npos) << r.stdout_data;
  EXPECT_TRUE(pluginStatus("polyrun_javascript.so").is_null());
  r = polyrun({"run", "hello.js", "--lang", "javascript"});
  EXPECT_NE(r.exit_code, 0) << r.stdout_data;
}

// Broken plugins dropped beside a working one are refused or disabled, each with its reason in
// the slave's plugin report; what the cluster offers does not change and jobs keep running.
TEST_F(PluginsTest, BrokenDropInsChangeNothingElse) {
  install(POLYRUN_EXAMPLE_PLUGIN, "polyrun_javascript.so");
  ASSERT_TRUE(waitFor([&] { return offers("javascript"); }, 10s)) << cluster_->logs();
  const std::set<std::string> before = runtimes();

  const std::vector<std::pair<std::string, std::string>> broken = {
      {"not_elf", "not a shared library"},    {"no_aliases", "not a polyrun plugin"},
      {"wrong_abi", "ABI version"},           {"factory_throws", "factory threw"},
      {"tool_missing", "testtool not found"}, {"prepare_throws", "prepare() threw"},
      {"empty_argv", "empty command"},        {"selftest_hangs", "TIME_LIMIT"},
  };
  for (const auto& [behaviour, reason] : broken)
    install(testPlugin(behaviour), "polyrun_test_" + behaviour + ".so");
  // And one left cut short, as by an interrupted copy.
  const std::string whole = [] {
    std::ifstream in(testPlugin("good"), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  std::ofstream(plugins_.path() + "/polyrun_test_partial.so", std::ios::binary)
      << whole.substr(0, whole.size() / 2);

  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& [behaviour, reason] : broken)
          if (pluginStatus("polyrun_test_" + behaviour + ".so").is_null()) return false;
        return !pluginStatus("polyrun_test_partial.so").is_null();
      },
      30s))  // the hanging self-test is tried twice: 2 s, then 8 s
      << slave().dump(2) << cluster_->logs();
  for (const auto& [behaviour, reason] : broken) {
    const json st = pluginStatus("polyrun_test_" + behaviour + ".so");
    EXPECT_FALSE(st.value("ready", true)) << behaviour;
    EXPECT_NE(st.value("problem", "").find(reason), std::string::npos) << st.dump();
  }
  EXPECT_NE(pluginStatus("polyrun_test_partial.so").value("problem", "").find("cut short"),
            std::string::npos);

  EXPECT_EQ(runtimes(), before);
  std::ofstream(work_.path() + "/still.js") << "console.log('still here')\n";
  ProcessResult r = polyrun({"run", "still.js"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "still here\n");
  EXPECT_EQ(::waitpid(slave_pid_, nullptr, WNOHANG), 0) << "the slave is alive";
}

// A new version renamed over the old one serves new jobs at once, while the job running on the
// old one finishes there; a removed plugin lets its running job finish too.
TEST_F(PluginsTest, ReplacementAndRemovalLetRunningJobsFinish) {
  std::ofstream(version_file_) << "1.0\n";
  install(testPlugin("good"), "polyrun_test_versioned.so");
  ASSERT_TRUE(waitFor([&] { return offers("testlang"); }, 10s)) << cluster_->logs();

  std::promise<void> old_running;
  auto old_job = submitTestlang("sleep 2\necho \"$TESTLANG_VERSION\"\n", &old_running);
  ASSERT_EQ(old_running.get_future().wait_for(20s), std::future_status::ready) << cluster_->logs();
  std::ofstream(version_file_) << "2.0\n";
  install(testPlugin("good"), "polyrun_test_versioned.so");
  EXPECT_TRUE(waitFor([&] { return runtimes() == std::set<std::string>{"testlang 2.0"}; }, 2s));
  EXPECT_EQ(old_job.wait_for(0s), std::future_status::timeout) << "the old job is still running";

  json fresh = submitTestlang("echo \"$TESTLANG_VERSION\"\n", nullptr).get();
  EXPECT_EQ(fresh["result"]["run"]["stdout"], "2.0\n") << fresh.dump();
  json old = old_job.get();
  EXPECT_EQ(old["result"]["verdict"], "OK") << old.dump();
  EXPECT_EQ(old["result"]["run"]["stdout"], "1.0\n") << old.dump();

  std::promise<void> last_running;
  auto last_job = submitTestlang("sleep 2\necho done\n", &last_running);
  ASSERT_EQ(last_running.get_future().wait_for(20s), std::future_status::ready);
  fs::remove(fs::path(plugins_.path()) / "polyrun_test_versioned.so");
  EXPECT_TRUE(waitFor([&] { return !offers("testlang"); }, 2s));
  EXPECT_EQ(last_job.wait_for(0s), std::future_status::timeout) << "the job is still running";
  json last = last_job.get();
  EXPECT_EQ(last["result"]["verdict"], "OK") << last.dump();
  EXPECT_EQ(last["result"]["run"]["stdout"], "done\n") << last.dump();
}

}  // namespace
}  // namespace polyrun::test
