// Follows the plugin folder (slave.plugins.dir) while the slave runs: a library added or
// replaced is loaded and probed, a library removed is forgotten, and after every change of the
// registry `on_change` is called (the slave then advertises its languages to the master anew).
//
// A library is identified by its path and its file (device, inode, size, modification time), so
// a new file renamed over an old one is a new library: it is loaded beside the old one, and
// replaces it in the registry once its self-test has run. A file that looks cut short (still
// being copied) is tried again with backoff for about two seconds, then reported as refused
// until it changes again. Loads run on their own threads, so a slow or hanging self-test delays
// nothing else.
//
// The folder is watched with inotify on one thread blocked in poll(): no polling of the folder.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "polyrun/thread_annotations.h"
#include "runner_registry.h"

namespace polyrun::slave {

/// What tells two versions of a file at one path apart.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

class PluginWatcher {
 public:
  using ChangedFn = std::function<void()>;

  /// `registry` must outlive the watcher. `on_change` is called on the watcher's thread (and on
  /// the caller's during start()).
  /// A definition whose toolchain is missing is loaded again every `recheck` (0: never), so that
  /// a toolchain installed later is offered without a restart.
  PluginWatcher(std::string dir, RunnerRegistry& registry, ChangedFn on_change,
                std::chrono::milliseconds recheck = std::chrono::milliseconds(0));
  ~PluginWatcher();  // stop()
  PluginWatcher(const PluginWatcher&) = delete;
  PluginWatcher& operator=(const PluginWatcher&) = delete;

  /// Starts watching, loads the libraries already in the folder and returns once they are
  /// loaded and probed (so the slave registers offering them), then follows the folder on a
  /// thread. False with *error when the folder cannot be watched: the libraries present are
  /// loaded all the same, later changes are not seen. Call once.
  bool start(std::string* error);
  /// Stops following the folder; waits for loads in progress (each bounded by the self-test
  /// limit). The registry keeps what it has. Idempotent.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  // What the watcher knows of one path.
  struct Tracked {
    FileIdentity identity;
    uint64_t load_id = 0;  // the latest load started; results of earlier ones are dropped
    bool loading = false;
    size_t attempts = 0;             // loads of this identity that found the file cut short
    bool toolchain_missing = false;  // its last load found its toolchain missing
    std::optional<Clock::time_point> retry_at;
  };
  // A load handed back by its thread.
  struct Finished {
    std::string path;
    uint64_t load_id;
    LibraryLoad load;
  };

  void loop();
  bool rescan();  // compares the folder with tracked_; true when the registry changed
  void startLoad(const std::string& path, Tracked& tracked);
  bool collectFinished();  // installs finished loads; true when the registry changed
  void retryDue();
  bool readEvents();  // drains inotify; true when anything happened in the folder
  int msUntilNextRetry() const;
  void waitForWake(int timeout_ms);
  void wake();

  const std::string dir_;
  RunnerRegistry& registry_;
  const ChangedFn on_change_;
  const std::chrono::milliseconds recheck_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() and finished loads interrupt the poll()
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Used only by the watcher thread (by the caller of start() before the thread exists, and of
  // stop() after it ended).
  std::map<std::string, Tracked> tracked_;
  std::map<uint64_t, std::thread> loaders_;  // by load id
  uint64_t last_load_id_ = 0;

  Mutex finished_mutex_;
  std::vector<Finished> finished_ POLYRUN_GUARDED_BY(finished_mutex_);  // by the loader threads
};

}  // namespace polyrun::slave
