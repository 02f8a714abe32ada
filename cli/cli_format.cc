#include "cli_format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace polyrun::cli {
namespace {

using nlohmann::json;

size_t displayWidth(const std::string& s) {
  // Continuation bytes (10xxxxxx) do not start a character.
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// A JSON scalar as a table cell; "-" for what is missing.
std::string cell(const json& j) {
  if (j.is_string()) return j.get<std::string>().empty() ? "-" : j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  if (j.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", j.get<double>());
    return buf;
  }
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  return "-";
}

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

std::string joinStrings(const json& array, const char* separator) {
  if (!array.is_array() || array.empty()) return "-";
  std::string out;
  for (const auto& item : array) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += separator;
    out += item.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

// "python 0, c 1" from {"python": 0, "c": 1}; nested objects are skipped.
std::string keyValues(const json& object) {
  std::string out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_object() || value.is_array()) continue;
    if (!out.empty()) out += ", ";
    out += key + " " + cell(value);
  }
  return out;
}

// The language names a slave offers, each once ("c, c++, java, python").
std::string slaveLanguages(const json& languages) {
  if (!languages.is_array()) return "-";
  std::set<std::string> names;
  for (const auto& l : languages) {
    if (l.is_string())
      names.insert(l.get<std::string>());
    else if (l.is_object() && field(l, "language").is_string())
      names.insert(field(l, "language").get<std::string>());
  }
  if (names.empty()) return "-";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// "by_verdict" -> "Verdicts", "by_language" -> "By language": a heading for a counter group.
std::string counterGroupName(const std::string& key) {
  if (key == "by_verdict") return "Verdicts";
  std::string name = key;
  for (char& c : name)
    if (c == '_') c = ' ';
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

// One line per plugin a slave loaded but does not offer, with the slave's reason (the
// `plugins` report of docs/protocol.md); nothing when every plugin is ready.
std::string formatPluginProblems(const json& slaves) {
  std::string out;
  size_t ready = 0, total = 0;
  for (const auto& s : slaves) {
    const json& plugins = field(s, "plugins");
    if (!plugins.is_array()) continue;
    for (const auto& p : plugins) {
      ++total;
      if (field(p, "ready").is_boolean() && field(p, "ready").get<bool>()) {
        ++ready;
        continue;
      }
      std::string library = cell(field(p, "library"));
      library = library.substr(library.find_last_of('/') + 1);
      std::string what = cell(field(p, "language"));
      if (what == "-") what.clear();
      const std::string version = cell(field(p, "version"));
      if (!what.empty() && version != "-" && !version.empty()) what += " " + version;
      out += "  " + cell(field(s, "name")) + ": " + library +
             (what.empty() ? "" : " [" + what + "]") + ": " + cell(field(p, "problem")) + "\n";
    }
  }
  if (out.empty()) return total > 0 ? "\nPlugins: " + std::to_string(ready) + " ready\n" : "";
  return "\nPlugins: " + std::to_string(ready) + " of " + std::to_string(total) +
         " ready; not offered:\n" + out;
}

}  // namespace

std::string formatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], displayWidth(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - displayWidth(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string formatDuration(int64_t ms) {
  if (ms < 0) return "-";
  char buf[48];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else if (ms < 86'400'000) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(ms / 86'400'000),
                  static_cast<long long>(ms / 3'600'000 % 24));
  }
  return buf;
}

std::string formatRuntimes(const json& runtimes) {
  if (!runtimes.is_array() || runtimes.empty())
    return "No languages available: no slave offers one right now. Start polyrun-slave "
           "(pointed at this master) and check again.\n";
  std::vector<const json*> sorted;
  for (const auto& r : runtimes)
    if (r.is_object()) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    return cell(field(*a, "language")) < cell(field(*b, "language"));
  });
  std::vector<std::vector<std::string>> rows = {
      {"LANGUAGE", "VERSION", "ALIASES", "EXTENSIONS", "SLAVES"}};
  for (const json* r : sorted) {
    rows.push_back({cell(field(*r, "language")), cell(field(*r, "version")),
                    joinStrings(field(*r, "aliases"), ","),
                    joinStrings(field(*r, "extensions"), ","), cell(field(*r, "slaves"))});
  }
  return formatTable(rows);
}

