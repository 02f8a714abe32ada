// One language through a real master and slave: the slave's plugin folder holds only the
// language's definition (plugins/languages/NAME.toml), and the programs of
// tests/languages/NAME.toml run as jobs: hello (also within 256 MiB), stdin echoed, arguments,
// an exit status, a runtime error and, for a compiled language, a compile error.
//
//   language_test --language=NAME [gtest flags]
//
// A language whose toolchain this machine lacks is skipped (the slave reports "toolchain not
// found"): scripts/setup-deps.sh --languages installs them.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "polyrun/language_definition.h"
#include "support/cluster.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string g_name;  // the definition's file stem: "go", "cpp20"

constexpr const char* kHello = "Hello, polyrun!\n";
constexpr const char* kEchoInput = "one\ntwo words\n\n3\n";
const std::vector<std::string> kArgs = {"a", "b c", "-d"};
constexpr int64_t k256MiB = 256ll << 20;

std::string definitionPath() {
  return std::string(POLYRUN_SOURCE_DIR) + "/plugins/languages/" + g_name + ".toml";
}
std::string casesPath() {
  return std::string(POLYRUN_SOURCE_DIR) + "/tests/languages/" + g_name + ".toml";
}

// The programs of tests/languages/NAME.toml, and the cases it leaves out with why.
struct Cases {
  std::map<std::string, std::string> programs;
  std::map<std::string, std::string> skipped;
  std::string error;
};

Cases readCases() {
  Cases cases;
  try {
    const toml::table root = toml::parse_file(casesPath());
    for (auto&& [key, value] : root) {
      const std::string name(key.str());
      if (name == "skip") {
        if (const toml::table* skip = value.as_table())
          for (auto&& [k, v] : *skip)
            cases.skipped[std::string(k.str())] = v.value_or(std::string());
        continue;
      }
      cases.programs[name] = value.value_or(std::string());
    }
  } catch (const std::exception& e) {
    cases.error = casesPath() + ": " + e.what();
  }
  return cases;
}

class LanguageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Status s = readLanguageDefinition(definitionPath(), &definition_); !s.isOk()) {
      setup_error_ = s.message();
      return;
    }
    cases_ = new Cases(readCases());
    if (!cases_->error.empty()) {
      setup_error_ = cases_->error;
      return;
    }
    Cluster::Options options;
    options.slaves = 0;
    cluster_ = new Cluster(options);
    std::string error;
    if (!cluster_->start(&error)) {
      setup_error_ = error;
      return;
    }
    const fs::path dir = fs::path(cluster_->dir()) / "plugins";
    fs::create_directories(dir);
    fs::copy_file(definitionPath(), dir / (g_name + ".toml"));
    cluster_->startSlave("slave-1", {"slave.plugins.dir=" + dir.string()});
    waitForLanguage();
  }

  // Until the slave reports the language ready, refused (its problem) or missing its toolchain.
  static void waitForLanguage() {
    const std::string& language = definition_.info.language;
    std::string last;
    const bool settled = waitFor(
        [&] {
          const nlohmann::json slave = slaveEntry(cluster_->snapshot(), "slave-1");
          if (!slave.is_object()) return false;
          // The folder holds this one definition: its report line is the only one.
          for (const auto& p : slave.value("plugins", nlohmann::json::array())) {
            if (p.value("ready", false)) return true;
            last = p.value("problem", "");
            if (last.find("toolchain not found") != std::string::npos) {
              skip_reason_ = last;
              return true;
            }
            if (!last.empty()) {
              setup_error_ = language + " is not offered: " + last;
              return true;
            }
          }
          return false;
        },
        180s);
    if (!settled) setup_error_ = language + " was not ready within 180 s:\n" + cluster_->logs();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete cases_;
    cases_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    if (!skip_reason_.empty()) GTEST_SKIP() << "language skipped: " << skip_reason_;
    client_ = connectTo(*cluster_);
    ASSERT_NE(client_, nullptr);
  }

  // The program for `key`; empty (the test then skips or fails) when the file leaves it out.
  std::string program(const std::string& key) {
    auto it = cases_->programs.find(key);
    if (it != cases_->programs.end() && !it->second.empty()) return it->second;
    return {};
  }

  // Skips a case the file leaves out with a reason; fails when it leaves it out without one.
  bool needCase(const std::string& key) {
    if (!program(key).empty()) return true;
    auto why = cases_->skipped.find(key);
    if (why != cases_->skipped.end()) {
      skip_ = why->second;
      return false;
    }
    ADD_FAILURE() << casesPath() << " has no \"" << key << "\" program and no [skip] " << key
                  << " = \"why\"";
    return false;
  }

  // Time limits well above the defaults: ctest runs languages side by side with the other tests
  // on a machine of two cores, where a JVM compiler's 4 s of CPU can take 20 s of wall time.
  // What these tests check is what the programs do; how fast is languages_bench's part.
  Job job(const std::string& key, const std::string& stdin_data = "",
          const std::vector<std::string>& args = {}) {
    Job j = sourceJob(definition_.info.language, "", program(key), stdin_data, args);
    j.limits.compile.wall_ms = 60000;
    j.limits.compile.cpu_ms = 30000;
    j.limits.run.wall_ms = 30000;
    j.limits.run.cpu_ms = 10000;
    return j;
  }

  JobResult run(const Job& j) { return runJob(*client_, j, *cluster_); }

  static std::string describe(const JobResult& r) {
    std::ostringstream out;
    out << verdictName(r.verdict) << " " << r.message;
    if (r.compile)
      out << "\n--- compile (" << verdictName(r.compile->verdict) << ", " << r.compile->wall_ms
          << " ms, " << (r.compile->memory_bytes >> 20) << " MiB) " << r.compile->message << "\n"
          << r.compile->stdout_data << r.compile->stderr_data;
    if (r.run)
      out << "\n--- run (" << verdictName(r.run->verdict) << ", exit " << r.run->exit_code
          << ", signal " << r.run->signal << ", " << r.run->wall_ms << " ms, "
          << (r.run->memory_bytes >> 20) << " MiB) " << r.run->message
          << "\nstdout: " << r.run->stdout_data << "\nstderr: " << r.run->stderr_data;
    return out.str();
  }

  static inline LanguageDefinition definition_;
  static inline Cases* cases_ = nullptr;
  static inline Cluster* cluster_ = nullptr;
  static inline std::string setup_error_;
  static inline std::string skip_reason_;
  std::unique_ptr<MasterClient> client_;
  std::string skip_;
};

