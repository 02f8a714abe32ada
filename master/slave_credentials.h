// Who may register as a slave (docs/configuration.md, "Slave credentials"). Either one token
// shared by every slave (master.slave.token: simple, but one leaked copy lets its holder
// register under any name and receive anyone's jobs), or one token per slave name
// (master.slave.tokens.file): a leaked token then speaks only for its own slave, and removing or
// changing its line revokes it. The master re-reads that file when it changes; connections of
// slaves whose credential went away are dropped and their jobs requeued.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "polyrun/thread_annotations.h"

namespace polyrun::master {

class SlaveCredentials {
 public:
  /// Every slave registers with `token`, under any name.
  static std::shared_ptr<SlaveCredentials> shared(std::string token);
  /// One token per slave name, from `path`: "name = token" lines, '#' comments, blank lines. The
  /// file must not be readable or writable by group or others. nullptr with *error naming the
  /// key, the path and what to fix.
  static std::shared_ptr<SlaveCredentials> fromFile(std::string path, std::string* error);

  /// True when a slave named `name` may register with `token`; compares in constant time.
  bool accepts(const std::string& name, const std::string& token) const;

  /// Per-slave mode: re-reads the file when its inode, size or modification time changed, at
  /// most once per `min_interval`. A file that turned bad keeps the last good entries in force
  /// (and is logged). Bumps generation() when the entries changed.
  void reloadIfChanged(std::chrono::milliseconds min_interval = std::chrono::milliseconds(500));

  /// Changes with every reload that changed the entries: a connection re-checks its slave then.
  uint64_t generation() const;

  bool perSlave() const { return !path_.empty(); }
  size_t size() const;

 private:
  using Entries = std::map<std::string, std::string>;  // name -> token
  struct FileStamp {
    ino_t inode = 0;
    off_t size = -1;
    timespec mtime{};
    bool operator==(const FileStamp& o) const {
      return inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
             mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  static bool readFile(const std::string& path, Entries* entries, FileStamp* stamp,
                       std::string* error);

  std::string path_;          // empty: shared mode
  std::string shared_token_;  // shared mode
  mutable Mutex mutex_;       // guards everything below
  Entries entries_ POLYRUN_GUARDED_BY(mutex_);
  FileStamp stamp_ POLYRUN_GUARDED_BY(mutex_);
  uint64_t generation_ POLYRUN_GUARDED_BY(mutex_) = 0;
  std::chrono::steady_clock::time_point checked_at_ POLYRUN_GUARDED_BY(mutex_);
};

}  // namespace polyrun::master
