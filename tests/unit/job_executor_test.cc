// The job executor with a fake runner and a fake sandbox (tests/support/): what it asks the sandbox
// to run, with which limits and environment, and how it turns process outcomes into verdicts.
#include "polyrun/job_executor.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "polyrun/cancel_token.h"
#include "support/fake_runner.h"
#include "support/fake_sandbox.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

namespace fs = std::filesystem;

using test::exited;
using test::FakeRunner;
using test::FakeSandbox;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool hasEntry(const std::vector<std::string>& env, const std::string& prefix) {
  for (const auto& e : env)
    if (e.rfind(prefix, 0) == 0) return true;
  return false;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

class JobExecutorTest : public ::testing::Test {
 protected:
  JobExecutorTest() {
    options_.work_root = (fs::path(tmp_.path()) / "work").string();
    options_.fallback.compile = {21000, 22000, 23000};
    options_.fallback.run = {31000, 32000, 33000};
    options_.fallback.output_bytes = 44000;
    options_.fallback.processes = 55;
    job_.id = "j-1";
    job_.language = "fake";
    job_.files = {{"main.fk", "print hi", Encoding::kUtf8}};
    job_.stdin_data = "input\n";
  }

  JobResult execute(const StageCallback& cb = {}) {
    return executeJob(runner_, sandbox_, job_, options_, cb);
  }

  // The run stage alone, answered with `p`.
  JobResult runWith(const ProcessResult& p) {
    sandbox_.results = {p};
    return execute();
  }

  bool workRootIsEmpty() const {
    return !fs::exists(options_.work_root) || fs::is_empty(options_.work_root);
  }

  test::TempDir tmp_;
  ExecutorOptions options_;
  Job job_;
  FakeRunner runner_;
  FakeSandbox sandbox_;
};

TEST_F(JobExecutorTest, InterpretedJobRunsOnceWithFallbackLimits) {
  sandbox_.results = {exited(0, "hi\n", "warn\n")};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.job_id, "j-1");
  EXPECT_EQ(r.language, "fake");
  EXPECT_FALSE(r.compile.has_value());
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.run->verdict, Verdict::kOk);
  EXPECT_EQ(r.run->stdout_data, "hi\n");
  EXPECT_EQ(r.run->stderr_data, "warn\n");
  EXPECT_EQ(r.run->exit_code, 0);
  EXPECT_EQ(r.run->cpu_ms, 11);
  EXPECT_EQ(r.run->wall_ms, 22);
  EXPECT_EQ(r.run->memory_bytes, 3333);

  ASSERT_EQ(sandbox_.specs.size(), 1u);
  const ProcessSpec& s = sandbox_.specs[0];
  EXPECT_EQ(s.argv, runner_.prepared_.run.argv);
  EXPECT_EQ(s.stdin_data, "input\n");
  EXPECT_EQ(s.limits.wall_ms, 31000);
  EXPECT_EQ(s.limits.cpu_ms, 32000);
  EXPECT_EQ(s.limits.memory_bytes, 33000);
  EXPECT_EQ(s.limits.output_bytes, 44000);
  EXPECT_EQ(s.limits.processes, 55);
}

TEST_F(JobExecutorTest, CompileThenRunInOrderWithTheJobsLimits) {
  runner_.makeCompiled();
  job_.limits.compile = {1000, 2000, 3000};
  job_.limits.run = {4000, 0, 6000};  // cpu left to the fallback
  job_.limits.output_bytes = 7000;
  job_.limits.processes = 8;
  sandbox_.results = {exited(0, "", "compiler note\n"), exited(0, "ran\n")};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  ASSERT_TRUE(r.compile.has_value());
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.compile->stderr_data, "compiler note\n");
  EXPECT_EQ(r.run->stdout_data, "ran\n");

  ASSERT_EQ(sandbox_.specs.size(), 2u);
  const ProcessSpec& compile = sandbox_.specs[0];
  const ProcessSpec& run = sandbox_.specs[1];
  EXPECT_EQ(compile.argv, runner_.prepared_.compile->argv);
  EXPECT_EQ(run.argv, std::vector<std::string>{"./prog"});
  EXPECT_EQ(compile.limits.wall_ms, 1000);
  EXPECT_EQ(compile.limits.cpu_ms, 2000);
  EXPECT_EQ(compile.limits.memory_bytes, 3000);
  EXPECT_EQ(run.limits.wall_ms, 4000);
  EXPECT_EQ(run.limits.cpu_ms, 32000);
  EXPECT_EQ(run.limits.memory_bytes, 6000);
  for (const ProcessSpec* s : {&compile, &run}) {
    EXPECT_EQ(s->limits.output_bytes, 7000);
    EXPECT_EQ(s->limits.processes, 8);
  }
  EXPECT_EQ(compile.stdin_data, "") << "the compiler must not see the program's stdin";
  EXPECT_EQ(run.stdin_data, "input\n");
  EXPECT_EQ(compile.cwd, run.cwd) << "both stages share one work directory";
}

TEST_F(JobExecutorTest, CompileLimitsFallBackWhenTheJobLeavesThemAtZero) {
  runner_.makeCompiled();
  JobResult r = execute();
  ASSERT_EQ(sandbox_.specs.size(), 2u);
  EXPECT_EQ(sandbox_.specs[0].limits.wall_ms, 21000);
  EXPECT_EQ(sandbox_.specs[0].limits.cpu_ms, 22000);
  EXPECT_EQ(sandbox_.specs[0].limits.memory_bytes, 23000);
  EXPECT_EQ(sandbox_.specs[1].limits.wall_ms, 31000);
}

TEST_F(JobExecutorTest, CompileFailureStopsBeforeRunning) {
  runner_.makeCompiled();
  sandbox_.results = {exited(1, "", "main.fk:1: syntax error\n")};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_EQ(r.compile->verdict, Verdict::kCompileError);
  EXPECT_EQ(r.compile->stderr_data, "main.fk:1: syntax error\n");
  EXPECT_EQ(r.compile->exit_code, 1);
  EXPECT_FALSE(r.run.has_value());
  EXPECT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(JobExecutorTest, CompileTimeoutIsACompileErrorNamingTheLimit) {
  runner_.makeCompiled();
  job_.limits.compile.wall_ms = 1500;
  ProcessResult timeout = exited(-1);
  timeout.signal = 9;
  timeout.wall_timeout = true;
  sandbox_.results = {timeout};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_EQ(r.compile->verdict, Verdict::kCompileError);
  EXPECT_CONTAINS(r.message, "time limit");
  EXPECT_CONTAINS(r.message, "1500");
  EXPECT_FALSE(r.run.has_value());
  EXPECT_EQ(sandbox_.specs.size(), 1u);
}

TEST_F(JobExecutorTest, CompilerThatCannotStartIsInternalError) {
  runner_.makeCompiled();
  ProcessResult p;
  p.error = "failed executing the program (/usr/bin/fake-cc): No such file or directory";
  sandbox_.results = {p};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_CONTAINS(r.message, "fake-cc): No such file or directory");
  EXPECT_FALSE(r.run.has_value());
}

TEST_F(JobExecutorTest, WallTimeoutIsTimeLimit) {
  ProcessResult p = exited(-1);
  p.signal = 9;
  p.wall_timeout = true;
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kTimeLimit);
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.run->verdict, Verdict::kTimeLimit);
  EXPECT_CONTAINS(r.message, "wall");
  EXPECT_CONTAINS(r.message, "31000");
}

TEST_F(JobExecutorTest, CpuTimeoutIsTimeLimit) {
  ProcessResult p = exited(-1);
  p.signal = 24;  // SIGXCPU
  p.cpu_timeout = true;
  job_.limits.run.cpu_ms = 700;
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kTimeLimit);
  EXPECT_CONTAINS(r.message, "CPU");
  EXPECT_CONTAINS(r.message, "700");
}

TEST_F(JobExecutorTest, MemoryExceededIsMemoryLimit) {
  ProcessResult p = exited(0);
  p.memory_exceeded = true;
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kMemoryLimit);
  EXPECT_CONTAINS(r.message, "33000");
}

TEST_F(JobExecutorTest, TruncatedOutputIsOutputLimit) {
  ProcessResult p = exited(-1);
  p.signal = 9;
  p.stdout_truncated = true;
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kOutputLimit);
  EXPECT_TRUE(r.run->stdout_truncated);
  EXPECT_CONTAINS(r.message, "44000");

  ProcessResult e = exited(0);
  e.stderr_truncated = true;
  sandbox_.specs.clear();
  r = runWith(e);
  EXPECT_EQ(r.verdict, Verdict::kOutputLimit);
  EXPECT_TRUE(r.run->stderr_truncated);
}

