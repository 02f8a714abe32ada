#include "polyrun/job_executor.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "polyrun/base64.h"
#include "polyrun/cancel_token.h"
#include "polyrun/checker.h"
#include "polyrun/wire_bytes.h"
#include "runner_call.h"

namespace polyrun {
namespace fs = std::filesystem;
namespace {

// What a job may leave in its tmpfs for the DirReaper to unmount after the result is sent;
// beyond it the unmount is done at once (docs/sandbox.md, "Disk and memory of the job's files").
constexpr uint64_t kUnmountLaterBytes = 1 << 20;

// Removes a work directory with everything in it when the scope ends, or hands it to `reaper`
// to be removed soon after; never follows links. A job's tmpfs holding more than a little is
// unmounted at once: its pages are charged to the stages that wrote them, whose groups the
// next stages reuse. Unmounting waits for an RCU grace period (about 0.2 ms), which a small
// job's result does not wait for.
struct RemoveOnExit {
  std::string dir;
  DirReaper* reaper = nullptr;
  bool mounted = false;
  ~RemoveOnExit() {
    if (dir.empty()) return;  // nothing was made
    struct statvfs st {};
    if (mounted && (!reaper || ::statvfs(dir.c_str(), &st) != 0 ||
                    (st.f_blocks - st.f_bfree) * st.f_frsize > kUnmountLaterBytes)) {
      ::umount2(dir.c_str(), MNT_DETACH);
      mounted = false;
    }
    if (reaper) {
      reaper->remove(dir, mounted);
      return;
    }
    removeTree(dir);  // the caller has no log; a DirReaper reports what it cannot remove
  }
};

constexpr const char* kWorkDirPrefix = "job-";

// Mounts a tmpfs of `bytes` on `dir`: the job's quota. Inodes are capped too (one per 16 KiB,
// at least 1,024): a job could otherwise fill the slave's memory with empty directories.
bool mountQuota(const std::string& dir, int64_t bytes, std::string* error) {
  const std::string options = "size=" + std::to_string(bytes) +
                              ",nr_inodes=" + std::to_string(std::max<int64_t>(1024, bytes >> 14)) +
                              ",mode=0700";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0)
    return true;
  *error =
      std::string(
          "cannot mount the job's work directory (slave.work.quota_bytes needs a root slave): ") +
      std::strerror(errno);
  return false;
}

// True when the job's tmpfs is full (of bytes or of inodes): what the program saw as ENOSPC.
bool quotaReached(const std::string& dir) {
  struct statvfs st {};
  return ::statvfs(dir.c_str(), &st) == 0 && (st.f_bavail == 0 || st.f_favail == 0);
}

// Makes a fresh work directory under `root` and stores its path in *dir.
Status makeWorkDir(const std::string& root, std::string* dir) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  fs::create_directories(root, ec);
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path made = fs::path(root) / (kWorkDirPrefix + std::to_string(::getpid()) + "-" +
                                      std::to_string(counter.fetch_add(1)));
    if (fs::create_directory(made, ec)) {
      *dir = made.string();
      return Status::ok();
    }
  }
  return Status::ioError("cannot create the job's work directory in slave.work.dir: " +
                         ec.message());
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

// Writes `name` (relative) in `dir`; the message names only `name`.
Status writeFile(const fs::path& dir, const std::string& name, const std::string& content,
                 bool executable) {
  const fs::path path = dir / name;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out)
    return Status::ioError("cannot write " + name + " in the work directory" +
                           (ec ? ": " + ec.message() : ""));
  if (executable) ::chmod(path.c_str(), 0755);
  return Status::ok();
}

// What execve takes: every string of argv and the environment with its NUL and its pointer.
// The kernel refuses more than a quarter of the stack limit in all (2 MiB under the usual 8 MiB;
// the bound here stays under it for any stack limit of 4 MiB or more) and any one string over
// MAX_ARG_STRLEN.
constexpr size_t kMaxCommandBytes = 1 << 20;
constexpr size_t kMaxArgumentBytes = 128 << 10;

// Empty when `cmd` with `env` can be executed; otherwise why not, for the client (`what` is
// "compile command" or "run command").
std::string checkCommandSize(const Command& cmd, const std::vector<std::string>& env,
                             const std::string& what) {
  size_t total = 0;
  for (const auto* strings : {&cmd.argv, &env, &cmd.env}) {
    for (const auto& s : *strings) {
      if (s.size() + 1 > kMaxArgumentBytes)
        return "one argument of the " + what + " is " + std::to_string(s.size()) +
               " bytes long, over the limit of " + std::to_string(kMaxArgumentBytes) +
               " bytes per argument: pass long data in a file or on stdin";
      total += s.size() + 1 + sizeof(char*);
    }
  }
  if (total <= kMaxCommandBytes) return {};
  return "the " + what + " takes " + std::to_string(total) + " bytes (" +
         std::to_string(cmd.argv.size()) + " arguments), over the limit of " +
         std::to_string(kMaxCommandBytes) +
         " bytes: send fewer files, shorter file names or fewer arguments (long data goes in a "
         "file or on stdin)";
}

