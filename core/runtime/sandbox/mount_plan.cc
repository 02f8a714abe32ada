#include "mount_plan.h"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <system_error>

namespace polyrun::detail {
namespace {
namespace fs = std::filesystem;

class RealHostFiles final : public HostFiles {
 public:
  Kind kind(const std::string& path) const override {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (ec) return Kind::kMissing;
    if (fs::is_symlink(status)) return Kind::kSymlink;
    if (fs::is_directory(status)) return Kind::kDirectory;
    return Kind::kOther;
  }
  std::string readLink(const std::string& path) const override {
    std::error_code ec;
    return fs::read_symlink(path, ec).string();
  }
  unsigned long lockedFlags(const std::string& path) const override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return 0;
    unsigned long flags = 0;
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
  }
  std::vector<std::string> list(const std::string& dir) const override {
    std::vector<std::string> entries;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path().string());
    return entries;
  }
};

// A host path shown read-only: a symlink as a symlink, a folder or file as a read-only bind.
void addReadOnly(const std::string& root, const std::string& host_path, const HostFiles& host,
                 std::vector<MountStep>* steps) {
  const HostFiles::Kind kind = host.kind(host_path);
  if (kind == HostFiles::Kind::kMissing) return;
  const std::string target = root + host_path;
  if (kind == HostFiles::Kind::kSymlink) {
    steps->push_back(
        {MountStep::kSymlink, target, host.readLink(host_path), 0, false, "link " + host_path});
  } else if (kind == HostFiles::Kind::kDirectory) {
    steps->push_back({MountStep::kBind, target, host_path, host.lockedFlags(host_path), true,
                      "bind " + host_path + " read-only"});
  } else {
    steps->push_back({MountStep::kBindFile, target, host_path, host.lockedFlags(host_path), true,
                      "bind " + host_path + " read-only"});
  }
}

}  // namespace

const HostFiles& hostFiles() {
  static const RealHostFiles host;
  return host;
}

Status buildMountPlan(const MountPlanOptions& options, const HostFiles& host,
                      std::vector<MountStep>* steps) {
  const std::string& root = options.root;
  steps->push_back(
      {MountStep::kTmpfs, root, "size=4m,mode=0755", 0, false, "mount the root tmpfs"});
  for (const char* p : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"})
    addReadOnly(root, p, host, steps);
  steps->push_back({MountStep::kMkdir, root + "/etc", "", 0, false, "create /etc"});
  // Of the host's /etc only what the tools read: the loader's cache, the alternatives links and
  // the JDK's and Python's own configuration.
  for (const char* p : {"/etc/ld.so.cache", "/etc/alternatives"}) addReadOnly(root, p, host, steps);
  for (const std::string& path : host.list("/etc")) {
    const std::string name = fs::path(path).filename().string();
    if (name.rfind("java", 0) == 0 || name.rfind("python3", 0) == 0)
      addReadOnly(root, path, host, steps);
  }
  steps->push_back({MountStep::kWriteFile, root + "/etc/passwd",
                    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                    "sandbox:x:1000:1000:polyrun job:/tmp:/bin/sh\n"
                    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                    0, false, "write /etc/passwd"});
  steps->push_back({MountStep::kWriteFile, root + "/etc/group",
                    "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n", 0, false,
                    "write /etc/group"});
  steps->push_back({MountStep::kWriteFile, root + "/etc/hosts", "127.0.0.1 localhost polyrun\n", 0,
                    false, "write /etc/hosts"});
  for (const auto& p : options.readonly_paths) {
    if (p.empty() || p[0] != '/')
      return Status::invalidArgument("read-only path \"" + p + "\" must be absolute");
    addReadOnly(root, p, host, steps);
  }
  // The zygote's /proc: each stage mounts its own over it (the kernel lets a user namespace
  // mount a proc only where one is already fully visible).
  steps->push_back({MountStep::kProc, root + "/proc", "", 0, false, "mount /proc"});
  steps->push_back(
      {MountStep::kTmpfs, root + "/dev", "size=64k,mode=0755", 0, false, "mount /dev"});
  for (const char* d : {"null", "zero", "random", "urandom"})
    steps->push_back({MountStep::kBindFile, root + "/dev/" + d, std::string("/dev/") + d, 0, false,
                      std::string("bind /dev/") + d});
  steps->push_back(
      {MountStep::kSymlink, root + "/dev/fd", "/proc/self/fd", 0, false, "link /dev/fd"});
  steps->push_back(
      {MountStep::kSymlink, root + "/dev/stdin", "/proc/self/fd/0", 0, false, "link /dev/stdin"});
  steps->push_back(
      {MountStep::kSymlink, root + "/dev/stdout", "/proc/self/fd/1", 0, false, "link /dev/stdout"});
  steps->push_back(
      {MountStep::kSymlink, root + "/dev/stderr", "/proc/self/fd/2", 0, false, "link /dev/stderr"});
  // Mount points of each stage's own /dev/shm and /tmp.
  steps->push_back({MountStep::kMkdir, root + "/dev/shm", "", 0, false, "create /dev/shm"});
  steps->push_back({MountStep::kMkdir, root + "/tmp", "", 0, false, "create /tmp"});
  steps->push_back({MountStep::kReadOnly, root + "/dev", "", MS_NOSUID | MS_NODEV, false,
                    "make /dev read-only"});
  return Status::ok();
}

}  // namespace polyrun::detail
