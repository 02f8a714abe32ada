// Routing decisions over snapshots of slave states: no sockets, no processes.
#include "router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace polyrun::master {
namespace {

RunnerInfo lang(const std::string& name, const std::string& version,
                std::vector<std::string> aliases = {}) {
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

TEST(RouterTest, NeverToADrainingSlave) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy}), slave(2, 1, 2, {kPy})};
  s[0].draining = true;
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
  s[1].draining = true;
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), std::nullopt);
  EXPECT_EQ(pickVersion(s, "python", "*"), std::nullopt) << "a draining slave offers nothing new";
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
  std::vector<SlaveSnapshot> s = {slave(1, 0, 100, {kPy}), slave(2, 0, 100, {kPy}),
                                  slave(3, 0, 100, {kPy})};
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
  std::vector<SlaveSnapshot> s = {
      slave(1, 0, 2, {lang("python", "3.9.18"), lang("python", "3.11.2")}),
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

TEST(RouterTest, ScoreIsSlotsInUsePlusAQuarterOfCpuPressure) {
  SlaveSnapshot s = slave(1, 1, 4, {kPy}, 0.5);
  EXPECT_DOUBLE_EQ(cpuPressure(s), 0.5);
  EXPECT_DOUBLE_EQ(slaveScore(s), 0.25 + 0.25 * 0.5);
  s.cpu_busy = 0.93;  // the larger of load per core and busy fraction, rounded down to a tenth
  EXPECT_DOUBLE_EQ(cpuPressure(s), 0.9);
  s.load_avg = 12;  // capped at 4
  EXPECT_DOUBLE_EQ(cpuPressure(s), 4.0);
  s.capacity = 0;  // no slot at all counts as full
  s.load_avg = s.cpu_busy = 0;
  EXPECT_DOUBLE_EQ(slaveScore(s), 1.0);
}

TEST(RouterTest, BusyCpuCountsLikeLoad) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy}), slave(2, 0, 2, {kPy})};
  s[0].cpu_busy = 0.8;
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2);
}

TEST(RouterTest, SmallCpuDifferencesDoNotStopTurnTaking) {
  std::vector<SlaveSnapshot> s = {slave(1, 0, 2, {kPy}, 0.41, 2), slave(2, 0, 2, {kPy}, 0.44, 1)};
  EXPECT_EQ(pickSlave(s, "python", "3.11.2"), 2) << "same tenth: the one assigned least recently";
}