TEST_F(JobExecutorTest, SignalIsSignaledWithItsName) {
  ProcessResult p = exited(-1);
  p.signal = 11;
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kSignaled);
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.run->signal, 11);
  EXPECT_CONTAINS(r.message, "SIGSEGV");
  EXPECT_CONTAINS(r.run->message, "SIGSEGV");
}

TEST_F(JobExecutorTest, NonZeroExitIsRuntimeErrorWithTheCode) {
  JobResult r = runWith(exited(3, "partial", "Traceback\n"));
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError);
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.run->exit_code, 3);
  EXPECT_EQ(r.run->stdout_data, "partial");
  EXPECT_EQ(r.run->stderr_data, "Traceback\n");
  EXPECT_CONTAINS(r.message, "3");
}

TEST_F(JobExecutorTest, ProgramThatCannotStartIsInternalError) {
  ProcessResult p;
  p.started = false;
  p.error = "fork: Resource temporarily unavailable";
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_CONTAINS(r.message, "fork: Resource temporarily unavailable");
}

// A job too big for one command line is the client's mistake: refused before anything runs,
// with what to do, never left to fail in execve as an internal error.
TEST_F(JobExecutorTest, ACommandLineTooLongForTheKernelIsRefusedAsTheClientsMistake) {
  runner_.makeCompiled();
  for (int i = 0; i < 60000; ++i)
    runner_.prepared_.compile->argv.push_back("source-" + std::to_string(i) + ".fk");
  JobResult r = execute();
  EXPECT_EQ(verdictName(r.verdict), verdictName(Verdict::kCompileError)) << r.message;
  EXPECT_CONTAINS(r.message, "compile command");
  EXPECT_CONTAINS(r.message, "fewer files");
  EXPECT_TRUE(sandbox_.specs.empty());
  EXPECT_FALSE(r.run.has_value());

  FakeRunner interpreted;
  interpreted.prepared_.run.argv.push_back(std::string(200 << 10, 'a'));
  r = executeJob(interpreted, sandbox_, job_, options_);
  EXPECT_EQ(verdictName(r.verdict), verdictName(Verdict::kCompileError)) << r.message;
  EXPECT_CONTAINS(r.message, "per argument");
  EXPECT_TRUE(sandbox_.specs.empty());
  EXPECT_TRUE(workRootIsEmpty());
}

// What a client reads names what failed, never where on the slave's disk.
TEST_F(JobExecutorTest, MessagesShowNoHostPath) {
  ProcessResult p;
  p.error =
      "cannot write \"10\" to /sys/fs/cgroup/memory/polyrun/z-3/memory.limit_in_bytes: Device or "
      "resource busy";
  JobResult r = runWith(p);
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_CONTAINS(r.message, "memory.limit_in_bytes: Device or resource busy");
  EXPECT_EQ(r.message.find("/sys/fs"), std::string::npos) << r.message;

  // A work root that cannot be made (a file stands in its way).
  std::ofstream(tmp_.path() + "/file") << "x";
  options_.work_root = tmp_.path() + "/file/work";
  r = execute();
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_FALSE(r.message.empty());
  EXPECT_EQ(r.message.find(tmp_.path()), std::string::npos) << r.message;
}

TEST_F(JobExecutorTest, FilePathsOutsideTheWorkDirectoryAreRefused) {
  for (const std::string bad : {"../evil", "a/../../evil", "lib/../../evil", "/etc/passwd", ""}) {
    runner_.prepared_.files = {{"main.fk", "ok", false}, {bad, "x", false}};
    sandbox_.specs.clear();
    JobResult r = execute();
    EXPECT_EQ(r.verdict, Verdict::kInternalError) << "path \"" << bad << "\"";
    EXPECT_FALSE(r.message.empty());
    EXPECT_TRUE(sandbox_.specs.empty()) << bad;
    EXPECT_FALSE(r.run.has_value());
  }
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(JobExecutorTest, EmptyCommandIsInternalError) {
  runner_.prepared_.run.argv.clear();
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_TRUE(sandbox_.specs.empty());

  FakeRunner compiled;
  compiled.makeCompiled();
  compiled.prepared_.compile->argv.clear();
  r = executeJob(compiled, sandbox_, job_, options_);
  EXPECT_EQ(r.verdict, Verdict::kInternalError);
  EXPECT_TRUE(sandbox_.specs.empty());
}

TEST_F(JobExecutorTest, RunnerErrorIsCompileError) {
  runner_.makeCompiled();
  runner_.prepared_.error = "no public class in Main.java";
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  EXPECT_CONTAINS(r.message, "no public class");
  EXPECT_TRUE(sandbox_.specs.empty());
  EXPECT_FALSE(r.run.has_value());
  ASSERT_TRUE(r.compile.has_value()) << "a compiled language reports the failed compile stage";
  EXPECT_EQ(r.compile->verdict, Verdict::kCompileError);
}

TEST_F(JobExecutorTest, FilesAreDecodedBeforePrepare) {
  job_.files = {{"main.fk", "plain text é", Encoding::kUtf8},
                {"data.bin", "AAEC/w==", Encoding::kBase64},
                {"", "aGVs\nbG8=", Encoding::kBase64}};
  job_.args = {"x", "y z"};
  execute();
  ASSERT_EQ(runner_.inputs.size(), 1u);
  const PrepareInput& in = runner_.inputs[0];
  ASSERT_EQ(in.files.size(), 3u);
  EXPECT_EQ(in.files[0].name, "main.fk");
  EXPECT_EQ(in.files[0].content, "plain text é");
  EXPECT_EQ(in.files[1].name, "data.bin");
  EXPECT_EQ(in.files[1].content, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(in.files[2].name, "");
  EXPECT_EQ(in.files[2].content, "hello");
  EXPECT_EQ(in.args, job_.args);
}

TEST_F(JobExecutorTest, InvalidBase64IsCompileErrorNamingTheFile) {
  job_.files = {{"main.fk", "ok", Encoding::kUtf8}, {"data.bin", "not*base64", Encoding::kBase64}};
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  EXPECT_CONTAINS(r.message, "files[1]");
  EXPECT_TRUE(runner_.inputs.empty());
  EXPECT_TRUE(sandbox_.specs.empty());
}

TEST_F(JobExecutorTest, JobWithoutFilesIsRefused) {
  job_.files.clear();
  JobResult r = execute();
  EXPECT_NE(r.verdict, Verdict::kOk);
  EXPECT_TRUE(sandbox_.specs.empty());
}

TEST_F(JobExecutorTest, WorkDirectoryExistsDuringTheRunAndIsRemovedAfter) {
  runner_.makeCompiled();
  runner_.prepared_.files = {{"main.fk", "source text", false},
                             {"lib/util.fk", "helper", false},
                             {"run.sh", "#!/bin/sh\n", true}};
  int checked = 0;
  sandbox_.on_run = [&](const ProcessSpec& spec) {
    ++checked;
    const fs::path cwd = spec.cwd;
    ASSERT_TRUE(cwd.is_absolute()) << spec.cwd;
    ASSERT_TRUE(fs::is_directory(cwd)) << spec.cwd;
    EXPECT_EQ(fs::canonical(cwd.parent_path()), fs::canonical(options_.work_root));
    EXPECT_EQ(readFile(cwd / "main.fk"), "source text");
    EXPECT_EQ(readFile(cwd / "lib/util.fk"), "helper");
    struct stat st {};
    ASSERT_EQ(::stat((cwd / "run.sh").c_str(), &st), 0);
    EXPECT_TRUE(st.st_mode & S_IXUSR);
    ASSERT_EQ(::stat((cwd / "main.fk").c_str(), &st), 0);
    EXPECT_FALSE(st.st_mode & S_IXUSR);
  };
  JobResult r = execute();
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(checked, 2);
  ASSERT_EQ(sandbox_.specs.size(), 2u);
  EXPECT_FALSE(fs::exists(sandbox_.specs[0].cwd));
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(JobExecutorTest, WorkDirectoryIsRemovedAfterAFailureToo) {
  // Something the program left behind, including a read-only directory.
  sandbox_.on_run = [](const ProcessSpec& spec) {
    fs::create_directories(fs::path(spec.cwd) / "out/deep");
    std::ofstream(fs::path(spec.cwd) / "out/deep/file") << "x";
  };
  JobResult r = runWith(exited(2));
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError);
  ASSERT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_FALSE(fs::exists(sandbox_.specs[0].cwd));
}

TEST_F(JobExecutorTest, WithAReaperTheWorkDirectoryIsRemovedAfterTheResult) {
  std::string seen_dir;
  sandbox_.on_run = [&](const ProcessSpec& spec) {
    seen_dir = spec.cwd;
    std::ofstream(fs::path(spec.cwd) / "left-behind") << "x";
  };
  {
    DirReaper reaper;
    options_.reaper = &reaper;
    JobResult r = runWith(exited(0, "hi\n"));
    EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
    ASSERT_FALSE(seen_dir.empty());
    reaper.flush();
    EXPECT_FALSE(fs::exists(seen_dir));
    EXPECT_TRUE(workRootIsEmpty());
    EXPECT_EQ(reaper.removed(), 1u);
  }
  options_.reaper = nullptr;
}

// With a quota the work directory is a tmpfs of that size: what the stage writes fills it, the
// stage's message says so, and the tmpfs goes (at once when it holds much: its pages are
// charged to the stage's group, which the next stage reuses; else by the reaper).
TEST_F(JobExecutorTest, WithAQuotaTheJobsFilesAreATmpfsOfThatSize) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  // In a mount namespace of this (single-threaded) process: nothing leaks to the host.
  ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  options_.work_quota_bytes = 4 << 20;
  struct Seen {
    std::string dir;
    bool tmpfs = false;
    int64_t file_cap = 0;
  } seen;
  size_t write_bytes = 0;
  sandbox_.on_run = [&](const ProcessSpec& spec) {
    struct statfs st {};
    seen = {spec.cwd, ::statfs(spec.cwd.c_str(), &st) == 0 && st.f_type == TMPFS_MAGIC,
            spec.limits.file_size_bytes};
    std::ofstream out(fs::path(spec.cwd) / "data", std::ios::binary);
    out << std::string(write_bytes, 'x');
  };
  DirReaper reaper;
  options_.reaper = &reaper;
  auto isMountPoint = [](const std::string& dir) {
    struct stat a {
    }, b{};
    return ::stat(dir.c_str(), &a) == 0 && ::stat((dir + "/..").c_str(), &b) == 0 &&
           a.st_dev != b.st_dev;
  };

  write_bytes = 100;  // small: the reaper unmounts it after the result
  JobResult r = runWith(exited(0));
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_TRUE(seen.tmpfs);
  EXPECT_EQ(seen.file_cap, 2 << 20) << "half the quota per file";
  EXPECT_EQ(r.message, "");
  reaper.flush();
  EXPECT_FALSE(fs::exists(seen.dir));

  write_bytes = 8 << 20;  // over the quota: the stage is told, and the tmpfs goes at once
  sandbox_.specs.clear();
  r = runWith(exited(1));
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError);
  EXPECT_CONTAINS(r.message, "disk quota of 4194304 bytes");
  EXPECT_FALSE(isMountPoint(seen.dir)) << "unmounted before the result";
  reaper.flush();
  EXPECT_TRUE(workRootIsEmpty());
  options_.reaper = nullptr;
}

