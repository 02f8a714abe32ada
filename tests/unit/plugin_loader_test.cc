#include "polyrun/plugin_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace polyrun {
namespace {

// gmock is not linked into the tests: a plain predicate with a readable failure.
::testing::AssertionResult hasSubstr(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not in \"" << text << "\"";
}

bool contains(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

std::string pluginPath(const std::string& name) {
  return std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_" + name + ".so";
}

std::string testPluginPath(const std::string& behaviour) {
  return std::string(POLYRUN_TEST_PLUGIN_DIR) + "/polyrun_test_" + behaviour + ".so";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

struct Identity {
  std::string library;
  RunnerInfo info;
};

const std::vector<Identity> kIdentities = {
    {"python", {"python", "3", {"py", "python3"}, {".py"}, false}},
    {"c", {"c", "12", {"gcc"}, {".c"}, true}},
    {"cpp", {"c++", "12", {"cpp", "g++", "cxx"}, {".cpp", ".cc", ".cxx", ".c++"}, true}},
    {"java", {"java", "17", {"jdk"}, {".java"}, true}},
};

TEST(PluginLoaderTest, LoadsEachRunnerWithItsIdentity) {
  for (const auto& expected : kIdentities) {
    SCOPED_TRACE(expected.library);
    const std::string path = pluginPath(expected.library);
    PluginLoadResult loaded = loadPlugin(path, {});
    ASSERT_EQ(loaded.error, "");
    ASSERT_EQ(loaded.runners.size(), 1u);
    const LoadedRunner& runner = loaded.runners.front();
    EXPECT_EQ(runner.library_path, path);
    EXPECT_EQ(runner.info.language, expected.info.language);
    EXPECT_EQ(runner.info.version, expected.info.version);
    EXPECT_EQ(runner.info.aliases, expected.info.aliases);
    EXPECT_EQ(runner.info.extensions, expected.info.extensions);
    EXPECT_EQ(runner.info.compiled, expected.info.compiled);
    EXPECT_EQ(runner.runner->info().language, expected.info.language);
    EXPECT_EQ(pluginSettingsName(path), "polyrun_" + expected.library);
  }
}

TEST(PluginLoaderTest, RefusesAFileThatIsNotElf) {
  test::TempDir dir;
  const std::string path = dir.path() + "/x.so";
  std::ofstream(path) << "this is not a shared library\n";
  PluginLoadResult loaded = loadPlugin(path, {});
  EXPECT_TRUE(loaded.runners.empty());
  EXPECT_TRUE(hasSubstr(loaded.error, path));
  EXPECT_TRUE(hasSubstr(loaded.error, "not a shared library"));
}

TEST(PluginLoaderTest, RefusesAMissingFile) {
  const std::string path = std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_nothing_here.so";
  PluginLoadResult loaded = loadPlugin(path, {});
  EXPECT_TRUE(loaded.runners.empty());
  EXPECT_TRUE(hasSubstr(loaded.error, path));
}

TEST(PluginLoaderTest, RefusesASharedLibraryThatIsNotAPlugin) {
  const std::string path = std::string(POLYRUN_BIN_DIR) + "/../lib/libpolyrun_protocol.so";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  PluginLoadResult loaded = loadPlugin(path, {});
  EXPECT_TRUE(loaded.runners.empty());
  EXPECT_TRUE(hasSubstr(loaded.error, path));
  EXPECT_TRUE(hasSubstr(loaded.error, "polyrun_abi_version"));
}

TEST(PluginLoaderTest, RunnerOutlivesTheLoadResult) {
  std::shared_ptr<const Runner> runner;
  {
    PluginLoadResult loaded = loadPlugin(pluginPath("python"), {});
    ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
    runner = loaded.runners.front().runner;
  }
  // The library is still mapped: its code runs and its strings are readable.
  EXPECT_EQ(runner->info().language, "python");
  PrepareInput input;
  input.files.push_back({"", "print(1)\n"});
  EXPECT_EQ(runner->prepare(input).files.front().path, "main.py");
}

TEST(PluginLoaderTest, SameLibraryLoadedTwiceGivesIndependentRunners) {
  PluginLoadResult first = loadPlugin(pluginPath("c"), {});
  PluginLoadResult second = loadPlugin(pluginPath("c"), {{"cflags", "-std=c99 -O0"}});
  ASSERT_EQ(first.runners.size(), 1u) << first.error;
  ASSERT_EQ(second.runners.size(), 1u) << second.error;
  PrepareInput input;
  input.files.push_back({"", "int main(void) { return 0; }\n"});
  const Prepared a = first.runners.front().runner->prepare(input);
  const Prepared b = second.runners.front().runner->prepare(input);
  ASSERT_TRUE(a.compile && b.compile);
  EXPECT_TRUE(contains(a.compile->argv, "-std=gnu17"));
  EXPECT_TRUE(contains(b.compile->argv, "-std=c99"));
  EXPECT_FALSE(contains(b.compile->argv, "-O2"));
}

// A tool that is missing or given relative yields no runner and an error saying what to do.
TEST(PluginLoaderTest, MissingToolIsAClearError) {
  struct Case {
    std::string library;
    PluginSettings settings;
    std::vector<std::string> expected;
  };
  test::TempDir dir;
  const std::string not_executable = dir.path() + "/g++";
  std::ofstream(not_executable) << "#!/bin/sh\n";
  std::filesystem::permissions(not_executable, std::filesystem::perms::owner_read);
  const std::vector<Case> cases = {
      {"python",
       {{"python", "/nonexistent/python3"}},
       {"python3 not found at /nonexistent/python3", "slave.plugin.polyrun_python.python"}},
      {"python", {{"python", "python3"}}, {"must be an absolute path"}},
      {"c",
       {{"gcc", "/nonexistent/gcc"}},
       {"gcc not found at /nonexistent/gcc", "install gcc", "slave.plugin.polyrun_c.gcc"}},
      {"cpp",
       {{"gxx", "/nonexistent/g++"}},
       {"g++ not found at /nonexistent/g++", "slave.plugin.polyrun_cpp.gxx"}},
      {"cpp", {{"gxx", not_executable}}, {not_executable + " is not executable"}},
      {"java",
       {{"jdk.home", "/nonexistent/jdk"}},
       {"javac not found at /nonexistent/jdk/bin/javac", "openjdk-17-jdk-headless",
        "slave.plugin.polyrun_java.jdk.home"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.library + " " + c.settings.begin()->second);
    PluginLoadResult loaded = loadPlugin(pluginPath(c.library), c.settings);
    EXPECT_TRUE(loaded.runners.empty());
    for (const auto& part : c.expected) EXPECT_TRUE(hasSubstr(loaded.error, part));
  }
}

TEST(PluginLoaderTest, ToolPathsAreAbsolute) {
  // The default is resolved to the real file (no alternatives symlink, no PATH); a configured
  // path is kept as the operator wrote it (a virtualenv's python must stay itself).
  PluginLoadResult by_default = loadPlugin(pluginPath("python"), {});
  PluginLoadResult configured = loadPlugin(pluginPath("python"), {{"python", "/usr/bin/python3"}});
  ASSERT_EQ(by_default.runners.size(), 1u) << by_default.error;
  ASSERT_EQ(configured.runners.size(), 1u) << configured.error;
  EXPECT_EQ(by_default.runners.front().runner->versionCommand().argv.front(),
            std::filesystem::canonical("/usr/bin/python3").string());
  EXPECT_EQ(configured.runners.front().runner->versionCommand().argv.front(), "/usr/bin/python3");

  for (const auto& identity : kIdentities) {
    PluginLoadResult loaded = loadPlugin(pluginPath(identity.library), {});
    ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
    const std::string tool = loaded.runners.front().runner->versionCommand().argv.front();
    EXPECT_EQ(tool.front(), '/') << tool;
    EXPECT_TRUE(std::filesystem::exists(tool)) << tool;
  }
}

// Every way a plugin can be broken before any of its runners runs: refused with a reason that
// names the library and says what is wrong, and nothing else happens.
TEST(PluginLoaderTest, RefusesEachBrokenPluginWithItsReason) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"not_elf", {"not a shared library"}},
      {"no_aliases", {"not a polyrun plugin", "polyrun_abi_version", "POLYRUN_DECLARE_PLUGIN"}},
      {"wrong_abi",
       {"plugin ABI version " + std::to_string(kPluginAbiVersion + 100),
        "this slave's ABI version " + std::to_string(kPluginAbiVersion), "rebuild the plugin"}},
      {"factory_throws", {"factory threw: factory exploded"}},
      {"tool_missing",
       {"plugin offers no runner", "testtool not found at /nonexistent/testtool",
        "slave.plugin.polyrun_test_tool_missing.tool"}},
      {"info_throws", {"plugin offers no runner", "info() threw: info() exploded"}},
      {"nameless", {"plugin offers no runner", "names no language"}},
  };
  for (const auto& [behaviour, expected] : cases) {
    SCOPED_TRACE(behaviour);
    const std::string path = testPluginPath(behaviour);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    PluginLoadResult loaded = loadPlugin(path, {});
    EXPECT_TRUE(loaded.runners.empty());
    EXPECT_FALSE(loaded.incomplete);
    EXPECT_TRUE(hasSubstr(loaded.error, path));
    for (const auto& part : expected) EXPECT_TRUE(hasSubstr(loaded.error, part));
  }
}

TEST(PluginLoaderTest, RefusesAnExecutable) {
  PluginLoadResult loaded = loadPlugin("/bin/sh", {});
  EXPECT_TRUE(loaded.runners.empty());
  EXPECT_TRUE(hasSubstr(loaded.error, "/bin/sh: "));
}

// A file still being copied is every prefix of a plugin: each is refused as incomplete (worth
// trying again) without being mapped, and nothing crashes.
TEST(PluginLoaderTest, RefusesEveryPrefixOfAPluginAsIncomplete) {
  const std::string whole = readFile(testPluginPath("good"));
  ASSERT_GT(whole.size(), 4096u);
  test::TempDir dir;
  const std::string path = dir.path() + "/polyrun_test_good.so";
  for (size_t size : {size_t{0}, size_t{3}, size_t{16}, size_t{63}, size_t{64}, size_t{1000},
                      whole.size() / 2, whole.size() - 4096, whole.size() - 1}) {
    SCOPED_TRACE(size);
    writeFile(path, whole.substr(0, size));
    PluginLoadResult loaded = loadPlugin(path, {});
    EXPECT_TRUE(loaded.runners.empty());
    EXPECT_TRUE(loaded.incomplete) << loaded.error;
    EXPECT_TRUE(hasSubstr(loaded.error, path));
  }
  writeFile(path, whole);
  PluginLoadResult loaded = loadPlugin(path, {});
  EXPECT_EQ(loaded.error, "");
  EXPECT_FALSE(loaded.incomplete);
  EXPECT_EQ(loaded.runners.size(), 1u);
}

TEST(PluginLoaderTest, OneRunnerPerVersionAPluginOffers) {
  PluginLoadResult loaded = loadPlugin(testPluginPath("good"), {{"version", "3.0,3.1"}});
  ASSERT_EQ(loaded.error, "");
  ASSERT_EQ(loaded.runners.size(), 2u);
  EXPECT_EQ(loaded.runners[0].info.version, "3.0");
  EXPECT_EQ(loaded.runners[1].info.version, "3.1");
  EXPECT_EQ(loaded.runners[0].info.language, "testlang");
}

// Loading from a private copy: the copy is gone once loaded, messages name the real file, and a
// new library renamed over the same path loads beside the old one (dlopen alone would hand the
// old one back for a path it has seen).
TEST(PluginLoaderTest, PrivateCopyLetsAReplacementLoadBesideTheOld) {
  test::TempDir plugins;
  test::TempDir copies;
  const std::string path = plugins.path() + "/polyrun_test_x.so";
  const PluginLoadOptions options{copies.path()};
  std::filesystem::copy_file(testPluginPath("good"), path);
  PluginLoadResult first = loadPlugin(path, {}, options);
  ASSERT_EQ(first.runners.size(), 1u) << first.error;
  EXPECT_EQ(first.runners.front().library_path, path);
  EXPECT_TRUE(std::filesystem::is_empty(copies.path()));

  std::filesystem::copy_file(testPluginPath("selftest_fails"), path + ".tmp");
  std::filesystem::rename(path + ".tmp", path);
  PluginLoadResult second = loadPlugin(path, {}, options);
  ASSERT_EQ(second.runners.size(), 1u) << second.error;
  EXPECT_EQ(second.runners.front().runner->selfTest().expected_stdout, "something else\n");
  EXPECT_EQ(first.runners.front().runner->selfTest().expected_stdout, "polyrun\n");

  std::filesystem::remove(path);
  PluginLoadResult gone = loadPlugin(path, {}, options);
  EXPECT_TRUE(gone.runners.empty());
  EXPECT_TRUE(hasSubstr(gone.error, path));
}

}  // namespace
}  // namespace polyrun
