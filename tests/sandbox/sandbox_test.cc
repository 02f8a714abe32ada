// The adversarial suite through the real namespace sandbox and the real runner plugins.
#include "polyrun/sandbox.h"

#include <Poco/Net/ServerSocket.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <set>

#include "polyrun/job_executor.h"
#include "polyrun/plugin_loader.h"
#include "sandbox/adversarial_cases.h"
#include "support/test_support.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;

// Processes whose command line contains `mark`, anywhere on the host.
std::vector<std::string> processesWith(const std::string& mark) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    // Processes come and go while this reads; one that is gone has nothing to say.
    std::string cmdline;
    const int fd = ::open((e.path() / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      cmdline.append(buf, static_cast<size_t>(n));
    ::close(fd);
    if (cmdline.find(mark) != std::string::npos && cmdline.find("gtest") == std::string::npos)
      found.push_back(e.path().filename().string());
  }
  return found;
}

// The live zygotes of this process's sandbox (docs/sandbox.md): their pids, from /proc.
std::vector<pid_t> zygotes() {
  std::vector<pid_t> found;
  std::error_code ec;
  const std::string parent = "PPid:\t" + std::to_string(::getpid()) + "\n";
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::ifstream in(e.path() / "status");
    const std::string status((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    if (status.rfind("Name:\tpolyrun-zygote\n", 0) == 0 &&
        status.find(parent) != std::string::npos &&
        status.find("State:\tZ") ==
            std::string::npos)  // a killed one stays a zombie until replaced
      found.push_back(static_cast<pid_t>(std::stol(e.path().filename().string())));
  }
  return found;
}

class SandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new TempDir();
    SandboxOptions options;
    options.state_dir = state_->path() + "/sandbox";
    options.stages = 4;  // as a slave of two job slots
    std::unique_ptr<Sandbox> made;
    ASSERT_EQ(makeNamespaceSandbox(options, &made).message(), "");
    sandbox_ = made.release();
    ASSERT_NE(sandbox_, nullptr);
    runners_ = new std::map<std::string, std::shared_ptr<const Runner>>();
    for (const char* plugin : {"polyrun_python", "polyrun_c", "polyrun_java"}) {
      PluginLoadResult loaded =
          loadPlugin(std::string(POLYRUN_PLUGIN_DIR) + "/" + plugin + ".so", {});
      ASSERT_FALSE(loaded.runners.empty()) << loaded.error;
      (*runners_)[loaded.runners[0].info.language] = loaded.runners[0].runner;
    }
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    delete runners_;
    delete state_;
  }

  JobResult run(const std::string& language, const std::string& file, const std::string& source,
                const Limits& limits = {}, const std::string& stdin_data = "") {
    Job job;
    job.id = "t";
    job.language = language;
    job.files.push_back({file, source, Encoding::kUtf8});
    job.limits = limits;
    job.stdin_data = stdin_data;
    return executeJob(*runners_->at(language), *sandbox_, job, options());
  }

  // As the slave runs jobs: a quota on each job's files (its default) when root.
  ExecutorOptions options() const {
    ExecutorOptions options;
    options.work_root = work_.path();
    options.fallback = defaultLimits();
    if (::geteuid() == 0) options.work_quota_bytes = 256ll << 20;
    return options;
  }

  // One stage in the test's work directory, 20 s of wall and CPU time.
  ProcessSpec stageSpec(std::vector<std::string> argv, int64_t memory_bytes,
                        int64_t processes) const {
    ProcessSpec s;
    s.argv = std::move(argv);
    s.cwd = work_.path();
    s.env = cleanEnvironment(s.cwd);
    s.limits.wall_ms = 20000;
    s.limits.cpu_ms = 20000;
    s.limits.memory_bytes = memory_bytes;
    s.limits.processes = processes;
    return s;
  }

  static TempDir* state_;
  static Sandbox* sandbox_;
  static std::map<std::string, std::shared_ptr<const Runner>>* runners_;
  TempDir work_;
};
TempDir* SandboxTest::state_ = nullptr;
Sandbox* SandboxTest::sandbox_ = nullptr;
std::map<std::string, std::shared_ptr<const Runner>>* SandboxTest::runners_ = nullptr;

TEST_F(SandboxTest, DescribesItsIsolation) {
  const std::string d = sandbox_->describe();
  EXPECT_NE(d.find("namespaces"), std::string::npos) << d;
  EXPECT_NE(d.find("seccomp"), std::string::npos) << d;
}