// At start a slave removes what slaves killed earlier left: work directories of processes that
// are gone or are another program now; a live slave's (same program) and everything else stay.
TEST_F(JobExecutorTest, LeftoverWorkDirectoriesOfDeadSlavesAreRemoved) {
  const fs::path root = options_.work_root;
  fs::create_directories(root / "job-999999999-0" / "a" / "b");
  std::ofstream(root / "job-999999999-0" / "a" / "b" / "file") << "x";
  fs::create_directories(root / "job-1-7");  // pid 1 lives, but is not this program
  fs::create_directories(root / "cache" / "compile");
  const pid_t sibling = ::fork();  // alive and this same program: a slave sharing the directory
  if (sibling == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(sibling, 0);
  const fs::path live = root / ("job-" + std::to_string(sibling) + "-3");
  fs::create_directories(live);
  const std::vector<std::string> failures = removeLeftoverWorkDirs(root.string());
  ::kill(sibling, SIGKILL);
  ::waitpid(sibling, nullptr, 0);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_FALSE(fs::exists(root / "job-999999999-0"));
  EXPECT_FALSE(fs::exists(root / "job-1-7"));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(root / "cache" / "compile"));
}

TEST_F(JobExecutorTest, EachJobGetsItsOwnDirectory) {
  execute();
  execute();
  ASSERT_EQ(sandbox_.specs.size(), 2u);
  EXPECT_NE(sandbox_.specs[0].cwd, sandbox_.specs[1].cwd);
}

TEST_F(JobExecutorTest, StageCallbacksComeBeforeEachStage) {
  runner_.makeCompiled();
  std::vector<std::string> log;
  sandbox_.on_run = [&](const ProcessSpec& spec) { log.push_back("sandbox " + spec.argv[0]); };
  execute(
      [&](StageEvent e) { log.push_back(e == StageEvent::kCompiling ? "compiling" : "running"); });
  EXPECT_EQ(log, (std::vector<std::string>{"compiling", "sandbox /usr/bin/fake-cc", "running",
                                           "sandbox ./prog"}));
}

TEST_F(JobExecutorTest, InterpretedJobHasOnlyTheRunningCallback) {
  std::vector<StageEvent> events;
  execute([&](StageEvent e) { events.push_back(e); });
  EXPECT_EQ(events, std::vector<StageEvent>{StageEvent::kRunning});
}

TEST_F(JobExecutorTest, FailedCompileHasNoRunningCallback) {
  runner_.makeCompiled();
  sandbox_.results = {exited(1)};
  std::vector<StageEvent> events;
  execute([&](StageEvent e) { events.push_back(e); });
  EXPECT_EQ(events, std::vector<StageEvent>{StageEvent::kCompiling});
}

TEST_F(JobExecutorTest, EnvironmentIsCleanPlusTheRunnersExtras) {
  ::setenv("POLYRUN_EXECUTOR_TEST_SECRET", "leak", 1);
  runner_.makeCompiled();
  runner_.prepared_.compile->env = {"COMPILER_OPT=1"};
  runner_.prepared_.run.env = {"JAVA_TOOL_OPTIONS=-Xss1m"};
  execute();
  ::unsetenv("POLYRUN_EXECUTOR_TEST_SECRET");
  ASSERT_EQ(sandbox_.specs.size(), 2u);
  for (const ProcessSpec& s : sandbox_.specs) {
    EXPECT_TRUE(hasEntry(s.env, "PATH=")) << ::testing::PrintToString(s.env);
    EXPECT_TRUE(hasEntry(s.env, "HOME=")) << ::testing::PrintToString(s.env);
    EXPECT_TRUE(hasEntry(s.env, "LANG=")) << ::testing::PrintToString(s.env);
    EXPECT_FALSE(hasEntry(s.env, "POLYRUN_EXECUTOR_TEST_SECRET"));
    for (const auto& e : s.env) EXPECT_EQ(e.find("leak"), std::string::npos) << e;
    std::set<std::string> keys;
    for (const auto& e : s.env) {
      const auto eq = e.find('=');
      ASSERT_NE(eq, std::string::npos) << e;
      EXPECT_TRUE(keys.insert(e.substr(0, eq)).second) << "duplicate " << e;
    }
  }
  EXPECT_TRUE(hasEntry(sandbox_.specs[0].env, "COMPILER_OPT=1"));
  EXPECT_FALSE(hasEntry(sandbox_.specs[0].env, "JAVA_TOOL_OPTIONS="));
  EXPECT_TRUE(hasEntry(sandbox_.specs[1].env, "JAVA_TOOL_OPTIONS=-Xss1m"));
  EXPECT_FALSE(hasEntry(sandbox_.specs[1].env, "COMPILER_OPT="));
}

TEST_F(JobExecutorTest, CleanEnvironmentHasNothingOfTheCaller) {
  ::setenv("POLYRUN_EXECUTOR_TEST_SECRET", "leak", 1);
  const auto env = cleanEnvironment("/some/home");
  ::unsetenv("POLYRUN_EXECUTOR_TEST_SECRET");
  EXPECT_TRUE(hasEntry(env, "HOME=/some/home"));
  EXPECT_TRUE(hasEntry(env, "PATH="));
  EXPECT_TRUE(hasEntry(env, "LANG="));
  EXPECT_FALSE(hasEntry(env, "POLYRUN_EXECUTOR_TEST_SECRET"));
}