// `text` with every absolute path cut to its last component: a message for the client says
// what failed, never where on the slave's disk.
std::string withoutHostPaths(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const bool starts =
        text[i] == '/' && (i == 0 || std::strchr(" \t\"'(=", text[i - 1]) != nullptr);
    if (!starts) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && !std::strchr(" \t\"'),", text[end]) &&
           !(text[end] == ':' && (end + 1 == text.size() || text[end + 1] == ' ')))
      ++end;
    const std::string path = text.substr(i, end - i);
    const size_t slash = path.find_last_of('/', path.size() > 1 ? path.size() - 2 : 0);
    out += ".../" + path.substr(slash + 1);
    i = end;
  }
  return out;
}

int64_t pick(int64_t wanted, int64_t fallback) { return wanted > 0 ? wanted : fallback; }

// `text` as a JSON string: quoted, line breaks and control bytes escaped, so that a message
// holding it stays on one line.
std::string jsonQuoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A checker program's run on one case: a directory of this name in the checker's work
// directory, made afresh for each case, holding the three files it is given (relative paths:
// no host path reaches the checker, and nothing of the contestant's reaches its argv).
constexpr const char* kCheckerCaseDir = "polyrun-case";
const std::vector<std::string> kCheckerArgs = {"polyrun-case/input", "polyrun-case/output",
                                               "polyrun-case/answer"};
// What of a checker's explanation becomes the case's message.
constexpr size_t kCheckerMessageBytes = 200;

