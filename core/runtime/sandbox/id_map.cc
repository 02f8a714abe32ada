#include "id_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace polyrun::detail {

std::string idMapText(bool privileged, unsigned host_id) {
  return privileged ? "0 0 1\n" + std::to_string(kInsideId) + " " + std::to_string(host_id) + " 1\n"
                    : "0 " + std::to_string(host_id) + " 1\n";
}

Status writeProcFile(pid_t pid, const char* name, const std::string& value) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    return Status::fromErrno("cannot write " + path, error);
  }
  ::close(fd);
  return Status::ok();
}

Status writeIdMaps(pid_t pid, bool privileged, unsigned uid, unsigned gid) {
  if (!privileged) {
    Status denied = writeProcFile(pid, "setgroups", "deny");
    if (!denied.isOk()) return denied;
  }
  Status status = writeProcFile(pid, "uid_map", idMapText(privileged, uid));
  if (!status.isOk()) return status;
  return writeProcFile(pid, "gid_map", idMapText(privileged, gid));
}

IdPool::IdPool(unsigned count) : used_(std::max(count, 1u), false) {}

std::pair<unsigned, bool> IdPool::acquire() {
  MutexLock lock(mutex_);
  for (unsigned i = 0; i < used_.size(); ++i)
    if (!used_[i]) {
      used_[i] = true;
      return {i, true};
    }
  return {next_shared_++ % static_cast<unsigned>(used_.size()), false};
}

void IdPool::release(unsigned index) {
  MutexLock lock(mutex_);
  used_[index] = false;
}

}  // namespace polyrun::detail