TEST_F(SandboxTest, EveryAdversarialCaseGetsItsVerdictAndTheNextJobRunsNormally) {
  TempDir secret_dir;
  const std::string secret = secret_dir.path() + "/slave.properties";
  std::ofstream(secret) << "slave.token = top-secret\n";
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = listener.address().port();

  for (const auto& c : adversarialCases(secret, port)) {
    SCOPED_TRACE(c.name);
    const auto start = std::chrono::steady_clock::now();
    JobResult r = run(c.language, c.file, c.source, c.limits);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    EXPECT_EQ(verdictName(r.verdict), verdictName(c.expected))
        << r.message << "\nstdout: " << (r.run ? r.run->stdout_data.substr(0, 500) : "")
        << "\nstderr: "
        << (r.run       ? r.run->stderr_data.substr(0, 500)
            : r.compile ? r.compile->stderr_data.substr(0, 500)
                        : "");
    EXPECT_LE(took, c.max_wall_ms) << "the stage must end within its limit plus a margin";
    if (c.check) {
      EXPECT_EQ(c.check(r), "");
    }
    for (const std::string& mark : daemonMarks())
      EXPECT_EQ(processesWith(mark).size(), 0u) << "left running: " << mark;
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(work_.path(), ec)) << "the job left files on the slave's disk";
    JobResult next = run("python", "ok.py", "print('next job fine')\n");
    ASSERT_EQ(next.verdict, Verdict::kOk) << "after " << c.name << ": " << next.message;
    EXPECT_EQ(next.run->stdout_data, "next job fine\n");
  }
  // Nothing a job did reached the host.
  for (const char* p :
       {"/usr/polyrun-was-here", "/etc/polyrun-was-here", "/polyrun-was-here", "/tmp/private"})
    EXPECT_FALSE(fs::exists(p)) << p;
}

TEST_F(SandboxTest, ConcurrentJobsCannotSeeEachOthersFiles) {
  // Each job leaves a file named after itself and looks for the other's, through every path it
  // could guess: the work directories' parent and the other's full path.
  const std::string program =
      "import os, sys, time\n"
      "me, other = sys.stdin.read().split()\n"
      "open(me, 'w').write('mine')\n"
      "parent = os.path.dirname(os.getcwd())\n"
      "time.sleep(0.3)\n"
      "seen = []\n"
      "for root, dirs, files in os.walk(parent):\n"
      "    seen += [f for f in files if f == other]\n"
      "print('saw other' if seen else 'alone', os.listdir(parent) == "
      "[os.path.basename(os.getcwd())])\n";
  auto a = std::async(std::launch::async,
                      [&] { return run("python", "a.py", program, {}, "job-a job-b"); });
  auto b = std::async(std::launch::async,
                      [&] { return run("python", "b.py", program, {}, "job-b job-a"); });
  for (JobResult r : {a.get(), b.get()}) {
    ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.run ? r.run->stderr_data : "");
    EXPECT_EQ(r.run->stdout_data, "alone True\n");
  }
}

