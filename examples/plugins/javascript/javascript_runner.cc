// A runner plugin for JavaScript on Node.js: node runs the main file; no compile stage.
//
// Settings (slave.plugin.polyrun_javascript.*):
//   node   absolute path of the node binary (default: /usr/bin/node, resolved when the plugin
//          loads; PATH is never searched)
#include <memory>
#include <string>
#include <utility>

#include "polyrun/plugin_macros.h"
#include "polyrun/runner_support.h"

namespace javascript_runner {
namespace {

using namespace polyrun;

// Reverses one line of stdin: proves that stdin, the program and stdout all work.
constexpr const char* kSelfTestSource =
    R"(const line = require('fs').readFileSync(0, 'utf8').split('\n')[0];
console.log([...line].reverse().join(''));
)";

class JavaScriptRunner final : public Runner {
 public:
  explicit JavaScriptRunner(std::string node) : node_(std::move(node)) {}

  RunnerInfo info() const noexcept override {
    // The version is a fallback: the slave replaces it with what `node --version` says.
    return {"javascript", "20", {"js", "node"}, {".js"}, false};
  }

  // Every entry point catches everything (runners::guarded): nothing may be thrown across the
  // plugin boundary.
  Prepared prepare(const PrepareInput& input) const noexcept override {
    return runners::guarded<Prepared>("javascript runner", [&] {
      Prepared prepared;
      prepared.error =
          runners::layOutFiles(input, runners::mainFileName(input, "main.js"), &prepared.files);
      if (!prepared.error.empty()) return prepared;
      prepared.run.argv = {node_, prepared.files.front().path};
      prepared.run.argv.insert(prepared.run.argv.end(), input.args.begin(), input.args.end());
      return prepared;
    });
  }

  SelfTest selfTest() const noexcept override {
    return {{{"", kSelfTestSource}},
            std::string(runners::kSelfTestInput),
            std::string(runners::kSelfTestOutput)};
  }

  Command versionCommand() const noexcept override { return {{node_, "--version"}, {}}; }

  // "v20.19.2" -> "20.19.2"
  std::string parseVersion(const std::string& output) const noexcept override {
    return runners::versionAfter(output, "v");
  }

 private:
  std::string node_;  // absolute
};

CreateResult createRunners(const PluginSettings& settings) {
  return runners::guarded<CreateResult>("polyrun_javascript", [&] {
    CreateResult result;
    const std::string node = runners::findTool(
        settings, {"node", "polyrun_javascript", "node", "/usr/bin/node", "nodejs"}, &result.error);
    if (!node.empty()) result.runners.push_back(std::make_shared<JavaScriptRunner>(node));
    return result;
  });
}

}  // namespace
}  // namespace javascript_runner

POLYRUN_DECLARE_PLUGIN(javascript_runner::createRunners)
