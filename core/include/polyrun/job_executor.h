// Runs one job through a runner and a sandbox: makes a private work directory, lets the runner
// lay it out, compiles if the runner compiles, runs, turns process outcomes into verdicts, and
// removes the directory. Thread-safe as long as the sandbox is.
#pragma once

#include "polyrun/export.h"

#include <functional>
#include <string>

#include "polyrun/job.h"
#include "polyrun/runner.h"
#include "polyrun/sandbox.h"

namespace polyrun {

struct ExecutorOptions {
  std::string work_root;  // a directory the slave owns; each job gets a fresh subdirectory
  Limits fallback;        // used for every limit the job leaves at zero
  /// Cancels the job's stages (polyrun/cancel_token.h); not owned. A cancelled stage is killed
  /// and the job ends there; the caller knows from the token that it was cancelled.
  const CancelToken* cancel = nullptr;
};

enum class StageEvent { kCompiling, kRunning };
using StageCallback = std::function<void(StageEvent)>;

/// Never throws; every failure of ours, and a runner that throws or returns nonsense (an empty
/// command, a file outside the work directory), becomes INTERNAL_ERROR with a message.
POLYRUN_API JobResult executeJob(const Runner& runner, Sandbox& sandbox, const Job& job,
                     const ExecutorOptions& options, const StageCallback& on_stage = {});

/// Runs the runner's version command through the sandbox, with the wall and CPU limits of
/// `options.fallback.compile`; empty with *error set on failure. Never throws.
POLYRUN_API std::string detectVersion(const Runner& runner, Sandbox& sandbox,
                                      const ExecutorOptions& options, std::string* error);

/// Runs the runner's self-test as a job with `options.fallback` limits (so a self-test that
/// hangs ends at their wall limit); true when its stdout is the expected one, otherwise false
/// with *why set, on one line: `expected output "olleh\n", got "" (COMPILE_ERROR: ...)`.
/// Never throws.
POLYRUN_API bool runSelfTest(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options,
                             std::string* why);

/// Limits a job gets when neither it nor the configuration says otherwise (DESIGN.md defaults).
POLYRUN_API Limits defaultLimits();

/// The environment every stage starts from: fixed PATH, HOME, LANG; nothing of the slave's.
POLYRUN_API std::vector<std::string> cleanEnvironment(const std::string& home);

}  // namespace polyrun
