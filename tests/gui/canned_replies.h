// Replies a fake master sends in the GUI tests, shaped as docs/protocol.md shows them, and the
// job the suites submit.
#pragma once

#include <QString>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client_types.h"
#include "polyrun/job.h"

namespace polyrun::gui::test {

/// python 3.11.2, main.py `print(input())`, stdin `stdin_text`: its output is its stdin.
JobRequest pythonJob(const QString& stdin_text);

/// `runtimes` reply with python 3.11.2 and c 12.2.0 (and java 17 when `with_java`).
nlohmann::json runtimesReply(const nlohmann::json& request, bool with_java = false);

/// The `runtimes` list of a cluster offering 39 languages, as the declarative runners advertise
/// them (names, aliases and extensions as data; some spelled unlike the editor's table: "nodejs",
/// "c++20"); every entry version "1.0", one slave.
nlohmann::json manyRuntimes();
/// `runtimes` reply with manyRuntimes().
nlohmann::json manyRuntimesReply(const nlohmann::json& request);

/// `cluster` reply with slave-a (python, c; 1 of 2 busy) and slave-b (python; idle), 12 jobs
/// submitted; `recent_jobs` only when `with_recent_jobs`.
nlohmann::json clusterReply(const nlohmann::json& request, bool with_recent_jobs = false);

/// A `result` for `job_id` answering `request` (a submit): verdict OK, stdout = `stdout_text`.
nlohmann::json okResult(const nlohmann::json& request, const std::string& job_id,
                        const std::string& stdout_text);

/// accepted, progress queued, assigned (slave-a), running, then okResult() echoing the job's
/// stdin, all for job `job_id`.
void replyToSubmit(class FakeMaster& master, const nlohmann::json& request,
                   const std::string& job_id = "j-000042");

/// How a fake master answers a submit, for the suites that drive runs.
enum class SubmitReply {
  kRunOk,            // replyToSubmit(): accepted, progress, an OK result
  kUnknownLanguage,  // unknownLanguageError()
  kAcceptOnly,       // acceptAndRun(): a job that runs until the test says otherwise
  kNothing,          // silence: the submit is never accepted
};

/// Answers `request` (a submit) as `reply` says.
void answerSubmit(class FakeMaster& master, const nlohmann::json& request, SubmitReply reply);

/// accepted and progress running on slave-b for job `job_id`, and nothing more: a job that runs
/// until the test says otherwise.
void acceptAndRun(class FakeMaster& master, const nlohmann::json& request,
                  const std::string& job_id = "j-000077");

/// The `error` a master answers a submit of a language no slave offers (unknown_language).
nlohmann::json unknownLanguageError(const nlohmann::json& request);

/// A judged job's case as a slave reports it: `verdict`, its figures and its stdout; a
/// WRONG_ANSWER differs at line 1, column 1 with the checker's message, a TIME_LIMIT was
/// killed at a CPU limit of 1000 ms.
polyrun::CaseResult caseResult(const std::string& name, polyrun::Verdict verdict, int64_t cpu_ms,
                               int64_t memory_bytes, const std::string& stdout_text);

/// `progress` (running on slave-a) of job `job_id` whose case number `index` (0-based) ended,
/// with the `test` object docs/judging.md shows.
nlohmann::json caseProgress(const nlohmann::json& request, const std::string& job_id, size_t index,
                            const polyrun::CaseResult& c);

/// The `result` of judged job `job_id` whose cases came to `cases` (with `summary`); its verdict
/// is the first failing case's.
nlohmann::json judgedResult(const nlohmann::json& request, const std::string& job_id,
                            const std::vector<polyrun::CaseResult>& cases);

/// An `output` message of live job `job_id` (answering `request`, a submit) carrying `chunks`,
/// as core writes them (bytes that are not UTF-8 in base64), and `dropped` when not 0.
nlohmann::json outputMessage(const nlohmann::json& request, const std::string& job_id,
                             const std::vector<polyrun::OutputChunk>& chunks, int64_t dropped = 0);

/// `cancelled` answering a `cancel` request.
nlohmann::json cancelledReply(const nlohmann::json& cancel);

}  // namespace polyrun::gui::test
