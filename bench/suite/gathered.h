// The other benchmarks of bench/ (Google Benchmark binaries), run as they are by the benchmark
// suite and read from their JSON output, so that their figures appear in the suite's report.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace polyrun::bench {

struct GatheredRow {
  std::string name;      // as the benchmark names it, without how it was run ("/real_time")
  double time_ns = NAN;  // real time per iteration; NaN when the case failed
  std::map<std::string, double> counters;  // its user counters and items_per_second
};

struct Gathered {
  std::string command;            // how to run it by hand, for the report
  std::string error;              // empty when it ran
  std::vector<GatheredRow> rows;  // medians when it ran repetitions
};

/// Runs BIN_DIR/NAME with `args` (and `env`, "KEY=VALUE" or empty, added to the environment),
/// its JSON report written in `work_dir`.
Gathered runGathered(const std::string& bin_dir, const std::string& name,
                     const std::vector<std::string>& args, const std::string& env,
                     const std::string& work_dir);

/// A Markdown table of the rows under a "### title" heading, with the command; for
/// sandbox_bench, the overhead of the namespace sandbox over a direct start.
void printGathered(const std::string& title, const Gathered& g);

}  // namespace polyrun::bench
