// Routing decisions: which slave gets a job. Pure logic over snapshots of slave states, tested
// without sockets (tests/unit/router_test.cc). The policy is documented in docs/architecture.md
// ("Routing").
//
// Two forms of the same decision:
// - free functions over a vector of snapshots: the reference definition, simple to read and to
//   test;
// - class Router: the same decision kept indexed per (language, version), so that picking a
//   slave among 10,000 costs a hash lookup and the first element of an ordered set
//   (bench/router_bench.cc). Tests check that both agree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "polyrun/job.h"
#include "polyrun/runner.h"

namespace polyrun::master {

/// What routing knows about one slave.
struct SlaveSnapshot {
  int id = 0;
  bool draining = false;  // leaving (SIGTERM): takes no new job
  std::vector<RunnerInfo> languages;
  int running = 0;      // jobs the master assigned and has not yet seen end
  int capacity = 0;     // jobs it runs at once (slave.jobs.max)
  double load_avg = 0;  // reported 1-minute load average per core
  double cpu_busy = 0;  // reported fraction of CPU time busy since its previous heartbeat, 0..1
  uint64_t last_assigned = 0;  // sequence number of its latest assignment; 0 = never
};

/// Weight of CPU pressure against the fraction of slots in use (docs/architecture.md).
inline constexpr double kCpuWeight = 0.25;

/// max(load average per core, CPU busy fraction), capped at 4 and rounded down to a tenth, so
/// that small differences between heartbeats do not stop equal slaves from taking turns.
double cpuPressure(const SlaveSnapshot& slave);

/// The score routing minimises: running / capacity + kCpuWeight * cpuPressure.
double slaveScore(const SlaveSnapshot& slave);

/// True when the slave may take a job now: not draining and a free slot.
bool hasFreeSlot(const SlaveSnapshot& slave);

/// True when `version` satisfies `pattern`: empty or "*" matches all; otherwise an exact match
/// or a prefix on dot boundaries ("3" and "3.x" match "3.11.2"; "3.1" does not).
bool versionMatches(const std::string& version, const std::string& pattern);

/// Compares dotted versions numerically per component ("3.10" > "3.9"); <0, 0, >0.
int compareVersions(const std::string& a, const std::string& b);

/// The canonical language a name or alias refers to among `languages`; nullopt if none.
std::optional<std::string> resolveLanguage(const std::vector<RunnerInfo>& languages,
                                           const std::string& name_or_alias);

/// The newest version of `language` matching `pattern` that any slave not draining offers.
std::optional<std::string> pickVersion(const std::vector<SlaveSnapshot>& slaves,
                                       const std::string& language, const std::string& pattern);

/// Cache affinity: among slaves whose score is within kAffinityMargin of the lowest, a job of a
/// compiled language goes to the one its affinity hash prefers (rendezvous hashing), so that the
/// same source meets the same slave's compile cache while the load stays even. The margin is a
/// quarter of a slave's slots (one job on a slave of 4 or more; none on smaller ones).
inline constexpr double kAffinityMargin = 0.25;
/// At most this many of the least loaded slaves are weighed, which bounds the cost of a pick.
inline constexpr size_t kAffinityCandidates = 64;

/// A job's affinity: a 64-bit hash of its language and of its files' names and contents; never 0
/// (0 means "no affinity").
uint64_t jobAffinity(const Job& job);

/// Rendezvous weight of a slave for an affinity: the slave with the greatest weight is preferred.
uint64_t affinityWeight(int slave_id, uint64_t affinity);

/// Which slaves may take a job beyond offering its language (e.g. the language of its checker
/// program too); empty = all.
using SlaveFilter = std::function<bool(const SlaveSnapshot&)>;

/// The newest version of `language` matching `pattern` that `slave` offers; nullopt if none.
std::optional<std::string> newestVersionOn(const SlaveSnapshot& slave, const std::string& language,
                                           const std::string& pattern);

/// The slave to run a job of `language` at exactly `version`: among slaves with a free slot that
/// offer it (and that `filter` accepts), the lowest score; equal scores go to the one assigned
/// least recently, then to the lowest id. With an `affinity` (jobAffinity) and a compiled language,
/// the slaves within kAffinityMargin of the lowest score are equal and the greatest affinityWeight
/// wins. nullopt when none fits now (the job waits in its queue).
std::optional<int> pickSlave(const std::vector<SlaveSnapshot>& slaves, const std::string& language,
                             const std::string& version, uint64_t affinity = 0,
                             const SlaveFilter& filter = {});

/// The routing state of every connected slave, indexed so that each decision is O(log n).
/// Gives the same answers as the free functions over the same snapshots. Not thread-safe: the
/// scheduler calls it under its mutex.
class Router {
 public:
  /// Adds the slave, or replaces everything known about `slave.id`.
  void update(const SlaveSnapshot& slave);
  void remove(int id);
  /// Null when unknown. Valid until the next call that changes this Router.
  const SlaveSnapshot* find(int id) const;
  size_t size() const { return slaves_.size(); }