TEST(DefaultLimitsTest, MatchTheDesignDefaults) {
  const Limits l = defaultLimits();
  EXPECT_EQ(l.run.wall_ms, 5000);
  EXPECT_EQ(l.run.cpu_ms, 5000);
  EXPECT_EQ(l.compile.wall_ms, 15000);
  EXPECT_EQ(l.compile.cpu_ms, 15000);
  EXPECT_EQ(l.run.memory_bytes, 512ll << 20);
  EXPECT_EQ(l.compile.memory_bytes, 512ll << 20);
  EXPECT_EQ(l.output_bytes, 1 << 20);
  EXPECT_EQ(l.processes, 64);
}

// detectVersion

TEST_F(JobExecutorTest, DetectVersionParsesTheCommandsOutput) {
  sandbox_.results = {exited(0, "fake version 1.2.3 (build 7)\n")};
  std::string version;
  EXPECT_EQ(detectVersion(runner_, sandbox_, options_, &version).message(), "");
  EXPECT_EQ(version, "1.2.3");
  ASSERT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_EQ(sandbox_.specs[0].argv, runner_.version_command_.argv);
  EXPECT_TRUE(hasEntry(sandbox_.specs[0].env, "PATH="));
}

TEST_F(JobExecutorTest, DetectVersionAlsoReadsStderr) {
  sandbox_.results = {exited(0, "", "openjdk version 17.0.2 2022-01-18\n")};
  std::string version;
  EXPECT_EQ(detectVersion(runner_, sandbox_, options_, &version).message(), "");
  EXPECT_EQ(version, "17.0.2");
  EXPECT_CONTAINS(runner_.version_output, "openjdk version 17.0.2");
}

TEST_F(JobExecutorTest, DetectVersionFailsOnUnparsableOutput) {
  sandbox_.results = {exited(2, "", "unknown option --version\n")};
  std::string version;
  const Status status = detectVersion(runner_, sandbox_, options_, &version);
  EXPECT_EQ(status.code(), Status::Code::kUnavailable);
  EXPECT_EQ(version, "");
  const std::string& error = status.message();
  EXPECT_CONTAINS(error, "/usr/bin/fake-run");
  EXPECT_CONTAINS(error, "unknown option");
}

TEST_F(JobExecutorTest, DetectVersionFailsWhenTheToolCannotStart) {
  ProcessResult p;
  p.error = "No such file or directory";
  sandbox_.results = {p};
  std::string version;
  const std::string error = detectVersion(runner_, sandbox_, options_, &version).message();
  EXPECT_EQ(version, "");
  EXPECT_CONTAINS(error, "/usr/bin/fake-run");
  EXPECT_CONTAINS(error, "No such file or directory");
}

TEST_F(JobExecutorTest, DetectVersionRefusesARelativeCommand) {
  runner_.version_command_.argv = {"python3", "--version"};
  std::string version;
  EXPECT_EQ(detectVersion(runner_, sandbox_, options_, &version).code(), Status::Code::kInternal);
  EXPECT_EQ(version, "");
  EXPECT_TRUE(sandbox_.specs.empty());

  runner_.version_command_.argv = {};
  EXPECT_NE(detectVersion(runner_, sandbox_, options_, &version).message(), "");
  EXPECT_EQ(version, "");
}

// runSelfTest

TEST_F(JobExecutorTest, SelfTestPasses) {
  runner_.self_test_.files = {{"main.fk", "reverse"}};
  runner_.self_test_.stdin_data = "hello";
  runner_.self_test_.expected_stdout = "olleh\n";
  sandbox_.results = {exited(0, "olleh\n")};
  EXPECT_EQ(runSelfTest(runner_, sandbox_, options_).message(), "");
  ASSERT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_EQ(sandbox_.specs[0].stdin_data, "hello");
  ASSERT_EQ(runner_.inputs.size(), 1u);
  ASSERT_EQ(runner_.inputs[0].files.size(), 1u);
  EXPECT_EQ(runner_.inputs[0].files[0].content, "reverse");
}

TEST_F(JobExecutorTest, SelfTestFailsOnWrongOutput) {
  runner_.self_test_.files = {{"main.fk", "reverse"}};
  runner_.self_test_.stdin_data = "hello";
  runner_.self_test_.expected_stdout = "olleh\n";
  sandbox_.results = {exited(0, "hello\n")};
  const Status status = runSelfTest(runner_, sandbox_, options_);
  EXPECT_EQ(status.code(), Status::Code::kUnavailable);
  const std::string& why = status.message();
  EXPECT_CONTAINS(why, "expected");
  EXPECT_CONTAINS(why, "olleh");
  EXPECT_CONTAINS(why, "got");
  EXPECT_CONTAINS(why, "hello");
}

TEST_F(JobExecutorTest, SelfTestFailsOnCompileError) {
  runner_.makeCompiled();
  runner_.self_test_.files = {{"main.fk", "reverse"}};
  runner_.self_test_.expected_stdout = "olleh\n";
  sandbox_.results = {exited(1, "", "main.fk:1: cannot compile\n")};
  const std::string why = runSelfTest(runner_, sandbox_, options_).message();
  EXPECT_NE(why, "");
  EXPECT_CONTAINS(why, "olleh");
  EXPECT_CONTAINS(why, "COMPILE_ERROR");
  EXPECT_CONTAINS(why, "cannot compile");
}

// A compiler stopped at its time limit is a COMPILE_ERROR for a user, but the slave's registry
// must tell a slow machine from a broken compiler (it tries again with more time): gcc's first
// compile in a qemu guest outlasted the self-test's 15 s and the language was disabled.
TEST_F(JobExecutorTest, SelfTestSaysWhenACompileRanOutOfTime) {
  runner_.makeCompiled();
  runner_.self_test_.files = {{"main.fk", "reverse"}};
  runner_.self_test_.expected_stdout = "olleh\n";
  ProcessResult timeout = exited(-1);
  timeout.signal = 9;
  timeout.wall_timeout = true;
  sandbox_.results = {timeout};
  Status status = runSelfTest(runner_, sandbox_, options_);
  EXPECT_EQ(status.code(), Status::Code::kTimedOut) << status.message();
  EXPECT_CONTAINS(status.message(), "COMPILE_ERROR");

  sandbox_.results = {exited(1, "", "main.fk:1: cannot compile\n")};
  status = runSelfTest(runner_, sandbox_, options_);
  EXPECT_FALSE(status.isOk());
  EXPECT_NE(status.code(), Status::Code::kTimedOut) << "a compile error is not a slow machine";
}

TEST_F(JobExecutorTest, SelfTestFailsOnRightOutputWithBadVerdict) {
  runner_.self_test_.files = {{"main.fk", "reverse"}};
  runner_.self_test_.expected_stdout = "olleh\n";
  sandbox_.results = {exited(1, "olleh\n")};
  const std::string why = runSelfTest(runner_, sandbox_, options_).message();
  EXPECT_CONTAINS(why, "RUNTIME_ERROR");
}

// --- compile cache ----------------------------------------------------------------------------

class JobExecutorCacheTest : public JobExecutorTest {
 protected:
  JobExecutorCacheTest() {
    EXPECT_EQ(CompileCache::open({(fs::path(tmp_.path()) / "cache").string(), 1 << 20}, &cache_)
                  .message(),
              "");
    options_.cache = cache_.get();
    runner_.makeCompiled();
    runner_.prepared_.artifacts = {"prog"};
    // The fake compiler writes ./prog from the source; the fake program records what it found.
    sandbox_.on_run = [this](const ProcessSpec& spec) {
      if (spec.argv[0] == "/usr/bin/fake-cc") {
        std::ofstream(fs::path(spec.cwd) / "prog")
            << "built from " << readFile(fs::path(spec.cwd) / "main.fk");
      } else {
        programs_seen_.push_back(readFile(fs::path(spec.cwd) / "prog"));
      }
    };
  }
  size_t compilerRuns() const {
    size_t n = 0;
    for (const auto& s : sandbox_.specs) n += s.argv[0] == "/usr/bin/fake-cc";
    return n;
  }
  std::unique_ptr<CompileCache> cache_;
  std::vector<std::string> programs_seen_;
};

