#include "plugin_watcher.h"

#include <Poco/Logger.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>

#include "polyrun/language_definition.h"

namespace polyrun::slave {
namespace fs = std::filesystem;
namespace {
using namespace std::chrono_literals;

// Waits before each new attempt at a file that looked cut short: about two seconds in all, then
// the file is reported as refused until it changes again.
constexpr std::chrono::milliseconds kRetryDelays[] = {100ms, 200ms, 400ms, 800ms, 800ms};
constexpr uint32_t kEvents = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

Poco::Logger& log() { return Poco::Logger::get("slave.plugins"); }

// What the slave loads: a library, "*.so", or a language definition, "*.toml"; not hidden
// (".name.so.tmp" is how one is copied in).
bool isPluginName(const std::string& name) {
  return name.size() > 3 && name.front() != '.' &&
         (name.compare(name.size() - 3, 3, ".so") == 0 || isDefinitionFile(name));
}

// The plugin files in `dir` and their identities.
std::map<std::string, FileIdentity> listPlugins(const std::string& dir) {
  std::map<std::string, FileIdentity> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string path = entry.path().string();
    struct stat st {};
    if (!isPluginName(entry.path().filename().string()) || ::stat(path.c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode))
      continue;
    out[path] = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), st.st_size,
                 st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
  }
  if (ec) log().error("cannot read the plugin folder %s: %s", dir, ec.message());
  return out;
}

}  // namespace

PluginWatcher::PluginWatcher(std::string dir, RunnerRegistry& registry, ChangedFn on_change,
                             std::chrono::milliseconds recheck)
    : dir_(fs::absolute(dir).lexically_normal().string()),
      registry_(registry),
      on_change_(std::move(on_change)),
      recheck_(recheck) {}

PluginWatcher::~PluginWatcher() { stop(); }

bool PluginWatcher::start(std::string* error) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // Watch before the first scan, so that nothing added in between is missed.
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  const bool watching = wake_fd_ >= 0 && inotify_fd_ >= 0 &&
                        ::inotify_add_watch(inotify_fd_, dir_.c_str(), kEvents) >= 0;
  if (!watching) {
    *error = "cannot watch the plugin folder " + dir_ + " (" + std::strerror(errno) +
             "): plugins added, replaced or removed later are seen only after a restart";
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    inotify_fd_ = -1;
  }
  rescan();
  const auto loading = [this] {
    return std::any_of(tracked_.begin(), tracked_.end(),
                       [](const auto& t) { return t.second.loading; });
  };
  while (loading()) {
    waitForWake(-1);
    collectFinished();
  }
  if (on_change_) on_change_();
  if (wake_fd_ >= 0) thread_ = std::thread([this] { loop(); });
  return watching;
}

void PluginWatcher::stop() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  for (auto& [id, loader] : loaders_) loader.join();
  loaders_.clear();
  {
    MutexLock lock(finished_mutex_);
    finished_.clear();
  }
  for (int* fd : {&inotify_fd_, &wake_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void PluginWatcher::loop() {
  while (!stopping_) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};  // -1 is ignored
    if (::poll(fds, 2, msUntilNextRetry()) < 0 && errno != EINTR) {
      log().error("watching %s failed: %s; plugin changes are no longer followed", dir_,
                  std::string(std::strerror(errno)));
      return;
    }
    if (stopping_) return;
    uint64_t count;
    if (fds[0].revents & POLLIN) (void)!::read(wake_fd_, &count, sizeof count);
    bool changed = (fds[1].revents & POLLIN) && readEvents() && rescan();
    changed = collectFinished() || changed;
    retryDue();
    if (changed && on_change_) on_change_();
  }
}

bool PluginWatcher::readEvents() {
  alignas(inotify_event) char buffer[16 * 1024];
  bool any = false;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    any = true;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        log().error(
            "the plugin folder %s was removed or moved: plugin changes are no longer "
            "followed; restart the slave once it is back",
            dir_);
        ::close(inotify_fd_);
        inotify_fd_ = -1;
        return true;
      }
    }
  }
  return any;
}

