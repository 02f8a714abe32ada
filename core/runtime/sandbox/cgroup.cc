#include "cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace polyrun::detail {
namespace fs = std::filesystem;
namespace {

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool writeText(const fs::path& path, const std::string& value, std::string* error) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) {
    if (error)
      *error = "cannot write \"" + value + "\" to " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// writeText() for a caller that needs the failure: kIoError naming the value and the file.
Status writeChecked(const fs::path& path, const std::string& value) {
  std::string error;
  if (!writeText(path, value, &error)) return Status::ioError(std::move(error));
  return Status::ok();
}

// The value after `key` in a "key value" per line file (memory.events, memory.oom_control).
int64_t keyedValue(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  int64_t v;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

// A file of a group (memory.oom_control, memory.events, cpuacct.usage, cpu.stat...), kept open
// and read from its start each time: a stage reads its counters at least twice, and opening a
// cgroup file (a path walk through the cgroup file system and a seq_file) costs more than
// reading it.
class GroupFile {
 public:
  GroupFile() = default;
  GroupFile(const GroupFile&) = delete;
  GroupFile& operator=(const GroupFile&) = delete;
  ~GroupFile() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // The value after `key` in `path` ("key value" per line); 0 when the file or the key is missing.
  int64_t value(const fs::path& path, const std::string& key) {
    return keyedValue(text(path), key);
  }
  // The number `path` holds; -1 when it is missing.
  int64_t number(const fs::path& path) {
    const std::string t = text(path);
    return t.empty() ? -1 : std::atoll(t.c_str());
  }

 private:
  std::string text(const fs::path& path) {
    if (fd_ < 0) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return {};
    char buf[4096];
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  int fd_ = -1;
};

// "stage-<pid>-<start>-<n>": the start time keeps a later process that gets the same pid (a
// slave restarted after kill -9, whose groups could not be removed) from colliding with them.
std::string uniqueName() {
  static std::atomic<uint64_t> counter{0};
  static const std::string prefix =
      "stage-" + std::to_string(::getpid()) + "-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-";
  return prefix + std::to_string(counter.fetch_add(1));
}

// Groups left by a slave that died without removing them (kill -9): their owner's pid, from
// the name, is gone and they hold no process. Removing them at start keeps the parent from
// filling up with empty groups over restarts. Groups of live slaves are never touched.
void removeStaleGroups(const fs::path& parent) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("stage-", 0) != 0 || !entry.is_directory(ec)) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + 6));
    if (owner <= 0 || owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    ::rmdir(entry.path().c_str());  // fails (EBUSY) while a process is still in it: left alone
  }
}

// Removes a group once the kernel has let go of its last process. Processes of a stage are
// killed before this runs; their exit may still be in flight, so wait for it with a deadline.
void removeGroup(const fs::path& dir) {
  if (dir.empty()) return;
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    std::istringstream procs(readText(dir / "cgroup.procs"));
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool groupEmpty(const fs::path& dir) {
  return dir.empty() ||
         readText(dir / "cgroup.procs").find_first_not_of(" \n") == std::string::npos;
}

// The stage's processes were killed with its PID namespace; their exit may still be in flight.
bool waitGroupEmpty(const fs::path& dir) {
  for (int attempt = 0; attempt < 400; ++attempt) {
    if (groupEmpty(dir)) return true;
    std::istringstream procs(readText(dir / "cgroup.procs"));
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::microseconds(250 << std::min(attempt, 4)));
  }
  return groupEmpty(dir);
}

// Where `controller` ("memory", "pids", or "" for v2) of this process lives: the hierarchy's
// mount point joined with the process's path in it.
fs::path ownGroup(const std::string& controller) {
  std::string cgroup_path;
  {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
      // "4:memory:/a/b" (v1) or "0::/a/b" (v2)
      const auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
      if (c1 == std::string::npos || c2 == std::string::npos) continue;
      const std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
      bool match = controller.empty() ? controllers.empty() : false;
      std::istringstream list(controllers);
      for (std::string c; std::getline(list, c, ',');)
        if (!controller.empty() && c == controller) match = true;
      if (match) cgroup_path = line.substr(c2 + 1);
    }
  }
  if (cgroup_path.empty()) return {};
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    // "... mount_point options - fstype source super_options"
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, dev, root, mount_point, fstype, source, super_options;
    before >> id >> parent >> dev >> root >> mount_point;
    after >> fstype >> source >> super_options;
    bool match = false;
    if (controller.empty()) {
      match = fstype == "cgroup2";
    } else if (fstype == "cgroup") {
      std::istringstream opts(super_options);
      for (std::string o; std::getline(opts, o, ',');)
        if (o == controller) match = true;
    }
    if (!match) continue;
    // The mount may show a sub-tree of the hierarchy (`root`); strip it from the process's path.
    std::string rel = cgroup_path;
    if (root != "/" && rel.rfind(root, 0) == 0) rel = rel.substr(root.size());
    return fs::path(mount_point) / fs::path(rel).relative_path();
  }
  return {};
}