// Stages share their zygote's user, network and UTS namespaces and its root: whatever a stage
// could leave there must be gone or out of reach for the next stage on the same zygote.
TEST_F(SandboxTest, AStageLeavesNothingBehindForTheNextStage) {
  const std::string leave =
      "import ctypes, os, socket, subprocess\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "open('/tmp/leak', 'w').write('x')\n"
      "open('/dev/shm/leak', 'w').write('x')\n"
      "assert libc.shmget(0x5eed, 4096, 0o1600) >= 0\n"
      "assert libc.msgget(0x5eed, 0o1600) >= 0\n"
      "assert libc.semget(0x5eed, 1, 0o1600) >= 0\n"
      "assert libc.mq_open(b'/polyrun-leak', os.O_CREAT | os.O_RDWR, 0o600, None) >= 0\n"
      "s = socket.socket(socket.AF_UNIX)\ns.bind('\\0polyrun-leak')\ns.listen()\n"
      "subprocess.Popen(['/bin/sleep', '987656'], start_new_session=True, pass_fds=[s.fileno()])\n"
      "print(os.getcwd())\n";
  JobResult first = run("python", "leave.py", leave);
  ASSERT_EQ(first.verdict, Verdict::kOk)
      << first.message << (first.run ? first.run->stderr_data : "");
  const std::string first_dir = first.run->stdout_data.substr(0, first.run->stdout_data.size() - 1);
  EXPECT_FALSE(fs::exists(first_dir)) << "the work directory outlived its job";
  EXPECT_EQ(processesWith("987656").size(), 0u) << "a process of the stage outlived it";

  const std::string look =
      "import ctypes, os, socket, sys\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "found = [p for p in ('/tmp/leak', '/dev/shm/leak', sys.argv[1]) if os.path.exists(p)]\n"
      "if os.listdir('/dev/shm'): found.append('/dev/shm: %s' % os.listdir('/dev/shm'))\n"
      "if libc.shmget(0x5eed, 0, 0) >= 0: found.append('shm')\n"
      "if libc.msgget(0x5eed, 0) >= 0: found.append('msg')\n"
      "if libc.semget(0x5eed, 0, 0) >= 0: found.append('sem')\n"
      "if libc.mq_open(b'/polyrun-leak', os.O_RDONLY) >= 0: found.append('mqueue')\n"
      "s = socket.socket(socket.AF_UNIX)\n"
      "try:\n    s.bind('\\0polyrun-leak')\nexcept OSError:\n    found.append('abstract socket')\n"
      "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, "
      "os.getpid())]\n"
      "if others: found.append('processes %s' % others)\n"
      "print(found or 'clean')\n";
  Job job;
  job.id = "t";
  job.language = "python";
  job.files.push_back({"look.py", look, Encoding::kUtf8});
  job.args = {first_dir};
  JobResult second = executeJob(*runners_->at("python"), *sandbox_, job, options());
  ASSERT_EQ(second.verdict, Verdict::kOk)
      << second.message << (second.run ? second.run->stderr_data : "");
  EXPECT_EQ(second.run->stdout_data, "clean\n");

  // The mount points the zygotes made for the work directories are gone from their roots.
  const std::string relative = fs::path(first_dir).relative_path().string();
  for (pid_t z : zygotes()) {
    const std::string seen = "/proc/" + std::to_string(z) + "/root/" + relative;
    EXPECT_TRUE(waitFor([&] { return !fs::exists(seen); }, std::chrono::seconds(5))) << seen;
  }
}

// A zygote starts a stage's init while the previous stage's init may still be exiting (its
// mount namespace's teardown, here with 120 MB of /tmp and /dev/shm to free, takes
// milliseconds); the program must still get its whole limits. The next stage, started at once
// on the same zygote, is a small C program that forks as many children as it can as soon as it
// starts: for a limit of 8 processes, init + itself + 6, which the old init would cut to 5 if
// it still counted. Likewise its memory: 120 MB of a 180 MB limit, which the old /tmp would
// push past it. What guarantees both is init waiting for the previous init to be reaped before
// it starts the program.
// Forks children (at most 20) that wait on a pipe until the parent is done forking, then takes
// 120 MB; prints "<children> children, 120 MB".
const char* const kTakeSource =
    "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
    "#include <sys/wait.h>\n"
    "int main(void) {\n"
    "  int p[2], children = 0;\n"
    "  if (pipe(p) != 0) return 1;\n"
    "  while (children < 20) {\n"
    "    pid_t pid = fork();\n"
    "    if (pid < 0) break;\n"
    "    if (pid == 0) { char c; close(p[1]); read(p[0], &c, 1); _exit(0); }\n"
    "    ++children;\n"
    "  }\n"
    "  close(p[1]);\n"
    "  while (wait(NULL) > 0) {}\n"
    "  size_t n = (size_t)120 << 20;\n"
    "  char* m = malloc(n);\n"
    "  if (!m) return 1;\n"
    "  memset(m, 'y', n);\n"
    "  printf(\"%d children, %zu MB\\n\", children, n >> 20);\n"
    "  return m[n - 1] != 'y';\n"
    "}\n";

// Compiles kTakeSource into dir/take.
void buildTake(const std::string& dir) {
  std::ofstream(dir + "/take.c") << kTakeSource;
  const std::string compile = "/usr/bin/gcc -O2 -o " + dir + "/take " + dir + "/take.c";
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
}

