// The slave's runner registry with the test plugins (tests/plugins) and the real process
// sandbox: probing at load, refusals, several versions side by side, replacement, removal and
// the lifetime of libraries under running jobs.
#include "runner_registry.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugin_check.h"
#include "polyrun/job_executor.h"
#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun::slave {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kSelfTestWallMs = 1500;

std::string testPlugin(const std::string& behaviour) {
  return std::string(POLYRUN_TEST_PLUGIN_DIR) + "/polyrun_test_" + behaviour + ".so";
}

::testing::AssertionResult hasSubstr(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not in \"" << text << "\"";
}

// Lines of /proc/self/maps that map a file whose path contains `part`.
int mappingsOf(const std::string& part) {
  std::ifstream maps("/proc/self/maps");
  int count = 0;
  for (std::string line; std::getline(maps, line);) count += line.find(part) != std::string::npos;
  return count;
}

class RunnerRegistryTest : public ::testing::Test {
 protected:
  RunnerRegistryTest()
      : registry_(*sandbox_, options(), [this](const std::string& name) {
          std::lock_guard<std::mutex> lock(settings_mutex_);
          return settings_[name];
        }) {}

  RunnerRegistry::Options options() const {
    RunnerRegistry::Options o;
    o.executor = {work_.path() + "/work", defaultLimits()};
    o.selftest_wall_ms = kSelfTestWallMs;
    o.copy_dir = work_.path() + "/copies";
    return o;
  }

  // A copy of a test plugin under a name of the test's choosing in plugins_.
  std::string place(const std::string& behaviour, const std::string& name) {
    const std::string path = plugins_.path() + "/" + name + ".so";
    fs::copy_file(testPlugin(behaviour), path, fs::copy_options::overwrite_existing);
    return path;
  }

  void setSetting(const std::string& plugin, const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(settings_mutex_);
    settings_[plugin][key] = value;
  }

  std::vector<std::string> advertisedVersions() const {
    std::vector<std::string> out;
    for (const auto& info : registry_.advertised())
      out.push_back(info.language + " " + info.version);
    return out;
  }

  // Runs a testlang program through `runner`; returns its stdout.
  std::string runWith(const Runner& runner, const std::string& script) {
    Job job;
    job.id = "t";
    job.language = "testlang";
    job.files.push_back({"main.tl", script, Encoding::kUtf8});
    const JobResult r =
        executeJob(runner, *sandbox_, job, {work_.path() + "/work", defaultLimits()});
    EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
    return r.run ? r.run->stdout_data : std::string();
  }

  test::TempDir work_;
  test::TempDir plugins_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
  std::mutex settings_mutex_;
  std::map<std::string, PluginSettings> settings_;
  RunnerRegistry registry_;
};

TEST_F(RunnerRegistryTest, GoodPluginIsProbedAndOffered) {
  LibraryLoad load = registry_.load(testPlugin("good"));
  ASSERT_EQ(load.runners.size(), 1u);
  EXPECT_TRUE(load.runners.front().ready);
  EXPECT_EQ(load.runners.front().info.version, "1.0");
  ASSERT_EQ(load.statuses.size(), 1u);
  EXPECT_TRUE(load.statuses.front().ready) << load.statuses.front().problem;
  EXPECT_EQ(load.statuses.front().language, "testlang");
  EXPECT_EQ(load.statuses.front().library, testPlugin("good"));
  // Loading changes nothing until the load is installed.
  EXPECT_TRUE(registry_.advertised().empty());
  EXPECT_TRUE(registry_.statuses().empty());

  registry_.install(std::move(load));
  EXPECT_EQ(advertisedVersions(), std::vector<std::string>{"testlang 1.0"});
  const RunnerInfo info = registry_.advertised().front();
  EXPECT_EQ(info.aliases, std::vector<std::string>{"tl"});
  EXPECT_EQ(info.extensions, std::vector<std::string>{".tl"});
  EXPECT_NE(registry_.find("testlang", "1.0"), nullptr);
  EXPECT_NE(registry_.find("testlang", ""), nullptr);
  EXPECT_EQ(registry_.find("testlang", "2.0"), nullptr);
  EXPECT_EQ(registry_.find("tl", ""), nullptr)
      << "the master resolves aliases; slaves get canonical names";
}

