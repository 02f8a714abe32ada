// The runners this slave offers, by plugin library: loaded, their versions detected and their
// self-tests run through the sandbox. Only runners whose self-test passed are offered.
//
// Libraries come and go while the slave runs (PluginWatcher): install() makes a library's newest
// load current, remove() forgets one. A job holds the shared_ptr that find() returned, and with
// it the library, until it finishes; so a library replaced or removed under a running job stays
// loaded exactly as long as that job needs it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "polyrun/cancel_token.h"
#include "polyrun/job_executor.h"
#include "polyrun/plugin_loader.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::slave {

/// One line of the slave's plugin report ("plugins" in its register and languages messages).
struct RunnerStatus {
  std::string library;   // path of the plugin
  std::string language;  // empty when the library was refused before naming one
  std::string version;
  bool ready = false;   // loaded, version detected, self-test passed
  std::string problem;  // why not ready
  /// Its toolchain (Runner::toolchain()): "" when it has none (or toolchains are off),
  /// "preparing", "ready", or "unavailable: <why>" (jobs then run without it).
  std::string toolchain;
};

/// A runner after its version detection and self-test.
struct ProbedRunner {
  LoadedRunner loaded;
  RunnerInfo info;  // with the detected version
  bool ready = false;
};

/// What loading one library gave: its probed runners and the report lines.
struct LibraryLoad {
  std::string path;
  std::vector<ProbedRunner> runners;
  std::vector<RunnerStatus> statuses;  // one per runner; one more when the library was refused
  bool incomplete = false;  // refused because the file looked cut short (still being copied?)
  bool toolchain_missing = false;  // a definition whose tools are not installed (yet)
};

class RunnerRegistry {
 public:
  /// `settings_for(name)` returns the slave.plugin.<name>.* keys of a library.
  using SettingsFn = std::function<PluginSettings(const std::string& plugin_name)>;

  struct Options {
    /// `work_root` hosts the probes' work directories. The fallback limits are not used: every
    /// stage of a self-test, and the version command, gets `selftest_wall_ms` instead.
    ExecutorOptions executor;
    /// Wall and CPU limit, in ms, of each stage of a self-test and of the version command; a
    /// self-test that hangs is disabled after this long.
    int64_t selftest_wall_ms = 15000;
    /// Libraries are loaded from private copies made here (see PluginLoadOptions::copy_dir).
    std::string copy_dir;
    /// How a library is checked in a child process before it is loaded here (plugin_check.h):
    /// the slave's own executable and kCheckPluginFlag; the file is appended. A library that
    /// crashes, exits or outlasts `selftest_wall_ms` there is refused and never loaded here.
    /// Empty: libraries are loaded without a check (tests that have no slave binary).
    std::vector<std::string> check_command;
    /// Where runners' toolchains (Runner::toolchain()) are prepared and kept, one directory per
    /// runner and plan; must be among the sandbox's read-only paths. Empty: no toolchains.
    std::string toolchain_root;
    /// Wall and CPU limit, in ms, of each toolchain command (a precompiled header takes seconds).
    int64_t toolchain_wall_ms = 300000;
    /// The host paths the sandbox shows besides its own: a definition file needing another
    /// (`[sandbox] paths`, read when the sandbox was made) is refused. Unset: every path is there
    /// (the process sandbox shows the whole host).
    std::optional<std::vector<std::string>> sandbox_paths;
    /// How many runners are probed (version and self-test) at once, across all loads: a folder
    /// of thirty languages must not start thirty compilers together. 0: the number of CPUs, at
    /// least 2.
    int parallel_probes = 0;
  };

  /// A runner for a job, with the toolchain directory to hand to its prepare() (empty while
  /// its toolchain is not ready, or when it has none).
  struct JobRunner {
    std::shared_ptr<const Runner> runner;
    std::string toolchain_dir;
  };

  /// `sandbox` must outlive the registry; it runs the probes (several at once).
  RunnerRegistry(Sandbox& sandbox, Options options, SettingsFn settings_for);
  /// Stops a toolchain preparation under way (its stage is killed) and waits for it.
  ~RunnerRegistry();

  /// Called (on the toolchain thread) whenever a runner's toolchain status changed, e.g. to
  /// advertise the new plugin report. Set it before the first install(); stopToolchains() before
  /// whatever it uses goes away.
  void setOnToolchainChange(std::function<void()> callback) {
    on_toolchain_change_ = std::move(callback);
  }
  /// Cancels the preparation under way, forgets the waiting ones and joins the toolchain thread;
  /// no callback follows. Idempotent.
  void stopToolchains();

