// A sandbox (polyrun/sandbox.h) that runs nothing: it records what it is asked to run and
// answers with results a test chose.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "polyrun/sandbox.h"

namespace polyrun::test {

/// A process that ran and exited with `code`, with small made-up usage figures.
inline ProcessResult exited(int code, std::string out = {}, std::string err = {}) {
  ProcessResult p;
  p.started = true;
  p.exit_code = code;
  p.stdout_data = std::move(out);
  p.stderr_data = std::move(err);
  p.cpu_ms = 11;
  p.wall_ms = 22;
  p.memory_bytes = 3333;
  return p;
}

/// Records every spec; answers with the next canned result (exit 0 once they run out). No
/// process is started.
class FakeSandbox : public Sandbox {
 public:
  std::vector<ProcessSpec> specs;
  std::vector<ProcessResult> results;
  std::function<void(const ProcessSpec&)> on_run;  // runs while the "process" runs

  ProcessResult run(const ProcessSpec& spec) override {
    specs.push_back(spec);
    if (on_run) on_run(spec);
    if (specs.size() <= results.size()) return results[specs.size() - 1];
    return exited(0);
  }
};

}  // namespace polyrun::test
