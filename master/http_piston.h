// Piston v2 request and response bodies, converted to and from polyrun's job model. Pure
// functions over JSON, no socket: tests/unit/http_piston_test.cc drives them. The field-by-field
// mapping is docs/http-api.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "polyrun/job.h"

namespace polyrun::master {

/// A decoded `POST /api/v2/execute` body.
struct PistonExecute {
  Job job;                // limits left at 0 take the master's defaults
  std::string language;   // canonical name when a slave offers it, else as sent
  bool compiled = false;  // the language has a compile stage (the response then has `compile`)
  std::string version;    // the newest version offered that matches; "" when none is offered
};

/// Decodes a Piston execute body against the runtimes offered now (Scheduler::runtimes()) and
/// the master's maxima (a limit of -1 becomes the maximum). Returns false with *error naming the
/// field ("files[1].content must be a string"). With no runtime offered at all, any language
/// passes: the job then waits for a slave as on the native port.
bool parsePistonExecute(const nlohmann::json& body, const nlohmann::json& runtimes,
                        const Limits& maxima, PistonExecute* out, std::string* error);

/// A whole execute request body as it arrived: parsed with the nesting bound of
/// polyrun/json_parse.h, then parsePistonExecute(). The one decoder of client bytes on the HTTP
/// port (tests/fuzz/http_fuzz.cc). *error never quotes more than a few bytes of `text`.
bool decodePistonBody(std::string_view text, const nlohmann::json& runtimes, const Limits& maxima,
                      PistonExecute* out, std::string* error);

/// The Piston response for a polyrun result (as in docs/protocol.md): `run` always, `compile`
/// for compiled languages; when compilation fails `run` repeats the compile stage, as Piston
/// does. Adds `verdict`, `job_id`, `slave`, `queue_ms`, `total_ms`.
nlohmann::json pistonResponse(const JobResult& result, bool compiled);

/// Piston's status code of a stage: null for OK, else "RE", "SG", "TO", "OL", "EL" or "XX".
nlohmann::json pistonStatus(const StageResult& stage);

/// "SIGKILL" for 9; null for 0.
nlohmann::json signalName(int signal);

/// `GET /api/v2/runtimes`: Piston's list ({language, version, aliases}) from Scheduler::runtimes(),
/// keeping polyrun's extra fields.
nlohmann::json pistonRuntimes(const nlohmann::json& runtimes);

}  // namespace polyrun::master
