#include "runner_registry.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <iterator>
#include <utility>

#include "plugin_check.h"
#include "polyrun/language_definition.h"

namespace polyrun::slave {
namespace {

namespace fs = std::filesystem;

Poco::Logger& log() { return Poco::Logger::get("slave.plugins"); }

ExecutorOptions probeOptions(const RunnerRegistry::Options& options, int64_t wall_ms) {
  ExecutorOptions probe = options.executor;
  probe.cache = nullptr;  // a self-test proves the compiler works: it never takes a cached build
  for (StageLimits* stage : {&probe.fallback.compile, &probe.fallback.run}) {
    stage->wall_ms = wall_ms;
    stage->cpu_ms = wall_ms;
  }
  return probe;
}

void logStatus(const RunnerStatus& st) {
  if (st.ready) {
    log().information("runner %s %s ready (%s)", st.language, st.version, st.library);
  } else if (st.language.empty()) {
    log().error("plugin refused: %s", st.problem);
  } else {
    log().error("runner %s from %s disabled: %s", st.language, st.library, st.problem);
  }
}

}  // namespace

RunnerRegistry::RunnerRegistry(Sandbox& sandbox, Options options, SettingsFn settings_for)
    : sandbox_(sandbox),
      options_(std::move(options)),
      probe_options_(probeOptions(options_, options_.selftest_wall_ms)),
      settings_for_(std::move(settings_for)),
      parallel_probes_(options_.parallel_probes > 0
                           ? options_.parallel_probes
                           : std::max(2, static_cast<int>(std::thread::hardware_concurrency()))) {}

RunnerRegistry::~RunnerRegistry() { stopToolchains(); }

void RunnerRegistry::stopToolchains() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    toolchain_tasks_.clear();
  }
  toolchain_cancel_.cancel();
  toolchain_ready_.notify_all();
  if (toolchain_thread_.joinable()) toolchain_thread_.join();
}

void RunnerRegistry::setToolchainStatus(const ToolchainTask& task, const std::string& status) {
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    auto it = statuses_.find(task.library);
    if (it == statuses_.end()) return;  // removed meanwhile
    for (auto& st : it->second)
      if (st.language == task.language && st.version == task.version) st.toolchain = status;
  }
  if (on_toolchain_change_) on_toolchain_change_();
}

void RunnerRegistry::toolchainLoop() {
  for (;;) {
    ToolchainTask task;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && toolchain_tasks_.empty()) toolchain_ready_.wait(lock.native());
      if (stopping_) return;
      task = std::move(toolchain_tasks_.front());
      toolchain_tasks_.pop_front();
    }
    prepareOne(task);
  }
}

