// Routing decisions: which slave gets a job. Pure logic over a snapshot of slave states, so it is
// tested without sockets (tests/unit/router_test.cc). The policy is documented in
// docs/architecture.md ("Routing").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "polyrun/runner.h"

namespace polyrun::master {

struct SlaveSnapshot {
  int id = 0;
  bool ready = true;  // false: not (yet or any more) eligible for new jobs
  std::vector<RunnerInfo> languages;
  int running = 0;  // jobs the master has assigned and not yet seen finish
  int capacity = 0;
  double load_avg = 0;           // reported load average per core
  uint64_t last_assigned = 0;    // sequence number of its latest assignment; 0 = never
};

/// True when `version` satisfies `pattern`: empty or "*" matches all; otherwise an exact match
/// or a prefix on dot boundaries ("3" and "3.x" match "3.11.2"; "3.1" does not).
bool versionMatches(const std::string& version, const std::string& pattern);

/// Compares dotted versions numerically per component ("3.10" > "3.9"); <0, 0, >0.
int compareVersions(const std::string& a, const std::string& b);

/// The canonical language a name or alias refers to among `languages`; nullopt if none.
std::optional<std::string> resolveLanguage(const std::vector<RunnerInfo>& languages,
                                           const std::string& name_or_alias);

/// The newest version of `language` matching `pattern` that any slave offers.
std::optional<std::string> pickVersion(const std::vector<SlaveSnapshot>& slaves,
                                       const std::string& language, const std::string& pattern);

/// The slave to run a job of `language` at exactly `version`: among ready slaves that offer it
/// and have a free slot, the one with the lowest score; ties go to the one assigned least
/// recently. nullopt when none fits now (the job waits in its queue).
std::optional<int> pickSlave(const std::vector<SlaveSnapshot>& slaves, const std::string& language,
                             const std::string& version);

/// The score pickSlave minimises: fraction of slots in use, plus a small share of CPU load.
double slaveScore(const SlaveSnapshot& slave);

}  // namespace polyrun::master