// Each broken plugin is refused or disabled with its reason; a good plugin loaded beside them
// is offered as if they were not there. The probes run at once, as the slave runs them.
TEST_F(RunnerRegistryTest, BrokenPluginsAreRefusedOrDisabledWithTheirReason) {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"not_elf", {"not a shared library"}},
      {"no_aliases", {"not a polyrun plugin"}},
      {"wrong_abi", {"ABI version"}},
      {"factory_throws", {"factory threw"}},
      {"tool_missing", {"testtool not found"}},
      {"info_throws", {"info() threw"}},
      {"nameless", {"names no language"}},
      {"version_throws",
       {"version detection failed", "parseVersion() threw: parseVersion() exploded"}},
      {"prepare_throws",
       {"self-test failed", "INTERNAL_ERROR", "prepare() threw: prepare() exploded"}},
      {"empty_argv", {"self-test failed", "INTERNAL_ERROR", "empty command"}},
      {"outside_workdir", {"self-test failed", "outside the work directory", "../escape.tl"}},
      {"selftest_fails",
       {"self-test failed", "expected output \"something else\\n\", got \"polyrun\\n\" (OK)"}},
      {"selftest_hangs",
       {"self-test failed", "TIME_LIMIT",
        "(also with " + std::to_string(kSelfTestWallMs * 4) + " ms)"}},
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::future<LibraryLoad>> loads;
  for (const auto& [behaviour, parts] : expected)
    loads.push_back(std::async(std::launch::async,
                               [this, b = behaviour] { return registry_.load(testPlugin(b)); }));
  loads.push_back(
      std::async(std::launch::async, [this] { return registry_.load(testPlugin("good")); }));
  for (auto& load : loads) registry_.install(load.get());
  // A hanging self-test ends at its wall limit (tried twice: once more with four times the
  // time), and the others do not wait for it in turn.
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::milliseconds(kSelfTestWallMs * 7));

  EXPECT_EQ(advertisedVersions(), std::vector<std::string>{"testlang 1.0"});
  EXPECT_EQ(registry_.find("testlang", "")->info().language, "testlang");
  std::map<std::string, std::string> problems;
  for (const auto& st : registry_.statuses()) {
    if (st.library == testPlugin("good")) {
      EXPECT_TRUE(st.ready);
      continue;
    }
    EXPECT_FALSE(st.ready) << st.library;
    problems[fs::path(st.library).stem().string().substr(std::string("polyrun_test_").size())] +=
        st.problem;
  }
  for (const auto& [behaviour, parts] : expected) {
    SCOPED_TRACE(behaviour);
    for (const auto& part : parts) EXPECT_TRUE(hasSubstr(problems[behaviour], part));
  }
}

// A first compile on a slow machine (javac in an emulated guest) can outlast the self-test's
// limit; the language used to be disabled for it. It gets one more try with four times the time.
TEST_F(RunnerRegistryTest, ASelfTestThatRunsOutOfTimeOnceGetsASecondTryWithMoreTime) {
  const std::string slow = testPlugin("selftest_slow");
  registry_.install(registry_.load(slow));
  for (const auto& st : registry_.statuses())
    if (st.library == slow) EXPECT_TRUE(st.ready) << st.problem;
  EXPECT_EQ(advertisedVersions(), std::vector<std::string>{"testlang 1.0"});
}

