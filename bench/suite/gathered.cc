#include "suite/gathered.h"

#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "suite/process.h"
#include "suite/stats.h"

namespace polyrun::bench {

using nlohmann::json;

namespace {

double toNanoseconds(double value, const std::string& unit) {
  if (unit == "us") return value * 1e3;
  if (unit == "ms") return value * 1e6;
  if (unit == "s") return value * 1e9;
  return value;
}

std::string counterText(const std::string& key, double value) {
  if (key == "items_per_second" || key == "jobs_per_s") return fixed(value, 0) + "/s";
  return fixed(value, value < 10 ? 2 : value < 1000 ? 1 : 0);
}

}  // namespace

Gathered runGathered(const std::string& bin_dir, const std::string& name,
                     const std::vector<std::string>& args, const std::string& env,
                     const std::string& work_dir) {
  Gathered g;
  const std::string out = work_dir + "/" + name + ".json";
  std::vector<std::string> argv = {bin_dir + "/" + name};
  argv.insert(argv.end(), args.begin(), args.end());
  g.command = (env.empty() ? "" : env + " ") + "build/bin/" + name;
  for (const auto& a : args) g.command += " " + a;
  argv.push_back("--benchmark_out=" + out);
  argv.push_back("--benchmark_out_format=json");
  std::fprintf(stderr, "  %s\n", g.command.c_str());
  const double start = nowMs();
  const auto eq = env.find('=');
  if (!env.empty()) ::setenv(env.substr(0, eq).c_str(), env.substr(eq + 1).c_str(), 1);
  const ProcessRun run = runProcess(argv, work_dir);
  if (!env.empty()) ::unsetenv(env.substr(0, eq).c_str());
  std::fprintf(stderr, "    %.1f s\n", (nowMs() - start) / 1000);
  std::ifstream in(out);
  const json report = json::parse(in, nullptr, false);
  if (!run.exitedZero() || !report.is_object()) {
    g.error = run.describe() + ": " + run.output.substr(0, 400);
    return g;
  }
  static const std::set<std::string> kNotCounters = {"name",
                                                     "run_name",
                                                     "run_type",
                                                     "repetitions",
                                                     "repetition_index",
                                                     "threads",
                                                     "iterations",
                                                     "real_time",
                                                     "cpu_time",
                                                     "time_unit",
                                                     "family_index",
                                                     "per_family_instance_index",
                                                     "aggregate_name",
                                                     "aggregate_unit",
                                                     "error_occurred",
                                                     "error_message",
                                                     "label"};
  for (const auto& b : report.value("benchmarks", json::array())) {
    if (b.contains("aggregate_name") && b["aggregate_name"] != "median") continue;
    GatheredRow row;
    row.name = b.value("run_name", b.value("name", ""));
    // "BM_True_Direct/min_time:1.000", ".../real_time": how it was run, not what.
    for (const std::string suffix : {"/real_time", "/min_time:", "/iterations:"}) {
      const auto at = row.name.find(suffix);
      if (at != std::string::npos) row.name.erase(at);
    }
    if (b.value("error_occurred", false)) {
      row.name += " (error: " + b.value("error_message", "") + ")";
    } else {
      row.time_ns = toNanoseconds(b.value("real_time", NAN), b.value("time_unit", "ns"));
    }
    for (const auto& [key, value] : b.items())
      if (!kNotCounters.count(key) && value.is_number()) row.counters[key] = value.get<double>();
    g.rows.push_back(std::move(row));
  }
  return g;
}

void printGathered(const std::string& title, const Gathered& g) {
  std::printf("\n### %s\n\n    %s\n\n", title.c_str(), g.command.c_str());
  if (!g.error.empty()) {
    std::printf("did not run: %s\n", g.error.c_str());
    return;
  }
  std::set<std::string> keys;
  for (const auto& row : g.rows)
    for (const auto& [key, value] : row.counters) keys.insert(key);
  std::printf("| benchmark | time per iteration |");
  for (const auto& key : keys) std::printf(" %s |", key.c_str());
  std::printf("\n|---|---|");
  for (size_t i = 0; i < keys.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const auto& row : g.rows) {
    std::printf("| %s | %s |", row.name.c_str(), duration(row.time_ns).c_str());
    for (const auto& key : keys) {
      auto it = row.counters.find(key);
      std::printf(" %s |", it == row.counters.end() ? "" : counterText(key, it->second).c_str());
    }
    std::printf("\n");
  }
  // sandbox_bench names its cases BM_<command>_<Direct|ProcessSandbox|NamespaceSandbox>; the
  // difference is of the medians per run when the benchmark reports them, else of the means.
  std::map<std::string, std::map<std::string, const GatheredRow*>> by_command;
  for (const auto& row : g.rows) {
    const auto cut = row.name.rfind('_');
    if (row.name.rfind("BM_", 0) == 0 && cut != std::string::npos && cut > 3)
      by_command[row.name.substr(3, cut - 3)][row.name.substr(cut + 1)] = &row;
  }
  bool header = false;
  for (const auto& [command, rows] : by_command) {
    if (!rows.count("Direct") || !rows.count("NamespaceSandbox")) continue;
    const GatheredRow& direct = *rows.at("Direct");
    const GatheredRow& sandboxed = *rows.at("NamespaceSandbox");
    const bool medians =
        direct.counters.count("median_ms") && sandboxed.counters.count("median_ms");
    const double added_ns =
        medians ? (sandboxed.counters.at("median_ms") - direct.counters.at("median_ms")) * 1e6
                : sandboxed.time_ns - direct.time_ns;
    std::printf("%s%s %s (%s)",
                header ? "; " : "\nAdded by the namespace sandbox to a start: ", command.c_str(),
                duration(added_ns).c_str(), medians ? "medians" : "means");
    header = true;
  }
  if (header) std::printf(".\n");
}

}  // namespace polyrun::bench
