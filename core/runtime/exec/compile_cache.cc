#include "polyrun/compile_cache.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace polyrun {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kManifest = "entry.json";
constexpr const char* kFiles = "files";
constexpr const char* kTemp = ".tmp";

// A runner name as one safe path component ("c++" stays "c++").
std::string runnerDir(const std::string& runner) {
  std::string out;
  for (char c : runner) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

bool validKey(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

bool isPattern(const std::string& artifact) {
  return artifact.find_first_of("*?") != std::string::npos;
}

bool readFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = std::move(buffer).str();
  return static_cast<bool>(in) || in.eof();
}

void removeQuietly(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

CacheKey& CacheKey::add(std::string_view field) {
  data_ += std::to_string(field.size());
  data_ += ':';
  data_.append(field.data(), field.size());
  return *this;
}

CompileCache::CompileCache(CompileCacheOptions options) : options_(std::move(options)) {}

Status CompileCache::open(const CompileCacheOptions& options, std::unique_ptr<CompileCache>* out) {
  std::error_code ec;
  const fs::path temp = fs::path(options.dir) / kTemp;
  // Leftovers of a slave that stopped half-way through a store or an eviction.
  fs::remove_all(temp, ec);
  fs::create_directories(temp, ec);
  if (ec || ::access(temp.c_str(), W_OK) != 0) {
    return Status::ioError(
        "compile cache directory " + options.dir +
        " cannot be created or written: " + (ec ? ec.message() : std::string("permission denied")) +
        "; set slave.cache.dir to a writable directory");
  }
  std::unique_ptr<CompileCache> cache(new CompileCache(options));
  cache->indexExisting();
  *out = std::move(cache);
  return Status::ok();
}

// Rebuilds the size and LRU order from the directory: an entry's last use is its manifest's
// modification time (restore() touches it).
void CompileCache::indexExisting() {
  struct Found {
    std::string id;
    int64_t bytes;
    fs::file_time_type used;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (const auto& runner : fs::directory_iterator(options_.dir, ec)) {
    if (!runner.is_directory() || runner.path().filename() == kTemp) continue;
    std::error_code ec2;
    for (const auto& entry : fs::directory_iterator(runner.path(), ec2)) {
      std::string text;
      const fs::path manifest = entry.path() / kManifest;
      json m = readFile(manifest, &text) ? json::parse(text, nullptr, false) : json();
      std::error_code ec3;
      const auto used = fs::last_write_time(manifest, ec3);
      if (!m.is_object() || ec3 || !m["bytes"].is_number_integer()) {
        removeQuietly(entry.path());  // half an entry cannot be there; a foreign file goes too
        continue;
      }
      found.push_back({runner.path().filename().string() + "/" + entry.path().filename().string(),
                       m["bytes"].get<int64_t>(), used});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.used > b.used; });
  std::vector<std::string> evicted;
  {
    MutexLock lock(mutex_);
    for (const auto& f : found) {
      lru_.push_back(f.id);
      entries_[f.id] = {f.bytes, std::prev(lru_.end())};
      bytes_ += f.bytes;
    }
    evicted = evictLocked();  // max_bytes may have shrunk since the last run
  }
  for (const auto& path : evicted) removeQuietly(path);
}

std::string CompileCache::tempPath() {
  uint64_t n;
  {
    MutexLock lock(mutex_);
    n = ++temp_counter_;
  }
  return (fs::path(options_.dir) / kTemp / (std::to_string(::getpid()) + "-" + std::to_string(n)))
      .string();
}

void CompileCache::touchLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
}

std::vector<std::string> CompileCache::evictLocked() {
  std::vector<std::string> out;
  while (bytes_ > options_.max_bytes && !lru_.empty()) {
    const std::string id = lru_.back();
    lru_.pop_back();
    bytes_ -= entries_[id].bytes;
    entries_.erase(id);
    ++stats_.evictions;
    // Renamed away at once, under the lock: a later store of the same key then finds the place
    // free, and a restore copying from it now fails and counts as a miss.
    const std::string trash =
        (fs::path(options_.dir) / kTemp /
         ("evict-" + std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_)))
            .string();
    std::error_code ec;
    fs::rename(fs::path(options_.dir) / id, trash, ec);
    out.push_back(ec ? (fs::path(options_.dir) / id).string() : trash);
  }
  return out;
}

void CompileCache::forget(const std::string& id) {
  const std::string trash = tempPath();
  std::error_code ec;
  fs::rename(fs::path(options_.dir) / id, trash, ec);
  if (!ec) removeQuietly(trash);
  MutexLock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

bool CompileCache::restore(const std::string& runner, const std::string& key,
                           const std::string& work_dir, CachedCompile* out) try {
  auto miss = [&] {
    MutexLock lock(mutex_);
    ++stats_.misses;
    return false;
  };
  if (!validKey(key)) return miss();
  const std::string id = runnerDir(runner) + "/" + key;
  const fs::path entry = fs::path(options_.dir) / id;
  std::string text;
  if (!readFile(entry / kManifest, &text)) return miss();
  const json m = json::parse(text, nullptr, false);
  std::vector<fs::path> copied;
  auto corrupt = [&] {
    for (const auto& p : copied) removeQuietly(p);
    forget(id);
    return miss();
  };
  if (!m.is_object() || m.value("runner", "") != runner || m.value("key", "") != key ||
      !m["files"].is_array())
    return corrupt();
  int64_t bytes = 0;
  for (const auto& f : m["files"]) {
    if (!f.is_object() || !f["path"].is_string() || !f["bytes"].is_number_integer())
      return corrupt();
    const std::string rel = f["path"].get<std::string>();
    if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos) return corrupt();
    const fs::path from = entry / kFiles / rel;
    const fs::path to = fs::path(work_dir) / rel;
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) return corrupt();  // vanished (evicted meanwhile) or unreadable
    copied.push_back(to);
    const auto size = fs::file_size(to, ec);
    if (ec || static_cast<int64_t>(size) != f["bytes"].get<int64_t>()) return corrupt();
    bytes += static_cast<int64_t>(size);
  }
  out->stdout_data = m.value("stdout", "");
  out->stderr_data = m.value("stderr", "");
  out->bytes = bytes;
  // The modification time carries the LRU order over a restart.
  ::utimensat(AT_FDCWD, (entry / kManifest).c_str(), nullptr, 0);
  MutexLock lock(mutex_);
  touchLocked(id);
  ++stats_.hits;
  return true;
} catch (const std::exception&) {  // out of memory, a filesystem error of a kind not foreseen
  MutexLock lock(mutex_);
  ++stats_.misses;
  return false;
}