// Two libraries with one version each and one library with two: all four side by side, each
// job getting the runner of the version the master chose.
TEST_F(RunnerRegistryTest, SeveralVersionsSideBySide) {
  setSetting("polyrun_test_v1", "version", "1.0");
  setSetting("polyrun_test_v2", "version", "2.0");
  setSetting("polyrun_test_v3", "version", "3.0,3.1");
  for (const char* name : {"polyrun_test_v1", "polyrun_test_v2", "polyrun_test_v3"})
    registry_.install(registry_.load(place("good", name)));
  EXPECT_EQ(advertisedVersions(), (std::vector<std::string>{"testlang 1.0", "testlang 2.0",
                                                            "testlang 3.0", "testlang 3.1"}));
  for (const char* version : {"1.0", "2.0", "3.0", "3.1"}) {
    auto runner = registry_.find("testlang", version);
    ASSERT_NE(runner, nullptr) << version;
    EXPECT_EQ(runWith(*runner, "echo $TESTLANG_VERSION\n"), std::string(version) + "\n");
  }
}

// The same language and version from two libraries is offered once; the library installed
// last serves it.
TEST_F(RunnerRegistryTest, LatestInstallWinsForTheSameVersion) {
  const std::string a = place("good", "polyrun_test_a");
  const std::string b = place("good", "polyrun_test_b");
  registry_.install(registry_.load(a));
  registry_.install(registry_.load(b));
  EXPECT_EQ(advertisedVersions(), std::vector<std::string>{"testlang 1.0"});
  auto from_b = registry_.find("testlang", "1.0");
  registry_.install(registry_.load(a));
  auto from_a = registry_.find("testlang", "1.0");
  EXPECT_NE(from_a, from_b);
  EXPECT_EQ(registry_.statuses().size(), 2u);
}

// A new load of a path replaces the old one for new jobs; a job holding the old runner keeps
// running on it, its library mapped until the job lets go.
TEST_F(RunnerRegistryTest, ReplacementServesNewJobsWhileOldOnesFinishOnTheOld) {
  const std::string copies = work_.path() + "/copies/polyrun_test_r.";
  setSetting("polyrun_test_r", "version", "1.0");
  const std::string path = place("good", "polyrun_test_r");
  registry_.install(registry_.load(path));
  std::shared_ptr<const Runner> running = registry_.find("testlang", "");
  ASSERT_NE(running, nullptr);
  const int one_library = mappingsOf(copies);
  EXPECT_GT(one_library, 0);

  setSetting("polyrun_test_r", "version", "2.0");
  place("good", "polyrun_test_r");
  registry_.install(registry_.load(path));
  EXPECT_EQ(advertisedVersions(), std::vector<std::string>{"testlang 2.0"});
  EXPECT_EQ(registry_.find("testlang", "1.0"), nullptr);
  auto fresh = registry_.find("testlang", "");
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(runWith(*fresh, "echo $TESTLANG_VERSION\n"), "2.0\n");
  // Both libraries are mapped; the old runner still works.
  EXPECT_EQ(mappingsOf(copies), 2 * one_library);
  EXPECT_EQ(runWith(*running, "echo $TESTLANG_VERSION\n"), "1.0\n");
  running.reset();
  EXPECT_EQ(mappingsOf(copies), one_library) << "the old library is unloaded once unused";
}

TEST_F(RunnerRegistryTest, RemovalStopsOfferingButRunningJobsFinish) {
  const std::string copies = work_.path() + "/copies/polyrun_test_gone.";
  const std::string path = place("good", "polyrun_test_gone");
  registry_.install(registry_.load(path));
  std::shared_ptr<const Runner> running = registry_.find("testlang", "1.0");
  ASSERT_NE(running, nullptr);

  EXPECT_TRUE(registry_.remove(path));
  EXPECT_TRUE(registry_.advertised().empty());
  EXPECT_EQ(registry_.find("testlang", ""), nullptr);
  EXPECT_TRUE(registry_.statuses().empty());
  EXPECT_FALSE(registry_.remove(path));
  EXPECT_GT(mappingsOf(copies), 0);
  EXPECT_EQ(runWith(*running, "echo still here\n"), "still here\n");
  running.reset();
  EXPECT_EQ(mappingsOf(copies), 0);
}

