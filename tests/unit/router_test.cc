// Routing decisions over snapshots of slave states: no sockets, no processes.
#include "router.h"

#include <gtest/gtest.h>

#include <map>

namespace polyrun::master {
namespace {

RunnerInfo lang(const std::string& name, const std::string& version, std::vector<std::string> aliases = {}) {
  RunnerInfo info;
  info.language = name;
  info.version = version;
  info.aliases = std::move(aliases);
  return info;
}

SlaveSnapshot slave(int id, int running, int capacity, std::vector<RunnerInfo> languages,
                    double load = 0, uint64_t last_assigned = 0) {
  SlaveSnapshot s;
  s.id = id;
  s.running = running;
  s.capacity = capacity;
  s.languages = std::move(languages);
  s.load_avg = load;
  s.last_assigned = last_assigned;
  return s;
}

const RunnerInfo kPy = lang("python", "3.11.2", {"py", "python3"});
const RunnerInfo kC = lang("c", "12.2.0", {"gcc"});

TEST(RouterTest, IdleSlaveBeatsBusyOne) {
  std::vector<SlaveSnapshot> s = {slave(1, 1, 2, {kPy}), slave(2, 0, 2, {kPy})};
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
}

TEST(RouterTest, ComparesFractionOfSlotsInUseNotCounts) {
  // 2 of 8 slots used is more room than 1 of 2.
  std::vector<SlaveSnapshot> s = {slave(1, 1, 2, {kPy}), slave(2, 2, 8, {kPy})};
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
}

TEST(RouterTest, OnlySlaveWithTheLanguageGetsIt) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 4, {kPy}), slave(2, 3, 4, {kPy, kC})};
  EXPECT_EQ(pickSlave(s, "c", "12.2.0"), 2);
}

TEST(RouterTest, NeverOverCapacity) {
  std::vector<SlaveSnapshot> s = {slave(1, 2, 2, {kPy}), slave(2, 5, 5, {kPy})};
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), std::nullopt);
  s.push_back(slave(3, 0, 0, {kPy}));  // capacity 0 takes nothing
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), std::nullopt);
}

TEST(RouterTest, NeverToASlaveThatIsNotReady) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy}), slave(2, 1, 2, {kPy})};
  s[0].ready = false;
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
  s[1].ready = false;
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), std::nullopt);
}

TEST(RouterTest, NoSlaveOffersTheLanguageOrVersion) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy})};
  EXPECT_EQ(pickSlave(s, "java", "17"), std::nullopt);
  EXPECT_EQ(pickSlave(s, "python", "3.12.0"), std::nullopt);
  EXPECT_EQ(pickSlave({}, "python", "3.11.2"), std::nullopt);
}

TEST(RouterTest, CpuLoadBreaksTiesInSlotUse) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy}, 0.9), slave(2, 0, 2, {kPy}, 0.1)};
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
}

TEST(RouterTest, EqualSlavesTakeTurns) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 100, {kPy}), slave(2, 0, 100, {kPy}), slave(3, 0, 100, {kPy})};
  std::map<int, int> counts;
  uint64_t seq = 0;
  for (int i = 0; i < 30; ++i) {
    auto id = pickSlave(s, "python", "3.11.2");
    ASSERT_TRUE(id);
    ++counts[*id];
    // The scheduler's bookkeeping after an assignment, and the job finishing at once.
    s[*id - 1].last_assigned = ++seq;
  }
  EXPECT_EQ(counts, (std::map<int, int>{{1, 10}, {2, 10}, {3, 10}}));
}

TEST(RouterTest, VersionMatching) {
  EXPECT_TRUE(versionMatches("3.11.2", ""));
  EXPECT_TRUE(versionMatches("3.11.2", "*"));
  EXPECT_TRUE(versionMatches("3.11.2", "3"));
  EXPECT_TRUE(versionMatches("3.11.2", "3.x"));
  EXPECT_TRUE(versionMatches("3.11.2", "3.11"));
  EXPECT_TRUE(versionMatches("3.11.2", "3.11.2"));
  EXPECT_TRUE(versionMatches("3.11.2", "3.11.*"));
  EXPECT_FALSE(versionMatches("3.11.2", "3.1"));
  EXPECT_FALSE(versionMatches("3.11.2", "2"));
  EXPECT_FALSE(versionMatches("3.11.2", "3.11.2.1"));
}

TEST(RouterTest, CompareVersionsIsNumericPerComponent) {
  EXPECT_GT(compareVersions("3.10", "3.9"), 0);
  EXPECT_LT(compareVersions("3.9.1", "3.10"), 0);
  EXPECT_EQ(compareVersions("17.0", "17"), 0);
  EXPECT_GT(compareVersions("12.2.0", "12.1.9"), 0);
}

TEST(RouterTest, NewestMatchingVersionWins) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {lang("python", "3.9.18"), lang("python", "3.11.2")}),
                                  slave(2, 0, 2, {lang("python", "3.10.4")})};
  EXPECT_EQ(pickVersion(s, "python", "*"), "3.11.2");
  EXPECT_EQ(pickVersion(s, "python", "3.10"), "3.10.4");
  EXPECT_EQ(pickVersion(s, "python", "2"), std::nullopt);
  EXPECT_EQ(pickSlave(s, "python", "3.10.4"), 2);
}

TEST(RouterTest, ResolvesAliases) {
  std::vector<RunnerInfo> langs = {kPy, kC};
  EXPECT_EQ(resolveLanguage(langs, "python"), "python");
  EXPECT_EQ(resolveLanguage(langs, "py"), "python");
  EXPECT_EQ(resolveLanguage(langs, "gcc"), "c");
  EXPECT_EQ(resolveLanguage(langs, "cobol"), std::nullopt);
}

}  // namespace
}  // namespace polyrun::master