  // Targeted updates (each re-indexes only this slave); unknown ids are ignored.
  void setRunning(int id, int running);
  void setLoad(int id, double load_avg, double cpu_busy);
  void setDraining(int id, bool draining);
  void setLanguages(int id, std::vector<RunnerInfo> languages);
  /// One more running job, assigned as the `seq`-th assignment.
  void assigned(int id, uint64_t seq);

  /// Same as pickSlave() over every slave known here.
  std::optional<int> pick(const std::string& language, const std::string& version,
                          uint64_t affinity = 0, const SlaveFilter& filter = {}) const;
  /// Same as pickVersion() over every slave known here.
  std::optional<std::string> pickVersion(const std::string& language,
                                         const std::string& pattern) const;
  /// True when any slave known here, draining ones included, offers `language` at a version
  /// matching `pattern` (a job for it may wait rather than be refused).
  bool offersVersion(const std::string& language, const std::string& pattern) const;
  /// True when one slave known here (draining too) offers both `language` at a version matching
  /// `pattern` and `other` at one matching `other_pattern` (a job with a checker program in
  /// another language). Walks every slave: for submits of such jobs only.
  bool offersBoth(const std::string& language, const std::string& pattern, const std::string& other,
                  const std::string& other_pattern) const;
  /// Same as resolveLanguage() over the languages of every slave known here (draining too).
  std::optional<std::string> resolveLanguage(const std::string& name_or_alias) const;
  /// Canonical names offered by at least one slave, sorted.
  std::vector<std::string> languageNames() const;

 private:
  // Ordering of the eligible set: the decision itself (lowest score, least recently assigned,
  // lowest id first).
  struct Key {
    double score;
    uint64_t last_assigned;
    int id;
    bool operator<(const Key& o) const {
      if (score != o.score) return score < o.score;
      if (last_assigned != o.last_assigned) return last_assigned < o.last_assigned;
      return id < o.id;
    }
  };
  struct Entry {
    SlaveSnapshot snapshot;
    std::optional<Key> indexed;  // set while the slave sits in the eligible sets
  };
  using VersionIndex = std::unordered_map<std::string, std::set<Key>>;

  void unindex(Entry& e);
  void index(Entry& e);
  void countLanguages(const SlaveSnapshot& s, int delta);

  std::unordered_map<int, Entry> slaves_;
  // language -> version -> slaves with a free slot offering it.
  std::unordered_map<std::string, VersionIndex> eligible_;
  // language -> version -> number of slaves offering it: not draining (for pickVersion), and
  // all (for offersVersion).
  std::unordered_map<std::string, std::map<std::string, int>> offered_;
  std::unordered_map<std::string, std::map<std::string, int>> known_;
  // canonical name -> slaves offering it; alias -> canonical name -> slaves (for resolution).
  std::map<std::string, int> names_;
  std::unordered_map<std::string, std::map<std::string, int>> aliases_;
};

}  // namespace polyrun::master
