// The job, its limits and its result: the data every part of polyrun passes around.
// Plain structs; every field says its unit. JSON conversion lives in job_json.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "polyrun/export.h"

namespace polyrun {

/// How a submitted file's content is encoded on the wire.
enum class Encoding { kUtf8, kBase64 };

/// One submitted source file. `name` may be empty: the runner then picks a name.
struct SourceFile {
  std::string name;
  std::string content;  // as sent, still encoded when encoding == kBase64
  Encoding encoding = Encoding::kUtf8;
};

/// Limits of one stage (compile or run). Zero means "not set": the master fills in its defaults.
struct StageLimits {
  int64_t wall_ms = 0;
  int64_t cpu_ms = 0;
  int64_t memory_bytes = 0;
};

struct Limits {
  StageLimits compile;
  StageLimits run;
  int64_t output_bytes = 0;  // per stream (stdout, stderr) and per stage
  int64_t processes = 0;     // processes and threads a stage may have at once
  /// Interactive jobs only: no input and no output for this long ends the run (TIME_LIMIT).
  int64_t idle_ms = 0;
};

/// Limits a job gets when neither it nor the configuration says otherwise: compile 15 s CPU and
/// wall, run 5 s, 512 MiB each, 1 MiB per output stream, 64 processes (docs/configuration.md).
POLYRUN_API Limits defaultLimits();

/// How an output is compared with the expected one.
enum class CheckerKind {
  /// Byte for byte.
  kExact,
  /// Line by line, ignoring trailing spaces, tabs and carriage returns on each line and blank
  /// lines at the end (what most judges call "standard"). Leading whitespace, whitespace inside
  /// a line and blank lines before other output count.
  kLines,
  /// The sequences of whitespace-separated tokens are equal (whitespace: space, \t, \n, \v, \f,
  /// \r; any amount of it between tokens, at the start and at the end).
  kTokens,
  /// kTokens, where two tokens that both read as numbers match within a tolerance (see
  /// CheckerOptions); any other token is compared exactly.
  kFloat,
  /// A checker program (CheckerOptions::language and source), run after each case as
  /// `checker INPUT OUTPUT ANSWER` (testlib's order: the case's stdin, the program's stdout,
  /// the expected stdout); exit 0 accepts, 1 or 2 is a wrong answer, anything else a checker
  /// failure (docs/checkers.md, "Checker programs").
  kProgram,
};

struct CheckerOptions {
  CheckerKind kind = CheckerKind::kLines;
  /// kFloat only: an actual number a matches the expected b when |a - b| <= abs_tolerance or
  /// |a - b| <= rel_tolerance * |b|. A negative or NaN tolerance allows nothing beyond a == b.
  /// A number is what std::from_chars reads in full (an optional leading '+' allowed): "1",
  /// "-0.5", "1e-9", ".5", "inf", "nan". Infinite and NaN values never match a finite one; an
  /// expected NaN matches any NaN ("nan", "-nan", "NaN"); an expected infinity matches an
  /// infinity of the same sign. A token too large for a double ("1e999") is not a number.
  double abs_tolerance = 1e-6;
  double rel_tolerance = 1e-6;
  /// kProgram only: the checker's language (name or alias) and version (as Job::version), and
  /// its one source file. It is compiled once per job with the job's compile limits.
  std::string language;
  std::string version;
  SourceFile source;
  /// kProgram only: the limits of each run of the checker; zero = the job's run limits (the
  /// master fills them in). Output and processes are the job's.
  StageLimits limits;
};

/// "exact", "lines", "tokens", "float", "program": the names on the wire and on command lines.
POLYRUN_API std::string_view checkerName(CheckerKind kind);
/// Parses a name of checkerName(); nullopt when unknown (case matters).
POLYRUN_API std::optional<CheckerKind> parseCheckerName(std::string_view name);

/// One test case of a judged job (docs/judging.md): the program is compiled once and run once
/// per case, each run a stage of its own with the job's run limits.
struct TestCase {
  std::string name;  // shown in results; empty = its 1-based number
  std::string stdin_data;
  std::optional<std::vector<std::string>> args;  // absent = the job's args
  /// What stdout must be, compared by the job's checker; absent = the case is run, not checked.
  std::optional<std::string> expected_stdout;
};

struct Job {
  std::string id;        // assigned by the master; empty in a client's submit
  std::string language;  // name or alias, as the client sent it
  std::string version;   // empty or "*" = any; otherwise exact or a prefix ("3", "3.11", "3.x")
  std::vector<SourceFile> files;  // files[0] is the main file
  std::string stdin_data;
  std::vector<std::string> args;
  Limits limits;
  /// Judged jobs only: the cases to run after one compile. When there are any, `stdin_data` is
  /// not used and the result has `tests` instead of `run`.
  std::vector<TestCase> tests;
  CheckerOptions checker;        // how a case's stdout is compared with its expected_stdout
  bool stop_on_failure = false;  // skip the cases after the first that does not pass
  /// The run's stdout and stderr are sent as they are written (`output` messages) as well as in
  /// the result (docs/protocol.md, "Interactive and streamed jobs").
  bool stream = false;
  /// Implies `stream`: stdin stays open while the program runs, fed by `input` messages until
  /// one ends it; the run has an idle limit (Limits::idle_ms).
  bool interactive = false;
  bool live() const { return stream || interactive; }
};

/// A piece of a live run's output, as an `output` message carries it (docs/protocol.md).
enum class OutputStream { kStdout, kStderr };
struct OutputChunk {
  OutputStream stream = OutputStream::kStdout;
  std::string data;  // the bytes the program wrote
};
/// "stdout" or "stderr".
POLYRUN_API std::string_view outputStreamName(OutputStream stream);

/// The signals a client may send a live job's program (`signal` messages): SIGINT, SIGTERM,
/// SIGKILL, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2. Returns the signal's number, or 0 for any other
/// name. signalName() is the reverse ("" for a number not in the list).
POLYRUN_API int signalNumber(std::string_view name);
POLYRUN_API std::string_view signalName(int number);
/// The names signalNumber() accepts, comma-separated, for error messages.
POLYRUN_API std::string_view signalNames();

/// The outcome of a stage or a job. Ordered from best to worst only by convention.
enum class Verdict {
  kOk,
  kCompileError,
  kRuntimeError,  // exited with a non-zero code
  kSignaled,
  kTimeLimit,
  kMemoryLimit,
  kOutputLimit,
  kInternalError,  // polyrun's fault, never the program's; `message` says why
  kWrongAnswer,    // a test case's output is not the expected one (the checker's `message`)
  kSkipped,        // a test case not run: an earlier case failed and the job stops on failure
  /// A checker program failed (did not compile, exited with neither 0, 1 nor 2, was killed or
  /// hit a limit): the judging's fault, not the program's.
  kCheckerError,
};

/// "OK", "COMPILE_ERROR", ... as on the wire.
POLYRUN_API std::string_view verdictName(Verdict v);
/// Parses a wire name; nullopt when unknown.
POLYRUN_API std::optional<Verdict> parseVerdict(std::string_view name);

struct StageResult {
  Verdict verdict = Verdict::kOk;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int exit_code = -1;  // -1 when the process did not exit normally
  int signal = 0;      // 0 when not killed by a signal
  int64_t cpu_ms = 0;
  int64_t wall_ms = 0;
  int64_t memory_bytes = 0;  // peak resident set size
  std::string message;       // why, for anything but OK ("wall time limit of 5000 ms exceeded")
  /// Stopped at its wall or CPU time limit (a compile stage's verdict is then COMPILE_ERROR).
  bool timed_out = false;
  /// Compile stage only: the artifacts came from the slave's compile cache and the compiler did
  /// not run; stdout and stderr are the compiler's from when the entry was made, wall_ms the
  /// time the restore took.
  bool cached = false;
};

/// One test case's outcome: its run stage, whose verdict is the case's (OK, WRONG_ANSWER, a
/// limit, SKIPPED, CHECKER_ERROR...). For WRONG_ANSWER, `run.message` is the checker's
/// description and line/column say where the output first differs (1-based; 0 otherwise, and
/// always 0 for a checker program).
struct CaseResult {
  std::string name;
  StageResult run;
  int64_t line = 0;
  int64_t column = 0;
  /// The checker program's run on this case (CheckerKind::kProgram only, when it ran): its
  /// stdout, stderr, exit code, times. Its verdict is the stage's own (OK when it exited at
  /// all without hitting a limit); the case's verdict is in `run`.
  std::optional<StageResult> checker;
};

/// What a judged job's cases came to, computed from them (summarizeTests()).
struct TestSummary {
  int64_t total = 0;
  int64_t passed = 0;         // verdict OK
  int64_t first_failure = 0;  // 1-based number of the first case that did not pass; 0 = none
  int64_t max_cpu_ms = 0;
  int64_t max_wall_ms = 0;
  int64_t max_memory_bytes = 0;
};
POLYRUN_API TestSummary summarizeTests(const std::vector<CaseResult>& cases);

struct JobResult {
  std::string job_id;
  std::string slave;     // name of the slave that ran it
  std::string language;  // canonical name of the runner that ran it
  std::string version;
  Verdict verdict = Verdict::kOk;  // the job's overall verdict
  std::string message;
  std::optional<StageResult> compile;  // present only for compiled languages
  std::optional<StageResult> run;      // absent when compilation failed or nothing ran
  /// A judged job with a checker program in a compiled language: the checker's compile stage
  /// (before any case runs; when it fails the job's verdict is CHECKER_ERROR and no case runs).
  std::optional<StageResult> checker_compile;
  /// A judged job's cases, in the job's order (empty for other jobs; absent ones were not run
  /// because compilation failed).
  std::vector<CaseResult> tests;
  int64_t queue_ms = 0;  // from acceptance by the master to assignment
  int64_t total_ms = 0;  // from acceptance by the master to the result
};

}  // namespace polyrun
