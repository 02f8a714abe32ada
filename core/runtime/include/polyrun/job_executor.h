// Runs one job through a runner and a sandbox: makes a private work directory, lets the runner
// lay it out, compiles if the runner compiles, runs, turns process outcomes into verdicts, and
// removes the directory (or has a DirReaper remove it). Thread-safe as long as the sandbox is.
#pragma once

#include <functional>
#include <string>

#include "polyrun/compile_cache.h"
#include "polyrun/dir_reaper.h"
#include "polyrun/export.h"
#include "polyrun/job.h"
#include "polyrun/runner.h"
#include "polyrun/sandbox.h"
#include "polyrun/stage_stream.h"
#include "polyrun/status.h"

namespace polyrun {

struct ExecutorOptions {
  std::string work_root;  // a directory the slave owns; each job gets a fresh subdirectory
  Limits fallback;        // used for every limit the job leaves at zero
  /// Cancels the job's stages (polyrun/cancel_token.h); not owned. A cancelled stage is killed
  /// and the job ends there; the caller knows from the token that it was cancelled.
  const CancelToken* cancel = nullptr;
  /// Where compiled artifacts are kept and found (compile_cache.h); not owned; null = no cache.
  /// A hit skips the compile stage: the result's compile stage says `cached`.
  CompileCache* cache = nullptr;
  /// The runner's prepared toolchain (prepareToolchain()), handed to prepare(); empty = none.
  std::string toolchain_dir{};
  /// Removes the job's work directory after executeJob() returns (dir_reaper.h); not owned;
  /// null = executeJob() removes it before returning.
  DirReaper* reaper = nullptr;
  /// The total size of a job's files: its work directory is a tmpfs of this size (mounting it
  /// needs root), unmounted before executeJob() returns. 0 = a plain directory on the disk of
  /// `work_root`, each file capped at 256 MiB, the total not. What a stage writes there is
  /// memory charged to the stage (docs/sandbox.md, "Limits").
  int64_t work_quota_bytes = 0;
  /// A judged job's retained output: each case's stdout and stderr are cut to an equal share of
  /// this (at least 4 KiB each) once the checker has seen them whole, so that 1,000 cases cost
  /// the slave what one result frame can carry. 0 = no bound beyond the output limit.
  int64_t result_output_bytes = 0;
  /// A judged job whose checker is a program (CheckerKind::kProgram): the runner of the
  /// checker's language and version, found by the caller (the slave's plugin registry); not
  /// owned, must outlive executeJob(). Null: such a job fails with INTERNAL_ERROR before any
  /// case runs. The checker runner's toolchain directory goes with it.
  const Runner* checker_runner = nullptr;
  std::string checker_toolchain_dir{};
  /// A live job's (Job::live()) line to its run stage: its output goes there as it is written,
  /// its input and signals come from there (stage_stream.h). Not owned; null = not live. The
  /// run then also has the idle limit job.limits.idle_ms (interactive only) and an environment
  /// that makes common runtimes write as they go (docs/protocol.md).
  StageStream* stream = nullptr;
};

/// Removes what earlier slaves left in `work_root` (killed before they could): the work
/// directories of processes that are gone (a running slave's, whose process is alive, are
/// kept), unmounting their tmpfs first. Returns one line per directory it could not remove.
POLYRUN_API std::vector<std::string> removeLeftoverWorkDirs(const std::string& work_root);

enum class StageEvent { kCompiling, kRunning };
using StageCallback = std::function<void(StageEvent)>;
/// Called as each test case of a judged job ends (or is skipped), with its 0-based index.
using CaseCallback = std::function<void(size_t index, const CaseResult& result)>;

/// Never throws; every failure of ours, and a runner that throws or returns nonsense (an empty
/// command, a file outside the work directory), becomes INTERNAL_ERROR with a message.
///
/// A judged job with a checker program: the program is compiled first (a compile error ends the
/// job), then the checker, in a work directory of its own (failing, it ends the job with
/// CHECKER_ERROR and `checker_compile` says why; no case runs). After each case whose run ended
/// OK the checker runs there as `checker polyrun-case/input polyrun-case/output
/// polyrun-case/answer` (the case's stdin, the program's whole stdout, the expected stdout or
/// an empty file), with job.checker.limits (zero: the job's run limits): exit 0 accepts, 1 or 2
/// is WRONG_ANSWER with the first line of its stdout (else stderr) as the message, anything else
/// is CHECKER_ERROR (docs/checkers.md).
POLYRUN_API JobResult executeJob(const Runner& runner, Sandbox& sandbox, const Job& job,
                                 const ExecutorOptions& options, const StageCallback& on_stage = {},
                                 const CaseCallback& on_case = {});

// The three probes below fold "it ran out of time" into the Status code: kTimedOut is the one a
// caller acts on (a slow machine may pass with more time); kInternal is a runner that broke its
// contract (threw, a relative command); kIoError a work directory the slave could not make.

/// Runs the runner's version command through the sandbox, with the wall and CPU limits of
/// `options.fallback.compile`, and stores the version it printed in *version. kTimedOut when it
/// did not finish in time; kUnavailable when it cannot run or prints no version the runner
/// understands. Never throws.
POLYRUN_API Status detectVersion(const Runner& runner, Sandbox& sandbox,
                                 const ExecutorOptions& options, std::string* version);

/// Runs the runner's self-test as a job with `options.fallback` limits (so a self-test that
/// hangs ends at their wall limit); OK when its stdout is the expected one. Otherwise the message
/// says why on one line, `expected output "olleh\n", got "" (COMPILE_ERROR: ...)`, and the code
/// is kTimedOut when a stage was stopped at its time limit, else kUnavailable. Never throws.
POLYRUN_API Status runSelfTest(const Runner& runner, Sandbox& sandbox,
                               const ExecutorOptions& options);

/// Runs the runner's toolchain() plan, once: its commands in a scratch work directory through
/// the sandbox, with the limits of `options.fallback.compile`, then its outputs moved (atomically)
/// into `root`/<language>-<hash of version and plan>. Stores that directory in *dir: at once when
/// an earlier run made it; "" (and OK) when the plan is empty, and "" on failure. Jobs see the
/// directory read-only: `root` must be among the sandbox's read-only paths (kInvalidArgument
/// when they cannot read it). Never throws.
POLYRUN_API Status prepareToolchain(const Runner& runner, const std::string& version,
                                    Sandbox& sandbox, const ExecutorOptions& options,
                                    const std::string& root, std::string* dir);

/// The cache key of a compilation: runner language and version, compile command (and the size
/// and modification time of its program) and its environment, the artifacts wanted, and every
/// work file's path, mode and content. executeJob() uses the job's exact version when it has one.
POLYRUN_API std::string compileCacheKey(const RunnerInfo& info, const Prepared& prepared);

/// The environment every stage starts from: fixed PATH, HOME, LANG; nothing of the slave's.
POLYRUN_API std::vector<std::string> cleanEnvironment(const std::string& home);

}  // namespace polyrun
