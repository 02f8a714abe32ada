#include "polyrun/job_executor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "polyrun/base64.h"
#include "runner_call.h"

namespace polyrun {
namespace fs = std::filesystem;
namespace {

// Removes a work directory with everything in it when the scope ends; never follows links.
struct RemoveOnExit {
  std::string dir;
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string makeWorkDir(const std::string& root, std::string* error) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  fs::create_directories(root, ec);
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path dir = fs::path(root) / ("job-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter.fetch_add(1)));
    if (fs::create_directory(dir, ec)) return dir.string();
  }
  *error = "cannot create a work directory under " + root + ": " + ec.message();
  return {};
}

// A runner's path must stay inside the work directory: relative, no "..", no empty segment.
bool safeRelativePath(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  for (const auto& part : fs::path(p)) {
    const std::string s = part.string();
    if (s == ".." || s == "." || s.empty()) return false;
  }
  return true;
}

bool writeFile(const fs::path& path, const std::string& content, bool executable, std::string* error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    *error = "cannot write " + path.string();
    return false;
  }
  if (executable) ::chmod(path.c_str(), 0755);
  return true;
}

int64_t pick(int64_t wanted, int64_t fallback) { return wanted > 0 ? wanted : fallback; }

// `text` as a JSON string: quoted, line breaks and control bytes escaped, so that a message
// holding it stays on one line.
std::string jsonQuoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StageResult toStage(const ProcessResult& p, const StageLimits& limits, int64_t output_bytes,
                    bool compile_stage) {
  StageResult s;
  s.stdout_data = p.stdout_data;
  s.stderr_data = p.stderr_data;
  s.stdout_truncated = p.stdout_truncated;
  s.stderr_truncated = p.stderr_truncated;
  s.exit_code = p.exit_code;
  s.signal = p.signal;
  s.cpu_ms = p.cpu_ms;
  s.wall_ms = p.wall_ms;
  s.memory_bytes = p.memory_bytes;
  if (!p.started) {
    s.verdict = Verdict::kInternalError;
    s.message = "could not start the " + std::string(compile_stage ? "compiler" : "program") + ": " + p.error;
  } else if (p.wall_timeout) {
    s.verdict = Verdict::kTimeLimit;
    s.message = "wall time limit of " + std::to_string(limits.wall_ms) + " ms exceeded";
  } else if (p.cpu_timeout) {
    s.verdict = Verdict::kTimeLimit;
    s.message = "CPU time limit of " + std::to_string(limits.cpu_ms) + " ms exceeded";
  } else if (p.memory_exceeded) {
    s.verdict = Verdict::kMemoryLimit;
    s.message = "memory limit of " + std::to_string(limits.memory_bytes) + " bytes exceeded";
  } else if (p.stdout_truncated || p.stderr_truncated) {
    s.verdict = Verdict::kOutputLimit;
    s.message = "output limit of " + std::to_string(output_bytes) + " bytes per stream exceeded";
  } else if (p.signal != 0) {
    s.verdict = Verdict::kSignaled;
    s.message = std::string("killed by signal ") + std::to_string(p.signal) + " (" +
                (sigabbrev_np(p.signal) ? std::string("SIG") + sigabbrev_np(p.signal) : "unknown") + ")";
    if (p.forbidden_syscall)
      s.message += ": the program made a system call the sandbox forbids (ptrace, mount, namespaces, "
                   "kernel modules, ...; see docs/sandbox.md)";
  } else if (p.exit_code != 0) {
    s.verdict = compile_stage ? Verdict::kCompileError : Verdict::kRuntimeError;
    s.message = std::string(compile_stage ? "compiler" : "program") + " exited with code " +
                std::to_string(p.exit_code);
  }
  if (compile_stage && s.verdict != Verdict::kOk && s.verdict != Verdict::kInternalError &&
      s.verdict != Verdict::kCompileError) {
    // A compiler that runs out of time or memory is still a failed compilation for the user.
    s.message = "compilation failed: " + s.message;
    s.verdict = Verdict::kCompileError;
  }
  return s;
}

}  // namespace

