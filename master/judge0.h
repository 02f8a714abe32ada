// Judge0 CE's status ids and language ids, and how polyrun's verdicts and languages map onto
// them: pure data for the Judge0-compatible routes. The tables are Judge0 CE v1.13.1's
// (app/enumerations/status.rb, db/languages/active.rb); docs/judge0.md lists them with what
// polyrun runs for each and what differs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "polyrun/job.h"

namespace polyrun::master {

/// Judge0's status ids, as `GET /statuses` lists them.
enum class Judge0StatusId : int {
  kInQueue = 1,
  kProcessing = 2,
  kAccepted = 3,
  kWrongAnswer = 4,
  kTimeLimitExceeded = 5,
  kCompilationError = 6,
  kRuntimeErrorSigsegv = 7,
  kRuntimeErrorSigxfsz = 8,
  kRuntimeErrorSigfpe = 9,
  kRuntimeErrorSigabrt = 10,
  kRuntimeErrorNzec = 11,
  kRuntimeErrorOther = 12,
  kInternalError = 13,
  kExecFormatError = 14,
};

struct Judge0Status {
  Judge0StatusId id;
  std::string_view description;  // "Runtime Error (SIGSEGV)", exactly as Judge0 spells it
};

/// All fourteen statuses in id order: the body of `GET /statuses`.
const std::vector<Judge0Status>& judge0Statuses();

/// Judge0's description of a status id; nullopt for an id Judge0 does not have.
std::optional<std::string_view> judge0StatusDescription(int id);

/// The Judge0 status of a finished job or test case. `verdict` and `signal` are the job's
/// verdict and its deciding stage's signal (StageResult::signal, 0 when none);
/// `wrong_answer` says that a checker rejected the output of a run whose verdict is OK (a verdict
/// other than OK wins over it, as in Judge0). OK 3 or, when wrong_answer, 4; TIME_LIMIT 5;
/// COMPILE_ERROR 6; RUNTIME_ERROR 11; SIGNALED by SIGSEGV 7, SIGXFSZ 8, SIGFPE 9, SIGABRT 10,
/// any other 12; MEMORY_LIMIT 12 (Judge0 has no memory status); OUTPUT_LIMIT 8 (Judge0 limits
/// output with RLIMIT_FSIZE, whose breach is SIGXFSZ); WRONG_ANSWER 4; INTERNAL_ERROR,
/// SKIPPED and CHECKER_ERROR 13.
Judge0StatusId judge0StatusFor(Verdict verdict, int signal, bool wrong_answer);

/// One Judge0 CE language id that polyrun serves.
struct Judge0Language {
  int id;
  std::string_view name;              // Judge0's name: "C++ (GCC 9.2.0)"
  std::string_view polyrun_language;  // the canonical polyrun language that runs it: "c++"
};

/// The Judge0 CE language ids polyrun maps, in id order (docs/judge0.md says why these).
const std::vector<Judge0Language>& judge0Languages();

/// The canonical polyrun language (as a runner names itself: "c", "c++", "python", "java",
/// "javascript") for a Judge0 language id; nullopt when polyrun maps no language to it. Whether
/// a slave offers that language now is the caller's question.
std::optional<std::string_view> polyrunLanguageForJudge0(int id);

/// The Judge0 ids mapped to a canonical polyrun language, the newest toolchain of Judge0 CE
/// 1.13.1 first (50, 54, 71, 62, 63), then the others in id order; empty for a language with none
/// (and for an alias such as "cpp": resolve aliases first).
std::vector<int> judge0IdsForLanguage(std::string_view polyrun_language);

/// Judge0's 422 message for a `language_id` polyrun maps to no language: "language with id 999
/// doesn't exist", or for Judge0's archived ids (1 to 42) "language with id 4 is archived and
/// cannot be used anymore". Judge0 answers `{"language_id": [message]}`.
std::string judge0LanguageError(int id);

}  // namespace polyrun::master
