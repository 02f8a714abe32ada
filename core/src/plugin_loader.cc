#include "polyrun/plugin_loader.h"

#include <vector>  // boost/dll/library_info.hpp uses std::vector without including it (1.74)

#include <algorithm>
#include <boost/dll/import.hpp>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <fstream>

namespace polyrun {
namespace {

constexpr const char* kAbiAlias = "polyrun_abi_version";
constexpr const char* kFactoryAlias = "polyrun_create_runners";

// Keeps the library loaded until the runner made from it is destroyed, in that order.
struct RunnerHolder {
  std::shared_ptr<boost::dll::shared_library> library;
  std::shared_ptr<Runner> runner;
  ~RunnerHolder() { runner.reset(); }
};

bool isElf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

std::string pluginSettingsName(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  if (stem.rfind("lib", 0) == 0) stem.erase(0, 3);
  return stem;
}

PluginLoadResult loadPlugin(const std::string& path, const PluginSettings& settings) {
  PluginLoadResult out;
  if (!isElf(path)) {
    out.error = path + ": not a shared library (no ELF header)";
    return out;
  }
  // Read the exported symbols without loading (and so without running) the library.
  try {
    boost::dll::library_info info(std::filesystem::path(path), false);
    std::vector<std::string> symbols = info.symbols();
    for (const char* alias : {kAbiAlias, kFactoryAlias}) {
      if (std::find(symbols.begin(), symbols.end(), alias) == symbols.end()) {
        out.error = path + ": not a polyrun plugin (it does not export \"" + alias +
                    "\"; declare it with POLYRUN_DECLARE_PLUGIN)";
        return out;
      }
    }
  } catch (const std::exception& e) {
    out.error = path + ": cannot read its symbols: " + e.what();
    return out;
  }

  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(std::filesystem::path(path), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    out.error = path + ": cannot load: " + e.what();
    return out;
  }
  try {
    const int abi = *library->get<const int*>(kAbiAlias);
    if (abi != kPluginAbiVersion) {
      out.error = path + ": plugin ABI version " + std::to_string(abi) +
                  " does not match this slave's ABI version " + std::to_string(kPluginAbiVersion) +
                  "; rebuild the plugin against this polyrun";
      return out;
    }
    auto factory = library->get<CreateRunnersFn*>(kFactoryAlias);
    CreateResult created = factory(settings);
    for (auto& runner : created.runners) {
      if (!runner) continue;
      auto holder = std::make_shared<RunnerHolder>();
      holder->library = library;
      holder->runner = std::move(runner);
      LoadedRunner loaded;
      loaded.info = holder->runner->info();
      loaded.runner = std::shared_ptr<const Runner>(holder, holder->runner.get());
      loaded.library_path = path;
      out.runners.push_back(std::move(loaded));
    }
    if (out.runners.empty())
      out.error = path + ": plugin offers no runner" + (created.error.empty() ? "" : ": " + created.error);
  } catch (const std::exception& e) {
    out.error = path + ": " + e.what();
  }
  return out;
}

}  // namespace polyrun