// The indexed Router gives the reference answers over the same snapshots, through any sequence
// of updates.
TEST(RouterTest, IndexedRouterAgreesWithTheReference) {
  std::mt19937 rng(42);
  RunnerInfo java = lang("java", "17.0.2"), cpp = lang("c++", "12.2.0", {"cpp"});
  java.compiled = cpp.compiled = true;  // affinity applies to them
  const std::vector<RunnerInfo> catalogue = {kPy, lang("python", "3.12.1", {"py"}), kC, java, cpp};
  auto randomSlave = [&](int id) {
    std::vector<RunnerInfo> langs;
    for (const auto& l : catalogue)
      if (rng() % 2) langs.push_back(l);
    SlaveSnapshot s = slave(id, 0, int(rng() % 4), langs, (rng() % 50) / 10.0, rng() % 5);
    s.running = s.capacity ? int(rng() % (s.capacity + 1)) : 0;
    s.cpu_busy = (rng() % 11) / 10.0;
    s.draining = rng() % 7 == 0;
    return s;
  };
  Router router;
  std::map<int, SlaveSnapshot> mirror;
  for (int id = 1; id <= 40; ++id) {
    mirror[id] = randomSlave(id);
    router.update(mirror[id]);
  }
  auto check = [&](int step) {
    std::vector<SlaveSnapshot> all;
    for (const auto& [id, s] : mirror) all.push_back(s);
    for (const auto& l : catalogue) {
      ASSERT_EQ(router.pick(l.language, l.version), pickSlave(all, l.language, l.version))
          << l.language << " " << l.version << " at step " << step;
      for (uint64_t affinity : {1ull, 0x9e3779b97f4a7c15ull, 12345ull})
        ASSERT_EQ(router.pick(l.language, l.version, affinity),
                  pickSlave(all, l.language, l.version, affinity))
            << l.language << " " << l.version << " affinity " << affinity << " at step " << step;
      for (const std::string pattern : {"*", "3", "3.11", "17", "12.2.0", "9"}) {
        ASSERT_EQ(router.pickVersion(l.language, pattern), pickVersion(all, l.language, pattern))
            << l.language << " " << pattern << " at step " << step;
        const bool known = std::any_of(all.begin(), all.end(), [&](const SlaveSnapshot& s) {
          return std::any_of(s.languages.begin(), s.languages.end(), [&](const RunnerInfo& r) {
            return r.language == l.language && versionMatches(r.version, pattern);
          });
        });
        ASSERT_EQ(router.offersVersion(l.language, pattern), known) << l.language << " " << pattern;
      }
    }
    std::vector<RunnerInfo> languages;
    for (const auto& s : all)
      languages.insert(languages.end(), s.languages.begin(), s.languages.end());
    for (const std::string name : {"python", "py", "gcc", "cpp", "java", "cobol"})
      ASSERT_EQ(router.resolveLanguage(name), resolveLanguage(languages, name)) << name;
  };
  check(0);
  uint64_t seq = 100;
  for (int step = 1; step <= 2000; ++step) {
    const int id = 1 + int(rng() % 45);
    SlaveSnapshot& s = mirror[id];
    const bool known = router.find(id) != nullptr;
    switch (known ? rng() % 7 : 6) {
      case 0:
        s.running = s.capacity ? int(rng() % (s.capacity + 1)) : 0;
        router.setRunning(id, s.running);
        break;
      case 1:
        s.load_avg = (rng() % 50) / 10.0;
        s.cpu_busy = (rng() % 11) / 10.0;
        router.setLoad(id, s.load_avg, s.cpu_busy);
        break;
      case 2:
        s.draining = !s.draining;
        router.setDraining(id, s.draining);
        break;
      case 3:
        s.languages = randomSlave(id).languages;
        router.setLanguages(id, s.languages);
        break;
      case 4:
        if (hasFreeSlot(s)) {
          ++s.running;
          s.last_assigned = ++seq;
          router.assigned(id, seq);
        }
        break;
      case 5:
        router.remove(id);
        mirror.erase(id);
        break;
      default:
        s = randomSlave(id);
        router.update(s);
        break;
    }
    check(step);
    if (HasFatalFailure()) return;
  }
}

TEST(RouterTest, IndexedRouterTakesTurnsAndStopsAtCapacity) {
  Router router;
  for (int id = 1; id <= 3; ++id) router.update(slave(id, 0, 2, {kPy}));
  std::map<int, int> counts;
  uint64_t seq = 0;
  for (int i = 0; i < 6; ++i) {
    auto id = router.pick("python", "3.11.2");
    ASSERT_TRUE(id);
    ++counts[*id];
    router.assigned(*id, ++seq);
  }
  EXPECT_EQ(counts, (std::map<int, int>{{1, 2}, {2, 2}, {3, 2}}));
  EXPECT_EQ(router.pick("python", "3.11.2"), std::nullopt) << "every slot taken";
  router.setRunning(2, 1);
  EXPECT_EQ(router.pick("python", "3.11.2"), 2) << "a freed slot is found at once";
  router.setDraining(2, true);
  EXPECT_EQ(router.pick("python", "3.11.2"), std::nullopt);
  EXPECT_EQ(router.pickVersion("python", "*"), "3.11.2") << "the others still offer it";
  router.setDraining(1, true);
  router.setDraining(3, true);
  EXPECT_EQ(router.pickVersion("python", "*"), std::nullopt);
  EXPECT_TRUE(router.offersVersion("python", "3")) << "known, though nobody takes new jobs";
  EXPECT_FALSE(router.offersVersion("python", "2"));
  EXPECT_EQ(router.resolveLanguage("py"), "python") << "names still resolve while draining";
}

