#include "test_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "polyrun/runner_support.h"

namespace polyrun::test {
namespace {

using runners::layOutFiles;
using runners::mainFileName;

// The faults below break the contract on purpose: throwing out of the runner is what they test.
class TestRunner final : public Runner {
 public:
  TestRunner(std::string version, std::string_view fault)
      : version_(std::move(version)), fault_(fault) {}

  RunnerInfo info() const override {
    if (fault_ == "info_throws") throw std::runtime_error("info() exploded");
    if (fault_ == "info_crashes") std::abort();
    return {fault_ == "nameless" ? "" : "testlang", version_, {"tl"}, {".tl"}, false};
  }

  Prepared prepare(const PrepareInput& input) const override {
    if (fault_ == "prepare_throws") throw std::runtime_error("prepare() exploded");
    Prepared prepared;
    prepared.error = layOutFiles(input, mainFileName(input, "main.tl"), &prepared.files);
    if (!prepared.error.empty()) return prepared;
    if (fault_ == "outside_workdir")
      prepared.files.push_back({"../escape.tl", "echo out\n", false});
    if (fault_ == "empty_argv") return prepared;
    prepared.run.argv = {"/bin/sh", prepared.files.front().path};
    prepared.run.argv.insert(prepared.run.argv.end(), input.args.begin(), input.args.end());
    prepared.run.env = {"TESTLANG_VERSION=" + version_};
    return prepared;
  }

  SelfTest selfTest() const override {
    if (fault_ == "selftest_crashes") std::raise(SIGSEGV);
    const std::string echo = "read line; echo \"$line\"\n";
    // selftest_slow: longer than the registry tests' first limit (1.5 s), not than their second.
    const std::string program = fault_ == "selftest_hangs"  ? "exec /bin/sleep 600\n"
                                : fault_ == "selftest_slow" ? "/bin/sleep 2.5\n" + echo
                                                            : echo;
    return {{{"", program}},
            "polyrun\n",
            fault_ == "selftest_fails" ? "something else\n" : "polyrun\n"};
  }

  Command versionCommand() const override { return {{"/bin/echo", "testlang " + version_}, {}}; }

  std::string parseVersion(const std::string& output) const override {
    if (fault_ == "version_throws") throw std::runtime_error("parseVersion() exploded");
    return runners::versionAfter(output, "testlang ");
  }

 private:
  std::string version_;
  std::string_view fault_;  // a string literal of the library
};

std::string versionSetting(const PluginSettings& settings) {
  const std::string file = runners::settingOr(settings, "version_file", "");
  if (file.empty()) return runners::settingOr(settings, "version", "1.0");
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("cannot read the version file " + file);
  return line;
}

}  // namespace

CreateResult createTestRunners(const PluginSettings& settings, std::string_view fault) {
  if (fault == "factory_throws") throw std::runtime_error("factory exploded");
  if (fault == "factory_crashes" || runners::settingOr(settings, "crash", "") == "factory")
    std::raise(SIGSEGV);
  if (const std::string fd = runners::settingOr(settings, "crash_if_fd_open", "");
      !fd.empty() && ::fcntl(std::stoi(fd), F_GETFD) != -1)
    std::raise(SIGSEGV);
  if (fault == "factory_exits") std::exit(3);
  if (fault == "factory_hangs")
    for (;;) ::pause();
  CreateResult result;
  if (fault == "tool_missing") {
    runners::findTool(
        settings,
        {"testtool", "polyrun_test_tool_missing", "tool", "/nonexistent/testtool", "testtool"},
        &result.error);
    return result;
  }
  std::istringstream versions(versionSetting(settings));
  for (std::string version; std::getline(versions, version, ',');)
    result.runners.push_back(std::make_shared<TestRunner>(version, fault));
  return result;
}

}  // namespace polyrun::test
