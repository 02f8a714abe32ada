// The cgroup v2 delegation (core/src/cgroup.cc) on a directory shaped like a delegated cgroup:
// what it creates and where, which does not need a cgroup v2 host.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cgroup.h"
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
    auto cgroups = detail::detectCgroupV2At(group.string(), &why);
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

}  // namespace
}  // namespace polyrun::test