// The first line of `text`, at most kCheckerMessageBytes, as printable UTF-8: control bytes
// become spaces, bytes that are not UTF-8 become '?', trailing whitespace goes.
std::string checkerLine(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (length > 1 && (i + length > text.size() || !isUtf8(text.substr(i, length)))) length = 0;
    if (out.size() + std::max<size_t>(length, 1) > kCheckerMessageBytes) break;
    if (length == 0) {
      out += '?';
      ++i;
    } else if (length == 1) {
      out += c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Takes `p` by value: the callers hand over the sandbox's result, whose outputs (up to the output
// limit each) are then moved, not copied.
// What makes a live run's output arrive as it is written rather than when a buffer fills:
// Python unbuffered, and C stdio (through coreutils' libstdbuf, where installed) line-buffered,
// or unbuffered for an interactive run so that a prompt without a newline shows too.
void addLiveEnvironment(bool interactive, std::vector<std::string>* env) {
  static const char* const kStdbuf = "/usr/libexec/coreutils/libstdbuf.so";
  env->push_back("PYTHONUNBUFFERED=1");
  if (::access(kStdbuf, R_OK) != 0) return;
  env->push_back(std::string("LD_PRELOAD=") + kStdbuf);
  env->push_back(interactive ? "_STDBUF_O=0" : "_STDBUF_O=L");
}

StageResult toStage(ProcessResult p, const StageLimits& limits, int64_t output_bytes,
                    bool compile_stage) {
  StageResult s;
  s.stdout_data = std::move(p.stdout_data);
  s.stderr_data = std::move(p.stderr_data);
  s.stdout_truncated = p.stdout_truncated;
  s.stderr_truncated = p.stderr_truncated;
  s.exit_code = p.exit_code;
  s.signal = p.signal;
  s.cpu_ms = p.cpu_ms;
  s.wall_ms = p.wall_ms;
  s.memory_bytes = p.memory_bytes;
  if (!p.started) {
    s.verdict = Verdict::kInternalError;
    s.message = "could not start the " + std::string(compile_stage ? "compiler" : "program") +
                ": " + withoutHostPaths(p.error);
  } else if (p.wall_timeout) {
    s.timed_out = true;
    s.verdict = Verdict::kTimeLimit;
    s.message = "wall time limit of " + std::to_string(limits.wall_ms) + " ms exceeded";
  } else if (p.cpu_timeout) {
    s.timed_out = true;
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
                (sigabbrev_np(p.signal) ? std::string("SIG") + sigabbrev_np(p.signal) : "unknown") +
                ")";
    if (p.forbidden_syscall)
      s.message +=
          ": the program made a system call the sandbox forbids (ptrace, mount, namespaces, "
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

std::vector<std::string> removeLeftoverWorkDirs(const std::string& work_root) {
  std::vector<std::string> failures;
  std::error_code ec;
  const std::string own_exe = fs::read_symlink("/proc/self/exe", ec).string();
  for (const auto& entry : fs::directory_iterator(work_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kWorkDirPrefix, 0) != 0) continue;
    // job-<pid>-<n>: kept while <pid> is a live process of this same program (another slave
    // sharing the directory), since a pid of the dead is reused by other programs.
    const std::string pid = name.substr(std::strlen(kWorkDirPrefix), name.find('-', 4) - 4);
    std::error_code exe_ec;
    const std::string exe = fs::read_symlink("/proc/" + pid + "/exe", exe_ec).string();
    if (!exe_ec && exe == own_exe && pid != std::to_string(::getpid())) continue;
    const std::string dir = entry.path().string();
    ::umount2(dir.c_str(), MNT_DETACH);  // a job's tmpfs, if it was one (else EINVAL)
    if (Status removed = removeTree(dir); !removed.isOk()) failures.push_back(removed.message());
  }
  return failures;
}

std::vector<std::string> cleanEnvironment(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
          "TMPDIR=" + home};
}

namespace {

// A trusted helper command of a runner (version probe, toolchain step) in `dir`: the clean
// environment plus the command's own variables, and the compile stage's time limits, or
// `default_ms` where the slave sets none.
ProcessSpec helperSpec(const Command& cmd, const std::string& dir, const ExecutorOptions& options,
                       int64_t default_ms) {
  ProcessSpec spec;
  spec.argv = cmd.argv;
  spec.cwd = dir;
  spec.env = cleanEnvironment(dir);
  spec.env.insert(spec.env.end(), cmd.env.begin(), cmd.env.end());
  spec.limits.wall_ms = pick(options.fallback.compile.wall_ms, default_ms);
  spec.limits.cpu_ms = pick(options.fallback.compile.cpu_ms, default_ms);
  return spec;
}

}  // namespace

namespace {
// Runs one test case's stage into *stage: the run command of the job, or of the case's own
// arguments (the runner lays the job out again with them). Returns why it could not run.
template <typename SpecFor>
std::string runCase(const Runner& runner, Sandbox& sandbox, const PrepareInput& input,
                    const Command& job_run, const TestCase& test,
                    const std::vector<std::string>& env, StageResult* stage, SpecFor specFor) {
  Command command = job_run;
  if (test.args) {
    PrepareInput with_args = input;
    with_args.args = *test.args;
    Prepared prepared;
    if (Status s = detail::callRunner("runner: prepare() with a case's args",
                                      [&] { prepared = runner.prepare(with_args); });
        !s.isOk())
      return s.message();
    if (!prepared.error.empty()) return "the runner refused the case's args: " + prepared.error;
    if (std::string why = checkCommandSize(prepared.run, env, "run command"); !why.empty())
      return why;
    command = std::move(prepared.run);
  }
  StageLimits used;
  ProcessSpec spec = specFor(command, &used);
  spec.stdin_data = test.stdin_data;
  *stage = toStage(sandbox.run(spec), used, spec.limits.output_bytes, false);
  return {};
}
}  // namespace

JobResult executeJob(const Runner& runner, Sandbox& sandbox, const Job& job,
                     const ExecutorOptions& options, const StageCallback& on_stage,
                     const CaseCallback& on_case) {
  JobResult result;
  result.job_id = job.id;
  auto fail = [&](Verdict v, std::string message) {
    result.verdict = v;
    result.message = std::move(message);
    return result;
  };
  RunnerInfo info;
  if (Status s =
          detail::callRunner("runner " + job.language + ": info()", [&] { info = runner.info(); });
      !s.isOk())
    return fail(Verdict::kInternalError, s.message());
  result.language = info.language;
  result.version = info.version;

  PrepareInput input;
  input.args = job.args;
  input.toolchain_dir = options.toolchain_dir;
  for (size_t i = 0; i < job.files.size(); ++i) {
    PrepareInput::File f{job.files[i].name, job.files[i].content};
    if (job.files[i].encoding == Encoding::kBase64) {
      auto decoded = base64Decode(f.content);
      if (!decoded)
        return fail(Verdict::kCompileError, "files[" + std::to_string(i) + "] is not valid base64");
      f.content = std::move(*decoded);
    }
    input.files.push_back(std::move(f));
  }
  if (input.files.empty()) return fail(Verdict::kCompileError, "the job has no files");

  Prepared prepared;
  if (Status s = detail::callRunner("runner " + info.language + ": prepare()",
                                    [&] { prepared = runner.prepare(input); });
      !s.isOk())
    return fail(Verdict::kInternalError, s.message());
  // The runner's refusal of the job (a bad file name...): the client's mistake, not ours.
  auto refuse = [&](const std::string& why) {
    StageResult compile;
    compile.verdict = Verdict::kCompileError;
    compile.message = why;
    compile.stderr_data = why + "\n";
    if (info.compiled) result.compile = compile;
    return fail(Verdict::kCompileError, why);
  };
  if (!prepared.error.empty()) return refuse(prepared.error);
  if (prepared.run.argv.empty() || (prepared.compile && prepared.compile->argv.empty()))
    return fail(Verdict::kInternalError, "runner " + info.language + " returned an empty command");
  // A job too big for one command line (thousands of files, huge arguments) is the client's
  // mistake too, told as such rather than left to fail in execve. The work directory's path is
  // not known yet: one as long stands in for it in the environment.
  const auto env = cleanEnvironment(options.work_root + "/job-0000000-0000000");
  if (prepared.compile) {
    if (std::string why = checkCommandSize(*prepared.compile, env, "compile command"); !why.empty())
      return refuse(why);
  }
  if (std::string why = checkCommandSize(prepared.run, env, "run command"); !why.empty())
    return refuse(why);
  for (const auto& f : prepared.files) {
    if (!safeRelativePath(f.path))
      return fail(
          Verdict::kInternalError,
          "runner " + info.language + " wants a file outside the work directory: " + f.path);
  }

  std::string dir;
  if (Status s = makeWorkDir(options.work_root, &dir); !s.isOk())
    return fail(Verdict::kInternalError, s.message());
  RemoveOnExit cleanup{dir, options.reaper};
  const int64_t quota = options.work_quota_bytes;
  if (quota > 0) {
    if (std::string error; !mountQuota(dir, quota, &error))
      return fail(Verdict::kInternalError, error);
    cleanup.mounted = true;
  }
  // Said in the stage's message when its job's files filled the quota (the program saw ENOSPC).
  auto noteQuota = [&](StageResult* stage) {
    if (quota <= 0 || !quotaReached(dir)) return;
    const std::string note =
        "the job's files reached the disk quota of " + std::to_string(quota) +
        " bytes (slave.work.quota_bytes): write less, or less often to new files";
    stage->message = stage->message.empty() ? note : stage->message + "; " + note;
  };

  for (const auto& f : prepared.files) {
    if (Status s = writeFile(dir, f.path, f.content, f.executable); !s.isOk())
      return fail(Verdict::kInternalError, s.message());
  }

  const Limits& fb = options.fallback;
  const int64_t output_bytes = pick(job.limits.output_bytes, fb.output_bytes);
  // A stage of `cmd` in `cwd` (the job's work directory, or the checker's).
  auto specIn = [&](const std::string& cwd, const Command& cmd, const StageLimits& want,
                    const StageLimits& fallback, StageLimits* used) {
    used->wall_ms = pick(want.wall_ms, fallback.wall_ms);
    used->cpu_ms = pick(want.cpu_ms, fallback.cpu_ms);
    used->memory_bytes = pick(want.memory_bytes, fallback.memory_bytes);
    ProcessSpec spec;
    spec.argv = cmd.argv;
    spec.cwd = cwd;
    spec.env = cleanEnvironment(cwd);
    spec.env.insert(spec.env.end(), cmd.env.begin(), cmd.env.end());
    spec.limits.wall_ms = used->wall_ms;
    spec.limits.cpu_ms = used->cpu_ms;
    spec.limits.memory_bytes = used->memory_bytes;
    spec.limits.output_bytes = output_bytes;
    spec.limits.processes = pick(job.limits.processes, fb.processes);
    // Under a quota, half of it: a file that alone would fill it is stopped (SIGXFSZ) first.
    spec.limits.file_size_bytes =
        quota > 0 ? std::min<int64_t>(256ll << 20, quota / 2) : 256ll << 20;
    spec.cancel = options.cancel;
    return spec;
  };
  auto specFor = [&](const Command& cmd, const StageLimits& want, const StageLimits& fallback,
                     StageLimits* used) { return specIn(dir, cmd, want, fallback, used); };

  // Compiles `what` (laid out in `cwd` by the runner `who`, at `version` when exact) into
  // *stage, from the compile cache when it holds it; false when it did not compile.
  auto compileIn = [&](const RunnerInfo& who, const std::string& version, const Prepared& what,
                       const std::string& cwd, std::optional<StageResult>* stage) {
    const bool cacheable = options.cache && !what.artifacts.empty();
    // The slave assigns the exact version it detected, which info() only approximates.
    RunnerInfo key_info = who;
    if (!version.empty() && version != "*") key_info.version = version;
    const std::string key = cacheable ? compileCacheKey(key_info, what) : std::string();
    const auto restore_start = std::chrono::steady_clock::now();
    CachedCompile hit;
    // A compiler output over this job's output limit would have failed it: such a hit is not
    // taken, the compiler runs and decides.
    if (cacheable && options.cache->restore(who.language, key, cwd, &hit) &&
        static_cast<int64_t>(std::max(hit.stdout_data.size(), hit.stderr_data.size())) <=
            output_bytes) {
      StageResult& compile = stage->emplace();
      compile.cached = true;
      compile.exit_code = 0;
      compile.stdout_data = std::move(hit.stdout_data);
      compile.stderr_data = std::move(hit.stderr_data);
      compile.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - restore_start)
                            .count();
      return true;
    }
    if (on_stage) on_stage(StageEvent::kCompiling);
    StageLimits used;
    ProcessSpec spec = specIn(cwd, *what.compile, job.limits.compile, fb.compile, &used);
    StageResult& compile = stage->emplace(toStage(sandbox.run(spec), used, output_bytes, true));
    if (cwd == dir) noteQuota(&compile);
    if (compile.verdict != Verdict::kOk) return false;
    // Stored before the run stage, which may rewrite its own work directory. Truncated compiler
    // output would come back as if complete: such a compile is not kept.
    std::string why;
    if (cacheable && !compile.stdout_truncated && !compile.stderr_truncated)
      options.cache->store(who.language, key, cwd, what.artifacts, compile.stdout_data,
                           compile.stderr_data, &why);
    return true;
  };

  if (prepared.compile && !compileIn(info, job.version, prepared, dir, &result.compile))
    return fail(result.compile->verdict, result.compile->message);

  // A checker program is laid out and compiled before any case runs, in a work directory of its
  // own: the contestant's stages must not see it (nor the expected answers it is given), nor it
  // theirs. Its quota is the job's plus room for the three files of a case.
  const bool checker_program = !job.tests.empty() && job.checker.kind == CheckerKind::kProgram;
  RemoveOnExit checker_cleanup{"", options.reaper};
  Command checker_run;
  if (checker_program) {
    auto checkerFails = [&](Verdict v, const std::string& why) {
      return fail(v, "the checker program failed before any case ran: " + why);
    };
    const Runner* checker = options.checker_runner;
    if (!checker)
      return checkerFails(Verdict::kInternalError,
                          "this slave has no runner for the checker's "
                          "language " +
                              job.checker.language + " " + job.checker.version);
    RunnerInfo checker_info;
    if (Status s = detail::callRunner("runner " + job.checker.language + ": info()",
                                      [&] { checker_info = checker->info(); });
        !s.isOk())
      return checkerFails(Verdict::kInternalError, s.message());
    PrepareInput checker_input;
    checker_input.args = kCheckerArgs;
    checker_input.toolchain_dir = options.checker_toolchain_dir;
    PrepareInput::File source{job.checker.source.name, job.checker.source.content};
    if (job.checker.source.encoding == Encoding::kBase64) {
      auto decoded = base64Decode(source.content);
      if (!decoded)
        return checkerFails(Verdict::kCheckerError, "checker.source is not valid base64");
      source.content = std::move(*decoded);
    }
    checker_input.files.push_back(std::move(source));
    Prepared laid_out;
    if (Status s = detail::callRunner("runner " + checker_info.language + ": prepare()",
                                      [&] { laid_out = checker->prepare(checker_input); });
        !s.isOk())
      return checkerFails(Verdict::kInternalError, s.message());
    if (!laid_out.error.empty()) return checkerFails(Verdict::kCheckerError, laid_out.error);
    if (laid_out.run.argv.empty() || (laid_out.compile && laid_out.compile->argv.empty()))
      return checkerFails(Verdict::kInternalError,
                          "runner " + checker_info.language + " returned an empty command");
    for (const auto& f : laid_out.files) {
      if (!safeRelativePath(f.path))
        return checkerFails(Verdict::kInternalError, "runner " + checker_info.language +
                                                         " wants a file outside the work "
                                                         "directory: " +
                                                         f.path);
      if (fs::path(f.path).begin()->string() == kCheckerCaseDir)
        return checkerFails(
            Verdict::kCheckerError,
            std::string("the checker's file may not be called ") + kCheckerCaseDir + ": rename it");
    }
    if (Status s = makeWorkDir(options.work_root, &checker_cleanup.dir); !s.isOk())
      return checkerFails(Verdict::kInternalError, s.message());
    if (quota > 0) {
      int64_t room = quota + output_bytes;
      size_t largest = 0;
      for (const TestCase& t : job.tests)
        largest = std::max(
            largest, t.stdin_data.size() + (t.expected_stdout ? t.expected_stdout->size() : 0));
      room += static_cast<int64_t>(largest);
      if (std::string error; !mountQuota(checker_cleanup.dir, room, &error))
        return checkerFails(Verdict::kInternalError, error);
      checker_cleanup.mounted = true;
    }
    for (const auto& f : laid_out.files) {
      if (Status s = writeFile(checker_cleanup.dir, f.path, f.content, f.executable); !s.isOk())
        return checkerFails(Verdict::kInternalError, s.message());
    }
    if (laid_out.compile && !compileIn(checker_info, job.checker.version, laid_out,
                                       checker_cleanup.dir, &result.checker_compile)) {
      const StageResult& compile = *result.checker_compile;
      std::string why = "it did not compile (" + compile.message + ")";
      if (const std::string line = checkerLine(compile.stderr_data); !line.empty())
        why += ": " + line;
      return checkerFails(Verdict::kCheckerError, why);
    }
    checker_run = std::move(laid_out.run);
  }
  // Runs the checker on case `test`, whose run ended OK, and decides it: accepted, a wrong
  // answer, or a checker failure (CHECKER_ERROR).
  auto runChecker = [&](const TestCase& test, CaseResult* c) {
    const fs::path case_dir = fs::path(checker_cleanup.dir) / kCheckerCaseDir;
    // The checker's last run may have left anything there (a link, say): removed without
    // following links, then made afresh before the slave writes into it.
    std::error_code ec;
    fs::remove_all(case_dir, ec);
    if (ec || !fs::create_directory(case_dir, ec)) {
      c->run.verdict = Verdict::kInternalError;
      c->run.message = "cannot make the checker's case directory: " + ec.message();
      return;
    }
    const std::string none;
    const std::pair<const char*, const std::string*> files[] = {
        {"input", &test.stdin_data},
        {"output", &c->run.stdout_data},
        {"answer", test.expected_stdout ? &*test.expected_stdout : &none}};
    for (const auto& [name, bytes] : files) {
      if (Status s = writeFile(case_dir, name, *bytes, false); !s.isOk()) {
        c->run.verdict = Verdict::kInternalError;
        c->run.message = "cannot give the checker its files: " + s.message();
        return;
      }
    }
    StageLimits used;
    const StageLimits run_limits{pick(job.limits.run.wall_ms, fb.run.wall_ms),
                                 pick(job.limits.run.cpu_ms, fb.run.cpu_ms),
                                 pick(job.limits.run.memory_bytes, fb.run.memory_bytes)};
    ProcessSpec spec =
        specIn(checker_cleanup.dir, checker_run, job.checker.limits, run_limits, &used);
    StageResult& checked =
        c->checker.emplace(toStage(sandbox.run(spec), used, output_bytes, false));
    std::string line = checkerLine(checked.stdout_data);
    if (line.empty()) line = checkerLine(checked.stderr_data);  // testlib writes to stderr
    if (checked.verdict == Verdict::kOk) return;
    const bool rejected = checked.verdict == Verdict::kRuntimeError &&
                          (checked.exit_code == 1 || checked.exit_code == 2);
    if (rejected) {
      c->run.verdict = Verdict::kWrongAnswer;
      c->run.message = line.empty() ? "the checker rejected the output (exit code " +
                                          std::to_string(checked.exit_code) + ")"
                                    : line;
      return;
    }
    // Not started is the slave's fault; anything else the checker's.
    c->run.verdict = checked.verdict == Verdict::kInternalError ? Verdict::kInternalError
                                                                : Verdict::kCheckerError;
    c->run.message = checked.verdict == Verdict::kRuntimeError
                         ? "checker exited with code " + std::to_string(checked.exit_code)
                         : "checker " + checked.message;
    if (!line.empty()) c->run.message += ": " + line;
  };

  if (on_stage) on_stage(StageEvent::kRunning);
  if (!job.tests.empty()) {
    // A judged job: one run stage per case, each with the job's run limits and its own stdin.
    // What a case's output costs the slave is bounded by the result it can send: each stream
    // keeps an equal share of options.result_output_bytes (the checker has seen it whole).
    // (A checker program's two streams of each case take their shares too.)
    const size_t streams = (checker_program ? 4 : 2) * job.tests.size();
    const size_t keep =
        options.result_output_bytes > 0
            ? std::max<size_t>(4096, static_cast<size_t>(options.result_output_bytes) / streams)
            : std::numeric_limits<size_t>::max();
    int64_t failed = 0;
    for (size_t i = 0; i < job.tests.size(); ++i) {
      const TestCase& test = job.tests[i];
      CaseResult& c = result.tests.emplace_back();
      c.name = test.name.empty() ? std::to_string(i + 1) : test.name;
      if (failed > 0 && job.stop_on_failure) {
        c.run.verdict = Verdict::kSkipped;
        c.run.message = "not run: case " + std::to_string(failed) +
                        " did not pass and the job stops at the first failure";
      } else if (std::string why = runCase(runner, sandbox, input, prepared.run, test, env, &c.run,
                                           [&](const Command& command, StageLimits* used) {
                                             return specFor(command, job.limits.run, fb.run, used);
                                           });
                 !why.empty()) {
        c.run.verdict = Verdict::kInternalError;
        c.run.message = why;
      } else {
        noteQuota(&c.run);
        if (c.run.verdict == Verdict::kOk && checker_program) {
          runChecker(test, &c);
        } else if (c.run.verdict == Verdict::kOk && test.expected_stdout) {
          const CheckOutcome check =
              checkOutput(job.checker, *test.expected_stdout, c.run.stdout_data);
          if (!check.accepted) {
            c.run.verdict = Verdict::kWrongAnswer;
            c.run.message = check.message;
            c.line = check.line;
            c.column = check.column;
          }
        }
      }
      std::vector<std::pair<std::string*, bool*>> outputs = {
          {&c.run.stdout_data, &c.run.stdout_truncated},
          {&c.run.stderr_data, &c.run.stderr_truncated}};
      if (c.checker) {
        outputs.emplace_back(&c.checker->stdout_data, &c.checker->stdout_truncated);
        outputs.emplace_back(&c.checker->stderr_data, &c.checker->stderr_truncated);
      }
      for (auto [bytes, truncated] : outputs) {
        if (bytes->size() > keep) {
          bytes->resize(keep);
          *truncated = true;
        }
      }
      if (c.run.verdict != Verdict::kOk && c.run.verdict != Verdict::kSkipped && failed == 0)
        failed = static_cast<int64_t>(i) + 1;
      if (on_case) on_case(i, c);
      if (options.cancel && options.cancel->cancelled()) break;
    }
    const TestSummary summary = summarizeTests(result.tests);
    if (summary.first_failure > 0) {
      const CaseResult& first = result.tests[summary.first_failure - 1];
      result.verdict = first.run.verdict;
      result.message = first.run.verdict == Verdict::kCheckerError
                           ? "checker failed on case " + first.name + ": " + first.run.message
                           : "case " + first.name + ": " + first.run.message;
    }
    return result;
  }
  StageLimits used;
  ProcessSpec spec = specFor(prepared.run, job.limits.run, fb.run, &used);
  spec.stdin_data = job.stdin_data;
  if (options.stream) {
    spec.stream = options.stream;
    if (options.stream->interactive()) spec.limits.idle_ms = job.limits.idle_ms;
    addLiveEnvironment(options.stream->interactive(), &spec.env);
  }
  ProcessResult ran = sandbox.run(spec);
  const bool idle = ran.idle_timeout;
  result.run = toStage(std::move(ran), used, output_bytes, false);
  if (idle) {
    result.run->timed_out = true;
    result.run->verdict = Verdict::kTimeLimit;
    result.run->message = "no input and no output for " + std::to_string(job.limits.idle_ms) +
                          " ms: the idle limit of an interactive job (limits.idle_ms)";
  }
  noteQuota(&*result.run);
  result.verdict = result.run->verdict;
  result.message = result.run->message;
  return result;
}

}  // namespace polyrun

