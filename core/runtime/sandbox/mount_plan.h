// The zygote's private root as data (as nsjail declares its mounts): the slave decides the list
// of steps here, from the options and what the host has; the zygote only executes it, in order
// (runStep in zygote.cc). Private to core.
#pragma once

#include <string>
#include <vector>

#include "polyrun/status.h"

namespace polyrun::detail {

/// One step of building the zygote's private root, executed in order.
struct MountStep {
  enum Kind { kMkdir, kTmpfs, kBind, kBindFile, kSymlink, kProc, kWriteFile, kReadOnly } kind;
  std::string target;       // absolute path under the new root
  std::string source;       // bind source, symlink target, tmpfs options, or file content
  unsigned long flags = 0;  // extra mount flags (read-only binds and remounts: the locked flags)
  bool read_only = false;   // kBind, kBindFile: remounted read-only (MS_RDONLY | MS_NOSUID) after
  std::string what;         // for the error message: "bind /usr read-only"
};

/// What the plan needs to know of the host's file system; the real one is hostFiles(), tests
/// give a fake.
class HostFiles {
 public:
  enum class Kind { kMissing, kSymlink, kDirectory, kOther };
  virtual ~HostFiles() = default;
  /// The kind of `path` itself (a symlink is not followed); kMissing when it cannot be read.
  virtual Kind kind(const std::string& path) const = 0;
  /// The target of the symlink `path` ("" when it cannot be read).
  virtual std::string readLink(const std::string& path) const = 0;
  /// Mount flags the kernel locks on a bind of `path` made in a user namespace: a read-only
  /// remount must repeat them or fail with EPERM.
  virtual unsigned long lockedFlags(const std::string& path) const = 0;
  /// The full paths of the entries of the directory `dir`, in the order it lists them.
  virtual std::vector<std::string> list(const std::string& dir) const = 0;
};

/// The host's own file system.
const HostFiles& hostFiles();

/// What the root is built from.
struct MountPlanOptions {
  std::string root;                         // where the steps build the root, on the host's paths
  std::vector<std::string> readonly_paths;  // SandboxOptions::readonly_paths
};

/// The steps that build the root: a 4 MiB tmpfs (each stage makes it read-only); /usr, /bin,
/// /sbin and the /lib folders, the loader's cache, /etc/alternatives, /etc/java* and
/// /etc/python3* and `readonly_paths` bound read-only (symlinks copied as symlinks; a path the
/// host lacks is skipped); /etc/passwd, group and hosts written; a /proc; a /dev tmpfs with null,
/// zero, random and urandom, the fd links, mount points for each stage's /dev/shm and /tmp, then
/// remounted read-only. An invalid argument when a read-only path is not absolute.
Status buildMountPlan(const MountPlanOptions& options, const HostFiles& host,
                      std::vector<MountStep>* steps);

}  // namespace polyrun::detail
