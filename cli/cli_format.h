// Text the `polyrun` command prints for people: aligned tables, durations, the runtimes list and
// the cluster status. Pure functions from JSON replies to strings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polyrun::cli {

/// Rows of cells, the first row being the header, as columns aligned with two spaces between
/// them and no trailing blanks; each row ends with '\n'. Widths count code points.
std::string formatTable(const std::vector<std::vector<std::string>>& rows);

/// A duration for people: "850ms", "4.2s", "3m05s", "2h03m", "1d04h". Negative gives "-".
std::string formatDuration(int64_t ms);

/// The LANGUAGE VERSION ALIASES EXTENSIONS SLAVES table for the array of a `runtimes` reply,
/// sorted by language; a sentence instead of an empty table.
std::string formatRuntimes(const nlohmann::json& runtimes);

/// The slaves table (NAME ADDRESS STATE RUNNING/CAPACITY LOAD LANGUAGES LAST-HEARTBEAT), then
/// queue lengths, job counters and the master's uptime, from a `cluster` reply.
std::string formatClusterStatus(const nlohmann::json& cluster);

/// One line of `polyrun test`'s table for a test case of a result or progress message: CASE
/// VERDICT TIME (CPU) MEMORY DETAIL (the message, for a case that did not pass); the header
/// for a null `test`. Fixed widths, so that lines printed as cases end line up.
std::string formatCaseRow(const nlohmann::json& test);

/// The last line of `polyrun test`: "passed 9 of 10 cases; first failure: 3 (WRONG_ANSWER); max
/// time 12ms, max memory 9.1 MiB", or why no case ran.
std::string formatTestSummary(const nlohmann::json& result);

/// One line of `polyrun events` for an event (docs/protocol.md, "subscribe → event"): TIME
/// LEVEL KIND SLAVE MESSAGE, "-" for no slave, ending with '\n'. Fixed widths up to the message.
std::string formatEvent(const nlohmann::json& event);

}  // namespace polyrun::cli
