// Languages described by a definition file rather than compiled into a plugin: one TOML file
// in the plugin folder says a language's name, its tools, how to compile and run a program and
// how to prove it works (docs/plugins.md, "Describe a language in one file"). The slave reads
// it, resolves its tools, and offers a Runner built from it like a plugin's: version detected and
// self-test passed first. A definition is data: no code of its own runs in the slave.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "polyrun/export.h"
#include "polyrun/plugin_loader.h"
#include "polyrun/runner.h"
#include "polyrun/status.h"

namespace polyrun {

/// A command as the definition writes it: placeholders ({tool}, {main}, {stem}, {sources},
/// {args}) not yet filled in.
struct CommandTemplate {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE"
};

/// One definition file, checked.
struct LanguageDefinition {
  RunnerInfo info;  // language, aliases, extensions, compiled; version empty
  /// The Debian packages providing its tools (for messages and scripts/setup-deps.sh).
  std::vector<std::string> packages;
  /// Tool name -> default absolute path, in the file's order.
  std::vector<std::pair<std::string, std::string>> tools;
  CommandTemplate version_command;
  std::string version_pattern;   // ECMAScript; group 1 is the version
  std::string main_name;         // the main file's name when the client gave none (or always)
  bool main_fixed = false;       // always main_name, whatever the client sent
  std::string main_from_source;  // the main file's stem: group 1 of this pattern in its source
  std::optional<CommandTemplate> compile;
  std::vector<std::string> artifacts;
  CommandTemplate run;
  std::vector<std::string> sandbox_paths;  // extra host paths shown read-only
  SelfTest self_test;
};

/// Parses and checks a definition. An error names `source_name`, the line and the key, and says
/// why: "go.toml:12: compile.command: unknown placeholder {gcc}; known: {go}, {main}, ...".
POLYRUN_API Status parseLanguageDefinition(const std::string& text, const std::string& source_name,
                                           LanguageDefinition* out);

/// parseLanguageDefinition() of the file at `path` (at most 1 MiB).
POLYRUN_API Status readLanguageDefinition(const std::string& path, LanguageDefinition* out);

/// The runner a definition file describes, its tools resolved: `settings` (the keys under
/// slave.plugin.<file stem>.) may name another path for each tool. A tool that is missing gives no
/// runner and the error "toolchain not found: /usr/bin/ghc (install ghc, or set ...)", with the
/// definition's language in PluginLoadResult::language. Never throws.
POLYRUN_API PluginLoadResult loadDefinition(const std::string& path,
                                            const PluginSettings& settings);

/// Whether `path` names a definition file ("go.toml") rather than a plugin library.
POLYRUN_API bool isDefinitionFile(const std::string& path);

/// The extra read-only paths (`[sandbox] paths`) of the definitions in `dir`, for the sandbox the
/// slave makes at start; definitions that do not parse are skipped (their load reports why).
POLYRUN_API std::vector<std::string> definitionSandboxPaths(const std::string& dir);

}  // namespace polyrun