TEST_F(JobExecutorCacheTest, SecondIdenticalCompileIsAHitThatSkipsTheCompiler) {
  sandbox_.results = {exited(0, "", "compiler note\n"), exited(0, "ran\n"), exited(0, "ran\n")};
  std::vector<StageEvent> events;
  const JobResult first = execute();
  ASSERT_EQ(first.verdict, Verdict::kOk) << first.message;
  EXPECT_FALSE(first.compile->cached);
  const JobResult second = execute([&](StageEvent e) { events.push_back(e); });
  ASSERT_EQ(second.verdict, Verdict::kOk) << second.message;
  ASSERT_TRUE(second.compile.has_value());
  EXPECT_TRUE(second.compile->cached);
  EXPECT_EQ(second.compile->verdict, Verdict::kOk);
  EXPECT_EQ(second.compile->stderr_data, "compiler note\n") << "the compiler's output as it was";
  EXPECT_EQ(compilerRuns(), 1u);
  EXPECT_EQ(events, std::vector<StageEvent>{StageEvent::kRunning}) << "no compiling stage on a hit";
  ASSERT_EQ(programs_seen_.size(), 2u);
  EXPECT_EQ(programs_seen_[1], programs_seen_[0]) << "the run gets the cached program";
  EXPECT_EQ(programs_seen_[1], "built from source");
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(JobExecutorCacheTest, DifferentSourceIsAMiss) {
  execute();
  runner_.prepared_.files[0].content = "other source";
  const JobResult r = execute();
  EXPECT_FALSE(r.compile->cached);
  EXPECT_EQ(compilerRuns(), 2u);
  EXPECT_EQ(programs_seen_.back(), "built from other source");
}

TEST_F(JobExecutorCacheTest, AnotherVersionOfTheRunnerIsAMiss) {
  job_.version = "1.0.1";  // as the slave assigns it: the exact version it detected
  execute();
  EXPECT_TRUE(execute().compile->cached);
  job_.version = "1.0.2";
  EXPECT_FALSE(execute().compile->cached);
  EXPECT_EQ(compilerRuns(), 2u);
}

TEST_F(JobExecutorCacheTest, AHitWhoseCompilerOutputExceedsThisJobsLimitIsNotTaken) {
  sandbox_.results = {exited(0, "", std::string(100, 'w')), exited(0)};
  execute();
  job_.limits.output_bytes = 50;
  sandbox_.results.clear();
  sandbox_.specs.clear();
  EXPECT_FALSE(execute().compile->cached);
  EXPECT_EQ(compilerRuns(), 1u) << "the compiler ran again under the smaller limit";
}

TEST_F(JobExecutorCacheTest, FailedCompileIsNotCached) {
  sandbox_.results = {exited(1, "", "error\n")};
  EXPECT_EQ(execute().verdict, Verdict::kCompileError);
  sandbox_.results.clear();
  sandbox_.specs.clear();
  const JobResult r = execute();
  EXPECT_FALSE(r.compile->cached);
  EXPECT_EQ(compilerRuns(), 1u);
  EXPECT_EQ(cache_->stats().stores, 1);
}

TEST_F(JobExecutorCacheTest, RunnerWithoutArtifactsIsNeverCached) {
  runner_.prepared_.artifacts.clear();
  execute();
  execute();
  EXPECT_EQ(compilerRuns(), 2u);
  EXPECT_EQ(cache_->stats().entries, 0);
}

TEST_F(JobExecutorCacheTest, ARunThatRewritesItsProgramDoesNotChangeTheCache) {
  sandbox_.on_run = [this](const ProcessSpec& spec) {
    if (spec.argv[0] == "/usr/bin/fake-cc") {
      std::ofstream(fs::path(spec.cwd) / "prog") << "good";
    } else {
      programs_seen_.push_back(readFile(fs::path(spec.cwd) / "prog"));
      std::ofstream(fs::path(spec.cwd) / "prog") << "tampered";
    }
  };
  execute();
  execute();
  ASSERT_EQ(programs_seen_.size(), 2u);
  EXPECT_EQ(programs_seen_[1], "good");
}

TEST_F(JobExecutorTest, ToolchainDirectoryReachesPrepare) {
  options_.toolchain_dir = "/toolchains/fake-1";
  execute();
  ASSERT_EQ(runner_.inputs.size(), 1u);
  EXPECT_EQ(runner_.inputs[0].toolchain_dir, "/toolchains/fake-1");
}

TEST_F(JobExecutorTest, PrepareToolchainRunsThePlanOnceAndKeepsItsOutputs) {
  runner_.toolchain_.files = {{"in.txt", "input", false}};
  runner_.toolchain_.commands = {Command{{"/usr/bin/fake-tool", "in.txt", "out/made.bin"}, {}}};
  runner_.toolchain_.outputs = {"out/made.bin"};
  sandbox_.on_run = [](const ProcessSpec& spec) {
    fs::create_directories(fs::path(spec.cwd) / "out");
    std::ofstream(fs::path(spec.cwd) / "out/made.bin")
        << "made from " << readFile(fs::path(spec.cwd) / "in.txt");
  };
  const std::string root = (fs::path(tmp_.path()) / "toolchains").string();
  std::string dir;
  ASSERT_EQ(prepareToolchain(runner_, "1.0", sandbox_, options_, root, &dir).message(), "");
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(fs::path(dir).parent_path(), fs::path(root));
  EXPECT_EQ(readFile(fs::path(dir) / "out/made.bin"), "made from input");
  auto toolRuns = [&] {
    return std::count_if(sandbox_.specs.begin(), sandbox_.specs.end(),
                         [](const ProcessSpec& p) { return p.argv[0] == "/usr/bin/fake-tool"; });
  };
  EXPECT_EQ(toolRuns(), 1);
  ASSERT_EQ(sandbox_.specs.size(), 2u);
  EXPECT_EQ(sandbox_.specs[1].argv,
            (std::vector<std::string>{"/usr/bin/test", "-r", dir + "/out/made.bin"}))
      << "then a check that stages can read it";
  EXPECT_TRUE(workRootIsEmpty()) << "the scratch directory is removed";

  std::string again;
  EXPECT_EQ(prepareToolchain(runner_, "1.0", sandbox_, options_, root, &again).message(), "");
  EXPECT_EQ(again, dir);
  EXPECT_EQ(toolRuns(), 1) << "a toolchain made once is reused";
  EXPECT_EQ(prepareToolchain(runner_, "2.0", sandbox_, options_, root, &again).message(), "");
  EXPECT_NE(again, dir) << "another version gets its own";
}

TEST_F(JobExecutorTest, PrepareToolchainFailuresAreErrorsNotToolchains) {
  const std::string root = (fs::path(tmp_.path()) / "toolchains").string();
  std::string dir = "stale";
  EXPECT_EQ(prepareToolchain(runner_, "1.0", sandbox_, options_, root, &dir).message(), "")
      << "no plan is no error";
  EXPECT_EQ(dir, "");

  runner_.toolchain_.commands = {Command{{"/usr/bin/fake-tool"}, {}}};
  runner_.toolchain_.outputs = {"never-made"};
  Status status = prepareToolchain(runner_, "1.0", sandbox_, options_, root, &dir);
  EXPECT_EQ(dir, "");
  EXPECT_CONTAINS(status.message(), "never-made");

  sandbox_.specs.clear();
  sandbox_.results = {exited(1, "", "tool broke\n")};
  status = prepareToolchain(runner_, "1.1", sandbox_, options_, root, &dir);
  EXPECT_EQ(dir, "");
  EXPECT_CONTAINS(status.message(), "tool broke");
  EXPECT_TRUE(!fs::exists(root) || fs::is_empty(root)) << "nothing half-made is kept";
}

TEST_F(JobExecutorTest, PrepareToolchainRefusesOneTheStagesCannotSee) {
  runner_.toolchain_.commands = {Command{{"/usr/bin/fake-tool"}, {}}};
  runner_.toolchain_.outputs = {"made"};
  sandbox_.on_run = [](const ProcessSpec& spec) {
    std::ofstream(fs::path(spec.cwd) / "made") << "x";
  };
  sandbox_.results = {exited(0), exited(1)};  // the tool works; `test -r` inside fails
  std::string dir;
  const Status status =
      prepareToolchain(runner_, "1.0", sandbox_, options_, tmp_.path() + "/tc", &dir);
  EXPECT_EQ(dir, "");
  EXPECT_CONTAINS(status.message(), "slave.toolchains.dir");
}

// Judged jobs (docs/judging.md): one compile, one run stage per test case, each checked.
class JudgedJobTest : public JobExecutorTest {
 protected:
  JudgedJobTest() {
    runner_.makeCompiled();
    job_.tests = {testCase("1", "1 2\n", "3\n"), testCase("2", "2 2\n", "4\n"),
                  testCase("3", "5 5\n", "10\n")};
  }

  static TestCase testCase(std::string name, std::string in, std::optional<std::string> out) {
    TestCase t;
    t.name = std::move(name);
    t.stdin_data = std::move(in);
    t.expected_stdout = std::move(out);
    return t;
  }

  // Runs the job, recording every on_case call.
  JobResult judge() {
    return executeJob(runner_, sandbox_, job_, options_, {},
                      [&](size_t index, const CaseResult& c) { calls_.emplace_back(index, c); });
  }

  std::vector<std::pair<size_t, CaseResult>> calls_;
};

TEST_F(JudgedJobTest, CompilesOnceAndRunsEachCaseWithItsStdin) {
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "4\n"), exited(0, "10\n")};
  JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "OK") << r.message;
  EXPECT_EQ(r.message, "");
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_FALSE(r.run.has_value()) << "a judged job reports its cases, not one run";
  ASSERT_EQ(sandbox_.specs.size(), 4u);
  EXPECT_EQ(sandbox_.specs[0].argv, runner_.prepared_.compile->argv);
  EXPECT_EQ(sandbox_.specs[0].stdin_data, "");
  const std::vector<std::string> stdins = {"1 2\n", "2 2\n", "5 5\n"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sandbox_.specs[i + 1].argv, std::vector<std::string>{"./prog"});
    EXPECT_EQ(sandbox_.specs[i + 1].stdin_data, stdins[i]) << "case " << i;
    EXPECT_EQ(sandbox_.specs[i + 1].cwd, sandbox_.specs[0].cwd) << "one work directory";
  }
  EXPECT_EQ(runner_.inputs.size(), 1u) << "no case has args of its own: prepared once";
  ASSERT_EQ(r.tests.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.tests[i].name, job_.tests[i].name);
    EXPECT_EQ(verdictName(r.tests[i].run.verdict), "OK") << r.tests[i].run.message;
    EXPECT_EQ(r.tests[i].line, 0);
    EXPECT_EQ(r.tests[i].run.cpu_ms, 11);
  }
  EXPECT_EQ(r.tests[2].run.stdout_data, "10\n");
}