TEST_F(SandboxTest, EveryStageHasItsWholeLimitsRightAfterTheStageBefore) {
  const std::string fill =
      "block = b'x' * (1 << 20)\n"
      "for path in ('/tmp/fill', '/dev/shm/fill'):\n"
      "    with open(path, 'wb') as f:\n"
      "        for _ in range(60):\n"
      "            f.write(block)\n"
      "print('filled')\n";
  buildTake(work_.path());
  auto spec = [&](std::vector<std::string> argv) {
    return stageSpec(std::move(argv), 180ll << 20, 8);
  };
  const ProcessSpec filler = spec({"/usr/bin/python3", "-c", fill}), taker = spec({"./take"});
  for (int round = 0; round < 8; ++round) {
    const ProcessResult a = sandbox_->run(filler);
    ASSERT_TRUE(a.started) << a.error;
    ASSERT_EQ(a.stdout_data, "filled\n") << "round " << round << ": " << a.stderr_data;
    const ProcessResult b = sandbox_->run(taker);
    ASSERT_TRUE(b.started) << b.error;
    EXPECT_FALSE(b.memory_exceeded) << "round " << round << ": the stage before still took memory";
    ASSERT_EQ(b.stdout_data, "6 children, 120 MB\n")
        << "round " << round << ": signal " << b.signal << ", " << b.stderr_data;
  }
}

// A stage that filled its /tmp and /dev/shm (or its job's files) leaves them charged to its
// zygote's group until its init is gone, which the slave does not wait for; the next stage on
// that zygote with a lower memory limit than that must still start (not INTERNAL_ERROR from the
// cgroup refusing a limit under its usage).
TEST_F(SandboxTest, ALowerMemoryLimitRightAfterAStageThatFilledItsTmpStillStarts) {
  auto spec = [&](std::vector<std::string> argv, int64_t memory) {
    return stageSpec(std::move(argv), memory, 0);
  };
  const ProcessSpec filler = spec({"/usr/bin/python3", "-c",
                                   "block = b'x' * (1 << 20)\n"
                                   "for path in ('/tmp/fill', '/dev/shm/fill'):\n"
                                   "    with open(path, 'wb') as f:\n"
                                   "        for _ in range(60):\n"
                                   "            f.write(block)\n"
                                   "print('filled')\n"},
                                  512ll << 20);
  const ProcessSpec small = spec({"/bin/echo", "small"}, 64ll << 20);
  for (int round = 0; round < 5; ++round) {
    const ProcessResult a = sandbox_->run(filler);
    ASSERT_TRUE(a.started) << a.error;
    ASSERT_EQ(a.stdout_data, "filled\n") << "round " << round << ": " << a.stderr_data;
    const ProcessResult b = sandbox_->run(small);
    ASSERT_TRUE(b.started) << "round " << round << ": " << b.error;
    EXPECT_EQ(b.stdout_data, "small\n");
  }
}

// With rlimits only (no cgroup), a stage gets the same number of processes as with one: its
// init counts as one of them, as it does in pids.max (6 children of a program under 8).
TEST(SandboxRlimitsTest, TheProcessLimitCountsTheSameAsTheCgroupOne) {
  TempDir state, work;
  SandboxOptions options;
  options.state_dir = state.path() + "/sandbox";
  options.use_cgroups = false;
  std::unique_ptr<Sandbox> sandbox;
  ASSERT_EQ(makeNamespaceSandbox(options, &sandbox).message(), "");
  ASSERT_NE(sandbox, nullptr);
  EXPECT_EQ(sandbox->limitsMode(), LimitsMode::kRlimits);
  buildTake(work.path());
  ProcessSpec s;
  s.argv = {"./take"};
  s.cwd = work.path();
  s.env = cleanEnvironment(s.cwd);
  s.limits.processes = 8;
  const ProcessResult r = sandbox->run(s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.stdout_data, "6 children, 120 MB\n") << r.stderr_data;
}

TEST_F(SandboxTest, AZygoteKilledBetweenStagesIsReplaced) {
  ASSERT_EQ(run("python", "ok.py", "print('warm')\n").verdict, Verdict::kOk);
  const std::vector<pid_t> before = zygotes();
  ASSERT_FALSE(before.empty()) << "no zygote found: is the sandbox still built on them?";
  for (pid_t z : before) ::kill(z, SIGKILL);
  ASSERT_TRUE(waitFor([&] { return zygotes().empty(); }, std::chrono::seconds(5)));
  JobResult r = run("python", "ok.py", "print('after the zygote died')\n");
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "after the zygote died\n");
  for (pid_t z : zygotes()) EXPECT_EQ(std::count(before.begin(), before.end(), z), 0);
}

