// JSON form of the job model, as on the wire (docs/protocol.md).
#pragma once

#include "polyrun/export.h"

#include <nlohmann/json.hpp>
#include <string>

#include "polyrun/job.h"
#include "polyrun/runner.h"

namespace polyrun {

POLYRUN_API nlohmann::json toJson(const Job& job);
POLYRUN_API nlohmann::json toJson(const StageResult& stage);
POLYRUN_API nlohmann::json toJson(const JobResult& result);
/// The same, moving the stages' outputs (up to the output limit each) instead of copying them.
POLYRUN_API nlohmann::json toJson(JobResult&& result);
POLYRUN_API nlohmann::json toJson(const RunnerInfo& info);

/// Each parser returns false and sets *error to a message naming the bad field.
POLYRUN_API bool fromJson(const nlohmann::json& j, Job* job, std::string* error);
POLYRUN_API bool fromJson(const nlohmann::json& j, StageResult* stage, std::string* error);
POLYRUN_API bool fromJson(const nlohmann::json& j, JobResult* result, std::string* error);
POLYRUN_API bool fromJson(const nlohmann::json& j, RunnerInfo* info, std::string* error);

}  // namespace polyrun
