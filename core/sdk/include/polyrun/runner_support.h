// Helpers every runner plugin shares: checking submitted file names, laying out the work
// directory, finding tools at load time, reading versions. Part of the plugin SDK (installed
// with polyrun, linked by polyrun_add_runner): compiled into each plugin as a static library,
// so nothing here crosses a library boundary.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "polyrun/runner.h"

namespace polyrun::runners {

// Every self-test reverses one line: it proves that stdin, the program and stdout all work.
inline constexpr std::string_view kSelfTestInput = "polyrun\n";
inline constexpr std::string_view kSelfTestOutput = "nurylop\n";

// Empty when a client's file name may be written in the work directory; otherwise why not.
std::string checkFileName(const std::string& name);

// Checks every submitted name, then lays the files out with files[0] named `main_name` and
// other unnamed files named file<index>.code. Returns the error, or "" with `*out` filled.
std::string layOutFiles(const PrepareInput& input, const std::string& main_name,
                        std::vector<WorkFile>* out);

// The name files[0] gets: its own, or `fallback` when the client gave none.
std::string mainFileName(const PrepareInput& input, const std::string& fallback);

// True when `name` ends with one of `extensions` (".c", ".cpp", ...).
bool hasExtension(const std::string& name, const std::vector<std::string>& extensions);

// The value of `key` in `settings`, or `fallback` when unset or empty.
std::string settingOr(const PluginSettings& settings, const std::string& key,
                      const std::string& fallback);

// Splits flags on blanks ("-O2 -pipe" -> {"-O2", "-pipe"}); no quoting.
std::vector<std::string> splitFlags(const std::string& flags);

// How to find one tool and what to tell the operator when it is missing.
struct ToolSpec {
  std::string tool;      // "gcc": the name used in messages
  std::string plugin;    // "polyrun_c": the settings prefix is slave.plugin.<plugin>.
  std::string setting;   // "gcc": the key overriding the default path
  std::string fallback;  // "/usr/bin/gcc"
  std::string package;   // "gcc": the Debian package that provides it
};

// The absolute path of the tool: the configured one as given (so a virtualenv's python stays
// itself), else the canonical path of the default (no PATH lookup, no shim, no alternatives
// symlink followed at every run). Empty with *error set when it is missing or not executable.
std::string findTool(const PluginSettings& settings, const ToolSpec& spec, std::string* error);

// Empty when `path` is an executable regular file; otherwise the operator-facing message.
std::string checkExecutable(const std::string& path, const std::string& tool,
                            const std::string& remedy);

// The version on the first line of `output` that starts with `prefix` ("Python " ->
// "Python 3.11.2" -> "3.11.2"): digits and dots, starting and ending with a digit. Empty when
// no such line exists (or, being noexcept, when memory runs out).
std::string versionAfter(const std::string& output, std::string_view prefix) noexcept;

// Runs `body` (a factory or a prepare step) and turns an escaping exception into the result's
// `error`: nothing may be thrown across the plugin boundary.
template <typename Result, typename Body>
Result guarded(std::string_view context, Body&& body) noexcept {
  auto failure = [context](const char* what) noexcept {
    Result result;
    try {
      result.error = std::string(context) + ": " + what;
    } catch (...) {  // out of memory for the message: the result still fails, without words
    }
    return result;
  };
  try {
    return body();
  } catch (const std::exception& e) {
    return failure(e.what());
  } catch (...) {
    return failure("unknown exception");
  }
}

// guarded() for Runner::toolchain(): `body` returns the plan; an escaping exception gives an
// empty plan, so the slave runs the runner without a toolchain.
template <typename Body>
ToolchainPlan guardedPlan(std::string_view context, Body&& body) noexcept {
  struct PlanOrError {
    ToolchainPlan plan;
    std::string error;
  };
  return guarded<PlanOrError>(context, [&] { return PlanOrError{body(), {}}; }).plan;
}

}  // namespace polyrun::runners