bool PluginWatcher::rescan() {
  const std::map<std::string, FileIdentity> present = listPlugins(dir_);
  bool changed = false;
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    // A load still running for it finishes unseen: its result is dropped.
    changed = registry_.remove(it->first) || changed;
    it = tracked_.erase(it);
  }
  for (const auto& [path, identity] : present) {
    auto [it, added] = tracked_.try_emplace(path);
    Tracked& tracked = it->second;
    if (!added && tracked.identity == identity) continue;
    tracked.identity = identity;
    tracked.attempts = 0;
    tracked.toolchain_missing = false;  // a new file: its first load is reported whatever it finds
    startLoad(path, tracked);
  }
  return changed;
}

void PluginWatcher::startLoad(const std::string& path, Tracked& tracked) {
  const uint64_t id = ++last_load_id_;
  tracked.load_id = id;
  tracked.loading = true;
  tracked.retry_at.reset();
  loaders_.emplace(id, std::thread([this, path, id] {
                     LibraryLoad load = registry_.load(path);
                     {
                       MutexLock lock(finished_mutex_);
                       finished_.push_back({path, id, std::move(load)});
                     }
                     wake();
                   }));
}

bool PluginWatcher::collectFinished() {
  std::vector<Finished> done;
  {
    MutexLock lock(finished_mutex_);
    done.swap(finished_);
  }
  bool changed = false;
  for (auto& f : done) {
    if (auto loader = loaders_.find(f.load_id); loader != loaders_.end()) {
      loader->second.join();  // it has handed its result over: it is ending
      loaders_.erase(loader);
    }
    auto it = tracked_.find(f.path);
    if (it == tracked_.end() || it->second.load_id != f.load_id) continue;  // removed or superseded
    Tracked& tracked = it->second;
    tracked.loading = false;
    if (f.load.incomplete && tracked.attempts < std::size(kRetryDelays)) {
      const auto delay = kRetryDelays[tracked.attempts++];
      tracked.retry_at = Clock::now() + delay;
      log().debug("plugin %s is not whole yet, trying again in %d ms: %s", f.path,
                  static_cast<int>(delay.count()),
                  f.load.statuses.empty() ? std::string() : f.load.statuses.front().problem);
      continue;
    }
    if (f.load.incomplete && !f.load.statuses.empty()) {
      f.load.statuses.front().problem +=
          "; gave up after " + std::to_string(tracked.attempts + 1) +
          " attempts (it is tried again when the file changes; install plugins by copying them "
          "under a temporary name such as .name.so.tmp and renaming them into place)";
    }
    // A toolchain still missing: looked at again later; the report is the same, so the master
    // hears nothing new.
    const bool still_missing = f.load.toolchain_missing && tracked.toolchain_missing;
    tracked.toolchain_missing = f.load.toolchain_missing;
    if (f.load.toolchain_missing && recheck_.count() > 0)
      tracked.retry_at = Clock::now() + recheck_;
    if (still_missing) continue;
    registry_.install(std::move(f.load));
    changed = true;
  }
  return changed;
}

void PluginWatcher::retryDue() {
  const auto now = Clock::now();
  for (auto& [path, tracked] : tracked_) {
    if (tracked.retry_at && *tracked.retry_at <= now) startLoad(path, tracked);
  }
}

int PluginWatcher::msUntilNextRetry() const {
  std::optional<Clock::time_point> next;
  for (const auto& [path, tracked] : tracked_) {
    if (tracked.retry_at && (!next || *tracked.retry_at < *next)) next = tracked.retry_at;
  }
  if (!next) return -1;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(ms, 0));
}

void PluginWatcher::waitForWake(int timeout_ms) {
  pollfd fd{wake_fd_, POLLIN, 0};
  // Without an eventfd (the system refused one) nothing can wake us: look again shortly.
  if (wake_fd_ < 0) timeout_ms = 50;
  if (::poll(&fd, 1, timeout_ms) > 0) {
    uint64_t count;
    (void)!::read(wake_fd_, &count, sizeof count);
  }
}

void PluginWatcher::wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

}  // namespace polyrun::slave