TEST_F(SandboxTest, AZygoteKilledDuringAStageEndsItAsAnInternalError) {
  Limits limits;
  limits.run = {20000, 20000, 0};
  auto job = std::async(std::launch::async, [&] {
    return run("python", "zygote_victim.py", "import time\ntime.sleep(1000)\n", limits);
  });
  ASSERT_TRUE(
      waitFor([] { return !processesWith("zygote_victim").empty(); }, std::chrono::seconds(10)));
  for (pid_t z : zygotes()) ::kill(z, SIGKILL);
  ASSERT_EQ(job.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the stage outlived its zygote";
  JobResult r = job.get();
  EXPECT_EQ(verdictName(r.verdict), verdictName(Verdict::kInternalError)) << r.message;
  EXPECT_NE(r.message.find("zygote"), std::string::npos) << r.message;
  EXPECT_TRUE(processesWith("zygote_victim").empty());
  JobResult next = run("python", "ok.py", "print('next job fine')\n");
  ASSERT_EQ(next.verdict, Verdict::kOk) << next.message;
}

// The zygote and each stage's init are out of the OOM killer's reach (when the slave is root);
// the program must not be, and must be scheduled like any process.
TEST_F(SandboxTest, TheProgramGetsNoneOfItsHelpersPrivileges) {
  JobResult r =
      run("python", "sched.py",
          "import os\n"
          "print(os.sched_getscheduler(0) == os.SCHED_OTHER, os.getpriority(os.PRIO_PROCESS, 0),\n"
          "      open('/proc/self/oom_score_adj').read().strip())\n");
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.run ? r.run->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "True 0 0\n");
}

// Runs `program` (Python) as `count` concurrent jobs, each of which writes `ready` in its work
// directory once set and then waits for `go` there; `while_ready` runs on the host once all are
// ready (with their work directories), then each is let go. The jobs' results, in no order.
std::vector<JobResult> runTogether(
    const std::function<JobResult(const std::string&)>& run, const std::string& work_root,
    size_t count, const std::function<void(const std::vector<fs::path>&)>& while_ready) {
  std::vector<std::future<JobResult>> jobs;
  for (size_t i = 0; i < count; ++i)
    jobs.push_back(std::async(std::launch::async,
                              [&run, i] { return run("job" + std::to_string(i) + ".py"); }));
  std::vector<fs::path> ready;
  const bool all_ready = waitFor(
      [&] {
        ready.clear();
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(work_root, ec))
          if (fs::exists(e.path() / "ready", ec)) ready.push_back(e.path());
        return ready.size() == count;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(all_ready) << ready.size() << " of " << count << " jobs got ready";
  if (all_ready) while_ready(ready);
  for (const auto& dir : ready) std::ofstream(dir / "go") << "";
  std::vector<JobResult> results;
  for (auto& j : jobs) results.push_back(j.get());
  return results;
}

// Concurrent stages run as different host users: per-user kernel budgets (pipe buffers, epoll
// watches, unix descriptors in flight) of one job are not another's. The host uid is what the
// program's uid 1000 maps to.
TEST_F(SandboxTest, ConcurrentStagesRunAsDifferentHostUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "an unprivileged slave's stages all run as its own user";
  const std::string program =
      "import os, time\n"
      "host = [l.split()[1] for l in open('/proc/self/uid_map') if l.split()[0] == '1000']\n"
      "open('ready', 'w').write('')\n"
      "while not os.path.exists('go'):\n    time.sleep(0.01)\n"
      "print(host[0])\n";
  Limits limits;
  limits.run = {30000, 30000, 0};
  const auto results =
      runTogether([&](const std::string& file) { return run("python", file, program, limits); },
                  work_.path(), 2, [](const std::vector<fs::path>&) {});
  std::set<std::string> uids;
  for (const JobResult& r : results) {
    ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.run ? r.run->stderr_data : "");
    uids.insert(r.run->stdout_data);
  }
  EXPECT_EQ(uids.size(), 2u) << "both ran as host uid " << *uids.begin();
}

