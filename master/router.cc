#include "router.h"

#include <algorithm>
#include <cstdlib>

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

}  // namespace

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
    if (!s.ready) continue;
    for (const auto& l : s.languages) {
      if (l.language != language || !versionMatches(l.version, pattern)) continue;
      if (!best || compareVersions(l.version, *best) > 0) best = l.version;
    }
  }
  return best;
}

double slaveScore(const SlaveSnapshot& s) {
  const double used = s.capacity > 0 ? double(s.running) / s.capacity : 1.0;
  // Slots decide; CPU load (per core, capped) only separates slaves with equal slot use, e.g.
  // when another process is busy on one of the machines.
  return used + 0.01 * std::min(s.load_avg, 4.0);
}

std::optional<int> pickSlave(const std::vector<SlaveSnapshot>& slaves, const std::string& language,
                             const std::string& version) {
  const SlaveSnapshot* best = nullptr;
  double best_score = 0;
  for (const auto& s : slaves) {
    if (!s.ready || s.running >= s.capacity || !offers(s, language, version)) continue;
    const double score = slaveScore(s);
    if (!best || score < best_score - 1e-9 ||
        (score < best_score + 1e-9 && s.last_assigned < best->last_assigned)) {
      best = &s;
      best_score = score;
    }
  }
  if (!best) return std::nullopt;
  return best->id;
}

}  // namespace polyrun::master