Limits defaultLimits() {
  Limits l;
  l.compile = {15000, 15000, 512ll << 20};
  l.run = {5000, 5000, 512ll << 20};
  l.output_bytes = 1 << 20;
  l.processes = 64;
  return l;
}

std::vector<std::string> cleanEnvironment(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
          "TMPDIR=" + home};
}

JobResult executeJob(const Runner& runner, Sandbox& sandbox, const Job& job,
                     const ExecutorOptions& options, const StageCallback& on_stage) {
  JobResult result;
  result.job_id = job.id;
  auto fail = [&](Verdict v, std::string message) {
    result.verdict = v;
    result.message = std::move(message);
    return result;
  };
  RunnerInfo info;
  std::string error;
  if (!detail::callRunner("runner " + job.language + ": info()", [&] { info = runner.info(); },
                          &error))
    return fail(Verdict::kInternalError, error);
  result.language = info.language;
  result.version = info.version;

  PrepareInput input;
  input.args = job.args;
  for (size_t i = 0; i < job.files.size(); ++i) {
    PrepareInput::File f{job.files[i].name, job.files[i].content};
    if (job.files[i].encoding == Encoding::kBase64) {
      auto decoded = base64Decode(f.content);
      if (!decoded) return fail(Verdict::kCompileError, "files[" + std::to_string(i) + "] is not valid base64");
      f.content = std::move(*decoded);
    }
    input.files.push_back(std::move(f));
  }
  if (input.files.empty()) return fail(Verdict::kCompileError, "the job has no files");

  Prepared prepared;
  if (!detail::callRunner("runner " + info.language + ": prepare()",
                          [&] { prepared = runner.prepare(input); }, &error))
    return fail(Verdict::kInternalError, error);
  if (!prepared.error.empty()) {
    StageResult compile;
    compile.verdict = Verdict::kCompileError;
    compile.message = prepared.error;
    compile.stderr_data = prepared.error + "\n";
    if (info.compiled) result.compile = compile;
    return fail(Verdict::kCompileError, prepared.error);
  }
  if (prepared.run.argv.empty() || (prepared.compile && prepared.compile->argv.empty()))
    return fail(Verdict::kInternalError, "runner " + info.language + " returned an empty command");
  for (const auto& f : prepared.files) {
    if (!safeRelativePath(f.path))
      return fail(Verdict::kInternalError,
                  "runner " + info.language + " wants a file outside the work directory: " + f.path);
  }

  const std::string dir = makeWorkDir(options.work_root, &error);
  if (dir.empty()) return fail(Verdict::kInternalError, error);
  const RemoveOnExit cleanup{dir};

  for (const auto& f : prepared.files) {
    if (!writeFile(fs::path(dir) / f.path, f.content, f.executable, &error))
      return fail(Verdict::kInternalError, error);
  }

  const Limits& fb = options.fallback;
  const int64_t output_bytes = pick(job.limits.output_bytes, fb.output_bytes);
  auto specFor = [&](const Command& cmd, const StageLimits& want, const StageLimits& fallback,
                     StageLimits* used) {
    used->wall_ms = pick(want.wall_ms, fallback.wall_ms);
    used->cpu_ms = pick(want.cpu_ms, fallback.cpu_ms);
    used->memory_bytes = pick(want.memory_bytes, fallback.memory_bytes);
    ProcessSpec spec;
    spec.argv = cmd.argv;
    spec.cwd = dir;
    spec.env = cleanEnvironment(dir);
    spec.env.insert(spec.env.end(), cmd.env.begin(), cmd.env.end());
    spec.limits.wall_ms = used->wall_ms;
    spec.limits.cpu_ms = used->cpu_ms;
    spec.limits.memory_bytes = used->memory_bytes;
    spec.limits.output_bytes = output_bytes;
    spec.limits.processes = pick(job.limits.processes, fb.processes);
    spec.limits.file_size_bytes = 256ll << 20;
    spec.cancel = options.cancel;
    return spec;
  };

  if (prepared.compile) {
    if (on_stage) on_stage(StageEvent::kCompiling);
    StageLimits used;
    ProcessSpec spec = specFor(*prepared.compile, job.limits.compile, fb.compile, &used);
    result.compile = toStage(sandbox.run(spec), used, output_bytes, true);
    if (result.compile->verdict != Verdict::kOk)
      return fail(result.compile->verdict, result.compile->message);
  }

  if (on_stage) on_stage(StageEvent::kRunning);
  StageLimits used;
  ProcessSpec spec = specFor(prepared.run, job.limits.run, fb.run, &used);
  spec.stdin_data = job.stdin_data;
  result.run = toStage(sandbox.run(spec), used, output_bytes, false);
  result.verdict = result.run->verdict;
  result.message = result.run->message;
  return result;
}

}  // namespace polyrun