bool probeWritable(const fs::path& parent) {
  if (parent.empty()) return false;
  const fs::path probe = parent / ("polyrun-probe-" + std::to_string(::getpid()));
  if (::mkdir(probe.c_str(), 0755) != 0) return false;
  ::rmdir(probe.c_str());
  return true;
}

class V1Group final : public StageCgroup {
 public:
  fs::path memory, pids, cpuacct;
  int64_t oom_before = 0;
  ~V1Group() override {
    oom_file_.close();
    cpu_file_.close();
    peak_file_.close();
    removeGroup(pids);
    removeGroup(cpuacct);
    removeGroup(memory);
  }
  Status addProcess(pid_t pid) override {
    for (const fs::path& dir : {memory, pids, cpuacct}) {
      if (dir.empty()) continue;
      if (Status s = writeChecked(dir / "cgroup.procs", std::to_string(pid)); !s.isOk()) return s;
    }
    return Status::ok();
  }
  bool oomKilled() const override { return oomCount() > oom_before; }
  Status prepare(int64_t memory_bytes, int64_t processes) override {
    // A zygote's stages mostly have the limits the last one had: the writes are skipped then.
    if (!memory.empty() && memory_bytes != memory_set_) {
      memory_set_ = -1;
      const std::string limit = memory_bytes > 0 ? std::to_string(memory_bytes) : "-1";
      // With swap accounting, memsw must stay >= the memory limit: raise it first, set it last.
      const bool memsw = fs::exists(memory / "memory.memsw.limit_in_bytes");
      if (memsw) writeText(memory / "memory.memsw.limit_in_bytes", "-1", nullptr);
      if (Status s = writeChecked(memory / "memory.limit_in_bytes", limit); !s.isOk()) return s;
      if (memsw && memory_bytes > 0)
        writeText(memory / "memory.memsw.limit_in_bytes", limit, nullptr);
      memory_set_ = memory_bytes;
    }
    if (!memory.empty()) {
      oom_before = oomCount();
      // The peak starts again from what the group holds now (the zygote's few pages).
      peak_reset_ = writeText(memory / "memory.max_usage_in_bytes", "0", nullptr);
    }
    if (!pids.empty() && processes != processes_set_) {
      processes_set_ = -1;
      if (Status s =
              writeChecked(pids / "pids.max", processes > 0 ? std::to_string(processes) : "max");
          !s.isOk())
        return s;
      processes_set_ = processes;
    }
    if (!cpuacct.empty()) cpu_before_ns_ = cpu_file_.number(cpuacct / "cpuacct.usage");
    return Status::ok();
  }
  bool waitEmpty() override {
    return waitGroupEmpty(memory) && waitGroupEmpty(pids) && waitGroupEmpty(cpuacct);
  }
  int64_t cpuUsageUs() override {
    if (cpuacct.empty() || cpu_before_ns_ < 0) return -1;
    const int64_t now = cpu_file_.number(cpuacct / "cpuacct.usage");
    return now < 0 ? -1 : (now - cpu_before_ns_) / 1000;
  }
  int64_t peakMemoryBytes() override {
    return memory.empty() || !peak_reset_ ? -1
                                          : peak_file_.number(memory / "memory.max_usage_in_bytes");
  }

 private:
  int64_t memory_set_ = -1, processes_set_ = -1;  // the limits written last; -1: unknown
  int64_t cpu_before_ns_ = -1;                    // cpuacct.usage at prepare()
  bool peak_reset_ = false;
  mutable GroupFile oom_file_;
  GroupFile cpu_file_, peak_file_;
  int64_t oomCount() const {
    return memory.empty() ? 0 : oom_file_.value(memory / "memory.oom_control", "oom_kill");
  }
};

