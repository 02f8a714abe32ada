// The cgroup v2 delegation (core/runtime/sandbox/cgroup.cc) on a directory shaped like a delegated
// cgroup: what it creates and where, which does not need a cgroup v2 host.
#include "cgroup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;

// A group as the kernel shows it: its available controllers and an empty subtree_control.
void makeGroup(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "cgroup.controllers") << "cpuset cpu io memory pids\n";
  std::ofstream(dir / "cgroup.subtree_control") << "";
}

// A slave's delegated group (as systemd's Delegate=yes gives one), in a temporary directory.
class CgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override { makeGroup(own_); }
  std::unique_ptr<detail::CgroupManager> detect(const fs::path& group) {
    std::string why;
    auto cgroups = detail::detectCgroupV2At(group.string(), false, &why);
    EXPECT_NE(cgroups, nullptr) << why;
    return cgroups;
  }
  TempDir dir_;
  const fs::path own_ = fs::path(dir_.path()) / "slave.scope";
  const fs::path leaf_ = own_ / "polyrun-service";
};

TEST_F(CgroupV2Test, TheSlaveMovesIntoALeafAndEnablesMemoryAndPidsForItsGroups) {
  auto cgroups = detect(own_);
  ASSERT_NE(cgroups, nullptr);
  EXPECT_TRUE(cgroups->limitsMemory() && cgroups->limitsProcesses() && cgroups->accountsCpu());
  std::ifstream procs(leaf_ / "cgroup.procs");
  pid_t moved = 0;
  procs >> moved;
  EXPECT_EQ(moved, ::getpid());
}

// Each sandbox made in one process used to move it one level deeper
// (.../polyrun-service/polyrun-service).
TEST_F(CgroupV2Test, ASecondSandboxInTheSameProcessUsesTheSameGroup) {
  ASSERT_NE(detect(own_), nullptr);
  // The process now lives in the leaf, which is what /proc/self/cgroup says from then on.
  makeGroup(leaf_);
  ASSERT_NE(detect(leaf_), nullptr);
  EXPECT_FALSE(fs::exists(leaf_ / "polyrun-service")) << "nested one level deeper";
}

// A slave started by hand used to leave its polyrun-service directory behind when it stopped.
TEST_F(CgroupV2Test, AStoppedSlaveLeavesItsGroupAsItFoundIt) {
  auto cgroups = detect(own_);
  ASSERT_NE(cgroups, nullptr);
  // A cgroup directory is removable with its files in it; a plain one only once they are gone.
  for (const char* file : {"cgroup.procs", "cgroup.controllers", "cgroup.subtree_control"})
    fs::remove(leaf_ / file);
  cgroups.reset();
  EXPECT_FALSE(fs::exists(leaf_)) << "the leaf is left behind";
  std::ifstream procs(own_ / "cgroup.procs");
  pid_t back = 0;
  procs >> back;
  EXPECT_EQ(back, ::getpid()) << "the slave moves back into its group first";
  std::ifstream subtree(own_ / "cgroup.subtree_control");
  std::string last;
  subtree >> last;
  EXPECT_EQ(last, "-pids") << "and disables the controllers it enabled";
}

// A slave in a login session's scope, which other processes share: the kernel refuses to
// delegate (here: subtree_control cannot be written). The slave used to stay in its leaf.
TEST_F(CgroupV2Test, AGroupThatCannotBeDelegatedGetsTheSlaveBack) {
  fs::remove(own_ / "cgroup.subtree_control");
  fs::create_directory(own_ / "cgroup.subtree_control");  // unwritable as a file
  std::string why;
  EXPECT_EQ(detail::detectCgroupV2At(own_.string(), false, &why), nullptr);
  EXPECT_NE(why.find("cannot delegate controllers"), std::string::npos) << why;
  std::ifstream procs(own_ / "cgroup.procs");
  pid_t back = 0;
  procs >> back;
  EXPECT_EQ(back, ::getpid()) << "the slave is left in its leaf";
}

// slave.sandbox.cgroup_root: a group the operator made for the stage groups, as isolate's
// cg_root. The slave does not live in it and leaves it as it found it, save the controllers.
TEST_F(CgroupV2Test, AConfiguredRootHoldsTheStageGroupsAndStaysTheOperators) {
  const fs::path root = fs::path(dir_.path()) / "polyrun";
  makeGroup(root);
  std::string why;
  auto cgroups = detail::useCgroupV2Root(root.string(), &why);
  ASSERT_NE(cgroups, nullptr) << why;
  EXPECT_NE(cgroups->describe().find("under " + root.string()), std::string::npos);
  std::ifstream subtree(root / "cgroup.subtree_control");
  std::string last;
  subtree >> last;
  EXPECT_EQ(last, "+pids") << "controllers are enabled for its children";
  std::unique_ptr<detail::StageCgroup> group;
  ASSERT_EQ(cgroups->acquire(64 << 20, 10, &group).message(), "");
  ASSERT_NE(group, nullptr);
  int stages = 0;
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().filename().string().rfind("stage-", 0) == 0) ++stages;
  EXPECT_EQ(stages, 1) << "the stage's group is made under the root";
  EXPECT_FALSE(fs::exists(root / "polyrun-service")) << "the slave does not move into the root";
  EXPECT_FALSE(fs::exists(root / "cgroup.procs")) << "the slave does not move into the root";
  group.reset();
  cgroups.reset();
  EXPECT_TRUE(fs::exists(root));
}

TEST_F(CgroupV2Test, AConfiguredRootWithoutControllersIsRefusedWithTheReason) {
  const fs::path root = fs::path(dir_.path()) / "bare";
  fs::create_directories(root);
  std::ofstream(root / "cgroup.controllers") << "cpu io\n";
  std::string why;
  EXPECT_EQ(detail::useCgroupV2Root(root.string(), &why), nullptr);
  EXPECT_NE(why.find("neither the memory nor the pids controller"), std::string::npos) << why;
}

TEST(CgroupSetupTest, AConfiguredRootOutsideACgroupFileSystemIsRefused) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(detail::detectCgroups({dir.path()}, &why), nullptr);
  EXPECT_NE(why.find("is not a directory of a cgroup v2 file system"), std::string::npos) << why;
}

}  // namespace
}  // namespace polyrun::test
