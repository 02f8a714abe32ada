#include "runner_registry.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <filesystem>
#include <future>

namespace polyrun::slave {
namespace fs = std::filesystem;

void RunnerRegistry::loadDirectory(const std::string& dir, const SettingsFn& settings_for,
                                   Sandbox& sandbox, const ExecutorOptions& options) {
  Poco::Logger& log = Poco::Logger::get("slave.plugins");
  std::vector<std::string> libraries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".so") libraries.push_back(e.path().string());
  if (ec) log.error("cannot read the plugin folder %s: %s", dir, ec.message());
  std::sort(libraries.begin(), libraries.end());

  std::vector<Entry> loaded;
  std::vector<RunnerStatus> statuses;
  for (const auto& path : libraries) {
    PluginLoadResult r = loadPlugin(path, settings_for(pluginSettingsName(path)));
    if (r.runners.empty()) {
      log.error("plugin refused: %s", r.error);
      statuses.push_back({path, "", "", false, r.error});
      continue;
    }
    for (auto& runner : r.runners) loaded.push_back({std::move(runner), {}, false});
  }

  // Version detection and self-tests run real compilers: do them side by side.
  std::vector<std::future<RunnerStatus>> probes;
  for (auto& entry : loaded) {
    probes.push_back(std::async(std::launch::async, [&entry, &sandbox, &options] {
      RunnerStatus st{entry.loaded.library_path, entry.loaded.info.language, "", false, ""};
      entry.info = entry.loaded.info;
      std::string error;
      const std::string version = detectVersion(*entry.loaded.runner, sandbox, options, &error);
      if (version.empty()) {
        st.problem = "version detection failed: " + error;
        return st;
      }
      entry.info.version = version;
      st.version = version;
      if (!runSelfTest(*entry.loaded.runner, sandbox, options, &error)) {
        st.problem = "self-test failed: " + error;
        return st;
      }
      entry.ready = true;
      st.ready = true;
      return st;
    }));
  }
  for (auto& p : probes) {
    RunnerStatus st = p.get();
    if (st.ready) {
      log.information("runner %s %s ready (%s)", st.language, st.version, st.library);
    } else {
      log.error("runner %s from %s disabled: %s", st.language, st.library, st.problem);
    }
    statuses.push_back(std::move(st));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  entries_ = std::move(loaded);
  statuses_ = std::move(statuses);
}

std::vector<RunnerInfo> RunnerRegistry::advertised() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RunnerInfo> out;
  for (const auto& e : entries_)
    if (e.ready) out.push_back(e.info);
  return out;
}

std::shared_ptr<const Runner> RunnerRegistry::find(const std::string& language,
                                                   const std::string& version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_)
    if (e.ready && e.info.language == language && (version.empty() || e.info.version == version))
      return e.loaded.runner;
  return nullptr;
}

std::vector<RunnerStatus> RunnerRegistry::statuses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statuses_;
}

}  // namespace polyrun::slave