class V1Manager final : public CgroupManager {
 public:
  V1Manager(fs::path memory_parent, fs::path pids_parent, fs::path cpuacct_parent)
      : memory_parent_(std::move(memory_parent)),
        pids_parent_(std::move(pids_parent)),
        cpuacct_parent_(std::move(cpuacct_parent)) {
    for (const fs::path* parent : {&memory_parent_, &pids_parent_, &cpuacct_parent_})
      if (!parent->empty()) removeStaleGroups(*parent);
  }
  std::string describe() const override {
    std::string list;
    for (auto [on, name] :
         {std::pair{limitsMemory(), "memory"}, std::pair{limitsProcesses(), "pids"},
          std::pair{accountsCpu(), "cpuacct"}})
      if (on) list += (list.empty() ? "" : ", ") + std::string(name);
    return "cgroup v1 (" + list + ")";
  }
  bool limitsMemory() const override { return !memory_parent_.empty(); }
  bool limitsProcesses() const override { return !pids_parent_.empty(); }
  bool accountsCpu() const override { return !cpuacct_parent_.empty(); }

 protected:
  Status create(std::unique_ptr<StageCgroup>* out) override {
    auto group = std::make_unique<V1Group>();
    const std::string name = uniqueName();
    for (auto [parent, dir] :
         {std::pair{&memory_parent_, &group->memory}, std::pair{&pids_parent_, &group->pids},
          std::pair{&cpuacct_parent_, &group->cpuacct}}) {
      if (parent->empty()) continue;
      *dir = *parent / name;
      if (::mkdir(dir->c_str(), 0755) != 0) {
        const Status failed = Status::fromErrno("cannot create " + dir->string(), errno);
        dir->clear();
        return failed;
      }
    }
    *out = std::move(group);
    return Status::ok();
  }

 private:
  fs::path memory_parent_, pids_parent_, cpuacct_parent_;
};

