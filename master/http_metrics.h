// `GET /metrics`: the master's state in the Prometheus text exposition format (version 0.0.4),
// rendered from the `cluster` snapshot and Scheduler::metrics(). Metric names and meanings are
// listed in docs/http-api.md ("Monitoring").
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "scheduler.h"

namespace polyrun::master {

/// `cluster` is Scheduler::cluster(); `http_responses` counts the HTTP API's answers by status.
std::string renderMetrics(const nlohmann::json& cluster, const Scheduler::Metrics& metrics,
                          const std::map<int, uint64_t>& http_responses);

/// A Prometheus label value with \, " and newlines escaped.
std::string escapeLabel(const std::string& value);

}  // namespace polyrun::master
