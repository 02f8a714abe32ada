// The real process sandbox, with real processes (/bin/sh, /bin/cat, ...). Every test stays fast:
// limits are short and nothing waits with a fixed sleep.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class ProcessSandboxTest : public ::testing::Test {
 protected:
  ProcessSpec spec(std::vector<std::string> argv) {
    ProcessSpec s;
    s.argv = std::move(argv);
    s.cwd = dir_.path();
    s.env = {"PATH=/usr/bin:/bin"};
    s.limits.wall_ms = 10000;
    s.limits.cpu_ms = 10000;
    return s;
  }
  ProcessSpec shell(const std::string& script) { return spec({"/bin/sh", "-c", script}); }
  ProcessResult run(const ProcessSpec& s) { return sandbox_->run(s); }

  test::TempDir dir_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string pattern(size_t size) {
  std::string s;
  s.reserve(size);
  for (size_t i = 0; i < size; ++i) s.push_back(static_cast<char>('a' + (i * 7 + i / 251) % 26));
  return s;
}

TEST_F(ProcessSandboxTest, ExitCodeIsReported) {
  ProcessResult r = run(shell("exit 7"));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_FALSE(r.cpu_timeout);

  r = run(spec({"/bin/echo", "hi"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "hi\n");
}

TEST_F(ProcessSandboxTest, ArgumentsArePassedUnchanged) {
  ProcessResult r = run(spec({"/bin/sh", "-c", "printf '%s|' \"$@\"", "sh", "a", "b c", "", "*"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "a|b c||*|");
}

TEST_F(ProcessSandboxTest, KilledBySignalIsReported) {
  ProcessResult r = run(shell("kill -SEGV $$"));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.wall_timeout);
}

TEST_F(ProcessSandboxTest, StdoutAndStderrAreCapturedSeparately) {
  ProcessResult r = run(shell("echo out1; echo err1 >&2; echo out2; echo err2 >&2"));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "out1\nout2\n");
  EXPECT_EQ(r.stderr_data, "err1\nerr2\n");
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
}

TEST_F(ProcessSandboxTest, LargeStdinComesBackWhole) {
  // 1 MiB through cat: the sandbox must write stdin and read stdout at the same time, or both
  // sides block on full pipes.
  ProcessSpec s = spec({"/bin/cat"});
  s.stdin_data = pattern(1 << 20);
  s.limits.output_bytes = 4 << 20;
  s.limits.wall_ms = 5000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data.size(), s.stdin_data.size());
  EXPECT_TRUE(r.stdout_data == s.stdin_data);
  EXPECT_FALSE(r.stdout_truncated);
}

TEST_F(ProcessSandboxTest, OutputOfExactlyTheLimitIsNotTruncated) {
  ProcessSpec s = spec({"/bin/cat"});
  s.stdin_data = pattern(100000);
  s.limits.output_bytes = 100000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data.size(), 100000u);
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(ProcessSandboxTest, EmptyStdinIsEndOfFile) {
  ProcessResult r = run(spec({"/bin/cat"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_FALSE(r.wall_timeout);
}

TEST_F(ProcessSandboxTest, StdinNotReadDoesNotHang) {
  ProcessSpec s = spec({"/bin/echo", "done"});
  s.stdin_data = pattern(4 << 20);
  s.limits.wall_ms = 5000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "done\n");
}

TEST_F(ProcessSandboxTest, StdinPartlyReadDoesNotHangOrKillTheCaller) {
  // head stops reading while the sandbox is still writing: the writes then fail with EPIPE,
  // which must neither hang nor raise SIGPIPE in the calling process. Repeated, because the
  // moment head goes away varies from run to run.
  for (int i = 0; i < 20; ++i) {
    ProcessSpec s = spec({"/usr/bin/head", "-c", "100000"});
    s.stdin_data = pattern(2 << 20);
    s.limits.wall_ms = 5000;
    ProcessResult r = run(s);
    ASSERT_TRUE(r.started) << r.error;
    EXPECT_FALSE(r.wall_timeout) << i;
    EXPECT_EQ(r.exit_code, 0) << i;
    EXPECT_EQ(r.stdout_data.size(), 100000u) << i;
  }
}

TEST_F(ProcessSandboxTest, StdinClosedByTheProgramDoesNotHang) {
  ProcessSpec s = shell("exec 0<&-; sleep 0.05; echo closed");
  s.stdin_data = pattern(1 << 20);
  s.limits.wall_ms = 5000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.stdout_data, "closed\n");
}

TEST_F(ProcessSandboxTest, WallTimeoutKills) {
  ProcessSpec s = spec({"/bin/sleep", "100"});
  s.limits.wall_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = run(s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_TRUE(r.wall_timeout);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.wall_ms, 300);
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_FALSE(r.cpu_timeout);
}

TEST_F(ProcessSandboxTest, WallTimeoutKeepsOutputWrittenBefore) {
  ProcessSpec s = shell("echo before; exec /bin/sleep 100");
  s.limits.wall_ms = 300;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_TRUE(r.wall_timeout);
  EXPECT_EQ(r.stdout_data, "before\n");
}

TEST_F(ProcessSandboxTest, BackgroundChildDoesNotHoldTheRunAndIsKilled) {
  // The background sleep keeps stdout open. Become a subreaper so that it is re-parented to this
  // process when sh exits: then we can reap it and see it gone, whatever init does with zombies.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const std::string pid_file = dir_.path() + "/bg.pid";
  ProcessSpec s = shell("/bin/sleep 100 & echo $! > " + pid_file + "; echo hi");
  s.limits.wall_ms = 10000;
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = run(s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "hi\n");
  EXPECT_LT(took, milliseconds(2000));

  const pid_t bg = static_cast<pid_t>(std::stol(readFile(pid_file)));
  ASSERT_GT(bg, 1);
  int status = 0;
  bool reaped = false;
  const bool gone = test::waitFor(
      [&] {
        if (!reaped && ::waitpid(bg, &status, WNOHANG) == bg) reaped = true;
        return ::kill(bg, 0) != 0 && errno == ESRCH;
      },
      milliseconds(2000));
  if (!gone) ::kill(bg, SIGKILL);
  EXPECT_TRUE(gone) << "background child " << bg << " outlived the stage";
  if (reaped) {
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
  }
}

TEST_F(ProcessSandboxTest, OutputOverLimitIsTruncatedAndTheProcessKilled) {
  ProcessSpec s = spec({"/usr/bin/yes"});
  s.limits.output_bytes = 64 << 10;
  s.limits.wall_ms = 20000;
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = run(s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data.size(), size_t{64} << 10);
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
  EXPECT_EQ(r.stdout_data.substr(0, 6), "y\ny\ny\n");
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_NE(r.signal, 0) << "yes never ends by itself: it must have been killed";
  EXPECT_LT(took, milliseconds(2000));
}

TEST_F(ProcessSandboxTest, StderrOverLimitIsTruncatedToo) {
  ProcessSpec s = shell("echo fine; exec /usr/bin/yes >&2");
  s.limits.output_bytes = 10000;
  s.limits.wall_ms = 20000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stderr_data.size(), 10000u);
  EXPECT_TRUE(r.stderr_truncated);
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_EQ(r.stdout_data, "fine\n");
  EXPECT_FALSE(r.wall_timeout);
}

TEST_F(ProcessSandboxTest, CpuLimitStopsABusyLoop) {
  ProcessSpec s = shell("while :; do :; done");
  s.limits.cpu_ms = 500;
  s.limits.wall_ms = 10000;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_TRUE(r.cpu_timeout);
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_GE(r.cpu_ms, 500);
  EXPECT_NE(r.signal, 0);
}

TEST_F(ProcessSandboxTest, MemoryOverLimitIsFlagged) {
  // The peak resident set of any process is far above 4 KiB.
  ProcessSpec s = spec({"/bin/echo", "x"});
  s.limits.memory_bytes = 4096;
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_GT(r.memory_bytes, 4096);
  EXPECT_TRUE(r.memory_exceeded);

  s.limits.memory_bytes = 0;  // not enforced
  r = run(s);
  EXPECT_FALSE(r.memory_exceeded);
}

TEST_F(ProcessSandboxTest, ResourceUsageIsMeasured) {
  ProcessSpec s = shell("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GT(r.cpu_ms, 0);
  EXPECT_GT(r.wall_ms, 0);
  EXPECT_GT(r.memory_bytes, 0);
}

TEST_F(ProcessSandboxTest, MissingProgramIsNotStarted) {
  ProcessResult r = run(spec({"/nonexistent/polyrun-prog", "x"}));
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.error.find("/nonexistent/polyrun-prog"), std::string::npos) << r.error;

  r = run(spec({"./not-built-yet"}));
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.error.find("not-built-yet"), std::string::npos) << r.error;
}