class V2Group final : public StageCgroup {
 public:
  fs::path dir;
  bool memory = false, pids = false;
  int64_t oom_before = 0;
  ~V2Group() override {
    events_file_.close();
    cpu_file_.close();
    if (peak_fd_ >= 0) ::close(peak_fd_);
    if (!dir.empty()) writeText(dir / "cgroup.kill", "1", nullptr);
    removeGroup(dir);
  }
  Status addProcess(pid_t pid) override {
    return writeChecked(dir / "cgroup.procs", std::to_string(pid));
  }
  bool oomKilled() const override { return oomCount() > oom_before; }
  Status prepare(int64_t memory_bytes, int64_t processes) override {
    if (memory && memory_bytes != memory_set_) {
      memory_set_ = -1;
      // A lower limit than the group holds (the last stage's /tmp, still being released) is
      // taken by v2 and leaves the next stage no room to start, where v1 refuses it (EBUSY):
      // reclaim what can be, and refuse as v1 does when that is not enough.
      if (memory_bytes > 0) {
        int64_t held = std::atoll(readText(dir / "memory.current").c_str());
        if (held > memory_bytes) {
          writeText(dir / "memory.reclaim", std::to_string(held - memory_bytes), nullptr);
          held = std::atoll(readText(dir / "memory.current").c_str());
        }
        if (held > memory_bytes)
          return Status::ioError("cannot lower the memory limit of " + dir.string() + " to " +
                                 std::to_string(memory_bytes) + " bytes: it still holds " +
                                 std::to_string(held));
      }
      if (Status s = writeChecked(dir / "memory.max",
                                  memory_bytes > 0 ? std::to_string(memory_bytes) : "max");
          !s.isOk())
        return s;
      writeText(dir / "memory.swap.max", "0", nullptr);
      memory_set_ = memory_bytes;
    }
    if (memory) {
      oom_before = oomCount();
      resetPeak();
      noted_peak_ = -1;
    }
    if (pids && processes != processes_set_) {
      processes_set_ = -1;
      if (Status s =
              writeChecked(dir / "pids.max", processes > 0 ? std::to_string(processes) : "max");
          !s.isOk())
        return s;
      processes_set_ = processes;
    }
    // cpu.stat's usage is there whether or not the cpu controller is enabled.
    cpu_before_us_ = cpu_file_.value(dir / "cpu.stat", "usage_usec");
    return Status::ok();
  }
  bool waitEmpty() override {
    writeText(dir / "cgroup.kill", "1", nullptr);
    return waitGroupEmpty(dir);
  }
  int64_t cpuUsageUs() override {
    return cpu_file_.value(dir / "cpu.stat", "usage_usec") - cpu_before_us_;
  }
  void notePeak() override {
    if (!memory || peak_fd_ >= 0) return;
    const std::string held = readText(dir / "memory.current");
    if (!held.empty()) noted_peak_ = std::max<int64_t>(noted_peak_, std::atoll(held.c_str()));
  }
  int64_t peakMemoryBytes() override {
    if (peak_fd_ < 0) return noted_peak_;
    char buf[32];
    const ssize_t n = ::pread(peak_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return -1;
    buf[n] = '\0';
    return std::atoll(buf);
  }

 private:
  // Since Linux 6.12 a write to memory.peak starts a peak of its own for that open file; before,
  // the file is read-only and holds the group's peak over every stage it ever ran.
  void resetPeak() {
    if (peak_unsupported_) return;
    if (peak_fd_ < 0) peak_fd_ = ::open((dir / "memory.peak").c_str(), O_RDWR | O_CLOEXEC);
    if (peak_fd_ >= 0 && ::pwrite(peak_fd_, "reset\n", 6, 0) == 6) return;
    if (peak_fd_ >= 0) ::close(peak_fd_);
    peak_fd_ = -1;
    peak_unsupported_ = true;
  }
  int64_t memory_set_ = -1, processes_set_ = -1;  // the limits written last; -1: unknown
  int64_t cpu_before_us_ = 0;
  int peak_fd_ = -1;
  bool peak_unsupported_ = false;
  int64_t noted_peak_ = -1;  // without a resettable memory.peak: what notePeak() saw
  mutable GroupFile events_file_;
  GroupFile cpu_file_;
  int64_t oomCount() const {
    return memory ? events_file_.value(dir / "memory.events", "oom_kill") : 0;
  }
};

class V2Manager final : public CgroupManager {
 public:
  // `leaf`: where this process moved to delegate `parent` (its own group); empty when `parent`
  // is a configured root this process does not live in. `how`: said after the controllers.
  V2Manager(fs::path parent, fs::path leaf, bool memory, bool pids, std::string how)
      : parent_(std::move(parent)),
        leaf_(std::move(leaf)),
        memory_(memory),
        pids_(pids),
        how_(std::move(how)) {
    removeStaleGroups(parent_);
  }
  // Leaves its own group as the slave found it, so that a slave started by hand (in a login
  // session's group) leaves no directory behind: its stage groups removed, the controllers it
  // enabled disabled, itself back in the group and its leaf removed. Best effort: a group
  // that still holds a process keeps it all. A configured root is the operator's: only the
  // stage groups go.
  ~V2Manager() override {
    clearPool();
    if (leaf_.empty()) return;
    if (memory_) writeText(parent_ / "cgroup.subtree_control", "-memory", nullptr);
    if (pids_) writeText(parent_ / "cgroup.subtree_control", "-pids", nullptr);
    if (writeText(parent_ / "cgroup.procs", std::to_string(::getpid()), nullptr))
      ::rmdir(leaf_.c_str());
  }
  std::string describe() const override {
    return std::string("cgroup v2 (") + (memory_ ? "memory, " : "") + (pids_ ? "pids, " : "") +
           "cpu.stat" + (how_.empty() ? "" : "; " + how_) + ")";
  }
  bool limitsMemory() const override { return memory_; }
  bool limitsProcesses() const override { return pids_; }
  bool accountsCpu() const override { return true; }

 protected:
  Status create(std::unique_ptr<StageCgroup>* out) override {
    auto group = std::make_unique<V2Group>();
    group->memory = memory_;
    group->pids = pids_;
    group->dir = parent_ / uniqueName();
    if (::mkdir(group->dir.c_str(), 0755) != 0) {
      const Status failed = Status::fromErrno("cannot create " + group->dir.string(), errno);
      group->dir.clear();
      return failed;
    }
    *out = std::move(group);
    return Status::ok();
  }

