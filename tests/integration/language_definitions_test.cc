// Language definition files (docs/plugins.md, "Describe a language in one file") on a real
// cluster: a master and a slave whose plugin folder starts with the Python plugin only. A
// definition dropped in is offered within seconds; a typo is refused with its line and key; a
// replacement takes over; a removal hides the language; a definition of a built-in's language
// wins over the built-in; one needing a path the sandbox does not show is refused.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "master_client.h"
#include "support/cluster.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSlave = "definitions-slave";

// A language on /bin/sh. Its self-test echoes the line back (a shell has no one-line reverse).
std::string shellDefinition(const std::string& extra_run_env = "") {
  return R"(language = "shell"
extensions = [".sh"]
packages = ["dash"]

[tools]
sh = "/bin/sh"

[version]
command = ["{sh}", "-c", "echo 'shell 1.0'"]

[main]
name = "main.sh"

[run]
command = ["{sh}", "{main}", "{args}"]
env = [)" +
         extra_run_env +
         R"(]

[self_test]
source = 'read line; echo "$line"'
stdout = "polyrun\n"
)";
}

// A definition of Python itself, marked by an environment variable its programs can see.
constexpr const char* kPythonOverride = R"(language = "python"
extensions = [".py"]

[tools]
python = "/usr/bin/python3"

[main]
name = "main.py"

[run]
command = ["{python}", "{main}", "{args}"]
env = ["POLYRUN_DEFINED=yes"]

[self_test]
source = 'print(input()[::-1])'
)";

class LanguageDefinitionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Cluster::Options options;
    options.slaves = 0;
    cluster_ = std::make_unique<Cluster>(options);
    std::string error;
    ASSERT_TRUE(cluster_->start(&error)) << error;
    plugins_ = pluginDir(cluster_->dir(), {"polyrun_python.so"});
    // Where a test installs a tool while the slave runs: shown to the stages from the start,
    // outside /tmp (each stage has a /tmp of its own over the host's).
    char later[] = "/var/tmp/polyrun-later-XXXXXX";
    ASSERT_NE(::mkdtemp(later), nullptr);
    later_ = later;
    fs::permissions(later_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    ASSERT_GT(cluster_->startSlave(kSlave,
                                   {"slave.plugins.dir=" + plugins_, "slave.plugins.recheck_ms=300",
                                    "slave.sandbox.readonly_paths=" + laterDir()}),
              0);
    ASSERT_TRUE(cluster_->waitForSlaves(1, &error)) << error;
    client_ = connectTo(*cluster_);
    ASSERT_NE(client_, nullptr);
  }

  void TearDown() override {
    if (!later_.empty()) fs::remove_all(later_);
  }

  const std::string& laterDir() const { return later_; }

  // The slave's report line for `file` in its plugin folder; empty when there is none.
  json status(const std::string& file) const {
    const json s = slaveEntry(cluster_->snapshot(), kSlave);
    if (s.is_object())
      for (const auto& p : s.value("plugins", json::array()))
        if (p.value("library", "") == plugins_ + "/" + file) return p;
    return json::object();
  }

  bool offers(const std::string& language) const {
    const json s = slaveEntry(cluster_->snapshot(), kSlave);
    if (s.is_object())
      for (const auto& l : s.value("languages", json::array()))
        if (l.value("language", "") == language) return true;
    return false;
  }

  // Written under a hidden name, then renamed into place (docs/plugins.md, "Drop it in").
  void install(const std::string& name, const std::string& text) {
    const fs::path temporary = fs::path(plugins_) / ("." + name + ".tmp");
    std::ofstream(temporary) << text;
    fs::rename(temporary, fs::path(plugins_) / name);
  }

  JobResult run(const std::string& language, const std::string& source,
                const std::vector<std::string>& args = {}) {
    return runJob(*client_, sourceJob(language, "", source, "", args), *cluster_);
  }

  std::unique_ptr<Cluster> cluster_;
  std::string later_;
  std::string plugins_;
  std::unique_ptr<MasterClient> client_;
};