TEST_F(ProcessSandboxTest, NonExecutableFileIsNotStarted) {
  std::ofstream(dir_.path() + "/plain.txt") << "#!/bin/sh\necho no\n";
  ProcessResult r = run(spec({"./plain.txt"}));
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.error.empty());
}

TEST_F(ProcessSandboxTest, RelativeProgramWithoutDotSlashIsRefused) {
  ProcessResult r = run(spec({"echo", "hi"}));
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(r.stdout_data, "");

  r = run(spec({"bin/echo", "hi"}));
  EXPECT_FALSE(r.started);

  r = run(spec({}));
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.error.empty());
}

TEST_F(ProcessSandboxTest, EnvironmentIsExactlyTheGivenOne) {
  ::setenv("POLYRUN_SANDBOX_TEST_LEAK", "leaked", 1);
  ProcessSpec s = spec({"/usr/bin/env"});
  s.env = {"A=1", "B=two words", "EMPTY="};
  ProcessResult r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "A=1\nB=two words\nEMPTY=\n");

  s.env = {};
  r = run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "");
  ::unsetenv("POLYRUN_SANDBOX_TEST_LEAK");
}

TEST_F(ProcessSandboxTest, WorkingDirectoryIsUsed) {
  ProcessResult r = run(spec({"/bin/pwd", "-P"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, fs::canonical(dir_.path()).string() + "\n");

  // "./name" means a program in the working directory.
  const std::string script = dir_.path() + "/hello.sh";
  std::ofstream(script) << "#!/bin/sh\necho from script\n";
  ::chmod(script.c_str(), 0755);
  r = run(spec({"./hello.sh"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "from script\n");

  // Files the program writes land there too.
  r = run(shell("echo data > out.txt"));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(readFile(dir_.path() + "/out.txt"), "data\n");
}

TEST_F(ProcessSandboxTest, MissingWorkingDirectoryIsNotStarted) {
  ProcessSpec s = spec({"/bin/echo", "hi"});
  s.cwd = dir_.path() + "/does-not-exist";
  ProcessResult r = run(s);
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.error.empty());
}

TEST_F(ProcessSandboxTest, ConcurrentRunsDoNotMixUp) {
  constexpr int kThreads = 4;
  std::vector<ProcessResult> results(kThreads);
  std::vector<std::string> inputs(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    inputs[i] = std::to_string(i) + pattern(200000 + i * 1000);
    threads.emplace_back([&, i] {
      ProcessSpec s = spec({"/bin/cat"});
      s.stdin_data = inputs[i];
      s.limits.wall_ms = 5000;
      results[i] = sandbox_->run(s);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(results[i].started) << results[i].error;
    EXPECT_FALSE(results[i].wall_timeout) << i;
    EXPECT_TRUE(results[i].stdout_data == inputs[i]) << i;
  }
}

}  // namespace
}  // namespace polyrun
