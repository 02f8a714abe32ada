// The runners this slave offers: plugins loaded from slave.plugins.dir, their versions detected
// and their self-tests run through the sandbox. Only runners whose self-test passed are offered.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "polyrun/job_executor.h"
#include "polyrun/plugin_loader.h"

namespace polyrun::slave {

struct RunnerStatus {
  std::string library;   // path of the plugin
  std::string language;  // empty when the library was refused before naming one
  std::string version;
  bool ready = false;    // loaded, version detected, self-test passed
  std::string problem;   // why not ready
};

class RunnerRegistry {
 public:
  /// `settings_for(name)` returns the slave.plugin.<name>.* keys of a library.
  using SettingsFn = std::function<PluginSettings(const std::string& plugin_name)>;

  /// Loads every *.so in `dir`, probing each runner (version, self-test) in parallel.
  void loadDirectory(const std::string& dir, const SettingsFn& settings_for, Sandbox& sandbox,
                     const ExecutorOptions& options);

  /// What the slave advertises: ready runners, versions as detected.
  std::vector<RunnerInfo> advertised() const;
  /// The ready runner for a canonical language at an exact version; null when none.
  std::shared_ptr<const Runner> find(const std::string& language, const std::string& version) const;
  std::vector<RunnerStatus> statuses() const;

 private:
  struct Entry {
    LoadedRunner loaded;
    RunnerInfo info;  // with the detected version
    bool ready = false;
  };
  mutable std::mutex mutex_;  // guards entries_ and statuses_
  std::vector<Entry> entries_;
  std::vector<RunnerStatus> statuses_;
};

}  // namespace polyrun::slave
