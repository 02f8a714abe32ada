// Loads runner plugins with Boost.DLL. Every Runner handed out keeps its library loaded for as
// long as the Runner lives, so a library is never unloaded while its code may still run.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "polyrun/export.h"
#include "polyrun/runner.h"
#include "polyrun/status.h"

namespace polyrun {

struct LoadedRunner {
  std::shared_ptr<const Runner> runner;  // holds the library alive
  RunnerInfo info;
  std::string library_path;
};

struct PluginLoadResult {
  std::vector<LoadedRunner> runners;
  /// Set when the library was refused or yielded no runner; also when some of its runners were
  /// refused (e.g. an info() without a language) while others are in `runners`.
  std::string error;
  /// The file looks cut short: a copy still in progress, worth trying again once it is whole.
  bool incomplete = false;
  /// A definition file (language_definition.h) that offers no runner: the language it names, so
  /// that the report says which language is missing ("toolchain not found: /usr/bin/ghc").
  std::string language;
  /// A definition whose tools are not installed (yet): worth looking at again later.
  bool toolchain_missing = false;
};

struct PluginLoadOptions {
  /// When set, the library is loaded from a private copy made in this directory under a unique
  /// name, unlinked again once loaded. Two reasons: dlopen() hands back the library it already
  /// has for a path it has seen, so a replacement renamed over `path` would never load beside
  /// the old one; and a file overwritten in place while mapped crashes the process that maps it.
  /// Messages and LoadedRunner::library_path still name `path`.
  std::string copy_dir;
  /// When set, called with the file about to be loaded (the private copy, or `path`) once its
  /// ELF headers and aliases passed, before any of its code runs here; a status other than OK
  /// refuses the library with its message (the slave checks the library in a child process).
  std::function<Status(const std::string& file)> before_load;
};

/// Loads one library. Refuses, with a reason naming `path`, a file that is not a whole ELF
/// shared object or lacks the exported aliases (both read from the file, without running any of
/// its code), a library `options.before_load` refuses, a library that declares another ABI version
/// (read before any of its functions is called), a factory that throws or makes nothing, and
/// runners whose info() throws or is not sensible (no language name, an extension without its dot).
/// Never throws.
POLYRUN_API PluginLoadResult loadPlugin(const std::string& path, const PluginSettings& settings,
                                        const PluginLoadOptions& options = {});

/// Plugin settings key prefix for a library: "libpolyrun_python.so" -> "polyrun_python".
POLYRUN_API std::string pluginSettingsName(const std::string& path);

}  // namespace polyrun
