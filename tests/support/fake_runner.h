// A language runner (polyrun/runner.h) whose every answer a test sets: an interpreted language
// "fake" by default, compiled after makeCompiled(). It records what it is asked to prepare.
#pragma once

#include <string>
#include <vector>

#include "polyrun/runner.h"

namespace polyrun::test {

class FakeRunner : public Runner {
 public:
  RunnerInfo info_;
  Prepared prepared_;
  SelfTest self_test_;
  Command version_command_;
  ToolchainPlan toolchain_;
  mutable std::vector<PrepareInput> inputs;  // every prepare() call
  mutable std::string version_output;        // what parseVersion() was given

  FakeRunner() {
    info_.language = "fake";
    info_.version = "0.0-fallback";
    info_.extensions = {".fk"};
    prepared_.files = {{"main.fk", "source", false}};
    prepared_.run.argv = {"/usr/bin/fake-run", "main.fk"};
    version_command_.argv = {"/usr/bin/fake-run", "--version"};
  }
  void makeCompiled() {
    info_.compiled = true;
    prepared_.compile = Command{{"/usr/bin/fake-cc", "main.fk", "-o", "prog"}, {}};
    prepared_.run.argv = {"./prog"};
  }

  RunnerInfo info() const noexcept override { return info_; }
  Prepared prepare(const PrepareInput& input) const noexcept override {
    inputs.push_back(input);
    return prepared_;
  }
  SelfTest selfTest() const noexcept override { return self_test_; }
  Command versionCommand() const noexcept override { return version_command_; }
  ToolchainPlan toolchain() const noexcept override { return toolchain_; }
  std::string parseVersion(const std::string& output) const noexcept override {
    version_output = output;
    const auto at = output.find("version ");
    if (at == std::string::npos) return {};
    const auto end = output.find_first_of(" \n", at + 8);
    return output.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  }
};

}  // namespace polyrun::test