TEST(RouterTest, LanguageNamesAndRemoval) {
  Router router;
  router.update(slave(1, 0, 1, {kPy, kC}));
  router.update(slave(2, 0, 1, {kPy}));
  EXPECT_EQ(router.languageNames(), (std::vector<std::string>{"c", "python"}));
  router.remove(1);
  EXPECT_EQ(router.languageNames(), (std::vector<std::string>{"python"}));
  EXPECT_EQ(router.resolveLanguage("gcc"), std::nullopt);
  EXPECT_EQ(router.pick("c", "12.2.0"), std::nullopt);
  EXPECT_EQ(router.size(), 1u);
}

// --- cache affinity -----------------------------------------------------------------------------

RunnerInfo compiled(const std::string& name, const std::string& version) {
  RunnerInfo info = lang(name, version);
  info.compiled = true;
  return info;
}
const RunnerInfo kCpp = compiled("c++", "12.2.0");

std::vector<SlaveSnapshot> idleCppSlaves(int n, int capacity = 4) {
  std::vector<SlaveSnapshot> s;
  for (int id = 1; id <= n; ++id) s.push_back(slave(id, 0, capacity, {kCpp, kPy}));
  return s;
}

Job jobOf(const std::string& language, const std::string& content,
          const std::string& name = "main") {
  Job job;
  job.language = language;
  job.files = {{name, content, Encoding::kUtf8}};
  return job;
}

TEST(RouterAffinityTest, JobAffinityHashesLanguageAndFiles) {
  EXPECT_EQ(jobAffinity(jobOf("c++", "int main(){}")), jobAffinity(jobOf("c++", "int main(){}")));
  EXPECT_NE(jobAffinity(jobOf("c++", "int main(){}")), jobAffinity(jobOf("c++", "int main(){ }")));
  EXPECT_NE(jobAffinity(jobOf("c++", "x")), jobAffinity(jobOf("c", "x")));
  EXPECT_NE(jobAffinity(jobOf("c++", "x", "a.cpp")), jobAffinity(jobOf("c++", "x", "b.cpp")));
  EXPECT_NE(jobAffinity(jobOf("c++", "")), 0u);
}

TEST(RouterAffinityTest, SameSourceMeetsTheSameSlaveAndSourcesSpreadOverAll) {
  const auto slaves = idleCppSlaves(8);
  auto reversed = slaves;
  std::reverse(reversed.begin(), reversed.end());
  Router router;
  for (const auto& s : slaves) router.update(s);
  std::map<int, int> per_slave;
  for (int i = 0; i < 400; ++i) {
    const uint64_t affinity = jobAffinity(jobOf("c++", "source " + std::to_string(i)));
    const auto pick = pickSlave(slaves, "c++", "12.2.0", affinity);
    ASSERT_TRUE(pick.has_value());
    EXPECT_EQ(pickSlave(slaves, "c++", "12.2.0", affinity), pick) << "stable";
    EXPECT_EQ(pickSlave(reversed, "c++", "12.2.0", affinity), pick) << "whatever the slaves' order";
    EXPECT_EQ(router.pick("c++", "12.2.0", affinity), pick);
    per_slave[*pick]++;
  }
  EXPECT_EQ(per_slave.size(), 8u) << "every slave gets its share of sources";
  for (const auto& [id, n] : per_slave)
    EXPECT_GT(n, 20) << "slave " << id << " got " << n << " of 400";
}

TEST(RouterAffinityTest, PrefersTheAffineSlaveOnlyWithinTheMargin) {
  // Slave 2 has one job more out of 4 slots (0.25: within the margin); find sources it wins.
  std::vector<SlaveSnapshot> s = {slave(1, 0, 4, {kCpp}), slave(2, 1, 4, {kCpp})};
  uint64_t prefers_2 = 0;
  for (uint64_t a = 1; a < 1000 && !prefers_2; ++a)
    if (affinityWeight(2, a) > affinityWeight(1, a)) prefers_2 = a;
  ASSERT_NE(prefers_2, 0u);
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0", prefers_2), 2) << "similar load: the cache wins";
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0"), 1) << "without affinity: the least loaded";
  s[1].running = 2;  // 0.5: beyond the margin
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0", prefers_2), 1) << "a real load gap beats the cache";
  s[1].running = 4;  // full
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0", prefers_2), 1);
}

