// The plugin folder watcher on a real folder (inotify), with the test plugins (tests/plugins)
// and the real process sandbox: drop-in, removal, replacement, files still being copied, broken
// and hanging plugins.
#include "plugin_watcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun::slave {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string testPlugin(const std::string& behaviour) {
  return std::string(POLYRUN_TEST_PLUGIN_DIR) + "/polyrun_test_" + behaviour + ".so";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PluginWatcherTest : public ::testing::Test {
 protected:
  ~PluginWatcherTest() override {
    if (watcher_) watcher_->stop();
  }

  // Starts the watcher on plugins_ (a registry with self-tests limited to `selftest_wall_ms`).
  void start(int64_t selftest_wall_ms = 1500) {
    RunnerRegistry::Options options;
    options.executor = {work_.path() + "/work", defaultLimits()};
    options.selftest_wall_ms = selftest_wall_ms;
    options.copy_dir = work_.path() + "/copies";
    registry_.emplace(*sandbox_, options, [this](const std::string& name) {
      return name == "polyrun_test_versioned" ? PluginSettings{{"version_file", version_file_}}
                                              : PluginSettings{};
    });
    watcher_.emplace(plugins_.path(), *registry_, [this] { ++changes_; });
    std::string error;
    ASSERT_TRUE(watcher_->start(&error)) << error;
  }

  // Installs a test plugin the safe way: copied under a hidden temporary name, renamed in place.
  std::string install(const std::string& behaviour, const std::string& name) {
    const std::string path = plugins_.path() + "/" + name + ".so";
    const std::string temporary = plugins_.path() + "/." + name + ".so.tmp";
    fs::copy_file(testPlugin(behaviour), temporary, fs::copy_options::overwrite_existing);
    fs::rename(temporary, path);
    return path;
  }

  std::vector<std::string> advertised() const {
    std::vector<std::string> out;
    for (const auto& info : registry_->advertised())
      out.push_back(info.language + " " + info.version);
    return out;
  }

  std::optional<RunnerStatus> statusOf(const std::string& path) const {
    for (const auto& st : registry_->statuses())
      if (st.library == path) return st;
    return std::nullopt;
  }

  test::TempDir work_;
  test::TempDir plugins_;
  std::string version_file_ = work_.path() + "/version";
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
  std::optional<RunnerRegistry> registry_;
  std::atomic<int> changes_{0};
  std::optional<PluginWatcher> watcher_;  // declared last: stopped before the rest goes
};

TEST_F(PluginWatcherTest, StartLoadsWhatTheFolderHolds) {
  install("good", "polyrun_test_good");
  start();
  // start() returns once the folder's libraries are loaded: the slave registers with them.
  EXPECT_EQ(advertised(), std::vector<std::string>{"testlang 1.0"});
  EXPECT_GE(changes_.load(), 1);
}

TEST_F(PluginWatcherTest, DropInIsOfferedWithinTwoSeconds) {
  start();
  ASSERT_TRUE(advertised().empty());
  const int before = changes_;
  const std::string path = install("good", "polyrun_test_good");
  EXPECT_TRUE(test::waitFor([&] { return !advertised().empty(); }, 2s));
  EXPECT_EQ(advertised(), std::vector<std::string>{"testlang 1.0"});
  EXPECT_GT(changes_.load(), before);
  ASSERT_TRUE(statusOf(path));
  EXPECT_TRUE(statusOf(path)->ready);
}

TEST_F(PluginWatcherTest, RemovedLibraryIsNoLongerOfferedWhileItsRunnerLivesOn) {
  const std::string path = install("good", "polyrun_test_good");
  start();
  auto running = registry_->find("testlang", "1.0");
  ASSERT_NE(running, nullptr);
  const int before = changes_;
  fs::remove(path);
  EXPECT_TRUE(test::waitFor([&] { return advertised().empty() && !statusOf(path); }, 2s));
  EXPECT_GT(changes_.load(), before);
  EXPECT_EQ(registry_->find("testlang", ""), nullptr);
  PrepareInput input;
  input.files.push_back({"", "echo hi\n"});
  EXPECT_EQ(running->prepare(input).run.argv.front(), "/bin/sh") << "its library is still loaded";
}