// Prepares a runner's toolchain and proves it with the self-test before any job uses it; a
// toolchain that fails either leaves the runner as it was, only slower.
void RunnerRegistry::prepareOne(const ToolchainTask& task) {
  const auto start = std::chrono::steady_clock::now();
  ExecutorOptions options = probe_options_;
  options.cancel = &toolchain_cancel_;
  options.fallback.compile.wall_ms = options.fallback.compile.cpu_ms = options_.toolchain_wall_ms;
  options.fallback.compile.memory_bytes = 2ll << 30;
  std::string dir;
  const Status prepared = prepareToolchain(*task.runner, task.version, sandbox_, options,
                                           options_.toolchain_root, &dir);
  if (dir.empty()) {
    if (toolchain_cancel_.cancelled()) return;
    const std::string& error = prepared.message();
    if (!error.empty())
      log().warning("runner %s %s: toolchain not prepared, jobs run without it: %s", task.language,
                    task.version, error);
    setToolchainStatus(task, error.empty() ? "" : "unavailable: " + error);
    return;
  }
  ExecutorOptions test = probe_options_;
  test.cancel = &toolchain_cancel_;
  test.toolchain_dir = dir;
  if (Status tested = runSelfTest(*task.runner, sandbox_, test); !tested.isOk()) {
    if (toolchain_cancel_.cancelled()) return;
    const std::string& error = tested.message();
    log().warning(
        "runner %s %s: self-test with the toolchain in %s failed, jobs run without it: %s",
        task.language, task.version, dir, error);
    setToolchainStatus(task, "unavailable: self-test with it failed: " + error);
    return;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  {
    MutexLock lock(mutex_);
    for (auto& e : entries_)
      if (e.loaded.runner == task.runner) e.toolchain_dir = dir;
  }
  log().information("runner %s %s: toolchain ready in %s (%s ms)", task.language, task.version, dir,
                    std::to_string(ms));
  setToolchainStatus(task, "ready");
}

ProbedRunner RunnerRegistry::probe(LoadedRunner loaded, RunnerStatus* status) const {
  {
    MutexLock lock(probe_mutex_);
    while (probes_running_ >= parallel_probes_) probe_slot_free_.wait(lock.native());
    ++probes_running_;
  }
  struct SlotRelease {
    const RunnerRegistry* registry;
    ~SlotRelease() {
      {
        MutexLock lock(registry->probe_mutex_);
        --registry->probes_running_;
      }
      registry->probe_slot_free_.notify_one();
    }
  } release{this};
  ProbedRunner out{std::move(loaded), {}, false};
  out.info = out.loaded.info;
  *status = {out.loaded.library_path, out.info.language, "", false, "", ""};
  // A first compile on a slow machine (an emulated one, a cold page cache: gcc and javac took
  // over 15 s in a qemu guest) can outlast the limit: one more try with four times the time
  // before the language is disabled. A self-test that hangs ends then, delaying no other plugin.
  // A failed attempt's code says whether it ran out of time.
  const auto attempt = [&](const ExecutorOptions& options) {
    std::string version;
    if (Status s = detectVersion(*out.loaded.runner, sandbox_, options, &version); !s.isOk()) {
      status->problem = "version detection failed: " + s.message();
      return s;
    }
    out.info.version = status->version = version;
    if (Status s = runSelfTest(*out.loaded.runner, sandbox_, options); !s.isOk()) {
      status->problem = "self-test failed: " + s.message();
      return s;
    }
    return Status::ok();
  };
  if (Status first = attempt(probe_options_); !first.isOk()) {
    if (first.code() != Status::Code::kTimedOut) return out;
    const int64_t longer = std::min<int64_t>(options_.selftest_wall_ms * 4, 600000);
    log().warning("%s from %s: %s; trying again with %s ms (slave.selftest.wall_ms is %s)",
                  out.info.language, out.loaded.library_path, status->problem,
                  std::to_string(longer), std::to_string(options_.selftest_wall_ms));
    if (!attempt(probeOptions(options_, longer)).isOk()) {
      status->problem += " (also with " + std::to_string(longer) + " ms)";
      return out;
    }
    status->problem.clear();
  }
  out.ready = status->ready = true;
  return out;
}

PluginLoadResult RunnerRegistry::loadDefinitionFile(const std::string& path) const {
  PluginLoadResult loaded = loadDefinition(path, settings_for_(fs::path(path).stem().string()));
  if (loaded.runners.empty() || !options_.sandbox_paths) return loaded;
  LanguageDefinition definition;
  if (!readLanguageDefinition(path, &definition).isOk()) return loaded;
  for (const auto& needed : definition.sandbox_paths) {
    const auto& shown = *options_.sandbox_paths;
    if (std::find(shown.begin(), shown.end(), needed) != shown.end()) continue;
    loaded.runners.clear();
    loaded.error = "needs the read-only path " + needed +
                   " ([sandbox] paths), which this slave's sandbox does not show: the sandbox "
                   "takes definitions' paths when the slave starts; restart the slave";
    break;
  }
  return loaded;
}

// A crash, exit or hang of the library's code in the child costs only the child.
Status RunnerRegistry::checkFirst(const std::string& file, const PluginSettings& settings) const {
  const auto start = std::chrono::steady_clock::now();
  Status checked =
      checkPluginInChild(options_.check_command, file, settings, options_.selftest_wall_ms);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (checked.isOk())
    log().debug("plugin %s passed its check in a child process in %s ms", file, std::to_string(ms));
  return checked;
}

LibraryLoad RunnerRegistry::load(const std::string& path) const try {
  LibraryLoad out;
  out.path = path;
  const PluginSettings settings = settings_for_(pluginSettingsName(path));
  PluginLoadOptions load_options{options_.copy_dir, nullptr};
  if (!options_.check_command.empty())
    load_options.before_load = [&](const std::string& file) { return checkFirst(file, settings); };
  // A definition is data: nothing of it runs in the slave, so it needs no check in a child.
  PluginLoadResult loaded =
      isDefinitionFile(path) ? loadDefinitionFile(path) : loadPlugin(path, settings, load_options);
  out.incomplete = loaded.incomplete;
  out.toolchain_missing = loaded.toolchain_missing;
  if (!loaded.error.empty())
    out.statuses.push_back({path, loaded.language, "", false, loaded.error, ""});

  // Version detection and self-tests run real compilers: do them side by side.
  std::vector<RunnerStatus> statuses(loaded.runners.size());
  std::vector<std::future<ProbedRunner>> probes;
  for (size_t i = 0; i < loaded.runners.size(); ++i) {
    probes.push_back(std::async(std::launch::async, [this, &loaded, &statuses, i] {
      return probe(std::move(loaded.runners[i]), &statuses[i]);
    }));
  }
  for (auto& p : probes) out.runners.push_back(p.get());
  out.statuses.insert(out.statuses.end(), statuses.begin(), statuses.end());
  return out;
} catch (const std::exception& e) {  // no thread for a probe, no memory: refuse, never crash
  LibraryLoad out;
  out.path = path;
  out.statuses.push_back({path, "", "", false, path + ": cannot load it now: " + e.what(), ""});
  return out;
}

void RunnerRegistry::install(LibraryLoad load) {
  for (const auto& st : load.statuses) logStatus(st);
  // Runners (and so libraries) that are dropped are released after the lock: a destructor may
  // run plugin code.
  std::vector<Entry> dropped;
  MutexLock lock(mutex_);
  const uint64_t sequence = ++sequence_;
  dropped = takeEntriesLocked(load.path);
  if (!dropped.empty())
    log().information(
        "plugin %s replaced: new jobs use the new load, running ones finish on the old", load.path);
  bool queued = false;
  for (auto& r : load.runners) {
    if (!r.ready) continue;
    if (!options_.toolchain_root.empty() && !stopping_) {
      toolchain_tasks_.push_back({r.loaded.runner, load.path, r.info.language, r.info.version});
      queued = true;
    }
    entries_.push_back(
        {std::move(r.loaded), std::move(r.info), sequence, isDefinitionFile(load.path), ""});
  }
  statuses_[load.path] = std::move(load.statuses);
  for (const auto& t : toolchain_tasks_) {
    if (t.library != load.path) continue;
    for (auto& st : statuses_[load.path])
      if (st.ready && st.language == t.language && st.version == t.version)
        st.toolchain = "preparing";
  }
  if (queued) {
    if (!toolchain_thread_.joinable()) toolchain_thread_ = std::thread([this] { toolchainLoop(); });
    toolchain_ready_.notify_one();
  }
}

std::vector<RunnerRegistry::Entry> RunnerRegistry::takeEntriesLocked(const std::string& path) {
  auto taken = std::stable_partition(entries_.begin(), entries_.end(),
                                     [&](const Entry& e) { return e.loaded.library_path != path; });
  std::vector<Entry> out(std::make_move_iterator(taken), std::make_move_iterator(entries_.end()));
  entries_.erase(taken, entries_.end());
  return out;
}

bool RunnerRegistry::remove(const std::string& path) {
  // Released after the lock, as in install().
  std::vector<Entry> dropped;
  MutexLock lock(mutex_);
  dropped = takeEntriesLocked(path);
  const bool known = statuses_.erase(path) > 0;
  if (known) {
    std::string offered;
    for (const auto& e : dropped)
      offered += (offered.empty() ? "" : ", ") + e.info.language + " " + e.info.version;
    log().information("plugin %s removed: %s no longer offered; running jobs finish on it", path,
                      offered.empty() ? std::string("nothing") : offered);
  }
  return known;
}

bool RunnerRegistry::hiddenLocked(const Entry& e) const {
  if (e.defined) return false;
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& other) {
    return other.defined && other.info.language == e.info.language;
  });
}