TEST(RouterAffinityTest, InterpretedLanguagesIgnoreAffinity) {
  const auto slaves = idleCppSlaves(5);
  for (uint64_t a = 1; a < 50; ++a)
    EXPECT_EQ(pickSlave(slaves, "python", "3.11.2", a), pickSlave(slaves, "python", "3.11.2"));
}

TEST(RouterAffinityTest, ALeavingSlaveMovesOnlyItsOwnSources) {
  auto slaves = idleCppSlaves(6);
  std::map<uint64_t, int> before_pick;
  for (uint64_t a = 1; a <= 300; ++a)
    before_pick[a] = *pickSlave(slaves, "c++", "12.2.0", a * 7919);
  slaves.erase(slaves.begin() + 2);  // slave 3 leaves
  int moved = 0;
  for (const auto& [a, id] : before_pick) {
    const int now = *pickSlave(slaves, "c++", "12.2.0", a * 7919);
    if (id != 3) EXPECT_EQ(now, id) << "a source of a slave still there keeps its slave";
    moved += now != id;
  }
  EXPECT_GT(moved, 0);
}

// A job whose checker program is in another language goes only to a slave offering both.
SlaveFilter offering(const std::string& language, const std::string& pattern) {
  return [=](const SlaveSnapshot& s) { return newestVersionOn(s, language, pattern).has_value(); };
}

TEST(RouterCheckerTest, AJobWithACheckerInAnotherLanguageNeedsBoth) {
  const RunnerInfo cpp = lang("c++", "12.2.0", {"cpp"});
  // The idlest slave lacks the checker's language; the one offering both is busier.
  const std::vector<SlaveSnapshot> s = {slave(1, 0, 4, {cpp}), slave(2, 2, 4, {cpp, kPy}),
                                        slave(3, 0, 4, {kPy})};
  Router router;
  for (const auto& one : s) router.update(one);
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0"), 1) << "without a checker: the idlest";
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0", 0, offering("python", "*")), 2);
  EXPECT_EQ(router.pick("c++", "12.2.0", 0, offering("python", "*")), 2);
  EXPECT_EQ(router.pick("c++", "12.2.0", 0, offering("python", "3.11")), 2);
  EXPECT_EQ(router.pick("c++", "12.2.0", 0, offering("python", "3.12")), std::nullopt)
      << "no slave has that checker version";
  EXPECT_EQ(pickSlave(s, "c++", "12.2.0", 0, offering("python", "3.12")), std::nullopt);
  EXPECT_EQ(router.pick("c++", "12.2.0", 12345, offering("python", "*")), 2)
      << "affinity never picks a slave without the checker's language";

  EXPECT_TRUE(router.offersBoth("c++", "*", "python", "3"));
  EXPECT_FALSE(router.offersBoth("c++", "*", "python", "2"));
  router.remove(2);
  EXPECT_FALSE(router.offersBoth("c++", "*", "python", "*")) << "each offers one of them";
  EXPECT_EQ(router.pick("c++", "12.2.0", 0, offering("python", "*")), std::nullopt);
}

TEST(RouterCheckerTest, NewestVersionOnASlave) {
  const SlaveSnapshot s = slave(1, 0, 1, {lang("python", "3.9.1"), lang("python", "3.11.2")});
  EXPECT_EQ(newestVersionOn(s, "python", "*"), "3.11.2");
  EXPECT_EQ(newestVersionOn(s, "python", "3.9"), "3.9.1");
  EXPECT_EQ(newestVersionOn(s, "python", "2"), std::nullopt);
  EXPECT_EQ(newestVersionOn(s, "c", "*"), std::nullopt);
}

}  // namespace
}  // namespace polyrun::master