TEST_F(JudgedJobTest, ACaseWithoutANameIsNamedByItsNumber) {
  job_.tests[1].name.clear();
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(r.tests[1].name, "2");
}

TEST_F(JudgedJobTest, AMismatchIsWrongAnswerWithWhereItDiffers) {
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "5\n"), exited(0, "10\n")};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  const CaseResult& wa = r.tests[1];
  EXPECT_EQ(verdictName(wa.run.verdict), "WRONG_ANSWER");
  EXPECT_EQ(wa.line, 1);
  EXPECT_EQ(wa.column, 1);
  EXPECT_EQ(wa.run.message, "line 1, column 1: expected \"4\", got \"5\"");
  EXPECT_EQ(wa.run.exit_code, 0);
  EXPECT_EQ(wa.run.stdout_data, "5\n");
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "OK") << "without stop_on_failure all run";
  EXPECT_EQ(sandbox_.specs.size(), 4u);
  EXPECT_EQ(verdictName(r.verdict), "WRONG_ANSWER");
  EXPECT_EQ(r.message, "case 2: line 1, column 1: expected \"4\", got \"5\"");
}

TEST_F(JudgedJobTest, TheJobsCheckerDecides) {
  job_.tests = {testCase("t", "", "1 2 3\n")};
  sandbox_.results = {exited(0), exited(0, "1\n2   3")};
  EXPECT_EQ(verdictName(judge().verdict), "WRONG_ANSWER") << "lines by default";
  job_.checker.kind = CheckerKind::kTokens;
  sandbox_.specs.clear();
  EXPECT_EQ(verdictName(judge().verdict), "OK");
}

TEST_F(JudgedJobTest, ACaseWithoutExpectedOutputIsNotChecked) {
  job_.tests[0].expected_stdout.reset();
  sandbox_.results = {exited(0), exited(0, "anything at all"), exited(0, "4\n"), exited(0, "10\n")};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK") << r.tests[0].run.message;
  EXPECT_EQ(r.tests[0].run.stdout_data, "anything at all");
  EXPECT_EQ(verdictName(r.verdict), "OK") << r.message;
}

TEST_F(JudgedJobTest, ACaseWhoseRunFailsKeepsThatVerdictAndIsNotChecked) {
  ProcessResult timeout = exited(-1, "3\n");  // the right answer, then out of time
  timeout.signal = 9;
  timeout.wall_timeout = true;
  sandbox_.results = {exited(0), exited(3, "3\n"), timeout, exited(0, "10\n")};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "RUNTIME_ERROR");
  EXPECT_EQ(r.tests[0].run.exit_code, 3);
  EXPECT_EQ(r.tests[0].line, 0) << "no checker ran";
  EXPECT_EQ(r.tests[0].run.message.find("expected"), std::string::npos) << r.tests[0].run.message;
  EXPECT_EQ(verdictName(r.tests[1].run.verdict), "TIME_LIMIT");
  EXPECT_EQ(r.tests[1].line, 0);
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "OK");
  EXPECT_EQ(verdictName(r.verdict), "RUNTIME_ERROR");
  EXPECT_EQ(r.message, "case 1: " + r.tests[0].run.message);
}

TEST_F(JudgedJobTest, StopOnFailureSkipsTheRestWithoutRunningThem) {
  job_.stop_on_failure = true;
  job_.tests.push_back(testCase("4", "", "x\n"));
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "wrong\n")};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 4u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK");
  EXPECT_EQ(verdictName(r.tests[1].run.verdict), "WRONG_ANSWER");
  for (size_t i : {2u, 3u}) {
    EXPECT_EQ(verdictName(r.tests[i].run.verdict), "SKIPPED") << i;
    EXPECT_CONTAINS(r.tests[i].run.message, "case 2");
    EXPECT_EQ(r.tests[i].name, job_.tests[i].name);
  }
  EXPECT_EQ(sandbox_.specs.size(), 3u) << "compile and the first two cases; no run after";
  EXPECT_EQ(verdictName(r.verdict), "WRONG_ANSWER");
  EXPECT_CONTAINS(r.message, "case 2: ");
  ASSERT_EQ(calls_.size(), 4u) << "skipped cases are reported too";
}

TEST_F(JudgedJobTest, OnCaseIsCalledOncePerCaseInOrder) {
  sandbox_.on_run = [&](const ProcessSpec&) {
    // Case i runs as the (i + 2)-th process: every earlier case has been reported by then.
    if (sandbox_.specs.size() >= 2) EXPECT_EQ(calls_.size(), sandbox_.specs.size() - 2);
  };
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "0\n"), exited(0, "10\n")};
  JobResult r = judge();
  ASSERT_EQ(calls_.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(calls_[i].first, i);
    EXPECT_EQ(calls_[i].second.name, job_.tests[i].name);
    EXPECT_EQ(verdictName(calls_[i].second.run.verdict), verdictName(r.tests[i].run.verdict));
  }
  EXPECT_EQ(verdictName(calls_[1].second.run.verdict), "WRONG_ANSWER");
  EXPECT_EQ(calls_[1].second.line, 1);
}

TEST_F(JudgedJobTest, TheJobsVerdictIsTheFirstFailingCases) {
  ProcessResult memory = exited(-1);
  memory.signal = 9;
  memory.memory_exceeded = true;
  sandbox_.results = {exited(0), exited(0, "3\n"), memory, exited(0, "11\n")};
  JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "MEMORY_LIMIT");
  EXPECT_EQ(r.message, "case 2: " + r.tests[1].run.message);
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "WRONG_ANSWER");
}

TEST_F(JudgedJobTest, ACompileErrorRunsNoCase) {
  sandbox_.results = {exited(1, "", "main.fk:1: syntax error\n")};
  JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "COMPILE_ERROR");
  EXPECT_TRUE(r.tests.empty());
  EXPECT_FALSE(r.run.has_value());
  EXPECT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_TRUE(calls_.empty());
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(JudgedJobTest, ACasesArgsReachPrepare) {
  job_.args = {"--job"};
  job_.tests[1].args = std::vector<std::string>{"-v", "two words"};
  job_.tests[2].args = std::vector<std::string>{};  // no args at all, not the job's
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "4\n"), exited(0, "10\n")};
  JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "OK") << r.message;
  ASSERT_EQ(runner_.inputs.size(), 3u) << "the job once, then the two cases with args";
  EXPECT_EQ(runner_.inputs[0].args, std::vector<std::string>{"--job"});
  EXPECT_EQ(runner_.inputs[1].args, (std::vector<std::string>{"-v", "two words"}));
  EXPECT_EQ(runner_.inputs[2].args, std::vector<std::string>{});
  EXPECT_EQ(sandbox_.specs.size(), 4u) << "the program is compiled once all the same";
}

