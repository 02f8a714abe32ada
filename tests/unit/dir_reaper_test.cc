// DirReaper: directories handed over are removed with their contents (links not followed),
// flush() waits for them, the destructor removes what is still queued, and a full queue makes
// callers wait without losing anything.
#include "polyrun/dir_reaper.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace polyrun