namespace polyrun {

std::string detectVersion(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options,
                          std::string* error) {
  Command cmd;
  if (!detail::callRunner("versionCommand()", [&] { cmd = runner.versionCommand(); }, error))
    return {};
  if (cmd.argv.empty() || cmd.argv[0].empty() || cmd.argv[0][0] != '/') {
    *error = "version command must start with an absolute path";
    return {};
  }
  // A directory of its own: a sandbox hands the stage's work directory to the stage's user.
  const std::string dir = makeWorkDir(options.work_root, error);
  if (dir.empty()) return {};
  const RemoveOnExit cleanup{dir};
  ProcessSpec spec;
  spec.argv = cmd.argv;
  spec.cwd = dir;
  spec.env = cleanEnvironment(dir);
  spec.env.insert(spec.env.end(), cmd.env.begin(), cmd.env.end());
  spec.limits.wall_ms = pick(options.fallback.compile.wall_ms, 10000);
  spec.limits.cpu_ms = pick(options.fallback.compile.cpu_ms, 10000);
  const ProcessResult p = sandbox.run(spec);
  if (!p.started) {
    *error = "cannot run " + cmd.argv[0] + ": " + p.error;
    return {};
  }
  if (p.wall_timeout || p.cpu_timeout) {
    *error = cmd.argv[0] + " did not print its version within " +
             std::to_string(spec.limits.wall_ms) + " ms";
    return {};
  }
  std::string version;
  const std::string output = p.stdout_data + p.stderr_data;
  if (!detail::callRunner("parseVersion()", [&] { version = runner.parseVersion(output); }, error))
    return {};
  if (version.empty())
    *error = cmd.argv[0] + " printed no version it understands (exit code " +
             std::to_string(p.exit_code) + "): " + p.stdout_data.substr(0, 200) + p.stderr_data.substr(0, 200);
  return version;
}

bool runSelfTest(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options,
                 std::string* why) {
  SelfTest test;
  Job job;
  job.id = "self-test";
  if (!detail::callRunner("selfTest()", [&] { test = runner.selfTest(); }, why) ||
      !detail::callRunner("info()", [&] { job.language = runner.info().language; }, why))
    return false;
  for (const auto& f : test.files) job.files.push_back({f.name, f.content, Encoding::kUtf8});
  job.stdin_data = test.stdin_data;
  const JobResult r = executeJob(runner, sandbox, job, options);
  const std::string got = r.run ? r.run->stdout_data : std::string();
  if (r.verdict == Verdict::kOk && got == test.expected_stdout) return true;
  std::string outcome = std::string(verdictName(r.verdict));
  if (!r.message.empty()) outcome += ": " + r.message;
  const StageResult* failed = r.run ? &*r.run : r.compile ? &*r.compile : nullptr;
  if (failed && !failed->stderr_data.empty())
    outcome += "; stderr: " + jsonQuoted(failed->stderr_data.substr(0, 300));
  // One line: the reason goes to the log and into `polyrun status`.
  *why = "expected output " + jsonQuoted(test.expected_stdout) + ", got " +
         jsonQuoted(got.substr(0, 200)) + " (" + outcome + ")";
  return false;
}

}  // namespace polyrun
