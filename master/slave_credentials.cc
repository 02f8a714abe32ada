#include "slave_credentials.h"

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "connections.h"

namespace polyrun::master {
namespace {
constexpr char kKey[] = "master.slave.tokens.file";

std::string octal(mode_t mode) {
  std::ostringstream o;
  o << std::oct << (mode & 07777);
  return "0" + o.str();
}
}  // namespace

std::shared_ptr<SlaveCredentials> SlaveCredentials::shared(std::string token) {
  auto c = std::make_shared<SlaveCredentials>();
  c->shared_token_ = std::move(token);
  return c;
}

std::shared_ptr<SlaveCredentials> SlaveCredentials::fromFile(std::string path, std::string* error) {
  Entries entries;
  FileStamp stamp;
  if (!readFile(path, &entries, &stamp, error)) return nullptr;
  auto c = std::make_shared<SlaveCredentials>();
  c->path_ = std::move(path);
  MutexLock lock(c->mutex_);
  c->entries_ = std::move(entries);
  c->stamp_ = stamp;
  c->checked_at_ = std::chrono::steady_clock::now();
  return c;
}

bool SlaveCredentials::readFile(const std::string& path, Entries* entries, FileStamp* stamp,
                                std::string* error) {
  const std::string where = std::string(kKey) + " = " + path;
  // One descriptor for the checks and the read: the file checked is the file read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    *error = where + " cannot be read (" + std::strerror(errno) +
             "); the master's user needs read access to it";
    if (fd >= 0) ::close(fd);
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    *error =
        where + " has mode " + octal(st.st_mode) +
        ": other users could read the slaves' tokens; make it readable by the master's user only "
        "(chmod 600)";
    return false;
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  Entries read;
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string trimmed = Poco::trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const auto eq = trimmed.find('=');
    const std::string name = eq == std::string::npos ? "" : Poco::trim(trimmed.substr(0, eq));
    const std::string token = eq == std::string::npos ? "" : Poco::trim(trimmed.substr(eq + 1));
    const std::string at = where + ", line " + std::to_string(number);
    if (name.empty() || token.empty()) {
      *error = at + ": expected \"slave-name = token\"";
      return false;
    }
    if (!read.emplace(name, token).second) {
      *error = at + ": slave \"" + name + "\" is listed twice; give each slave one line";
      return false;
    }
  }
  if (read.empty()) {
    *error = where + " lists no slave: add a \"slave-name = token\" line per slave";
    return false;
  }
  *entries = std::move(read);
  *stamp = FileStamp{st.st_ino, st.st_size, st.st_mtim};
  return true;
}

bool SlaveCredentials::accepts(const std::string& name, const std::string& token) const {
  if (!perSlave()) return tokensEqual(token, shared_token_);
  MutexLock lock(mutex_);
  auto it = entries_.find(name);
  // A name that is not listed costs the same comparison as a wrong token.
  const bool equal = tokensEqual(token, it == entries_.end() ? std::string() : it->second);
  return it != entries_.end() && equal;
}

void SlaveCredentials::reloadIfChanged(std::chrono::milliseconds min_interval) {
  if (!perSlave()) return;
  MutexLock lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_at_ < min_interval) return;
  checked_at_ = now;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && FileStamp{st.st_ino, st.st_size, st.st_mtim} == stamp_)
    return;
  Entries entries;
  FileStamp stamp;
  std::string error;
  Poco::Logger& log = Poco::Logger::get("master.slave");
  if (!readFile(path_, &entries, &stamp, &error)) {
    if (!(stamp_ == FileStamp{}))
      log.error("%s; the slave tokens read before stay in force", error);
    stamp_ = FileStamp{};  // logged once; read again at every check until it is good
    return;
  }
  stamp_ = stamp;
  if (entries == entries_) return;
  entries_ = std::move(entries);
  ++generation_;
  log.information("%s re-read: %z slaves", std::string(kKey), entries_.size());
}

uint64_t SlaveCredentials::generation() const {
  MutexLock lock(mutex_);
  return generation_;
}

size_t SlaveCredentials::size() const {
  MutexLock lock(mutex_);
  return perSlave() ? entries_.size() : 1;
}

}  // namespace polyrun::master
