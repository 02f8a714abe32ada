#include "judge0.h"

#include <algorithm>
#include <csignal>

namespace polyrun::master {
namespace {

// Judge0 archived every language id up to this one (db/languages/archived.rb).
constexpr int kLastArchivedLanguageId = 42;

// The Judge0 id of each polyrun language listed first: the newest toolchain of each language in
// Judge0 CE 1.13.1, the ids Judge0 clients commonly hard-code.
constexpr int kPrimaryIds[] = {50, 54, 62, 63, 71};

bool isPrimary(int id) {
  return std::find(std::begin(kPrimaryIds), std::end(kPrimaryIds), id) != std::end(kPrimaryIds);
}

}  // namespace

const std::vector<Judge0Status>& judge0Statuses() {
  static const std::vector<Judge0Status> statuses = {
      {Judge0StatusId::kInQueue, "In Queue"},
      {Judge0StatusId::kProcessing, "Processing"},
      {Judge0StatusId::kAccepted, "Accepted"},
      {Judge0StatusId::kWrongAnswer, "Wrong Answer"},
      {Judge0StatusId::kTimeLimitExceeded, "Time Limit Exceeded"},
      {Judge0StatusId::kCompilationError, "Compilation Error"},
      {Judge0StatusId::kRuntimeErrorSigsegv, "Runtime Error (SIGSEGV)"},
      {Judge0StatusId::kRuntimeErrorSigxfsz, "Runtime Error (SIGXFSZ)"},
      {Judge0StatusId::kRuntimeErrorSigfpe, "Runtime Error (SIGFPE)"},
      {Judge0StatusId::kRuntimeErrorSigabrt, "Runtime Error (SIGABRT)"},
      {Judge0StatusId::kRuntimeErrorNzec, "Runtime Error (NZEC)"},
      {Judge0StatusId::kRuntimeErrorOther, "Runtime Error (Other)"},
      {Judge0StatusId::kInternalError, "Internal Error"},
      {Judge0StatusId::kExecFormatError, "Exec Format Error"},
  };
  return statuses;
}

std::optional<std::string_view> judge0StatusDescription(int id) {
  for (const Judge0Status& status : judge0Statuses())
    if (static_cast<int>(status.id) == id) return status.description;
  return std::nullopt;
}

Judge0StatusId judge0StatusFor(Verdict verdict, int signal, bool wrong_answer) {
  switch (verdict) {
    case Verdict::kOk:
      return wrong_answer ? Judge0StatusId::kWrongAnswer : Judge0StatusId::kAccepted;
    case Verdict::kCompileError:
      return Judge0StatusId::kCompilationError;
    case Verdict::kRuntimeError:
      return Judge0StatusId::kRuntimeErrorNzec;
    case Verdict::kSignaled:
      // Judge0's Status.find_runtime_error_by_status_code, by signal.
      switch (signal) {
        case SIGSEGV:
          return Judge0StatusId::kRuntimeErrorSigsegv;
        case SIGXFSZ:
          return Judge0StatusId::kRuntimeErrorSigxfsz;
        case SIGFPE:
          return Judge0StatusId::kRuntimeErrorSigfpe;
        case SIGABRT:
          return Judge0StatusId::kRuntimeErrorSigabrt;
        default:
          return Judge0StatusId::kRuntimeErrorOther;
      }
    case Verdict::kTimeLimit:
      return Judge0StatusId::kTimeLimitExceeded;
    case Verdict::kMemoryLimit:
      // Judge0 has no memory status: a program over its cgroup's memory is killed (SIGKILL),
      // which Judge0 reports as "Runtime Error (Other)".
      return Judge0StatusId::kRuntimeErrorOther;
    case Verdict::kOutputLimit:
      // Judge0 bounds output with isolate's file size limit (RLIMIT_FSIZE): a program that
      // writes more gets SIGXFSZ.
      return Judge0StatusId::kRuntimeErrorSigxfsz;
    case Verdict::kWrongAnswer:
      return Judge0StatusId::kWrongAnswer;
    case Verdict::kSkipped:  // a judged job's case; a Judge0 submission is one case, never skipped
    case Verdict::kCheckerError:  // Judge0 has no checker programs: the judging failed
    case Verdict::kInternalError:
      return Judge0StatusId::kInternalError;
  }
  return Judge0StatusId::kInternalError;
}

const std::vector<Judge0Language>& judge0Languages() {
  // Judge0 CE v1.13.1 db/languages/active.rb: every active id of the languages polyrun runs
  // (docs/judge0.md, "Languages"). Not mapped, because Judge0's programs for them do not run as
  // polyrun's definitions run programs: 70 "Python (2.7.17)" (Python 2), 58 "Erlang (OTP 22.2)"
  // (escripts without a module; polyrun compiles a module with erlc), 69 "Prolog (GNU Prolog
  // 1.4.5)" (polyrun runs SWI-Prolog) and 77 "COBOL (GnuCOBOL 2.2)" (free format; polyrun's cobc
  // reads fixed format).
  static const std::vector<Judge0Language> languages = {
      {46, "Bash (5.0.0)", "bash"},
      {48, "C (GCC 7.4.0)", "c"},
      {49, "C (GCC 8.3.0)", "c"},
      {50, "C (GCC 9.2.0)", "c"},
      {51, "C# (Mono 6.6.0.161)", "csharp"},
      {52, "C++ (GCC 7.4.0)", "c++"},
      {53, "C++ (GCC 8.3.0)", "c++"},
      {54, "C++ (GCC 9.2.0)", "c++"},
      {55, "Common Lisp (SBCL 2.0.0)", "commonlisp"},
      {56, "D (DMD 2.089.1)", "d"},
      {57, "Elixir (1.9.4)", "elixir"},
      {59, "Fortran (GFortran 9.2.0)", "fortran"},
      {60, "Go (1.13.5)", "go"},
      {61, "Haskell (GHC 8.8.1)", "haskell"},
      {62, "Java (OpenJDK 13.0.1)", "java"},
      {63, "JavaScript (Node.js 12.14.0)", "javascript"},
      {64, "Lua (5.3.5)", "lua"},
      {65, "OCaml (4.09.0)", "ocaml"},
      {66, "Octave (5.1.0)", "octave"},
      {67, "Pascal (FPC 3.0.4)", "pascal"},
      {68, "PHP (7.4.1)", "php"},
      {71, "Python (3.8.1)", "python"},
      {72, "Ruby (2.7.0)", "ruby"},
      {73, "Rust (1.40.0)", "rust"},
      {74, "TypeScript (3.7.4)", "typescript"},
      {75, "C (Clang 7.0.1)", "c"},
      {76, "C++ (Clang 7.0.1)", "c++"},
      {78, "Kotlin (1.3.70)", "kotlin"},
      {80, "R (4.0.0)", "r"},
      {81, "Scala (2.13.2)", "scala"},
      {82, "SQL (SQLite 3.27.2)", "sql"},
      {85, "Perl (5.28.1)", "perl"},
      {86, "Clojure (1.10.1)", "clojure"},
      {88, "Groovy (3.0.3)", "groovy"},
  };
  return languages;
}

std::optional<std::string_view> polyrunLanguageForJudge0(int id) {
  for (const Judge0Language& language : judge0Languages())
    if (language.id == id) return language.polyrun_language;
  return std::nullopt;
}

std::vector<int> judge0IdsForLanguage(std::string_view polyrun_language) {
  std::vector<int> ids;
  for (const Judge0Language& language : judge0Languages())
    if (language.polyrun_language == polyrun_language) ids.push_back(language.id);
  std::stable_partition(ids.begin(), ids.end(), isPrimary);
  return ids;
}

std::string judge0LanguageError(int id) {
  const std::string prefix = "language with id " + std::to_string(id);
  if (id >= 1 && id <= kLastArchivedLanguageId)
    return prefix + " is archived and cannot be used anymore";
  return prefix + " doesn't exist";
}

}  // namespace polyrun::master