std::vector<RunnerInfo> RunnerRegistry::advertised() const {
  MutexLock lock(mutex_);
  std::map<std::pair<std::string, std::string>, const Entry*> newest;
  for (const auto& e : entries_) {
    if (hiddenLocked(e)) continue;
    const Entry*& slot = newest[{e.info.language, e.info.version}];
    if (!slot || slot->sequence < e.sequence) slot = &e;
  }
  std::vector<RunnerInfo> out;
  for (const auto& [key, e] : newest) out.push_back(e->info);
  return out;
}

const RunnerRegistry::Entry* RunnerRegistry::newestLocked(const std::string& language,
                                                          const std::string& version) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.info.language != language || (!version.empty() && e.info.version != version)) continue;
    if (hiddenLocked(e)) continue;
    if (!best || best->sequence < e.sequence) best = &e;
  }
  return best;
}

std::shared_ptr<const Runner> RunnerRegistry::find(const std::string& language,
                                                   const std::string& version) const {
  MutexLock lock(mutex_);
  const Entry* best = newestLocked(language, version);
  return best ? best->loaded.runner : nullptr;
}

RunnerRegistry::JobRunner RunnerRegistry::findForJob(const std::string& language,
                                                     const std::string& version) const {
  MutexLock lock(mutex_);
  const Entry* best = newestLocked(language, version);
  if (!best) return {};
  return {best->loaded.runner, best->toolchain_dir};
}

std::vector<RunnerStatus> RunnerRegistry::statuses() const {
  MutexLock lock(mutex_);
  std::vector<RunnerStatus> out;
  for (const auto& [path, list] : statuses_) out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace polyrun::slave