#define SKIP_UNLESS_CASE(key)                  \
  if (!needCase(key)) {                        \
    if (!skip_.empty()) GTEST_SKIP() << skip_; \
    return;                                    \
  }

TEST_F(LanguageTest, Hello) {
  SKIP_UNLESS_CASE("hello");
  const JobResult r = run(job("hello"));
  ASSERT_EQ(r.verdict, Verdict::kOk) << describe(r);
  EXPECT_EQ(r.run->stdout_data, kHello) << describe(r);
  EXPECT_EQ(r.run->exit_code, 0);
  EXPECT_EQ(r.compile.has_value(), definition_.info.compiled);
}

// Compile and run each within 256 MiB. The source gains a blank line at its end, so that the
// compile cache cannot answer with Hello's compilation: the compiler itself must fit.
TEST_F(LanguageTest, HelloWithin256MiB) {
  SKIP_UNLESS_CASE("hello");
  Job j = job("hello");
  j.files[0].content += "\n";
  j.limits.compile.memory_bytes = k256MiB;
  j.limits.run.memory_bytes = k256MiB;
  const JobResult r = run(j);
  ASSERT_EQ(r.verdict, Verdict::kOk) << describe(r);
  EXPECT_EQ(r.run->stdout_data, kHello) << describe(r);
  if (r.compile) EXPECT_FALSE(r.compile->cached) << "the compiler did not run";
}

TEST_F(LanguageTest, EchoesStdin) {
  SKIP_UNLESS_CASE("echo");
  const JobResult r = run(job("echo", kEchoInput));
  ASSERT_EQ(r.verdict, Verdict::kOk) << describe(r);
  EXPECT_EQ(r.run->stdout_data, kEchoInput) << describe(r);
}

TEST_F(LanguageTest, PrintsArguments) {
  SKIP_UNLESS_CASE("args");
  const JobResult r = run(job("args", "", kArgs));
  ASSERT_EQ(r.verdict, Verdict::kOk) << describe(r);
  EXPECT_EQ(r.run->stdout_data, "a\nb c\n-d\n") << describe(r);
}

TEST_F(LanguageTest, ExitStatus) {
  SKIP_UNLESS_CASE("exit");
  const JobResult r = run(job("exit"));
  ASSERT_EQ(r.verdict, Verdict::kRuntimeError) << describe(r);
  EXPECT_EQ(r.run->exit_code, 3) << describe(r);
  EXPECT_EQ(r.run->stdout_data, "") << describe(r);
}

TEST_F(LanguageTest, RuntimeError) {
  SKIP_UNLESS_CASE("runtime_error");
  const JobResult r = run(job("runtime_error"));
  ASSERT_TRUE(r.verdict == Verdict::kRuntimeError || r.verdict == Verdict::kSignaled)
      << describe(r);
  ASSERT_TRUE(r.run.has_value()) << "it must fail when it runs, not before: " << describe(r);
}

TEST_F(LanguageTest, CompileError) {
  if (!definition_.info.compiled) {
    EXPECT_TRUE(program("compile_error").empty())
        << casesPath() << " has a compile_error program, but the definition compiles nothing";
    GTEST_SKIP() << definition_.info.language << " has no compile stage";
  }
  SKIP_UNLESS_CASE("compile_error");
  const JobResult r = run(job("compile_error"));
  ASSERT_EQ(r.verdict, Verdict::kCompileError) << describe(r);
  EXPECT_FALSE(r.run.has_value());
  EXPECT_FALSE(r.compile->stdout_data.empty() && r.compile->stderr_data.empty())
      << "the compiler says nothing about the error: " << describe(r);
}

}  // namespace
}  // namespace polyrun::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--language=", 0) == 0) polyrun::test::g_name = arg.substr(11);
  }
  if (polyrun::test::g_name.empty()) {
    std::cerr << "usage: language_test --language=NAME (a file stem of plugins/languages/)\n";
    return 64;
  }
  return RUN_ALL_TESTS();
}
