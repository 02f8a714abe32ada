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
};

/// Limits a job gets when neither it nor the configuration says otherwise: compile 15 s CPU and
/// wall, run 5 s, 512 MiB each, 1 MiB per output stream, 64 processes (docs/configuration.md).
POLYRUN_API Limits defaultLimits();

struct Job {
  std::string id;        // assigned by the master; empty in a client's submit
  std::string language;  // name or alias, as the client sent it
  std::string version;   // empty or "*" = any; otherwise exact or a prefix ("3", "3.11", "3.x")
  std::vector<SourceFile> files;  // files[0] is the main file
  std::string stdin_data;
  std::vector<std::string> args;
  Limits limits;
};

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

struct JobResult {
  std::string job_id;
  std::string slave;     // name of the slave that ran it
  std::string language;  // canonical name of the runner that ran it
  std::string version;
  Verdict verdict = Verdict::kOk;  // the job's overall verdict
  std::string message;
  std::optional<StageResult> compile;  // present only for compiled languages
  std::optional<StageResult> run;      // absent when compilation failed or nothing ran
  int64_t queue_ms = 0;                // from acceptance by the master to assignment
  int64_t total_ms = 0;                // from acceptance by the master to the result
};

}  // namespace polyrun