TEST_F(LanguageDefinitionsTest, AddReplaceBreakAndRemove) {
  ASSERT_FALSE(offers("shell"));
  const auto dropped = std::chrono::steady_clock::now();
  install("shell.toml", shellDefinition());
  ASSERT_TRUE(waitFor([&] { return offers("shell"); }, 20s)) << cluster_->logs();
  EXPECT_LT(std::chrono::steady_clock::now() - dropped, 5s) << "read, self-tested and advertised";
  EXPECT_EQ(status("shell.toml").value("version", ""), "1.0");

  JobResult r = run("shell", "echo \"hello $1\"", {"world"});
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "hello world\n");

  // A replacement takes over: its environment is what new jobs see.
  install("shell.toml", shellDefinition("\"GREETING=replaced\""));
  ASSERT_TRUE(waitFor(
      [&] {
        const JobResult again = run("shell", "echo \"$GREETING\"");
        return again.run && again.run->stdout_data == "replaced\n";
      },
      20s))
      << cluster_->logs();

  // A typo: refused, with the file, line, key and a suggestion; the language is withdrawn.
  std::string broken = shellDefinition();
  broken.replace(broken.find("[run]\ncommand"), 13, "[run]\ncomand");
  install("shell.toml", broken);
  ASSERT_TRUE(waitFor([&] { return !offers("shell"); }, 20s)) << cluster_->logs();
  ASSERT_TRUE(waitFor([&] { return !status("shell.toml").value("problem", "").empty(); }, 20s));
  EXPECT_EQ(status("shell.toml").value("problem", ""),
            "definition refused: " + plugins_ +
                "/shell.toml:15: run.comand: unknown key (did you mean \"command\"?); [run] "
                "knows command, env");
  EXPECT_TRUE(offers("python")) << "the other languages stay";

  install("shell.toml", shellDefinition());
  ASSERT_TRUE(waitFor([&] { return offers("shell"); }, 20s)) << cluster_->logs();
  fs::remove(fs::path(plugins_) / "shell.toml");
  ASSERT_TRUE(waitFor([&] { return !offers("shell"); }, 20s)) << cluster_->logs();
  EXPECT_TRUE(status("shell.toml").empty());
}

TEST_F(LanguageDefinitionsTest, ADefinitionWinsOverTheBuiltInOfItsLanguage) {
  const std::string probe = "import os\nprint(os.environ.get('POLYRUN_DEFINED', 'built-in'))\n";
  JobResult r = run("python", probe);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "built-in\n");

  install("python.toml", kPythonOverride);
  ASSERT_TRUE(waitFor([&] { return status("python.toml").value("ready", false); }, 20s))
      << cluster_->logs();
  r = run("python", probe);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "yes\n") << "the definition serves python";

  // Loaded after it, the built-in still does not serve: the definition wins, not the newest.
  const fs::path library = fs::path(plugins_) / "polyrun_python.so";
  fs::copy_file(library, fs::path(plugins_) / ".polyrun_python.so.tmp");
  fs::rename(fs::path(plugins_) / ".polyrun_python.so.tmp", library);
  ASSERT_TRUE(waitFor(
      [&] {
        return cluster_->slaveLog(kSlave).find("polyrun_python.so replaced") != std::string::npos;
      },
      20s))
      << cluster_->logs();
  r = run("python", probe);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "yes\n") << "the definition still serves python";

  fs::remove(fs::path(plugins_) / "python.toml");
  ASSERT_TRUE(waitFor([&] { return status("python.toml").empty(); }, 20s));
  r = run("python", probe);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "built-in\n") << "the built-in is back";
}

TEST_F(LanguageDefinitionsTest, MissingToolchainAndUnshownPathsAreReported) {
  // The tool is installed later, where the definition looks for it.
  const std::string tool = laterDir() + "/sh";
  std::string missing = shellDefinition();
  missing.replace(missing.find("/bin/sh"), 7, tool);
  install("missing.toml", missing);
  ASSERT_TRUE(waitFor([&] { return !status("missing.toml").empty(); }, 20s));
  EXPECT_EQ(status("missing.toml").value("language", ""), "shell");
  EXPECT_EQ(status("missing.toml").value("problem", ""),
            "toolchain not found: " + tool + " (install dash, or set slave.plugin.missing.sh)");
  EXPECT_FALSE(offers("shell"));
  fs::copy_file("/bin/sh", tool);
  ASSERT_TRUE(waitFor([&] { return offers("shell"); }, 20s))
      << "looked at again (slave.plugins.recheck_ms) and offered without a restart\n"
      << cluster_->logs();
  fs::remove(fs::path(plugins_) / "missing.toml");
  ASSERT_TRUE(waitFor([&] { return !offers("shell"); }, 20s));

  // The sandbox takes definitions' paths when the slave starts.
  install("paths.toml", shellDefinition() + "\n[sandbox]\npaths = [\"/etc/polyrun-test\"]\n");
  ASSERT_TRUE(waitFor([&] { return !status("paths.toml").empty(); }, 20s));
  EXPECT_NE(status("paths.toml").value("problem", "").find("restart the slave"), std::string::npos)
      << status("paths.toml").dump();
  EXPECT_FALSE(offers("shell"));
}

}  // namespace
}  // namespace polyrun::test
