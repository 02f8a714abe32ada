// The Python runner plugin: CPython 3 runs the main file directly; there is no compile stage.
#include <memory>
#include <utility>

#include "polyrun/plugin_macros.h"
#include "polyrun/runner_support.h"

namespace polyrun::runners {
namespace {

constexpr const char* kSelfTestSource = "print(input()[::-1])\n";

class PythonRunner final : public Runner {
 public:
  explicit PythonRunner(std::string python) : python_(std::move(python)) {}

  RunnerInfo info() const noexcept override {
    return {"python", "3", {"py", "python3"}, {".py"}, false};
  }

  Prepared prepare(const PrepareInput& input) const noexcept override {
    return guarded<Prepared>("python runner", [&] {
      Prepared prepared;
      prepared.error = layOutFiles(input, mainFileName(input, "main.py"), &prepared.files);
      if (!prepared.error.empty()) return prepared;
      // -B: no __pycache__ written next to the sources.
      prepared.run.argv = {python_, "-B", prepared.files.front().path};
      prepared.run.argv.insert(prepared.run.argv.end(), input.args.begin(), input.args.end());
      return prepared;
    });
  }

  SelfTest selfTest() const noexcept override {
    return {{{"", kSelfTestSource}}, std::string(kSelfTestInput), std::string(kSelfTestOutput)};
  }

  Command versionCommand() const noexcept override { return {{python_, "--version"}, {}}; }

  // "Python 3.11.2" -> "3.11.2"
  std::string parseVersion(const std::string& output) const noexcept override {
    return versionAfter(output, "Python ");
  }

 private:
  std::string python_;
};

// Settings: "python", the interpreter's absolute path. The default is /usr/bin/python3 rather
// than whatever `python3` PATH finds, which may be a slow pyenv shim.
CreateResult createRunners(const PluginSettings& settings) {
  return guarded<CreateResult>("polyrun_python", [&] {
    CreateResult result;
    const std::string python =
        findTool(settings, {"python3", "polyrun_python", "python", "/usr/bin/python3", "python3"},
                 &result.error);
    if (!python.empty()) result.runners.push_back(std::make_shared<PythonRunner>(python));
    return result;
  });
}

}  // namespace
}  // namespace polyrun::runners

POLYRUN_DECLARE_PLUGIN(polyrun::runners::createRunners)
