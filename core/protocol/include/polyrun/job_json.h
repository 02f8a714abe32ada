// JSON form of the job model, as on the wire (docs/protocol.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "polyrun/export.h"
#include "polyrun/job.h"
#include "polyrun/runner.h"
#include "polyrun/status.h"

namespace polyrun {

POLYRUN_API nlohmann::json toJson(const Job& job);
POLYRUN_API nlohmann::json toJson(const StageResult& stage);
POLYRUN_API nlohmann::json toJson(const JobResult& result);
/// One test case's result: a stage's fields with its `name`, `line` and `column` (progress).
POLYRUN_API nlohmann::json toJson(const CaseResult& result);
/// A test case as a `progress` message reports it when it ends: toJson() without the outputs,
/// with its 0-based `index` in the job's tests.
POLYRUN_API nlohmann::json caseProgressJson(size_t index, const CaseResult& result);
/// The same, moving the stages' outputs (up to the output limit each) instead of copying them.
POLYRUN_API nlohmann::json toJson(JobResult&& result);

/// Bytes a result frame may need beyond the result itself: the message around it and what the
/// master adds or replaces before handing it to a client (ids, slave name, message). A slave
/// fits its results into the master's frame limit minus this (docs/protocol.md, "Results fit").
inline constexpr size_t kResultFrameReserveBytes = 4u << 10;

/// Cuts the stages' outputs so that toJson(*result) serializes to at most `max_json_bytes`:
/// outputs that fit an equal share stay whole, the others are cut to share what is left (the
/// cut ones get their *_truncated flag). False when the result does not fit even without
/// outputs (they are then all empty).
POLYRUN_API bool fitResult(JobResult* result, size_t max_json_bytes);
/// Serialized bytes of a result with four outputs of `output_bytes` each in the worst case.
POLYRUN_API size_t worstCaseResultBytes(int64_t output_bytes);
POLYRUN_API nlohmann::json toJson(const RunnerInfo& info);
/// `output` chunks as on the wire: [{"stream": "stdout", "data": ...}, ...] (byte strings).
POLYRUN_API nlohmann::json toJson(const std::vector<OutputChunk>& chunks);

/// Each decoder fills the object from `j`; a value that does not fit is kInvalidArgument with a
/// message naming the bad field ("job.files[0].name must be a string"), the object then partly
/// filled. A caller decoding a peer's frame may report it as that peer's protocol error.
POLYRUN_API Status fromJson(const nlohmann::json& j, Job* job);
POLYRUN_API Status fromJson(const nlohmann::json& j, StageResult* stage);
POLYRUN_API Status fromJson(const nlohmann::json& j, JobResult* result);
POLYRUN_API Status fromJson(const nlohmann::json& j, RunnerInfo* info);
POLYRUN_API Status fromJson(const nlohmann::json& j, std::vector<OutputChunk>* chunks);

}  // namespace polyrun
