#include "router.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace polyrun::master {
namespace {

bool offers(const SlaveSnapshot& s, const std::string& language, const std::string& version) {
  return std::any_of(s.languages.begin(), s.languages.end(), [&](const RunnerInfo& l) {
    return l.language == language && l.version == version;
  });
}

std::vector<std::string> splitDots(const std::string& v) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= v.size()) {
    size_t dot = v.find('.', start);
    if (dot == std::string::npos) dot = v.size();
    parts.push_back(v.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

bool before(const SlaveSnapshot& a, double score_a, const SlaveSnapshot& b, double score_b) {
  if (score_a != score_b) return score_a < score_b;
  if (a.last_assigned != b.last_assigned) return a.last_assigned < b.last_assigned;
  return a.id < b.id;
}

bool compiledLanguage(const SlaveSnapshot& s, const std::string& language) {
  return std::any_of(s.languages.begin(), s.languages.end(),
                     [&](const RunnerInfo& l) { return l.language == language && l.compiled; });
}

}  // namespace

double cpuPressure(const SlaveSnapshot& s) {
  double p = std::max(s.load_avg, s.cpu_busy);
  if (!(p > 0)) return 0;  // also NaN
  p = std::min(p, 4.0);
  return std::floor(p * 10 + 1e-9) / 10;
}

double slaveScore(const SlaveSnapshot& s) {
  const double used = s.capacity > 0 ? double(s.running) / s.capacity : 1.0;
  return used + kCpuWeight * cpuPressure(s);
}

bool hasFreeSlot(const SlaveSnapshot& s) {
  return !s.draining && s.capacity > 0 && s.running < s.capacity;
}

bool versionMatches(const std::string& version, const std::string& pattern) {
  if (pattern.empty() || pattern == "*") return true;
  std::string p = pattern;
  while (p.size() >= 2 && (p.ends_with(".x") || p.ends_with(".*") || p.ends_with(".X")))
    p.resize(p.size() - 2);
  if (p == "*" || p.empty()) return true;
  return version == p || (version.size() > p.size() && version.compare(0, p.size(), p) == 0 &&
                          version[p.size()] == '.');
}

int compareVersions(const std::string& a, const std::string& b) {
  const auto pa = splitDots(a), pb = splitDots(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    const std::string x = i < pa.size() ? pa[i] : "0", y = i < pb.size() ? pb[i] : "0";
    char* ex = nullptr;
    char* ey = nullptr;
    const long nx = std::strtol(x.c_str(), &ex, 10), ny = std::strtol(y.c_str(), &ey, 10);
    if (*ex == '\0' && *ey == '\0' && !x.empty() && !y.empty()) {
      if (nx != ny) return nx < ny ? -1 : 1;
    } else if (int c = x.compare(y); c != 0) {
      return c < 0 ? -1 : 1;
    }
  }
  return 0;
}

std::optional<std::string> resolveLanguage(const std::vector<RunnerInfo>& languages,
                                           const std::string& name) {
  for (const auto& l : languages)
    if (l.language == name) return l.language;
  for (const auto& l : languages)
    if (std::find(l.aliases.begin(), l.aliases.end(), name) != l.aliases.end()) return l.language;
  return std::nullopt;
}

std::optional<std::string> pickVersion(const std::vector<SlaveSnapshot>& slaves,
                                       const std::string& language, const std::string& pattern) {
  std::optional<std::string> best;
  for (const auto& s : slaves) {
    if (s.draining) continue;
    for (const auto& l : s.languages) {
      if (l.language != language || !versionMatches(l.version, pattern)) continue;
      if (!best || compareVersions(l.version, *best) > 0) best = l.version;
    }
  }
  return best;
}

std::optional<std::string> newestVersionOn(const SlaveSnapshot& slave, const std::string& language,
                                           const std::string& pattern) {
  std::optional<std::string> best;
  for (const auto& l : slave.languages) {
    if (l.language != language || !versionMatches(l.version, pattern)) continue;
    if (!best || compareVersions(l.version, *best) > 0) best = l.version;
  }
  return best;
}

uint64_t jobAffinity(const Job& job) {
  // FNV-1a over length-prefixed fields: cheap, and only has to spread jobs evenly.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view field) {
    const std::string size = std::to_string(field.size()) + ":";
    for (char c : size) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    for (char c : field) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  };
  mix(job.language);
  for (const auto& f : job.files) {
    mix(f.name);
    mix(f.content);
  }
  return h == 0 ? 1 : h;
}