// The zygote's user namespace belongs to host root, so what its stages hold of the kernel's
// per-user budgets (inotify instances, queued signals, POSIX message queue bytes) also counts
// against root's. A job that takes all it can must leave root room for its own.
TEST_F(SandboxTest, AJobCannotExhaustHostRootsKernelBudgets) {
  if (::geteuid() != 0) GTEST_SKIP() << "the budgets in question are host root's";
  const std::string hog =
      "import ctypes, os, signal, time\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "inotify = 0\n"
      "while inotify < 1000 and libc.inotify_init1(0) >= 0:\n    inotify += 1\n"
      "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])\n"
      "queued = 0\n"
      "while queued < 200000 and libc.sigqueue(os.getpid(), signal.SIGRTMIN, ctypes.c_void_p(0)) "
      "== 0:\n"
      "    queued += 1\n"
      "queues = 0\n"
      "while queues < 100 and libc.mq_open(b'/hog%d' % queues, os.O_CREAT | os.O_RDWR, 0o600, "
      "None) >= 0:\n"
      "    queues += 1\n"
      "open('ready', 'w').write('%d %d %d' % (inotify, queued, queues))\n"
      "while not os.path.exists('go'):\n    time.sleep(0.01)\n"
      "print(inotify > 0, queued > 0, queues > 0)\n";
  Limits limits;
  limits.run = {30000, 30000, 0};
  std::string held;
  const auto results = runTogether(
      [&](const std::string& file) { return run("python", file, hog, limits); }, work_.path(), 1,
      [&](const std::vector<fs::path>& dirs) {
        std::ifstream(dirs[0] / "ready") >> held;
        const int fd = ::inotify_init1(IN_CLOEXEC);
        EXPECT_GE(fd, 0) << "host root's inotify_init1: " << std::strerror(errno);
        if (fd >= 0) ::close(fd);
        // A real-time signal queued to this thread (blocked here), then taken back.
        const int sig = SIGRTMIN + 3;
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, sig);
        ::pthread_sigmask(SIG_BLOCK, &set, &old);
        siginfo_t info{};
        info.si_signo = sig;
        info.si_code = SI_QUEUE;
        info.si_pid = ::getpid();
        info.si_uid = ::getuid();
        EXPECT_EQ(::syscall(SYS_rt_tgsigqueueinfo, ::getpid(), ::gettid(), sig, &info), 0)
            << "host root's sigqueue: " << std::strerror(errno);
        const timespec zero{};
        ::sigtimedwait(&set, nullptr, &zero);
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        const mqd_t q =
            ::mq_open("/polyrun-root-probe", O_CREAT | O_RDWR | O_CLOEXEC, 0600, nullptr);
        EXPECT_NE(q, mqd_t(-1)) << "host root's mq_open: " << std::strerror(errno);
        if (q != mqd_t(-1)) {
          ::mq_close(q);
          ::mq_unlink("/polyrun-root-probe");
        }
      });
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].verdict, Verdict::kOk)
      << results[0].message << (results[0].run ? results[0].run->stderr_data : "");
  EXPECT_EQ(results[0].run->stdout_data, "True True True\n")
      << "the job could use none of them: " << held;
}

TEST_F(SandboxTest, JavaHelloWorldRunsUnder256MegabytesOfMemory) {
  Limits limits;
  limits.run = {10000, 10000, 256ll << 20};
  limits.compile = {20000, 20000, 512ll << 20};
  JobResult r = run("java", "Main.java",
                    "public class Main { public static void main(String[] a) { "
                    "System.out.println(\"hi from java\"); } }\n",
                    limits);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.run ? r.run->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "hi from java\n");
  EXPECT_GT(r.run->memory_bytes, 0);
  EXPECT_LT(r.run->memory_bytes, 256ll << 20);
}

TEST_F(SandboxTest, MeasuresCpuWallAndMemory) {
  JobResult r = run(
      "c", "spin.c",
      "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(int argc, char** "
      "argv) {\n"
      "  char* volatile p = malloc(64 << 20); memset(p, argc, 64 << 20);\n"
      "  volatile unsigned long x = 0; for (unsigned long i = 0; i < 300000000UL; ++i) x += i;\n"
      "  long sum = 0; for (long i = 0; i < (64 << 20); i += 4096) sum += p[i];\n"
      "  printf(\"%ld\\n\", sum);\n  return 0;\n}\n");
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_GT(r.run->cpu_ms, 20);
  EXPECT_GE(r.run->wall_ms, r.run->cpu_ms / 2);
  EXPECT_GT(r.run->memory_bytes, 60ll << 20);
  EXPECT_LT(r.run->memory_bytes, 200ll << 20);
}

}  // namespace
}  // namespace polyrun::test