namespace polyrun {

Status detectVersion(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options,
                     std::string* version) {
  Command cmd;
  if (Status s = detail::callRunner("versionCommand()", [&] { cmd = runner.versionCommand(); });
      !s.isOk())
    return s;
  if (cmd.argv.empty() || cmd.argv[0].empty() || cmd.argv[0][0] != '/')
    return Status::internal("version command must start with an absolute path");
  // A directory of its own: a sandbox hands the stage's work directory to the stage's user.
  std::string dir;
  if (Status s = makeWorkDir(options.work_root, &dir); !s.isOk()) return s;
  const RemoveOnExit cleanup{dir};
  ProcessSpec spec = helperSpec(cmd, dir, options, 10000);
  const ProcessResult p = sandbox.run(spec);
  if (!p.started) return Status::unavailable("cannot run " + cmd.argv[0] + ": " + p.error);
  if (p.wall_timeout || p.cpu_timeout)
    return Status::timedOut(cmd.argv[0] + " did not print its version within " +
                            std::to_string(spec.limits.wall_ms) + " ms");
  std::string parsed;
  const std::string output = p.stdout_data + p.stderr_data;
  if (Status s =
          detail::callRunner("parseVersion()", [&] { parsed = runner.parseVersion(output); });
      !s.isOk())
    return s;
  if (parsed.empty())
    return Status::unavailable(cmd.argv[0] + " printed no version it understands (exit code " +
                               std::to_string(p.exit_code) + "): " + p.stdout_data.substr(0, 200) +
                               p.stderr_data.substr(0, 200));
  *version = std::move(parsed);
  return Status::ok();
}

Status runSelfTest(const Runner& runner, Sandbox& sandbox, const ExecutorOptions& options) {
  SelfTest test;
  Job job;
  job.id = "self-test";
  if (Status s = detail::callRunner("selfTest()", [&] { test = runner.selfTest(); }); !s.isOk())
    return s;
  if (Status s = detail::callRunner("info()", [&] { job.language = runner.info().language; });
      !s.isOk())
    return s;
  for (const auto& f : test.files) job.files.push_back({f.name, f.content, Encoding::kUtf8});
  job.stdin_data = test.stdin_data;
  const JobResult r = executeJob(runner, sandbox, job, options);
  const std::string got = r.run ? r.run->stdout_data : std::string();
  if (r.verdict == Verdict::kOk && got == test.expected_stdout) return Status::ok();
  std::string outcome = std::string(verdictName(r.verdict));
  if (!r.message.empty()) outcome += ": " + r.message;
  const StageResult* failed = r.run ? &*r.run : r.compile ? &*r.compile : nullptr;
  if (failed && !failed->stderr_data.empty())
    outcome += "; stderr: " + jsonQuoted(failed->stderr_data.substr(0, 300));
  // One line: the reason goes to the log and into `polyrun status`.
  std::string why = "expected output " + jsonQuoted(test.expected_stdout) + ", got " +
                    jsonQuoted(got.substr(0, 200)) + " (" + outcome + ")";
  const bool timed_out = (r.compile && r.compile->timed_out) || (r.run && r.run->timed_out);
  return timed_out ? Status::timedOut(std::move(why)) : Status::unavailable(std::move(why));
}

}  // namespace polyrun

