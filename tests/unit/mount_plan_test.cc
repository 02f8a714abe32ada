// The zygote's root as data (core/runtime/sandbox/mount_plan.cc): the steps decided for given
// options on a fake host, without root or namespaces. What runs them is the zygote's runStep.
#include "mount_plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <map>
#include <set>

namespace polyrun::test {
namespace {
using detail::HostFiles;
using detail::MountStep;

// A host of the given paths; every path is on a nosuid, nodev file system.
class FakeHost final : public HostFiles {
 public:
  std::map<std::string, Kind> kinds;
  std::map<std::string, std::string> links;
  Kind kind(const std::string& path) const override {
    const auto it = kinds.find(path);
    return it == kinds.end() ? Kind::kMissing : it->second;
  }
  std::string readLink(const std::string& path) const override {
    const auto it = links.find(path);
    return it == links.end() ? "" : it->second;
  }
  unsigned long lockedFlags(const std::string&) const override { return MS_NOSUID | MS_NODEV; }
  std::vector<std::string> list(const std::string& dir) const override {
    std::vector<std::string> entries;
    for (const auto& [path, kind] : kinds)
      if (path.rfind(dir + "/", 0) == 0 && path.find('/', dir.size() + 1) == std::string::npos)
        entries.push_back(path);
    return entries;
  }
};

// A Debian-like host: merged /usr (the /bin, /sbin and /lib links), no /lib32 or /libx32.
FakeHost debianHost() {
  FakeHost host;
  host.kinds = {{"/usr", HostFiles::Kind::kDirectory},
                {"/bin", HostFiles::Kind::kSymlink},
                {"/sbin", HostFiles::Kind::kSymlink},
                {"/lib", HostFiles::Kind::kSymlink},
                {"/lib64", HostFiles::Kind::kSymlink},
                {"/etc", HostFiles::Kind::kDirectory},
                {"/etc/ld.so.cache", HostFiles::Kind::kOther},
                {"/etc/alternatives", HostFiles::Kind::kDirectory},
                {"/etc/java-17-openjdk", HostFiles::Kind::kDirectory},
                {"/etc/python3.11", HostFiles::Kind::kDirectory},
                {"/etc/shadow", HostFiles::Kind::kOther},
                {"/etc/ssh", HostFiles::Kind::kDirectory},
                {"/opt", HostFiles::Kind::kDirectory},
                {"/opt/jdk", HostFiles::Kind::kDirectory}};
  host.links = {
      {"/bin", "usr/bin"}, {"/sbin", "usr/sbin"}, {"/lib", "usr/lib"}, {"/lib64", "usr/lib64"}};
  return host;
}

std::vector<MountStep> planFor(const HostFiles& host, std::vector<std::string> readonly = {}) {
  std::vector<MountStep> steps;
  const Status status = detail::buildMountPlan({"/state/root", std::move(readonly)}, host, &steps);
  EXPECT_TRUE(status.isOk()) << status.message();
  return steps;
}

const MountStep* find(const std::vector<MountStep>& steps, const std::string& target) {
  for (const auto& s : steps)
    if (s.target == target) return &s;
  return nullptr;
}

TEST(MountPlanTest, TheRootIsATmpfsBuiltFirstUnderTheGivenFolder) {
  const auto steps = planFor(debianHost());
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps[0].kind, MountStep::kTmpfs);
  EXPECT_EQ(steps[0].target, "/state/root");
  EXPECT_EQ(steps[0].source, "size=4m,mode=0755");
  for (const auto& s : steps) EXPECT_EQ(s.target.rfind("/state/root", 0), 0u) << s.target;
}

TEST(MountPlanTest, HostFoldersAreBoundReadOnlyWithTheirLockedFlagsAndLinksStayLinks) {
  const auto steps = planFor(debianHost());
  const MountStep* usr = find(steps, "/state/root/usr");
  ASSERT_NE(usr, nullptr);
  EXPECT_EQ(usr->kind, MountStep::kBind);
  EXPECT_EQ(usr->source, "/usr");
  EXPECT_TRUE(usr->read_only);
  EXPECT_EQ(usr->flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV));
  const MountStep* cache = find(steps, "/state/root/etc/ld.so.cache");
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->kind, MountStep::kBindFile);
  EXPECT_TRUE(cache->read_only);
  const MountStep* bin = find(steps, "/state/root/bin");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(bin->kind, MountStep::kSymlink);
  EXPECT_EQ(bin->source, "usr/bin");
}