 private:
  fs::path parent_, leaf_;
  bool memory_, pids_;
  std::string how_;
};

constexpr const char* kLeaf = "polyrun-service";

bool hasWord(const std::string& list, const std::string& word) {
  std::istringstream in(list);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

// Enables memory and pids (those wanted) for the children of `group`; false with *error when
// the kernel refuses (EBUSY: the group holds processes of its own).
bool enableControllers(const fs::path& group, bool memory, bool pids, std::string* error) {
  const std::string enabled = readText(group / "cgroup.subtree_control");
  return (!memory || hasWord(enabled, "memory") ||
          writeText(group / "cgroup.subtree_control", "+memory", error)) &&
         (!pids || hasWord(enabled, "pids") ||
          writeText(group / "cgroup.subtree_control", "+pids", error));
}

// Moves every process of `from` into `to`, again while they fork; true once `from` is empty.
bool moveAll(const fs::path& from, const fs::path& to) {
  for (int round = 0; round < 50; ++round) {
    std::istringstream procs(readText(from / "cgroup.procs"));
    bool any = false;
    for (std::string pid; procs >> pid; any = true) writeText(to / "cgroup.procs", pid, nullptr);
    if (!any) return true;
  }
  return groupEmpty(from);
}

// cgroup v2 forbids processes in a group whose children have controllers ("no internal
// processes"): move this process into a leaf of its own group, then enable memory and pids for
// the children. This is what a systemd unit with Delegate=yes hands to the service.
std::unique_ptr<CgroupManager> detectV2In(fs::path own, bool top, std::string how,
                                          std::string* why) {
  // A process that made a sandbox before (a test, a slave that rebuilt it) is in its leaf
  // already: its group is the one above, never a leaf of the leaf.
  if (own.filename() == kLeaf) own = own.parent_path();
  if (own.empty() || !fs::exists(own / "cgroup.controllers")) {
    *why = "no cgroup v2 hierarchy";
    return nullptr;
  }
  const std::string available = readText(own / "cgroup.controllers");
  const bool memory = hasWord(available, "memory");
  const bool pids = hasWord(available, "pids");
  if (!memory && !pids) {
    *why = "cgroup v2 at " + own.string() + " has neither the memory nor the pids controller";
    return nullptr;
  }
  const fs::path leaf = own / kLeaf;
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
    *why = "cgroup v2 at " + own.string() + " is not writable (" + std::strerror(errno) + ")";
    return nullptr;
  }
  std::string error;
  if (!writeText(leaf / "cgroup.procs", std::to_string(::getpid()), &error)) {
    *why = "cannot move the slave into " + leaf.string() + ": " + error;
    ::rmdir(leaf.c_str());
    return nullptr;
  }
  if (!enableControllers(own, memory, pids, &error)) {
    // A container's processes are its own: they join the leaf, and the group is free to
    // delegate. Anywhere else the group is someone else's (a login session's scope).
    if (top && moveAll(own, leaf)) {
      error.clear();
      how = "the processes of its cgroup namespace's root moved into " + std::string(kLeaf);
    }
    if (!error.empty() || !enableControllers(own, memory, pids, &error)) {
      *why = "cannot delegate controllers in " + own.string() + ": " + error +
             " (other processes share the slave's cgroup)";
      if (writeText(own / "cgroup.procs", std::to_string(::getpid()), nullptr))
        ::rmdir(leaf.c_str());
      return nullptr;
    }
  }
  return std::make_unique<V2Manager>(own, leaf, memory, pids, std::move(how));
}

// This process's cgroup v2 path as /proc/self/cgroup says it ("/a/b"); "" on v1-only hosts.
std::string ownV2Path() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

// A container's private cgroup namespace shows its group as "/"; the host's real root has no
// cgroup.type (and its kernel threads cannot move), so it is never taken for one.
std::unique_ptr<CgroupManager> detectV2(std::string* why) {
  const fs::path own = ownGroup("");
  const bool top = ownV2Path() == "/" && fs::exists(own / "cgroup.type");
  // A transient scope the slave asked systemd for (slave_app.cc) says so in the log line.
  const std::string scope = ownV2Path().substr(ownV2Path().rfind('/') + 1);
  std::string how;
  if (const char* asked = std::getenv("POLYRUN_SYSTEMD_SCOPE"); asked && scope == asked)
    how = "in the systemd scope " + scope + " it asked for";
  return detectV2In(own, top, how, why);
}

std::unique_ptr<CgroupManager> detectV1(std::string* why) {
  fs::path memory = ownGroup("memory"), pids = ownGroup("pids"), cpuacct = ownGroup("cpuacct");
  if (!probeWritable(memory)) memory.clear();
  if (!probeWritable(pids)) pids.clear();
  if (memory.empty() && pids.empty()) {
    *why = "no writable cgroup v1 memory or pids hierarchy";
    return nullptr;
  }
  // Accounting only: without it a stage's CPU time is its main process's and its waited-for
  // children's (rusage).
  if (!probeWritable(cpuacct)) cpuacct.clear();
  return std::make_unique<V1Manager>(memory, pids, cpuacct);
}

}  // namespace

