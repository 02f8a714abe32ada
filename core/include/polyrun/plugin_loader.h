// Loads runner plugins with Boost.DLL. Every Runner handed out keeps its library loaded for as
// long as the Runner lives, so a library is never unloaded while its code may still run.
#pragma once

#include "polyrun/export.h"

#include <memory>
#include <string>
#include <vector>

#include "polyrun/runner.h"

namespace polyrun {

struct LoadedRunner {
  std::shared_ptr<const Runner> runner;  // holds the library alive
  RunnerInfo info;
  std::string library_path;
};

struct PluginLoadResult {
  std::vector<LoadedRunner> runners;
  std::string error;  // set when the library was refused or yielded no runner
};

/// Loads one library. Refuses, with a reason and without running any of its code, a file that
/// is not a shared library, lacks the exported aliases, or declares another ABI version.
POLYRUN_API PluginLoadResult loadPlugin(const std::string& path, const PluginSettings& settings);

/// Plugin settings key prefix for a library: "libpolyrun_python.so" -> "polyrun_python".
POLYRUN_API std::string pluginSettingsName(const std::string& path);

}  // namespace polyrun
