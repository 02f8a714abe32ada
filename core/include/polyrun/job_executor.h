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
};

enum class StageEvent { kCompiling, kRunning };
using StageCallback = std::function<void(StageEvent)>;

/// Never throws; every failure of ours becomes INTERNAL_ERROR with a message.
POLYRUN_API JobResult executeJob(const Runner& runner, Sandbox& sandbox, const Job& job,
                     const ExecutorOptions& options, const StageCallback& on_stage = {});

/// Runs the runner's version command through the sandbox; empty with *error set on failure.
POLYRUN_API std::string detectVersion(const Runner& runner, Sandbox& sandbox,
                                      const ExecutorOptions& options, std::string* error);

/// Runs the runner's self-test as a job; true when its stdout is the expected one, otherwise
/// false with *why set ("expected \"olleh\n\", got \"\" (COMPILE_ERROR: ...)").
POLYRUN_API bool runSelfTest(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options,
                             std::string* why);

/// Limits a job gets when neither it nor the configuration says otherwise (DESIGN.md defaults).
POLYRUN_API Limits defaultLimits();

/// The environment every stage starts from: fixed PATH, HOME, LANG; nothing of the slave's.
POLYRUN_API std::vector<std::string> cleanEnvironment(const std::string& home);

}  // namespace polyrun