Status CgroupManager::acquire(int64_t memory_bytes, int64_t processes,
                              std::unique_ptr<StageCgroup>* out) {
  std::unique_ptr<StageCgroup> group;
  {
    MutexLock lock(mutex_);
    if (!idle_.empty()) {
      group = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!group)
    if (Status s = create(&group); !s.isOk()) return s;
  if (Status s = group->prepare(memory_bytes, processes); !s.isOk()) return s;
  *out = std::move(group);
  return Status::ok();
}

void CgroupManager::clearPool() {
  MutexLock lock(mutex_);
  idle_.clear();
}

void CgroupManager::release(std::unique_ptr<StageCgroup> group) {
  if (!group || !group->waitEmpty()) return;  // a group that will not empty is removed, not reused
  MutexLock lock(mutex_);
  idle_.push_back(std::move(group));
}

std::string cgroupScopeNeeded() {
  if (::access("/run/systemd/system", F_OK) != 0 ||
      !hasWord(readText("/sys/fs/cgroup/cgroup.controllers"), "memory"))
    return {};  // not a cgroup v2 host run by systemd: a scope would not help
  fs::path own = ownGroup("");
  if (own.empty()) return {};
  if (own.filename() == kLeaf) own = own.parent_path();
  if (::access((own / "cgroup.subtree_control").c_str(), W_OK) != 0)
    return "its cgroup " + own.string() + " is not writable by this user";
  std::istringstream procs(readText(own / "cgroup.procs"));
  const std::string self = std::to_string(::getpid());
  for (std::string pid; procs >> pid;)
    if (pid != self) return "its cgroup " + own.string() + " holds other processes (" + pid + ")";
  return {};
}

std::unique_ptr<CgroupManager> detectCgroupV2At(const std::string& own_group, bool top,
                                                std::string* why) {
  return detectV2In(own_group, top, "", why);
}

std::unique_ptr<CgroupManager> useCgroupV2Root(const std::string& root, std::string* why) {
  const fs::path dir(root);
  const std::string available = readText(dir / "cgroup.controllers");
  const bool memory = hasWord(available, "memory"), pids = hasWord(available, "pids");
  if (!memory && !pids) {
    *why = "the cgroup root " + root + " has neither the memory nor the pids controller " +
           "(enable them in its parent's cgroup.subtree_control)";
    return nullptr;
  }
  std::string error;
  if (!enableControllers(dir, memory, pids, &error)) {
    *why = "cannot enable controllers in the cgroup root " + root + ": " + error +
           " (it must hold no process; put processes in groups below it or elsewhere)";
    return nullptr;
  }
  return std::make_unique<V2Manager>(dir, fs::path(), memory, pids, "under " + root);
}

std::unique_ptr<CgroupManager> detectCgroups(const CgroupSetup& setup, std::string* why) {
  if (!setup.root.empty()) {
    struct statfs st {};
    if (!fs::path(setup.root).is_absolute() || ::statfs(setup.root.c_str(), &st) != 0 ||
        st.f_type != CGROUP2_SUPER_MAGIC || !fs::is_directory(setup.root)) {
      *why = "the cgroup root " + setup.root +
             " is not a directory of a cgroup v2 file system (make it with mkdir under "
             "/sys/fs/cgroup)";
      return nullptr;
    }
    return useCgroupV2Root(setup.root, why);
  }
  std::string v2_why, v1_why;
  if (auto v2 = detectV2(&v2_why)) return v2;
  if (auto v1 = detectV1(&v1_why)) return v1;
  *why = v2_why + "; " + v1_why;
  return nullptr;
}

}  // namespace polyrun::detail