TEST(MountPlanTest, PathsTheHostLacksAreSkipped) {
  const auto steps = planFor(debianHost(), {"/opt/jdk", "/opt/missing"});
  EXPECT_EQ(find(steps, "/state/root/lib32"), nullptr);
  EXPECT_EQ(find(steps, "/state/root/libx32"), nullptr);
  EXPECT_EQ(find(steps, "/state/root/opt/missing"), nullptr);
  const MountStep* jdk = find(steps, "/state/root/opt/jdk");
  ASSERT_NE(jdk, nullptr);
  EXPECT_EQ(jdk->kind, MountStep::kBind);
  EXPECT_TRUE(jdk->read_only);
}

TEST(MountPlanTest, OfTheHostsEtcOnlyWhatTheToolsReadAndWrittenAccounts) {
  const auto steps = planFor(debianHost());
  EXPECT_NE(find(steps, "/state/root/etc/alternatives"), nullptr);
  EXPECT_NE(find(steps, "/state/root/etc/java-17-openjdk"), nullptr);
  EXPECT_NE(find(steps, "/state/root/etc/python3.11"), nullptr);
  EXPECT_EQ(find(steps, "/state/root/etc/shadow"), nullptr);
  EXPECT_EQ(find(steps, "/state/root/etc/ssh"), nullptr);
  const MountStep* passwd = find(steps, "/state/root/etc/passwd");
  ASSERT_NE(passwd, nullptr);
  EXPECT_EQ(passwd->kind, MountStep::kWriteFile);
  EXPECT_NE(passwd->source.find("sandbox:x:1000:1000:"), std::string::npos);
  for (const char* file : {"/state/root/etc/group", "/state/root/etc/hosts"}) {
    const MountStep* s = find(steps, file);
    ASSERT_NE(s, nullptr) << file;
    EXPECT_EQ(s->kind, MountStep::kWriteFile);
  }
}

TEST(MountPlanTest, AReadOnlyPathThatIsNotAbsoluteIsRefusedByName) {
  std::vector<MountStep> steps;
  const Status status =
      detail::buildMountPlan({"/state/root", {"/opt/jdk", "opt/other"}}, debianHost(), &steps);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("\"opt/other\" must be absolute"), std::string::npos)
      << status.message();
  steps.clear();
  EXPECT_FALSE(detail::buildMountPlan({"/state/root", {""}}, debianHost(), &steps).isOk());
}

// Nothing the program could write to: every bind but the device nodes is read-only; the
// tmpfses are the root (which each stage makes read-only) and /dev (remounted read-only after
// its last entry), and /tmp and /dev/shm are only mount points for each stage's own.
TEST(MountPlanTest, NothingIsLeftWritableButTheStagesOwnMountPoints) {
  const auto steps = planFor(debianHost(), {"/opt/jdk"});
  const std::set<std::string> devices = {"/state/root/dev/null", "/state/root/dev/zero",
                                         "/state/root/dev/random", "/state/root/dev/urandom"};
  std::set<std::string> tmpfs;
  size_t last_under_dev = 0, dev_read_only = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const MountStep& s = steps[i];
    if (s.kind == MountStep::kBind || s.kind == MountStep::kBindFile) {
      if (devices.count(s.target)) {
        EXPECT_FALSE(s.read_only) << s.target << ": device nodes keep their flags";
        EXPECT_EQ(s.source, s.target.substr(std::string("/state/root").size()));
      } else {
        EXPECT_TRUE(s.read_only) << s.target;
      }
    }
    if (s.kind == MountStep::kTmpfs) tmpfs.insert(s.target);
    if (s.kind == MountStep::kReadOnly && s.target == "/state/root/dev")
      dev_read_only = i;
    else if (s.target.rfind("/state/root/dev/", 0) == 0)
      last_under_dev = i;
  }
  EXPECT_EQ(tmpfs, (std::set<std::string>{"/state/root", "/state/root/dev"}));
  ASSERT_GT(dev_read_only, 0u) << "/dev is never made read-only";
  EXPECT_GT(dev_read_only, last_under_dev);
  EXPECT_EQ(steps[dev_read_only].flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV));
  for (const char* point : {"/state/root/tmp", "/state/root/dev/shm"}) {
    const MountStep* s = find(steps, point);
    ASSERT_NE(s, nullptr) << point;
    EXPECT_EQ(s->kind, MountStep::kMkdir) << point;
  }
  const MountStep* proc = find(steps, "/state/root/proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->kind, MountStep::kProc);
}

}  // namespace
}  // namespace polyrun::test