bool CompileCache::store(const std::string& runner, const std::string& key,
                         const std::string& work_dir, const std::vector<std::string>& artifacts,
                         const std::string& compile_stdout, const std::string& compile_stderr,
                         std::string* why) try {
  if (!validKey(key) || artifacts.empty()) {
    *why = "no key or no artifacts";
    return false;
  }
  // Walks the work tree without following links: only regular files the compiler made count.
  std::vector<std::pair<std::string, int64_t>> files;
  std::vector<bool> exact_found(artifacts.size(), false);
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(work_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) continue;
    const std::string rel = fs::relative(it->path(), work_dir).generic_string();
    bool wanted = false;
    for (size_t i = 0; i < artifacts.size(); ++i) {
      if (isPattern(artifacts[i]) ? ::fnmatch(artifacts[i].c_str(), rel.c_str(), 0) == 0
                                  : artifacts[i] == rel) {
        wanted = true;
        if (!isPattern(artifacts[i])) exact_found[i] = true;
      }
    }
    if (!wanted) continue;
    const int64_t size = static_cast<int64_t>(it->file_size());
    files.emplace_back(rel, size);
    total += size;
  }
  if (ec) {
    *why = "cannot list " + work_dir + ": " + ec.message();
    return false;
  }
  for (size_t i = 0; i < artifacts.size(); ++i) {
    if (!isPattern(artifacts[i]) && !exact_found[i]) {
      *why = "artifact " + artifacts[i] + " was not made";
      return false;
    }
  }
  if (files.empty()) {
    *why = "no file matches the artifacts";
    return false;
  }
  if (total > options_.max_bytes) {
    *why = "artifacts of " + std::to_string(total) + " bytes exceed slave.cache.max_bytes";
    return false;
  }

  const fs::path temp = tempPath();
  auto fail = [&](std::string message) {
    removeQuietly(temp);
    *why = std::move(message);
    return false;
  };
  json listed = json::array();
  for (const auto& [rel, size] : files) {
    const fs::path to = temp / kFiles / rel;
    fs::create_directories(to.parent_path(), ec);
    if (!ec) fs::copy_file(fs::path(work_dir) / rel, to, ec);
    if (ec) return fail("cannot copy " + rel + " into the cache: " + ec.message());
    listed.push_back({{"path", rel}, {"bytes", size}});
  }
  const json manifest = {{"runner", runner},         {"key", key},
                         {"files", listed},          {"bytes", total},
                         {"stdout", compile_stdout}, {"stderr", compile_stderr}};
  {
    std::ofstream out(temp / kManifest, std::ios::binary | std::ios::trunc);
    out << manifest.dump(-1, ' ', false, json::error_handler_t::replace);
    out.close();
    if (!out) return fail("cannot write the cache manifest in " + temp.string());
  }
  const std::string id = runnerDir(runner) + "/" + key;
  const fs::path final_path = fs::path(options_.dir) / id;
  fs::create_directories(final_path.parent_path(), ec);
  fs::rename(temp, final_path, ec);
  if (ec) {
    // Another job stored the same entry first (rename onto a non-empty directory fails): keep it.
    removeQuietly(temp);
    if (fs::exists(final_path / kManifest)) return true;
    *why = "cannot move the entry into " + final_path.string() + ": " + ec.message();
    return false;
  }
  std::vector<std::string> evicted;
  {
    MutexLock lock(mutex_);
    if (entries_.find(id) == entries_.end()) {
      lru_.push_front(id);
      entries_[id] = {total, lru_.begin()};
      bytes_ += total;
      ++stats_.stores;
    }
    evicted = evictLocked();
  }
  for (const auto& path : evicted) removeQuietly(path);
  return true;
} catch (const std::exception& e) {
  *why = std::string("cannot store the entry: ") + e.what();
  return false;
}

CompileCacheStats CompileCache::stats() const {
  MutexLock lock(mutex_);
  CompileCacheStats s = stats_;
  s.entries = static_cast<int64_t>(entries_.size());
  s.bytes = bytes_;
  return s;
}

}  // namespace polyrun
