#include "polyrun/case_files.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace polyrun {
namespace {
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
}  // namespace

bool naturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (isDigit(a[i]) && isDigit(b[j])) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && isDigit(a[i_end])) ++i_end;
      while (j_end < b.size() && isDigit(b[j_end])) ++j_end;
      // Compared as numbers without converting (any length): skip leading zeros, then the
      // longer run of digits is the larger number, else the first differing digit decides.
      size_t i_sig = i, j_sig = j;
      while (i_sig + 1 < i_end && a[i_sig] == '0') ++i_sig;
      while (j_sig + 1 < j_end && b[j_sig] == '0') ++j_sig;
      const std::string_view na = a.substr(i_sig, i_end - i_sig);
      const std::string_view nb = b.substr(j_sig, j_end - j_sig);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      if (i_end - i != j_end - j) return i_end - i > j_end - j;  // more leading zeros first
      i = i_end;
      j = j_end;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::vector<CaseFiles> pairCaseFiles(const std::vector<std::string>& file_names) {
  std::map<std::string, CaseFiles> by_name;
  for (const std::string& file : file_names) {
    for (const std::string_view suffix : {".in", ".out"}) {
      if (file.size() <= suffix.size() ||
          file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const std::string name = file.substr(0, file.size() - suffix.size());
      CaseFiles& c = by_name[name];
      c.name = name;
      (suffix == ".in" ? c.input : c.expected) = file;
    }
  }
  std::vector<CaseFiles> cases;
  for (auto& [name, c] : by_name) cases.push_back(std::move(c));
  std::stable_sort(cases.begin(), cases.end(), [](const CaseFiles& a, const CaseFiles& b) {
    return naturalLess(a.name, b.name);
  });
  return cases;
}

}  // namespace polyrun