namespace polyrun {

std::string compileCacheKey(const RunnerInfo& info, const Prepared& prepared) {
  CacheKey key;
  key.add("polyrun-compile-1").add(info.language).add(info.version);
  const Command& compile = *prepared.compile;
  key.add(static_cast<int64_t>(compile.argv.size()));
  for (const auto& a : compile.argv) key.add(a);
  // A compiler reinstalled under the same version string (a distribution patch) makes new keys.
  struct stat st {};
  if (!compile.argv.empty() && ::stat(compile.argv[0].c_str(), &st) == 0)
    key.add(static_cast<int64_t>(st.st_size)).add(static_cast<int64_t>(st.st_mtime));
  key.add(static_cast<int64_t>(compile.env.size()));
  for (const auto& e : compile.env) key.add(e);
  key.add(static_cast<int64_t>(prepared.artifacts.size()));
  for (const auto& a : prepared.artifacts) key.add(a);
  // Sorted by path: the order a runner lists its files in does not change what compiles.
  std::vector<const WorkFile*> files;
  for (const auto& f : prepared.files) files.push_back(&f);
  std::sort(files.begin(), files.end(),
            [](const WorkFile* a, const WorkFile* b) { return a->path < b->path; });
  key.add(static_cast<int64_t>(files.size()));
  for (const WorkFile* f : files) key.add(f->path).add(f->executable ? 1 : 0).add(f->content);
  return key.hex();
}

Status prepareToolchain(const Runner& runner, const std::string& version, Sandbox& sandbox,
                        const ExecutorOptions& options, const std::string& root,
                        std::string* out) try {
  out->clear();
  ToolchainPlan plan;
  RunnerInfo info;
  if (Status s = detail::callRunner("toolchain()", [&] { plan = runner.toolchain(); }); !s.isOk())
    return s;
  if (Status s = detail::callRunner("info()", [&] { info = runner.info(); }); !s.isOk()) return s;
  if (plan.commands.empty()) return Status::ok();
  if (plan.outputs.empty())
    return Status::internal("the toolchain plan of " + info.language + " names no outputs");
  CacheKey key;
  key.add("polyrun-toolchain-1").add(info.language).add(version);
  for (const auto& f : plan.files) key.add(f.path).add(f.executable ? 1 : 0).add(f.content);
  for (const auto& c : plan.commands) {
    key.add(static_cast<int64_t>(c.argv.size()));
    for (const auto& a : c.argv) key.add(a);
    for (const auto& e : c.env) key.add(e);
  }
  for (const auto& o : plan.outputs) key.add(o);
  // A reinstalled tool may keep its version string but not its precompiled formats.
  for (const auto& c : plan.commands) {
    struct stat st {};
    if (!c.argv.empty() && ::stat(c.argv[0].c_str(), &st) == 0)
      key.add(static_cast<int64_t>(st.st_size)).add(static_cast<int64_t>(st.st_mtime));
  }
  std::string name;
  for (char c : info.language) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  const fs::path target = fs::path(root) / (name + "-" + key.hex().substr(0, 16));
  std::error_code ec;
  // Jobs must see the outputs where the runner will point them: a sandbox that hides `root`
  // (e.g. under the stage's private /tmp) would make the toolchain silently useless.
  auto visible = [&]() -> Status {
    std::string probe_dir;
    if (Status s = makeWorkDir(options.work_root, &probe_dir); !s.isOk()) return s;
    const RemoveOnExit cleanup{probe_dir};
    ProcessSpec spec;
    spec.argv = {"/usr/bin/test", "-r", (target / plan.outputs.front()).string()};
    spec.cwd = probe_dir;
    spec.env = cleanEnvironment(probe_dir);
    spec.limits.wall_ms = spec.limits.cpu_ms = 10000;
    spec.cancel = options.cancel;
    if (sandbox.run(spec).exit_code == 0) {
      *out = target.string();
      return Status::ok();
    }
    return Status::invalidArgument(
        "jobs cannot read " + root +
        " inside the sandbox (a path under /tmp or /dev/shm is "
        "hidden by each stage's private one): set slave.toolchains.dir to a directory elsewhere");
  };
  if (fs::is_directory(target, ec)) return visible();  // made by an earlier run

  for (const auto& f : plan.files)
    if (!safeRelativePath(f.path))
      return Status::internal("toolchain file outside the work directory: " + f.path);
  for (const auto& o : plan.outputs)
    if (!safeRelativePath(o))
      return Status::internal("toolchain output outside the work directory: " + o);
  std::string dir;
  if (Status s = makeWorkDir(options.work_root, &dir); !s.isOk()) return s;
  const RemoveOnExit cleanup{dir};
  for (const auto& f : plan.files)
    if (Status s = writeFile(dir, f.path, f.content, f.executable); !s.isOk()) return s;
  for (const auto& c : plan.commands) {
    if (c.argv.empty() || c.argv[0].empty() || c.argv[0][0] != '/')
      return Status::internal("a toolchain command must start with an absolute path");
    ProcessSpec spec = helperSpec(c, dir, options, 120000);
    spec.limits.memory_bytes = options.fallback.compile.memory_bytes;
    spec.limits.processes = pick(options.fallback.processes, 64);
    spec.limits.file_size_bytes = 1ll << 30;
    spec.cancel = options.cancel;
    const ProcessResult p = sandbox.run(spec);
    const StageResult s = toStage(p, options.fallback.compile, spec.limits.output_bytes, true);
    if (s.verdict != Verdict::kOk)
      return Status::unavailable(c.argv[0] + " failed: " + s.message +
                                 "; stderr: " + jsonQuoted(p.stderr_data.substr(0, 300)));
  }
  // Copied into a private directory first, then renamed: a job never sees half a toolchain.
  const fs::path temp =
      fs::path(root) / (".tmp-" + target.filename().string() + "-" + std::to_string(::getpid()));
  fs::remove_all(temp, ec);
  for (const auto& o : plan.outputs) {
    const fs::path from = fs::path(dir) / o;
    if (!fs::is_regular_file(fs::symlink_status(from, ec))) {
      fs::remove_all(temp, ec);
      return Status::internal("the toolchain plan did not make " + o);
    }
    fs::create_directories((temp / o).parent_path(), ec);
    fs::copy_file(from, temp / o, ec);
    if (!ec)
      fs::permissions(temp / o,
                      fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read, ec);
    if (ec) {
      const std::string why = ec.message();  // before remove_all() reuses `ec`
      fs::remove_all(temp, ec);
      return Status::ioError("cannot keep " + o + " in " + root + ": " + why);
    }
  }
  // Readable by the stages' user whatever the slave's umask.
  fs::permissions(temp, fs::perms(0755), ec);
  for (auto it = fs::recursive_directory_iterator(temp, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory()) fs::permissions(it->path(), fs::perms(0755), ec);
  fs::rename(temp, target, ec);
  if (ec) {
    const std::string why = ec.message();  // before remove_all() reuses `ec`
    fs::remove_all(temp, ec);
    if (fs::is_directory(target)) return visible();  // made meanwhile by another load
    return Status::ioError("cannot create " + target.string() + ": " + why);
  }
  return visible();
} catch (const std::exception& e) {
  return Status::internal(std::string("toolchain preparation failed: ") + e.what());
}

}  // namespace polyrun