TEST_F(JudgedJobTest, ARunnerRefusingACasesArgsFailsThatCaseOnly) {
  job_.tests[1].args = std::vector<std::string>{"-bad"};
  struct Refusing : FakeRunner {
    Prepared prepare(const PrepareInput& input) const noexcept override {
      Prepared p = FakeRunner::prepare(input);
      if (!input.args.empty()) p.error = "no flags allowed";
      return p;
    }
  } refusing;
  refusing.makeCompiled();
  sandbox_.results = {exited(0), exited(0, "3\n"), exited(0, "10\n")};
  JobResult r = executeJob(refusing, sandbox_, job_, options_);
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK");
  EXPECT_EQ(verdictName(r.tests[1].run.verdict), "INTERNAL_ERROR");
  EXPECT_CONTAINS(r.tests[1].run.message, "no flags allowed");
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "OK");
  EXPECT_EQ(sandbox_.specs.size(), 3u) << "the refused case did not run";
}

TEST_F(JudgedJobTest, ResultOutputsAreCutToAShareAfterTheCheckerSawThemWhole) {
  // 3 cases, 60000 bytes of result: 10000 per case and stream.
  options_.result_output_bytes = 60000;
  const std::string answer(25000, 'a');
  const std::string noise(12000, 'e');
  job_.tests = {testCase("long", "", answer + "\n"), testCase("short", "", "ok\n"),
                testCase("wrong", "", answer + "\n")};
  sandbox_.results = {exited(0), exited(0, answer + "\n", noise), exited(0, "ok\n"),
                      exited(0, answer + "b\n")};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK") << r.tests[0].run.message;
  EXPECT_EQ(r.tests[0].run.stdout_data, answer.substr(0, 10000));
  EXPECT_TRUE(r.tests[0].run.stdout_truncated);
  EXPECT_EQ(r.tests[0].run.stderr_data.size(), 10000u);
  EXPECT_TRUE(r.tests[0].run.stderr_truncated);
  EXPECT_EQ(r.tests[1].run.stdout_data, "ok\n");
  EXPECT_FALSE(r.tests[1].run.stdout_truncated);
  EXPECT_FALSE(r.tests[1].run.stderr_truncated);
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "WRONG_ANSWER") << "checked before the cut";
  EXPECT_EQ(r.tests[2].column, 25001);
  EXPECT_EQ(r.tests[2].run.stdout_data.size(), 10000u);
  EXPECT_EQ(calls_[0].second.run.stdout_data.size(), 10000u) << "progress sees the cut output";
  EXPECT_EQ(verdictName(r.verdict), "WRONG_ANSWER") << "a cut output is not an output limit";
}

TEST_F(JudgedJobTest, ResultOutputsKeepAtLeast4KiB) {
  options_.result_output_bytes = 1000;  // a share of 166 bytes: the floor wins
  sandbox_.results = {exited(0), exited(0, std::string(5000, 'x'))};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(r.tests[0].run.stdout_data.size(), 4096u);
  EXPECT_TRUE(r.tests[0].run.stdout_truncated);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "WRONG_ANSWER");
}

TEST_F(JudgedJobTest, WithoutABudgetOutputsAreKeptWhole) {
  sandbox_.results = {exited(0), exited(0, std::string(200000, 'x'))};
  JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(r.tests[0].run.stdout_data.size(), 200000u);
  EXPECT_FALSE(r.tests[0].run.stdout_truncated);
}

TEST_F(JudgedJobTest, CancelDuringACaseStopsBeforeTheRest) {
  CancelToken cancel;
  options_.cancel = &cancel;
  job_.tests.push_back(testCase("4", "", "x\n"));
  sandbox_.on_run = [&](const ProcessSpec& spec) {
    EXPECT_EQ(spec.cancel, &cancel) << "each case's stage can be cancelled";
    if (sandbox_.specs.size() == 3) cancel.cancel();  // during case 1 (0-based)
  };
  JobResult r = judge();
  EXPECT_EQ(sandbox_.specs.size(), 3u) << "compile, case 0, case 1; nothing after";
  EXPECT_LE(r.tests.size(), 2u);
  EXPECT_LE(calls_.size(), 2u);
  EXPECT_TRUE(workRootIsEmpty());
}

// Checker programs (docs/checkers.md, "Checker programs"): compiled once in a work directory of
// their own, run after each case that ran OK on fixed file names, deciding by exit code.
class CheckerProgramTest : public JudgedJobTest {
 protected:
  CheckerProgramTest() {
    job_.checker.kind = CheckerKind::kProgram;
    job_.checker.language = "checklang";
    job_.checker.version = "2.0";
    job_.checker.source = {"check.src", "checker source", Encoding::kUtf8};
    checker_.info_.language = "checklang";
    checker_.info_.compiled = true;
    checker_.prepared_.files = {{"check.src", "checker source", false}};
    checker_.prepared_.compile = Command{{"/usr/bin/check-cc", "check.src", "-o", "checker"}, {}};
    checker_.prepared_.run.argv = {"./checker", "polyrun-case/input", "polyrun-case/output",
                                   "polyrun-case/answer"};
    options_.checker_runner = &checker_;
    // What each checker run finds in its case directory, and whether the program's stages can
    // see the checker's files.
    sandbox_.on_run = [this](const ProcessSpec& spec) {
      if (spec.argv[0] == "./checker") {
        const fs::path dir = fs::path(spec.cwd) / "polyrun-case";
        given_.push_back(
            {readFile(dir / "input"), readFile(dir / "output"), readFile(dir / "answer")});
        checker_cwds_.insert(spec.cwd);
      } else if (spec.argv[0] == "./prog") {
        program_saw_checker_ |= fs::exists(fs::path(spec.cwd) / "check.src");
        program_cwds_.insert(spec.cwd);
      }
    };
  }

  // Results for: compile, checker compile, then (run, checker run) per case.
  void answer(std::vector<ProcessResult> per_case) {
    sandbox_.results = {exited(0), exited(0)};
    for (auto& p : per_case) sandbox_.results.push_back(std::move(p));
  }

  struct Given {
    std::string input, output, answer;
  };
  FakeRunner checker_;
  std::vector<Given> given_;
  std::set<std::string> checker_cwds_, program_cwds_;
  bool program_saw_checker_ = false;
};

TEST_F(CheckerProgramTest, TheCheckersCompileIsCachedLikeAnyCompile) {
  std::unique_ptr<CompileCache> cache;
  ASSERT_EQ(
      CompileCache::open({(fs::path(tmp_.path()) / "cache").string(), 1 << 20}, &cache).message(),
      "");
  options_.cache = cache.get();
  checker_.prepared_.artifacts = {"checker"};
  job_.checker.version = "2.0.1";  // as the master assigns it: exact
  job_.tests.resize(1);
  const auto record = sandbox_.on_run;
  size_t checker_compiles = 0;
  sandbox_.on_run = [&](const ProcessSpec& spec) {
    if (spec.argv[0] == "/usr/bin/check-cc") {
      ++checker_compiles;
      std::ofstream(fs::path(spec.cwd) / "checker") << "built checker";
    }
    record(spec);
  };
  const JobResult first = judge();
  ASSERT_EQ(verdictName(first.verdict), "OK") << first.message;
  ASSERT_TRUE(first.checker_compile.has_value());
  EXPECT_FALSE(first.checker_compile->cached);
  sandbox_.specs.clear();
  const JobResult second = judge();
  ASSERT_EQ(verdictName(second.verdict), "OK") << second.message;
  ASSERT_TRUE(second.checker_compile.has_value());
  EXPECT_TRUE(second.checker_compile->cached);
  EXPECT_EQ(checker_compiles, 1u);
  EXPECT_EQ(given_.size(), 2u) << "the cached checker ran";
  job_.checker.source.content = "another checker";
  checker_.prepared_.files[0].content = "another checker";
  EXPECT_FALSE(judge().checker_compile->cached) << "another source is another entry";
  EXPECT_EQ(checker_compiles, 2u);
}

