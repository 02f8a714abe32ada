// DirReaper: directories handed over are removed with their contents (links not followed),
// flush() waits for them, the destructor removes what is still queued, and a full queue makes
// callers wait without losing anything.
#include "polyrun/dir_reaper.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace polyrun {
namespace {
namespace fs = std::filesystem;

std::string makeTree(const fs::path& root, const std::string& name) {
  const fs::path dir = root / name;
  fs::create_directories(dir / "deep/er");
  std::ofstream(dir / "deep/er/file") << "content";
  std::ofstream(dir / "top") << "x";
  return dir.string();
}

TEST(DirReaperTest, RemovesWhatItIsGivenAndFlushWaitsForIt) {
  test::TempDir tmp;
  DirReaper reaper;
  std::vector<std::string> dirs;
  for (int i = 0; i < 20; ++i) dirs.push_back(makeTree(tmp.path(), "job-" + std::to_string(i)));
  for (const auto& d : dirs) reaper.remove(d);
  reaper.flush();
  for (const auto& d : dirs) EXPECT_FALSE(fs::exists(d)) << d;
  EXPECT_EQ(reaper.removed(), dirs.size());
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(DirReaperTest, FollowsNoLinkOutOfTheDirectory) {
  test::TempDir tmp;
  const fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(outside);
  std::ofstream(outside / "keep") << "precious";
  const std::string dir = makeTree(tmp.path(), "job");
  fs::create_directory_symlink(outside, fs::path(dir) / "link");
  DirReaper reaper;
  reaper.remove(dir);
  reaper.flush();
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::exists(outside / "keep"));
}

TEST(DirReaperTest, DestructorRemovesEverythingStillQueued) {
  test::TempDir tmp;
  std::vector<std::string> dirs;
  for (int i = 0; i < 50; ++i) dirs.push_back(makeTree(tmp.path(), "job-" + std::to_string(i)));
  {
    DirReaper reaper(8);
    for (const auto& d : dirs) reaper.remove(d);
  }
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(DirReaperTest, ABoundOfOneLosesNothingWithManyThreadsHandingOver) {
  test::TempDir tmp;
  // Four threads hand over 40 directories to a reaper that lets one wait at a time: each
  // remove() waits for room, and every call returns and every directory goes.
  DirReaper reaper(1);
  std::vector<std::string> dirs;
  for (int i = 0; i < 40; ++i) dirs.push_back(makeTree(tmp.path(), "job-" + std::to_string(i)));
  std::atomic<int> returned{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < dirs.size(); i += 4) {
        reaper.remove(dirs[i]);
        ++returned;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(returned.load(), 40);
  reaper.flush();
  EXPECT_EQ(reaper.removed(), 40u);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

// A job can nest directories far deeper than the descriptors a process may open (and than
// PATH_MAX): 600 levels are removed here under a limit of 64 descriptors.
TEST(DirReaperTest, RemovesATreeDeeperThanTheDescriptorLimit) {
  test::TempDir tmp;
  const std::string dir = tmp.path() + "/job";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 600; ++i) {
    ASSERT_EQ(::mkdirat(fd, "d", 0755), 0) << i;
    if (i % 50 == 0) ::close(::openat(fd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    const int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(next, 0) << i;
    ::close(fd);
    fd = next;
  }
  ::close(fd);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<std::string> failures;
  {
    DirReaper reaper(4, [&](const std::string& why) { failures.push_back(why); });
    rlimit low = saved;
    low.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    reaper.remove(dir);
    reaper.flush();
    ::setrlimit(RLIMIT_NOFILE, &saved);
    EXPECT_EQ(reaper.failed(), 0u);
  }
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_FALSE(fs::exists(dir));
}

// What cannot be removed (here a mount point, as root) is reported, and everything else goes.
TEST(DirReaperTest, ReportsWhatItCannotRemoveAndRemovesTheRest) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  // In a mount namespace of this (still single-threaded) process: nothing leaks to the host.
  ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  test::TempDir tmp;
  const std::string dir = makeTree(tmp.path(), "job");
  const fs::path busy = fs::path(dir) / "deep" / "busy";
  fs::create_directories(busy);
  ASSERT_EQ(::mount("tmpfs", busy.c_str(), "tmpfs", 0, "size=64k"), 0);
  std::ofstream(busy / "inside") << "x";
  std::vector<std::string> failures;
  {
    DirReaper reaper(4, [&](const std::string& why) { failures.push_back(why); });
    reaper.remove(dir);
    reaper.flush();
    EXPECT_EQ(reaper.failed(), 1u);
  }
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("busy"), std::string::npos) << failures[0];
  EXPECT_FALSE(fs::exists(fs::path(dir) / "top"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "deep/er"));
  EXPECT_FALSE(fs::exists(busy / "inside"));
  ::umount2(busy.c_str(), MNT_DETACH);
  EXPECT_EQ(removeTree(dir).message(), "");
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace polyrun