std::string formatClusterStatus(const json& cluster) {
  std::string out;
  const json& slaves = field(cluster, "slaves");
  if (!slaves.is_array() || slaves.empty()) {
    out +=
        "No slaves connected: start polyrun-slave with slave.master.host and "
        "slave.master.port pointing at this master.\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"NAME", "ADDRESS", "STATE", "LIMITS",
                                                   "RUNNING/CAPACITY", "LOAD", "LANGUAGES",
                                                   "LAST-HEARTBEAT"}};
    for (const auto& s : slaves) {
      const json& heartbeat = field(s, "last_heartbeat_ms");
      rows.push_back(
          {cell(field(s, "name")), cell(field(s, "address")), cell(field(s, "state")),
           cell(field(s, "limits")), cell(field(s, "running")) + "/" + cell(field(s, "capacity")),
           cell(field(field(s, "load"), "load_avg")), slaveLanguages(field(s, "languages")),
           heartbeat.is_number() ? formatDuration(heartbeat.get<int64_t>()) + " ago" : "-"});
    }
    out += formatTable(rows);
    out += formatPluginProblems(slaves);
  }
  out += "\n";

  const json& queues = field(cluster, "queues");
  const std::string queue_text = queues.is_object() ? keyValues(queues) : std::string();
  out += "Queued jobs: " + (queue_text.empty() ? std::string("none") : queue_text) + "\n";

  const json& counters = field(cluster, "counters");
  if (counters.is_object()) {
    const std::string totals = keyValues(counters);
    if (!totals.empty()) out += "Jobs: " + totals + "\n";
    for (const auto& [key, value] : counters.items()) {
      if (!value.is_object() || value.empty()) continue;
      out += counterGroupName(key) + ": " + keyValues(value) + "\n";
    }
  }
  const json& uptime = field(cluster, "uptime_ms");
  if (uptime.is_number()) out += "Master uptime: " + formatDuration(uptime.get<int64_t>()) + "\n";
  return out;
}

namespace {
std::string mebibytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

int64_t intOf(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string textOf(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string formatCaseRow(const json& test) {
  std::string line;
  if (test.is_null()) {
    line = padded("CASE", 12) + "  " + padded("VERDICT", 14) + "  " + padded("TIME", 7) + "  " +
           padded("MEMORY", 9) + "  DETAIL";
  } else {
    const std::string verdict = textOf(test, "verdict");
    const bool ran = verdict != "SKIPPED";
    line = padded(textOf(test, "name"), 12) + "  " + padded(verdict, 14) + "  " +
           padded(ran ? formatDuration(intOf(test, "cpu_ms")) : "-", 7) + "  " +
           padded(ran ? mebibytes(intOf(test, "memory_bytes")) : "-", 9) + "  " +
           (verdict == "OK" ? std::string() : textOf(test, "message"));
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

std::string formatTestSummary(const json& result) {
  const std::string verdict = textOf(result, "verdict");
  const auto tests = result.find("tests");
  if (tests == result.end() || !tests->is_array() || tests->empty()) {
    if (verdict == "COMPILE_ERROR") return "compilation failed: no case ran\n";
    return "no case ran: " + verdict + " " + textOf(result, "message") + "\n";
  }
  const json summary = result.value("summary", json::object());
  const int64_t total = intOf(summary, "total");
  const int64_t passed = intOf(summary, "passed");
  std::string text = "passed " + std::to_string(passed) + " of " + std::to_string(total) +
                     (total == 1 ? " case" : " cases");
  if (const int64_t first = intOf(summary, "first_failure");
      first > 0 && first <= static_cast<int64_t>(tests->size())) {
    const json& failed = (*tests)[static_cast<size_t>(first - 1)];
    text += "; first failure: " + textOf(failed, "name") + " (" + textOf(failed, "verdict") + ")";
  }
  text += "; max time " + formatDuration(intOf(summary, "max_cpu_ms")) + ", max memory " +
          mebibytes(intOf(summary, "max_memory_bytes")) + "\n";
  return text;
}

std::string formatEvent(const json& event) {
  auto field = [&](const char* key, const char* none) {
    const auto it = event.find(key);
    return it != event.end() && it->is_string() && !it->get<std::string>().empty()
               ? it->get<std::string>()
               : std::string(none);
  };
  auto padded = [](std::string s, size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
  };
  std::string line = padded(field("time", "-"), 24) + "  " + padded(field("level", "-"), 7) + "  " +
                     padded(field("kind", "-"), 16) + "  " + padded(field("slave", "-"), 12) +
                     "  " + field("message", "");
  // One event, one line, whatever the message holds.
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return line + "\n";
}

}  // namespace polyrun::cli