// A new version renamed over the old one loads beside it: new jobs get it, a running job keeps
// the old runner.
TEST_F(PluginWatcherTest, ReplacementLoadsBesideTheOld) {
  std::ofstream(version_file_) << "1.0\n";
  install("good", "polyrun_test_versioned");
  start();
  auto running = registry_->find("testlang", "");
  ASSERT_NE(running, nullptr);

  std::ofstream(version_file_) << "2.0\n";
  install("good", "polyrun_test_versioned");
  EXPECT_TRUE(
      test::waitFor([&] { return advertised() == std::vector<std::string>{"testlang 2.0"}; }, 2s))
      << (advertised().empty() ? "nothing" : advertised().front());
  PrepareInput input;
  input.files.push_back({"", "echo $TESTLANG_VERSION\n"});
  EXPECT_EQ(registry_->find("testlang", "")->prepare(input).run.env,
            std::vector<std::string>{"TESTLANG_VERSION=2.0"});
  EXPECT_EQ(running->prepare(input).run.env, std::vector<std::string>{"TESTLANG_VERSION=1.0"});
}

// Written in place, the way `cp` does it: the watcher sees the file before it is whole, must
// not crash on it, and loads it once it is.
TEST_F(PluginWatcherTest, FileBeingCopiedIsLoadedOnceWhole) {
  start();
  const std::string whole = readFile(testPlugin("good"));
  const std::string path = plugins_.path() + "/polyrun_test_good.so";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(whole.data(), static_cast<std::streamsize>(whole.size() / 2));
    out.flush();
    EXPECT_TRUE(advertised().empty());
    out.write(whole.data() + whole.size() / 2,
              static_cast<std::streamsize>(whole.size() - whole.size() / 2));
  }
  EXPECT_TRUE(test::waitFor([&] { return statusOf(path) && statusOf(path)->ready; }, 3s))
      << (statusOf(path) ? statusOf(path)->problem : "no status");
  EXPECT_EQ(advertised(), std::vector<std::string>{"testlang 1.0"});
}

// A file that stays cut short is tried again for about two seconds, then reported, and loaded
// as soon as it changes into a whole plugin.
TEST_F(PluginWatcherTest, FileLeftIncompleteIsReportedUntilItChanges) {
  start();
  const std::string whole = readFile(testPlugin("good"));
  const std::string path = plugins_.path() + "/polyrun_test_good.so";
  std::ofstream(path, std::ios::binary) << whole.substr(0, whole.size() / 3);
  EXPECT_TRUE(test::waitFor([&] { return statusOf(path).has_value(); }, 6s));
  ASSERT_TRUE(statusOf(path));
  const std::string problem = statusOf(path)->problem;
  EXPECT_NE(problem.find("cut short"), std::string::npos) << problem;
  EXPECT_NE(problem.find("gave up after"), std::string::npos) << problem;
  EXPECT_NE(problem.find("renaming them into place"), std::string::npos) << problem;
  EXPECT_TRUE(advertised().empty());

  install("good", "polyrun_test_good");
  EXPECT_TRUE(test::waitFor([&] { return statusOf(path) && statusOf(path)->ready; }, 2s));
}

TEST_F(PluginWatcherTest, BrokenDropInsChangeNothingElse) {
  install("good", "polyrun_test_good");
  start();
  const std::vector<std::string> broken = {"not_elf", "wrong_abi", "factory_throws",
                                           "selftest_fails", "prepare_throws"};
  for (const auto& behaviour : broken) install(behaviour, "polyrun_test_" + behaviour);
  EXPECT_TRUE(test::waitFor([&] { return registry_->statuses().size() == broken.size() + 1; }, 5s));
  for (const auto& behaviour : broken) {
    auto st = statusOf(plugins_.path() + "/polyrun_test_" + behaviour + ".so");
    ASSERT_TRUE(st) << behaviour;
    EXPECT_FALSE(st->ready) << behaviour;
    EXPECT_FALSE(st->problem.empty()) << behaviour;
  }
  EXPECT_EQ(advertised(), std::vector<std::string>{"testlang 1.0"});
  EXPECT_NE(registry_->find("testlang", "1.0"), nullptr);
}

// Loads run on their own threads: a self-test that hangs until its wall limit holds up no other
// plugin, and is then disabled.
TEST_F(PluginWatcherTest, HangingSelfTestDelaysNothingElse) {
  start(/*selftest_wall_ms=*/3000);
  const std::string hanging = install("selftest_hangs", "polyrun_test_selftest_hangs");
  install("good", "polyrun_test_good");
  EXPECT_TRUE(test::waitFor([&] { return !advertised().empty(); }, 2s));
  EXPECT_FALSE(statusOf(hanging)) << "still in its self-test";
  // Tried twice: 3 s, then 12 s (a slow machine's first compile gets a second chance).
  EXPECT_TRUE(test::waitFor([&] { return statusOf(hanging).has_value(); }, 25s));
  ASSERT_TRUE(statusOf(hanging));
  EXPECT_NE(statusOf(hanging)->problem.find("TIME_LIMIT"), std::string::npos)
      << statusOf(hanging)->problem;
  EXPECT_EQ(advertised(), std::vector<std::string>{"testlang 1.0"});
}

}  // namespace
}  // namespace polyrun::slave