// A refused load of a path that served before retires the old runners: the folder holds a
// broken file now, and the report says why.
TEST_F(RunnerRegistryTest, BrokenReplacementRetiresTheOldRunners) {
  const std::string path = place("good", "polyrun_test_b");
  registry_.install(registry_.load(path));
  ASSERT_EQ(registry_.advertised().size(), 1u);
  place("selftest_fails", "polyrun_test_b");
  registry_.install(registry_.load(path));
  EXPECT_TRUE(registry_.advertised().empty());
  ASSERT_EQ(registry_.statuses().size(), 1u);
  EXPECT_TRUE(hasSubstr(registry_.statuses().front().problem, "self-test failed"));
}

// --- toolchains ---------------------------------------------------------------------------------

RunnerRegistry::Options toolchainOptions(const std::string& root) {
  RunnerRegistry::Options o;
  o.executor = {root + "/work", defaultLimits()};
  o.selftest_wall_ms = 60000;  // javac on a loaded machine
  o.copy_dir = root + "/copies";
  o.toolchain_root = root + "/toolchains";
  return o;
}

// The Java runner is offered at once; its javac archive follows in the background, and only
// then do jobs get the directory.
TEST(RunnerRegistryToolchainTest, RunnerIsOfferedAtOnceAndGetsItsToolchainWhenReady) {
  test::TempDir dir;
  auto sandbox = makeProcessSandbox();
  RunnerRegistry registry(*sandbox, toolchainOptions(dir.path()),
                          [](const std::string&) { return PluginSettings{}; });
  std::atomic<int> changes{0};
  registry.setOnToolchainChange([&] { ++changes; });
  registry.install(registry.load(std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_java.so"));
  ASSERT_EQ(registry.advertised().size(), 1u);
  ASSERT_NE(registry.findForJob("java", "").runner, nullptr);
  ASSERT_EQ(registry.statuses().size(), 1u);
  const std::string first = registry.statuses().front().toolchain;
  EXPECT_TRUE(first == "preparing" || first == "ready") << first;
  ASSERT_TRUE(test::waitFor([&] { return !registry.findForJob("java", "").toolchain_dir.empty(); },
                            std::chrono::seconds(120)));
  const std::string tc = registry.findForJob("java", "").toolchain_dir;
  EXPECT_EQ(fs::path(tc).parent_path(), fs::path(dir.path()) / "toolchains");
  EXPECT_TRUE(fs::is_regular_file(fs::path(tc) / "javac.jsa"));
  EXPECT_EQ(registry.findForJob("java", "").runner, registry.find("java", ""));
  EXPECT_EQ(registry.statuses().front().toolchain, "ready");
  EXPECT_EQ(changes.load(), 1) << "one report change: ready";
}

TEST(RunnerRegistryToolchainTest, WithoutAToolchainRootNothingIsPrepared) {
  test::TempDir dir;
  auto sandbox = makeProcessSandbox();
  RunnerRegistry::Options o = toolchainOptions(dir.path());
  o.toolchain_root.clear();
  RunnerRegistry registry(*sandbox, o, [](const std::string&) { return PluginSettings{}; });
  registry.install(registry.load(std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_java.so"));
  EXPECT_EQ(registry.statuses().front().toolchain, "");
  EXPECT_EQ(registry.findForJob("java", "").toolchain_dir, "");
}

// Stopping the slave does not wait for a toolchain being prepared: its stage is killed.
TEST(RunnerRegistryToolchainTest, DestructionCancelsAPreparationUnderWay) {
  test::TempDir dir;
  auto sandbox = makeProcessSandbox();
  auto registry = std::make_unique<RunnerRegistry>(
      *sandbox, toolchainOptions(dir.path()), [](const std::string&) { return PluginSettings{}; });
  registry->install(registry->load(std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_cpp.so"));
  // Under way once its scratch directory exists (the probes' ones are gone after load()).
  ASSERT_TRUE(test::waitFor(
      [&] {
        std::error_code ec;
        return !fs::is_empty(dir.path() + "/work", ec) && !ec;
      },
      std::chrono::seconds(30)));
  const auto start = std::chrono::steady_clock::now();
  registry.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3))
      << "precompiling headers takes several seconds: it must have been cancelled";
}

// With a check command (the slave's own binary, as the slave sets it), every library is loaded in
// a child process first: a library that would kill this process there is refused with the reason
// and never loaded here, and a good one is loaded as before.
TEST(RunnerRegistryCheckTest, ALibraryThatDiesInTheCheckIsRefusedAndNeverLoadedHere) {
  test::TempDir dir;
  auto sandbox = makeProcessSandbox();
  RunnerRegistry::Options o;
  o.executor = {dir.path() + "/work", defaultLimits()};
  o.selftest_wall_ms = kSelfTestWallMs;
  o.copy_dir = dir.path() + "/copies";
  o.check_command = {std::string(POLYRUN_BIN_DIR) + "/polyrun-slave", kCheckPluginFlag};
  // The good plugin again, under a name whose settings make its factory crash: only a child
  // that got the settings (on its stdin) dies of it.
  const std::string crashy = dir.path() + "/polyrun_test_crashy.so";
  fs::copy_file(testPlugin("good"), crashy);
  RunnerRegistry registry(*sandbox, o, [](const std::string& name) {
    return name == "polyrun_test_crashy" ? PluginSettings{{"crash", "factory"}} : PluginSettings{};
  });

  LibraryLoad good = registry.load(testPlugin("good"));
  ASSERT_EQ(good.statuses.size(), 1u);
  EXPECT_TRUE(good.statuses.front().ready) << good.statuses.front().problem;

  const std::map<std::string, std::string> refused = {
      {crashy, "crashed while loading (SIGSEGV in its static constructors"},
      {testPlugin("factory_exits"), "exited with code 3 while loading"},
      {testPlugin("factory_hangs"), "hung while loading: killed after"},
  };
  for (const auto& [path, reason] : refused) {
    const auto start = std::chrono::steady_clock::now();
    LibraryLoad load = registry.load(path);
    ASSERT_EQ(load.statuses.size(), 1u) << path;
    EXPECT_TRUE(load.runners.empty()) << path;
    EXPECT_FALSE(load.statuses.front().ready);
    EXPECT_TRUE(hasSubstr(load.statuses.front().problem, path + ": " + reason));
    EXPECT_TRUE(hasSubstr(load.statuses.front().problem, "the slave did not load it"));
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::milliseconds(kSelfTestWallMs + 3000))
        << path;
  }
  EXPECT_EQ(mappingsOf("polyrun_test_factory_") + mappingsOf("polyrun_test_crashy"), 0)
      << "no refused library was mapped here";
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(o.copy_dir, ec)) << "the private copies are gone";
}

// The check's child runs plugin code with nothing of the slave's open but stdin, stdout and
// stderr: here a descriptor this process holds without close-on-exec, as a slave holds its
// master connection, and a plugin that dies when it finds it open.
TEST(PluginCheckTest, TheChildInheritsNoDescriptorOfTheSlave) {
  const int fd = ::open("/dev/null", O_RDONLY);  // inherited by the processes this one starts
  ASSERT_GE(fd, 3);
  const Status checked =
      checkPluginInChild({std::string(POLYRUN_BIN_DIR) + "/polyrun-slave", kCheckPluginFlag},
                         testPlugin("good"), {{"crash_if_fd_open", std::to_string(fd)}}, 10000);
  ::close(fd);
  EXPECT_TRUE(checked.isOk()) << checked.message();
}

}  // namespace
}  // namespace polyrun::slave
