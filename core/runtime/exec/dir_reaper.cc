#include "polyrun/dir_reaper.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

namespace polyrun {
namespace {

// Directory streams held open at once while removing, whatever the depth: deeper levels are
// closed and reopened through ".." on the way back up.
constexpr size_t kMaxOpenLevels = 16;

constexpr int kOpenDir = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// What could not be removed: how many entries, and the first one's name and reason.
struct Failures {
  size_t count = 0;
  std::string first;
  void add(const char* name, int error) {
    if (count++ == 0) first = std::string(name) + ": " + std::strerror(error);
  }
};

DIR* openRelative(int dir_fd, const char* name) {
  const int fd = ::openat(dir_fd, name, kOpenDir);
  if (fd < 0) return nullptr;
  DIR* d = ::fdopendir(fd);
  if (!d) ::close(fd);
  return d;
}

}  // namespace

Status removeTree(const std::string& path) {
  // `levels[i]` lists the directory at depth i (nullptr once closed to bound the descriptors);
  // `names[i]` is the name of depth i + 1 inside it.
  std::vector<DIR*> levels;
  std::vector<std::string> names;
  // Directories that kept something: not entered again when their parent's listing restarts.
  std::set<std::pair<dev_t, ino_t>> given_up;
  Failures failures;
  DIR* top = openRelative(AT_FDCWD, path.c_str());
  if (!top) {
    if (errno == ENOENT) return Status::ok();
    if (errno != ENOTDIR && errno != ELOOP) return Status::fromErrno(path, errno);
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::ok();  // a file or a link
    return Status::fromErrno(path, errno);
  }
  levels.push_back(top);
  while (!levels.empty()) {
    DIR* here = levels.back();
    errno = 0;
    const dirent* e = ::readdir(here);
    if (e) {
      const char* name = e->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      const int fd = ::dirfd(here);
      if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) {
        if (::unlinkat(fd, name, 0) != 0 && errno != ENOENT) failures.add(name, errno);
        continue;
      }
      if (::unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) continue;
      const int rmdir_error = errno;
      if (rmdir_error == ENOTDIR) {  // DT_UNKNOWN and not a directory
        if (::unlinkat(fd, name, 0) != 0 && errno != ENOENT) failures.add(name, errno);
        continue;
      }
      struct stat st {};
      // Not empty, or a mount point (EBUSY): emptied first, tried again from below.
      if (rmdir_error != ENOTEMPTY && rmdir_error != EEXIST && rmdir_error != EBUSY) {
        failures.add(name, rmdir_error);
        continue;
      }
      if (::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        failures.add(name, errno);
        continue;
      }
      if (given_up.count({st.st_dev, st.st_ino})) continue;  // its failures are counted
      DIR* child = openRelative(fd, name);
      if (!child) {
        failures.add(name, errno);
        given_up.insert({st.st_dev, st.st_ino});
        continue;
      }
      if (levels.size() >= kMaxOpenLevels) {
        DIR*& oldest = levels[levels.size() - kMaxOpenLevels];
        ::closedir(oldest);
        oldest = nullptr;
      }
      names.emplace_back(name);
      levels.push_back(child);
      continue;
    }
    // This level is listed to its end: up to the parent, which removes it.
    if (errno != 0) failures.add(path.c_str(), errno);
    if (levels.size() == 1) {
      ::closedir(here);
      levels.clear();
      break;
    }
    DIR* parent = levels[levels.size() - 2];
    if (!parent) {
      parent = openRelative(::dirfd(here), "..");
      if (!parent) {
        failures.add("..", errno);
        for (DIR* d : levels)
          if (d) ::closedir(d);
        levels.clear();
        break;
      }
      levels[levels.size() - 2] = parent;
    }
    struct stat st {};
    ::fstat(::dirfd(here), &st);
    ::closedir(here);
    levels.pop_back();
    const std::string name = std::move(names.back());
    names.pop_back();
    if (::unlinkat(::dirfd(parent), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      // Not empty: what stayed inside is counted already.
      if (errno != ENOTEMPTY && errno != EEXIST) failures.add(name.c_str(), errno);
      given_up.insert({st.st_dev, st.st_ino});
    }
  }
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT && failures.count == 0)
    failures.add(path.c_str(), errno);
  if (failures.count == 0) return Status::ok();
  return Status::ioError(path + ": " + std::to_string(failures.count) + " removal" +
                         (failures.count == 1 ? "" : "s") + " failed (first: " + failures.first +
                         ")");
}

DirReaper::DirReaper(size_t max_pending, std::function<void(const std::string&)> on_failure)
    : max_pending_(std::max<size_t>(max_pending, 1)),
      on_failure_(std::move(on_failure)),
      thread_([this] { loop(); }) {}

DirReaper::~DirReaper() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

void DirReaper::remove(std::string dir, bool unmount) {
  MutexLock lock(mutex_);
  while (pending_.size() >= max_pending_ && !stopping_) progress_.wait(lock.native());
  pending_.emplace_back(std::move(dir), unmount);
  ++queued_total_;
  queued_.notify_one();
}

void DirReaper::flush() {
  MutexLock lock(mutex_);
  const size_t target = queued_total_;
  while (removed_ < target) progress_.wait(lock.native());
}

size_t DirReaper::removed() const {
  MutexLock lock(mutex_);
  return removed_;
}

size_t DirReaper::failed() const {
  MutexLock lock(mutex_);
  return failed_;
}

void DirReaper::loop() {
  for (;;) {
    std::pair<std::string, bool> next;  // directory, unmount first
    {
      MutexLock lock(mutex_);
      while (!stopping_ && pending_.empty()) queued_.wait(lock.native());
      if (pending_.empty()) return;  // stopping, and nothing left to remove
      next = pending_.front();       // left queued until removed: flush() counts on it
    }
    const auto& [dir, unmount] = next;
    if (unmount) ::umount2(dir.c_str(), MNT_DETACH);
    const Status removed = removeTree(dir);
    const bool ok = removed.isOk();
    if (!ok && on_failure_) on_failure_(removed.message());
    MutexLock lock(mutex_);
    pending_.pop_front();
    ++removed_;
    if (!ok) ++failed_;
    progress_.notify_all();
  }
}

}  // namespace polyrun
