// Judge0 CE 1.13.1 request and response bodies, converted to and from polyrun's job model. Pure
// functions over JSON, no socket: tests/unit/http_judge0_test.cc drives them; the routes that use
// them (waiting, callbacks, status codes) live in http_api.cc. What each Judge0 field becomes is
// docs/judge0.md, "Routes"; the status and language tables are judge0.h.
//
// Judge0 answers errors in two shapes, and these functions return them ready to send:
// - a submission it refuses is 422 with Rails' validation errors, field -> messages:
//   {"language_id": ["language with id 999 doesn't exist"], "source_code": ["can't be blank"]};
// - anything else is {"error": "..."} with 400 (fields, batch sizes, UTF-8) or, for an unknown
//   record, Rails' {"status": 404, "error": "Not Found"}.
// A function that can fail returns the error body, or a null json when there is none.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "job_state.h"
#include "polyrun/job.h"

namespace polyrun::master {

/// Judge0's default of MAX_SUBMISSION_BATCH_SIZE: submissions in one batch request.
inline constexpr size_t kJudge0MaxBatch = 20;

/// What a client asked for, after Judge0's defaults (and polyrun's, for the limits it honours):
/// what `GET /submissions/{token}?fields=*` shows of the request. Units as Judge0's fields.
struct Judge0Request {
  int language_id = 0;
  std::string source_code;                            // bytes, decoded from base64 when sent so
  std::optional<std::string> stdin_data;              // absent = not sent (Judge0 shows null)
  std::optional<std::string> expected_output;         // absent = not judged
  std::optional<std::string> compiler_options;        // only ever blank: anything else is refused
  std::optional<std::string> command_line_arguments;  // as sent; the job's args are its words
  std::optional<std::string> callback_url;            // an http:// or https:// URL, or absent
  int64_t number_of_runs = 1;     // accepted within Judge0's range; polyrun runs once
  int64_t cpu_time_ms = 0;        // cpu_time_limit: the run stage's CPU limit
  int64_t cpu_extra_time_ms = 0;  // accepted within Judge0's range, no effect
  int64_t wall_time_ms = 0;       // wall_time_limit: the run stage's wall limit
  int64_t memory_limit_kb = 0;    // memory_limit
  int64_t stack_limit_kb = 0;     // accepted within Judge0's range, no effect
  int64_t max_processes_and_or_threads = 0;
  int64_t max_file_size_kb = 0;  // the output limit per stream
  bool redirect_stderr_to_stdout = false;
  // Always false: true is refused, as a Judge0 that does not allow them refuses it.
  bool enable_per_process_and_thread_time_limit = false;
  bool enable_per_process_and_thread_memory_limit = false;
  bool enable_network = false;
};

/// A decoded `POST /submissions` body (or one item of a batch).
struct Judge0Submission {
  /// Ready for the scheduler: the language's canonical name, version "*", one file without a
  /// name (the runner names it: main.c, main.cpp, main.py, main.js, Java after its public
  /// class), the run limits asked for (0 = the master's default), and with expected_output ONE
  /// test case (the stdin, the expected stdout, the `lines` checker) instead of stdin_data.
  Job job;
  Judge0Request request;  // language_id and callback_url are here
  bool compiled = false;  // the language has a compile stage (a slave's runtime says so)
};

/// Decodes one submission. `base64_encoded` is the request's query parameter
/// (judge0ParamTrue): source_code, stdin and expected_output are then base64. `runtimes` is
/// Scheduler::runtimes(): a language_id must map to a language offered there (judge0.h); with
/// no runtime at all any mapped id passes and the job waits for a slave, as parsePistonExecute
/// does. `maxima` bound the limits a client may ask for; `defaults` are the master's, shown for
/// limits the client left out (and the least wall limit a CPU limit sent alone gets). Returns null
/// on success, else Judge0's 422 body listing every refused field (then *out is partly filled).
/// *out is reset first. A body that is not an object has no fields: it gets "can't be blank" for
/// source_code and language_id, as in Judge0.
nlohmann::json decodeJudge0Submission(const nlohmann::json& body, bool base64_encoded,
                                      const nlohmann::json& runtimes, const Limits& maxima,
                                      const Limits& defaults, Judge0Submission* out);

/// The body of a request as it arrived, parsed with the nesting bound of polyrun/json_parse.h.
/// Null on success; else Rails' answer to a body it cannot parse, 400 {"status": 400, "error":
/// "Bad Request"}, with polyrun's reason added as "message". An empty body is an empty object.
nlohmann::json parseJudge0Body(std::string_view text, nlohmann::json* body);

/// Judge0's reading of a boolean request parameter (base64_encoded, wait): true only for the
/// string "true". Rails merges the query string over the body, so `query` (the query string's
/// value, if the parameter is there) wins over body[name].
bool judge0ParamTrue(const std::optional<std::string>& query, const nlohmann::json& body,
                     const char* name);

/// Splits command_line_arguments into arguments as the bash script Judge0 runs them from
/// would: after deleting the characters Judge0 deletes ($ & ; < > | `), words are separated by
/// unquoted whitespace (newlines too); '...' and "..." quote, a backslash escapes the next
/// character (inside "..." only \ and "), an unquoted # starting a word comments out the rest.
/// No glob, brace or tilde expansion. Returns false (with *error) for an unterminated quote.
bool splitJudge0Arguments(std::string_view text, std::vector<std::string>* args,
                          std::string* error);

/// Parses the `fields` query parameter: names separated by commas (as Ruby's split: trailing
/// empty names dropped), `*` for every field; absent or empty gives judge0DefaultFields().
/// Null on success, else 400 {"error": "invalid fields: [foo, bar]"}.
nlohmann::json parseJudge0Fields(const std::optional<std::string>& text,
                                 std::vector<std::string>* fields);

/// Judge0's default fields: token, time, memory, stdout, stderr, compile_output, message,
/// status (also what a callback carries, base64-encoded).
const std::vector<std::string>& judge0DefaultFields();

/// Every field a submission has, in Judge0's column order (what `fields=*` returns).
const std::vector<std::string>& judge0AllFields();

/// What the master knows of one submission, for the answer to GET and to a waiting POST.
struct Judge0View {
  std::string token;  // the polyrun job id
  JobState state = JobState::kQueued;
  int language_id = 0;                     // 0 = unknown: the first id mapped to result->language
  const Judge0Request* request = nullptr;  // null: the request's fields are shown as null
  const JobResult* result = nullptr;       // state kFinished only
  /// When the master accepted the job and when its result came; null when unknown.
  std::optional<std::chrono::system_clock::time_point> created_at;
  std::optional<std::chrono::system_clock::time_point> finished_at;
};

/// The submission's `fields`. Text fields (stdout, stderr, compile_output, message, source_code,
/// stdin, expected_output) are Ruby's Base64.encode64 of the bytes when `base64_encoded` (lines
/// of 60 characters, each ending in "\n", as Judge0 sends them). Without base64, a requested
/// text field whose bytes are not UTF-8 makes the whole answer impossible: nullopt, and the
/// route answers judge0Utf8Error() (Judge0 says this for any byte over 0x7f; polyrun only for
/// bytes that are not UTF-8). Status: 1 while queued; 2 while assigned, compiling or running;
/// once finished, judge0StatusFor() of the run (of the one test case in a judged job), 6 when
/// it did not compile; 13 when cancelled. Empty outputs are null, as in Judge0. `time` and
/// `wall_time` are the run's CPU and wall seconds as strings ("0.002"), `memory` its peak in KiB.
std::optional<nlohmann::json> judge0Submission(const Judge0View& view,
                                               const std::vector<std::string>& fields,
                                               bool base64_encoded);

/// Judge0's 400 body for a submission that cannot be shown without base64. `token` is given
/// for a POST ...?wait=true (whose answer is then 201 with the token and this error).
nlohmann::json judge0Utf8Error(const std::optional<std::string>& token = std::nullopt);

/// The body of a callback, as Judge0 PUTs it: the default fields, base64-encoded.
nlohmann::json judge0CallbackBody(const Judge0View& view);

/// One item of a decoded batch: `error` is its 422 object, or null when `submission` is good.
struct Judge0BatchItem {
  Judge0Submission submission;
  nlohmann::json error;
};

/// Decodes `POST /submissions/batch` ({"submissions": [...]}), each item as
/// decodeJudge0Submission() does. Null on success (each item then good or with its error),
/// else the 400 body: no submission, more than `max_batch`, or `submissions` not an array.
nlohmann::json decodeJudge0Batch(const nlohmann::json& body, bool base64_encoded,
                                 const nlohmann::json& runtimes, const Limits& maxima,
                                 const Limits& defaults, size_t max_batch,
                                 std::vector<Judge0BatchItem>* items);

/// The answer to a batch create: per item {"token": tokens[i]} or its error, in order; `tokens`
/// has an entry for each item (ignored for those with an error). The status is 201 when any item
/// was good, else 422: *http_status says which.
nlohmann::json judge0BatchCreated(const std::vector<Judge0BatchItem>& items,
                                  const std::vector<std::string>& tokens, int* http_status);

/// Parses the `tokens` parameter of `GET /submissions/batch` (comma-separated, surrounding
/// whitespace stripped). Null on success, else the 400 body (none, or more than `max_batch`).
nlohmann::json parseJudge0Tokens(std::string_view text, size_t max_batch,
                                 std::vector<std::string>* tokens);

/// The answer to `GET /submissions/batch`: {"submissions": [...]} in the tokens' order, null for
/// a token that is unknown (nullopt in `views`). nullopt when one submission cannot be shown
/// without base64: the route then answers judge0BatchUtf8Error() with 400.
std::optional<nlohmann::json> judge0BatchSubmissions(
    const std::vector<std::optional<Judge0View>>& views, const std::vector<std::string>& fields,
    bool base64_encoded);
nlohmann::json judge0BatchUtf8Error();

/// `GET /languages`: [{id, name}] of every mapped id whose language a slave offers now, ordered
/// by name as Judge0's database collates them (letters and digits first, case ignored).
nlohmann::json judge0LanguagesBody(const nlohmann::json& runtimes);

/// `GET /languages/{id}`: {id, name, is_archived, source_file, compile_cmd, run_cmd} for a mapped
/// id (the commands are the plugins' defaults, for information); nullopt for any other id, which
/// gets 404 judge0NotFound() (Judge0 CE also shows its archived and unmapped languages).
std::optional<nlohmann::json> judge0LanguageBody(std::string_view id);

/// `GET /statuses`: [{id, description}] in id order.
nlohmann::json judge0StatusesBody();

/// `GET /about`: Judge0's fields, version "1.13.1" (what Judge0's clients pick their language
/// table by), maintainer naming polyrun and `polyrun_version`.
nlohmann::json judge0AboutBody(std::string_view polyrun_version);

/// Rails' body for an unknown record (submission token, language id): 404.
nlohmann::json judge0NotFound();

}  // namespace polyrun::master