uint64_t affinityWeight(int slave_id, uint64_t affinity) {
  // splitmix64 of the pair: a well-mixed weight per (slave, affinity).
  uint64_t x =
      affinity ^ (static_cast<uint64_t>(static_cast<uint32_t>(slave_id)) * 0x9e3779b97f4a7c15ull);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::optional<int> pickSlave(const std::vector<SlaveSnapshot>& slaves, const std::string& language,
                             const std::string& version, uint64_t affinity,
                             const SlaveFilter& filter) {
  std::vector<std::pair<double, const SlaveSnapshot*>> eligible;
  for (const auto& s : slaves) {
    if (hasFreeSlot(s) && offers(s, language, version) && (!filter || filter(s)))
      eligible.emplace_back(slaveScore(s), &s);
  }
  if (eligible.empty()) return std::nullopt;
  std::sort(eligible.begin(), eligible.end(), [](const auto& a, const auto& b) {
    return before(*a.second, a.first, *b.second, b.first);
  });
  const SlaveSnapshot* best = eligible.front().second;
  if (affinity == 0 || !compiledLanguage(*best, language)) return best->id;
  const double limit = eligible.front().first + kAffinityMargin + 1e-9;
  for (size_t i = 1; i < eligible.size() && i < kAffinityCandidates && eligible[i].first <= limit;
       ++i) {
    const SlaveSnapshot* s = eligible[i].second;
    if (affinityWeight(s->id, affinity) > affinityWeight(best->id, affinity)) best = s;
  }
  return best->id;
}

// --- Router -------------------------------------------------------------------------------

void Router::unindex(Entry& e) {
  if (!e.indexed) return;
  for (const auto& l : e.snapshot.languages) {
    auto lang = eligible_.find(l.language);
    if (lang == eligible_.end()) continue;
    auto ver = lang->second.find(l.version);
    if (ver == lang->second.end()) continue;
    ver->second.erase(*e.indexed);
    if (ver->second.empty()) lang->second.erase(ver);
  }
  e.indexed.reset();
}

void Router::index(Entry& e) {
  if (!hasFreeSlot(e.snapshot)) return;
  const Key key{slaveScore(e.snapshot), e.snapshot.last_assigned, e.snapshot.id};
  for (const auto& l : e.snapshot.languages) eligible_[l.language][l.version].insert(key);
  e.indexed = key;
}

void Router::countLanguages(const SlaveSnapshot& s, int delta) {
  for (const auto& l : s.languages) {
    if ((names_[l.language] += delta) <= 0) names_.erase(l.language);
    for (const auto& alias : l.aliases) {
      auto& by_name = aliases_[alias];
      if ((by_name[l.language] += delta) <= 0) by_name.erase(l.language);
      if (by_name.empty()) aliases_.erase(alias);
    }
    auto count = [&](std::unordered_map<std::string, std::map<std::string, int>>& by_language) {
      auto& versions = by_language[l.language];
      if ((versions[l.version] += delta) <= 0) versions.erase(l.version);
      if (versions.empty()) by_language.erase(l.language);
    };
    count(known_);
    if (!s.draining) count(offered_);
  }
}

void Router::update(const SlaveSnapshot& slave) {
  remove(slave.id);
  Entry& e = slaves_[slave.id];
  e.snapshot = slave;
  countLanguages(e.snapshot, +1);
  index(e);
}

void Router::remove(int id) {
  auto it = slaves_.find(id);
  if (it == slaves_.end()) return;
  unindex(it->second);
  countLanguages(it->second.snapshot, -1);
  slaves_.erase(it);
}

const SlaveSnapshot* Router::find(int id) const {
  auto it = slaves_.find(id);
  return it == slaves_.end() ? nullptr : &it->second.snapshot;
}

void Router::setRunning(int id, int running) {
  auto it = slaves_.find(id);
  if (it == slaves_.end() || it->second.snapshot.running == running) return;
  unindex(it->second);
  it->second.snapshot.running = running;
  index(it->second);
}

void Router::setLoad(int id, double load_avg, double cpu_busy) {
  auto it = slaves_.find(id);
  if (it == slaves_.end()) return;
  unindex(it->second);
  it->second.snapshot.load_avg = load_avg;
  it->second.snapshot.cpu_busy = cpu_busy;
  index(it->second);
}

void Router::setDraining(int id, bool draining) {
  auto it = slaves_.find(id);
  if (it == slaves_.end() || it->second.snapshot.draining == draining) return;
  SlaveSnapshot s = it->second.snapshot;
  s.draining = draining;
  update(s);
}

void Router::setLanguages(int id, std::vector<RunnerInfo> languages) {
  auto it = slaves_.find(id);
  if (it == slaves_.end()) return;
  SlaveSnapshot s = it->second.snapshot;  // a copy: update() unindexes the old languages
  s.languages = std::move(languages);
  update(s);
}

void Router::assigned(int id, uint64_t seq) {
  auto it = slaves_.find(id);
  if (it == slaves_.end()) return;
  unindex(it->second);
  it->second.snapshot.running++;
  it->second.snapshot.last_assigned = seq;
  index(it->second);
}

std::optional<int> Router::pick(const std::string& language, const std::string& version,
                                uint64_t affinity, const SlaveFilter& filter) const {
  auto lang = eligible_.find(language);
  if (lang == eligible_.end()) return std::nullopt;
  auto ver = lang->second.find(version);
  if (ver == lang->second.end() || ver->second.empty()) return std::nullopt;
  auto accepted = [&](const Key& k) { return !filter || filter(slaves_.at(k.id).snapshot); };
  auto it = std::find_if(ver->second.begin(), ver->second.end(), accepted);
  if (it == ver->second.end()) return std::nullopt;
  int best = it->id;
  if (affinity == 0) return best;
  const auto first = slaves_.find(best);
  if (first == slaves_.end() || !compiledLanguage(first->second.snapshot, language)) return best;
  // The set is ordered by score: the candidates are its first elements within the margin.
  const double limit = it->score + kAffinityMargin + 1e-9;
  uint64_t best_weight = affinityWeight(best, affinity);
  size_t seen = 1;
  for (++it; it != ver->second.end() && seen < kAffinityCandidates && it->score <= limit; ++it) {
    if (!accepted(*it)) continue;
    ++seen;
    const uint64_t w = affinityWeight(it->id, affinity);
    if (w > best_weight) {
      best = it->id;
      best_weight = w;
    }
  }
  return best;
}

std::optional<std::string> Router::pickVersion(const std::string& language,
                                               const std::string& pattern) const {
  auto lang = offered_.find(language);
  if (lang == offered_.end()) return std::nullopt;
  std::optional<std::string> best;
  for (const auto& [version, count] : lang->second) {
    if (!versionMatches(version, pattern)) continue;
    if (!best || compareVersions(version, *best) > 0) best = version;
  }
  return best;
}

bool Router::offersVersion(const std::string& language, const std::string& pattern) const {
  auto lang = known_.find(language);
  if (lang == known_.end()) return false;
  return std::any_of(lang->second.begin(), lang->second.end(),
                     [&](const auto& v) { return versionMatches(v.first, pattern); });
}

bool Router::offersBoth(const std::string& language, const std::string& pattern,
                        const std::string& other, const std::string& other_pattern) const {
  return std::any_of(slaves_.begin(), slaves_.end(), [&](const auto& entry) {
    const SlaveSnapshot& s = entry.second.snapshot;
    return newestVersionOn(s, language, pattern) && newestVersionOn(s, other, other_pattern);
  });
}

std::optional<std::string> Router::resolveLanguage(const std::string& name) const {
  if (names_.count(name)) return name;
  auto it = aliases_.find(name);
  if (it == aliases_.end() || it->second.empty()) return std::nullopt;
  return it->second.begin()->first;
}

std::vector<std::string> Router::languageNames() const {
  std::vector<std::string> names;
  for (const auto& [name, count] : names_) names.push_back(name);
  return names;
}

}  // namespace polyrun::master