  /// Loads the library at `path` and probes its runners side by side. Slow (it runs the tools);
  /// changes nothing in the registry, so any thread may call it, several at once. Never throws.
  LibraryLoad load(const std::string& path) const;
  /// Makes `load` what its library offers, in place of anything an earlier load of the same path
  /// offered, and logs the outcome. Thread-safe.
  void install(LibraryLoad load);
  /// Forgets the library at `path`: its runners are no longer found nor advertised. True when
  /// the registry knew it. Thread-safe.
  bool remove(const std::string& path);

  /// What the slave advertises: ready runners, versions as detected, one per language and
  /// version, sorted. Thread-safe.
  std::vector<RunnerInfo> advertised() const;
  /// The ready runner for a canonical language at an exact version (any version when empty);
  /// when several libraries offer it, the one installed last. Null when none. Thread-safe.
  std::shared_ptr<const Runner> find(const std::string& language, const std::string& version) const;
  /// find() with the runner's toolchain directory. Thread-safe.
  JobRunner findForJob(const std::string& language, const std::string& version) const;
  /// The report of every library, sorted by path. Thread-safe.
  std::vector<RunnerStatus> statuses() const;

 private:
  struct Entry {
    LoadedRunner loaded;
    RunnerInfo info;            // with the detected version
    uint64_t sequence;          // install order: the greatest wins
    bool defined;               // from a definition file: hides plugins' runners of its language
    std::string toolchain_dir;  // set once its toolchain is prepared and passed the self-test
  };
  // A toolchain to prepare, in the background: the runner is offered without it meanwhile.
  struct ToolchainTask {
    std::shared_ptr<const Runner> runner;
    std::string library;
    std::string language;
    std::string version;
  };
  ProbedRunner probe(LoadedRunner loaded, RunnerStatus* status) const;
  // loadDefinition(), refusing a definition whose [sandbox] paths the sandbox does not show.
  PluginLoadResult loadDefinitionFile(const std::string& path) const;
  // A plugin's runner of a language some definition file also offers: the definition wins.
  bool hiddenLocked(const Entry& e) const POLYRUN_REQUIRES(mutex_);
  // Runs options_.check_command on `file`: OK when the library may be loaded here.
  Status checkFirst(const std::string& file, const PluginSettings& settings) const;
  void toolchainLoop();
  void prepareOne(const ToolchainTask& task);
  // Sets the toolchain status of `task`'s runner in statuses_ and notifies; without mutex_.
  void setToolchainStatus(const ToolchainTask& task, const std::string& status);
  // Moves the entries of the library at `path` out of entries_; the caller holds mutex_.
  std::vector<Entry> takeEntriesLocked(const std::string& path) POLYRUN_REQUIRES(mutex_);
  // The newest ready entry for the language (and version, unless empty), or null; the caller
  // holds mutex_.
  const Entry* newestLocked(const std::string& language, const std::string& version) const
      POLYRUN_REQUIRES(mutex_);

  Sandbox& sandbox_;
  const Options options_;
  const ExecutorOptions probe_options_;  // options_.executor with the self-test limits
  const SettingsFn settings_for_;
  const int parallel_probes_;

  // Probes running now, at most parallel_probes_ (probe() waits for a slot).
  mutable Mutex probe_mutex_;
  mutable std::condition_variable probe_slot_free_;
  mutable int probes_running_ POLYRUN_GUARDED_BY(probe_mutex_) = 0;

  mutable Mutex mutex_;  // guards entries_, statuses_, sequence_, toolchain_tasks_, stopping_
  std::vector<Entry> entries_ POLYRUN_GUARDED_BY(mutex_);  // ready runners only
  std::map<std::string, std::vector<RunnerStatus>> statuses_
      POLYRUN_GUARDED_BY(mutex_);  // by library path
  uint64_t sequence_ POLYRUN_GUARDED_BY(mutex_) = 0;

  // The toolchain worker: one thread, started with the first task, so that two heavy
  // preparations never compete for the CPU with each other.
  std::deque<ToolchainTask> toolchain_tasks_ POLYRUN_GUARDED_BY(mutex_);
  bool stopping_ POLYRUN_GUARDED_BY(mutex_) = false;
  std::condition_variable toolchain_ready_;
  CancelToken toolchain_cancel_;
  std::thread toolchain_thread_;
  std::function<void()> on_toolchain_change_;
};

}  // namespace polyrun::slave
