// The runner plugin contract. A runner *describes* how to build and run a program in its
// language; the core *executes* what it describes, inside the sandbox. A runner never forks,
// never touches the file system or the sandbox, and never lets an exception escape.
//
// The methods are deliberately not `noexcept`: an exception escaping a noexcept function calls
// std::terminate, so one faulty plugin would take the whole slave down. The core catches what a
// runner lets escape anyway and turns it into a refusal at load or an INTERNAL_ERROR for the job.
//
// A plugin is a shared library (CMake MODULE) that exports two Boost.DLL aliases:
//   polyrun_abi_version  -> an `int` equal to kPluginAbiVersion the plugin was built with
//   polyrun_create_runners -> a function of type CreateRunnersFn
// Use POLYRUN_DECLARE_PLUGIN(function) from plugin_macros.h to export both.
#pragma once

#include <boost/config.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace polyrun {

/// Bumped whenever anything in this header changes layout or meaning.
inline constexpr int kPluginAbiVersion = 2;  // 2: artifacts, toolchains

/// Who a runner is. `language` is the canonical name ("python", "c", "c++", "java").
struct RunnerInfo {
  std::string language;
  std::string version;                  // a fallback; the slave replaces it with the detected one
  std::vector<std::string> aliases;     // other names clients may use ("py", "python3")
  std::vector<std::string> extensions;  // file extensions with the dot (".py")
  bool compiled = false;                // true when the runner has a compile stage
};

/// A file as the runner wants it in the work directory. `path` is relative to the work
/// directory and may not contain ".." (the core refuses the job otherwise).
struct WorkFile {
  std::string path;
  std::string content;  // decoded bytes
  bool executable = false;
};

/// A command to run with the work directory as current directory. argv[0] is an absolute path
/// (a tool) or "./name" (a program built in the work directory).
struct Command {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // extra "KEY=VALUE" entries on top of the sandbox's clean env
};

/// What the runner gets: the job's files already decoded, its args.
struct PrepareInput {
  struct File {
    std::string name;  // may be empty
    std::string content;
  };
  std::vector<File> files;  // files[0] is the main file
  std::vector<std::string> args;
  /// Where the outputs of this runner's toolchain() plan are, read-only, when the slave prepared
  /// them; empty otherwise (the runner then describes commands that need none of them).
  std::string toolchain_dir;
};

/// What the runner returns: the work directory's content and the commands.
/// When `error` is set the job fails as a compile error with that message (e.g. "no public class").
struct Prepared {
  std::vector<WorkFile> files;
  std::optional<Command> compile;
  Command run;
  std::string error;
  /// What the compile stage makes that the run stage needs, relative to the work directory: exact
  /// paths ("main") or patterns with `*` and `?` matched against every file of the work tree,
  /// `*` crossing "/" ("*.class" also matches "pkg/A.class"). With artifacts the slave may cache
  /// a successful compilation and, for the same runner, version, commands and files, restore
  /// them instead of compiling. Empty: never cached.
  std::vector<std::string> artifacts;
};

/// Work a runner wants done once, when the slave loads it, to make later stages faster (a
/// precompiled header, a class-data-sharing archive). The slave lays `files` out in a scratch
/// directory, runs `commands` there in order through the sandbox, and keeps `outputs` (paths
/// relative to that directory) in a directory of their own, which later jobs see read-only as
/// PrepareInput::toolchain_dir. The outputs must not change what a program does, only how fast
/// it is built or started. An empty plan (no commands) asks for nothing.
struct ToolchainPlan {
  std::vector<WorkFile> files;
  std::vector<Command> commands;
  std::vector<std::string> outputs;
};

/// A tiny program proving that the runner works on this machine.
struct SelfTest {
  std::vector<PrepareInput::File> files;
  std::string stdin_data;
  std::string expected_stdout;
};

/// Settings for a plugin from the slave's configuration: the keys under
/// `slave.plugin.<library name without lib/.so>.` with that prefix removed ("cflags", "jdk.home").
using PluginSettings = std::map<std::string, std::string>;

class BOOST_SYMBOL_VISIBLE Runner {
 public:
  virtual ~Runner() = default;
  /// Declare an override noexcept only when it catches everything itself (the in-tree runners
  /// do, through runners::guarded): a throw out of a noexcept override still terminates the slave.
  virtual RunnerInfo info() const = 0;
  /// Lays out the work directory and returns the commands. Never throws.
  virtual Prepared prepare(const PrepareInput& input) const = 0;
  virtual SelfTest selfTest() const = 0;
  /// A command printing the tool's version ({"/usr/bin/python3", "--version"}). The slave runs it
  /// through the sandbox at load and hands its stdout and stderr to parseVersion().
  virtual Command versionCommand() const = 0;
  /// The version in `output`, e.g. "3.11.2"; empty when it cannot tell.
  virtual std::string parseVersion(const std::string& output) const = 0;
  /// The toolchain preparation this runner wants (see ToolchainPlan); none by default. Called
  /// once per load, after the version was detected. Never throws.
  virtual ToolchainPlan toolchain() const { return {}; }
};

/// What a plugin's factory returns. `error` explains an empty `runners` (e.g. "javac not found").
struct CreateResult {
  std::vector<std::shared_ptr<Runner>> runners;
  std::string error;
};

using CreateRunnersFn = CreateResult(const PluginSettings& settings);

}  // namespace polyrun