TEST_F(CheckerProgramTest, ExitCodesDecideAndTheCheckerGetsTheThreeFiles) {
  answer({exited(0, "3\n"), exited(0, "ok\n"), exited(0, "5\n"),
          exited(1, "wrong: expected 4, got 5\nmore\n"), exited(0, "10\n"),
          exited(2, "", "presentation error: extra spaces\n")});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u) << r.message;
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK") << r.tests[0].run.message;
  ASSERT_TRUE(r.tests[0].checker.has_value());
  EXPECT_EQ(r.tests[0].checker->stdout_data, "ok\n");
  EXPECT_EQ(r.tests[0].checker->cpu_ms, 11);
  EXPECT_EQ(verdictName(r.tests[1].run.verdict), "WRONG_ANSWER");
  EXPECT_EQ(r.tests[1].run.message, "wrong: expected 4, got 5") << "the first line of stdout";
  EXPECT_EQ(r.tests[1].line, 0);
  EXPECT_EQ(verdictName(r.tests[2].run.verdict), "WRONG_ANSWER") << "2 (testlib's PE) is WA";
  EXPECT_EQ(r.tests[2].run.message, "presentation error: extra spaces") << "stderr without stdout";
  EXPECT_EQ(verdictName(r.verdict), "WRONG_ANSWER");
  EXPECT_EQ(r.message, "case 2: wrong: expected 4, got 5");

  ASSERT_EQ(given_.size(), 3u);
  EXPECT_EQ(given_[1].input, "2 2\n");
  EXPECT_EQ(given_[1].output, "5\n");
  EXPECT_EQ(given_[1].answer, "4\n");
  ASSERT_EQ(checker_.inputs.size(), 1u) << "laid out once";
  EXPECT_EQ(checker_.inputs[0].args,
            (std::vector<std::string>{"polyrun-case/input", "polyrun-case/output",
                                      "polyrun-case/answer"}));
  ASSERT_EQ(checker_.inputs[0].files.size(), 1u);
  EXPECT_EQ(checker_.inputs[0].files[0].content, "checker source");
  ASSERT_EQ(sandbox_.specs.size(), 8u);
  EXPECT_EQ(sandbox_.specs[1].argv, checker_.prepared_.compile->argv) << "compiled before cases";
  EXPECT_EQ(checker_cwds_.size(), 1u);
  EXPECT_EQ(program_cwds_.size(), 1u);
  EXPECT_NE(*checker_cwds_.begin(), *program_cwds_.begin()) << "a work directory of its own";
  EXPECT_FALSE(program_saw_checker_);
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(CheckerProgramTest, ACaseWithoutExpectedOutputGetsAnEmptyAnswer) {
  job_.tests = {testCase("free", "7\n", std::nullopt)};
  answer({exited(0, "any valid answer\n"), exited(0)});
  const JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "OK") << r.message;
  ASSERT_EQ(given_.size(), 1u) << "the checker decides every case that ran";
  EXPECT_EQ(given_[0].answer, "");
  EXPECT_EQ(given_[0].output, "any valid answer\n");
}

TEST_F(CheckerProgramTest, Exit3IsACheckerErrorNamingTheCase) {
  answer({exited(0, "3\n"), exited(3, "FAIL answer file is empty\n"), exited(0, "4\n"), exited(0)});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 3u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "CHECKER_ERROR");
  EXPECT_EQ(r.tests[0].run.message, "checker exited with code 3: FAIL answer file is empty");
  EXPECT_EQ(verdictName(r.tests[1].run.verdict), "OK") << "a checker failure is one case's";
  EXPECT_EQ(verdictName(r.verdict), "CHECKER_ERROR");
  EXPECT_EQ(r.message,
            "checker failed on case 1: checker exited with code 3: FAIL answer file is empty");
}

TEST_F(CheckerProgramTest, ACheckerKilledByASignalIsACheckerError) {
  ProcessResult crash = exited(-1);
  crash.signal = SIGFPE;
  answer({exited(0, "3\n"), crash});
  job_.tests.resize(1);
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "CHECKER_ERROR");
  EXPECT_CONTAINS(r.tests[0].run.message, "SIGFPE");
  ASSERT_TRUE(r.tests[0].checker.has_value());
  EXPECT_EQ(r.tests[0].checker->signal, SIGFPE);
  EXPECT_EQ(r.tests[0].run.exit_code, 0) << "the program's own stage is untouched";
  EXPECT_EQ(r.message.rfind("checker failed on case 1: ", 0), 0u) << r.message;
}

TEST_F(CheckerProgramTest, ACheckerOverItsTimeLimitIsACheckerErrorAndItsLimitsApply) {
  job_.tests.resize(2);
  job_.limits.run = {4000, 3000, 64 << 20};
  job_.checker.limits = {700, 600, 0};  // memory: the job's run limit
  ProcessResult slow = exited(-1);
  slow.signal = SIGKILL;
  slow.wall_timeout = true;
  answer({exited(0, "3\n"), slow, exited(0, "4\n"), exited(0)});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "CHECKER_ERROR");
  EXPECT_EQ(r.tests[0].run.message, "checker wall time limit of 700 ms exceeded");
  ASSERT_EQ(sandbox_.specs.size(), 6u);
  for (size_t i : {3u, 5u}) {
    EXPECT_EQ(sandbox_.specs[i].argv[0], "./checker");
    EXPECT_EQ(sandbox_.specs[i].limits.wall_ms, 700);
    EXPECT_EQ(sandbox_.specs[i].limits.cpu_ms, 600);
    EXPECT_EQ(sandbox_.specs[i].limits.memory_bytes, 64 << 20);
  }
  EXPECT_EQ(sandbox_.specs[2].limits.wall_ms, 4000) << "the program keeps its own";
}

TEST_F(CheckerProgramTest, ACheckerThatDoesNotCompileEndsTheJobBeforeAnyCase) {
  sandbox_.results = {exited(0), exited(1, "", "check.src:1:5: error: expected ';'\nmore\n")};
  const JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "CHECKER_ERROR");
  EXPECT_CONTAINS(r.message, "did not compile");
  EXPECT_CONTAINS(r.message, "check.src:1:5: error: expected ';'");
  ASSERT_TRUE(r.checker_compile.has_value());
  EXPECT_EQ(verdictName(r.checker_compile->verdict), "COMPILE_ERROR");
  EXPECT_EQ(r.checker_compile->stderr_data, "check.src:1:5: error: expected ';'\nmore\n");
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_EQ(verdictName(r.compile->verdict), "OK");
  EXPECT_TRUE(r.tests.empty()) << "no case ran";
  EXPECT_EQ(sandbox_.specs.size(), 2u);
  EXPECT_TRUE(calls_.empty());
  EXPECT_TRUE(workRootIsEmpty());
}

TEST_F(CheckerProgramTest, AProgramThatDoesNotCompileIsACompileErrorAndTheCheckerIsNotBuilt) {
  sandbox_.results = {exited(1, "", "main.fk: error\n")};
  const JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "COMPILE_ERROR");
  EXPECT_FALSE(r.checker_compile.has_value());
  EXPECT_EQ(sandbox_.specs.size(), 1u);
  EXPECT_TRUE(checker_.inputs.empty());
}

TEST_F(CheckerProgramTest, ACaseWhoseRunFailedIsNotChecked) {
  job_.tests.resize(1);
  answer({exited(5, "3\n")});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "RUNTIME_ERROR");
  EXPECT_FALSE(r.tests[0].checker.has_value());
  EXPECT_TRUE(given_.empty());
}

TEST_F(CheckerProgramTest, WithoutTheCheckersRunnerNoCaseRuns) {
  options_.checker_runner = nullptr;
  const JobResult r = judge();
  EXPECT_EQ(verdictName(r.verdict), "INTERNAL_ERROR");
  EXPECT_CONTAINS(r.message, "checklang");
  EXPECT_TRUE(r.tests.empty());
  EXPECT_EQ(sandbox_.specs.size(), 1u) << "the program's compile only";
}

TEST_F(CheckerProgramTest, TheMessageIsOnePrintableLineOfAtMost200Bytes) {
  job_.tests.resize(1);
  answer({exited(0, "3\n"), exited(1, "bad\x01value \xff" + std::string(300, 'x') + "\nnext\n")});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 1u);
  const std::string& message = r.tests[0].run.message;
  EXPECT_EQ(message.rfind("bad value ?xxx", 0), 0u) << message;
  EXPECT_EQ(message.size(), 200u);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(CheckerProgramTest, TheCheckersOutputsTakeShareOfTheResultBudget) {
  job_.tests.resize(1);
  options_.result_output_bytes = 64 << 10;  // 16 KiB per stream with four streams
  answer({exited(0, std::string(20000, 'o')), exited(0, std::string(20000, 'c'))});
  const JobResult r = judge();
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_EQ(verdictName(r.tests[0].run.verdict), "OK");
  EXPECT_EQ(given_[0].output.size(), 20000u) << "the checker saw it whole";
  EXPECT_EQ(r.tests[0].run.stdout_data.size(), 16384u);
  EXPECT_EQ(r.tests[0].checker->stdout_data.size(), 16384u);
  EXPECT_TRUE(r.tests[0].checker->stdout_truncated);
}

}  // namespace
}  // namespace polyrun
