// The slave's compile cache: the artifacts of successful compilations (a binary, class files),
// content-addressed by a key over everything that decides them (runner, version, compile
// command, the work directory's files), so that compiling the same thing again is a copy.
//
// Layout under `dir`: <runner>/<key>/{entry.json, files/<artifact paths>}. An entry appears
// only by an atomic rename of a complete directory built under `dir`/.tmp, so a reader never
// sees half an entry. Entries are evicted least recently used first when the total size goes
// over `max_bytes`. Runners (languages) never share entries: the runner is in the key and in the
// path, and restore() checks it. One process per directory: the size bound and the LRU order are
// kept in memory (rebuilt from the directory at open()).
//
// Thread-safe. Never throws: every file-system failure is a miss, or an entry not stored.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "polyrun/export.h"
#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

namespace polyrun {

/// Lowercase hex SHA-256 of `data`.
POLYRUN_API std::string sha256Hex(std::string_view data);

/// Builds a key from fields: each is length-prefixed, so ("ab", "c") and ("a", "bc") differ.
class POLYRUN_API CacheKey {
 public:
  CacheKey& add(std::string_view field);
  CacheKey& add(int64_t number) { return add(std::to_string(number)); }
  /// The SHA-256 of the fields, lowercase hex (64 characters).
  std::string hex() const { return sha256Hex(data_); }

 private:
  std::string data_;
};

struct CompileCacheOptions {
  std::string dir;                // created when missing
  int64_t max_bytes = 1ll << 30;  // total size of the artifacts kept; an entry larger than
                                  // this is never stored
};

/// What a hit gives back besides the artifacts: the compiler's output when the entry was made,
/// so that a cached compile reports the same warnings as the real one.
struct CachedCompile {
  std::string stdout_data;
  std::string stderr_data;
  int64_t bytes = 0;  // size of the artifacts restored
};

struct CompileCacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t stores = 0;
  int64_t evictions = 0;
  int64_t entries = 0;
  int64_t bytes = 0;
};

class POLYRUN_API CompileCache {
 public:
  /// Opens (creates) the cache at options.dir, indexes the entries already there and stores it
  /// in *out. kIoError when the directory cannot be created or written (*out untouched).
  static Status open(const CompileCacheOptions& options, std::unique_ptr<CompileCache>* out);

  /// Copies the artifacts of entry (`runner`, `key`) into `work_dir`. True on a hit. A missing,
  /// corrupt or vanished entry is a miss: whatever was copied is removed again, a corrupt entry
  /// is dropped, and the caller compiles as if there were no cache.
  bool restore(const std::string& runner, const std::string& key, const std::string& work_dir,
               CachedCompile* out);

  /// Stores, under (`runner`, `key`), the regular files of `work_dir` that `artifacts` names
  /// (Prepared::artifacts: exact paths or `*`/`?` patterns); symbolic links and anything outside
  /// the work directory are ignored. False with *why when nothing was stored: no file matched, an
  /// exact path was missing, the entry is over max_bytes, or the disk refused. When the same
  /// entry is stored twice at once, the first complete one stays (both are equal).
  bool store(const std::string& runner, const std::string& key, const std::string& work_dir,
             const std::vector<std::string>& artifacts, const std::string& compile_stdout,
             const std::string& compile_stderr, std::string* why);

  CompileCacheStats stats() const;
  const std::string& dir() const { return options_.dir; }

 private:
  explicit CompileCache(CompileCacheOptions options);
  struct Entry {
    int64_t bytes;
    std::list<std::string>::iterator lru;  // position in lru_ (front = most recently used)
  };
  void indexExisting();
  void touchLocked(const std::string& id) POLYRUN_REQUIRES(mutex_);
  // Moves least recently used entries out of the index until the total fits; returns their
  // directories, already renamed into .tmp, for the caller to delete outside the lock.
  std::vector<std::string> evictLocked() POLYRUN_REQUIRES(mutex_);
  void forget(const std::string& id);
  std::string tempPath();

  const CompileCacheOptions options_;
  mutable Mutex mutex_;  // guards everything below
  std::unordered_map<std::string, Entry> entries_
      POLYRUN_GUARDED_BY(mutex_);  // by "<runner>/<key>"
  std::list<std::string> lru_ POLYRUN_GUARDED_BY(mutex_);
  int64_t bytes_ POLYRUN_GUARDED_BY(mutex_) = 0;
  CompileCacheStats stats_ POLYRUN_GUARDED_BY(mutex_);
  uint64_t temp_counter_ POLYRUN_GUARDED_BY(mutex_) = 0;
};

}  // namespace polyrun
