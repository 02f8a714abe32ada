// Interactive and streamed jobs through a real master and slave (docs/protocol.md, "Interactive
// and streamed jobs"): programs in Python, C and Java driven line by line over the native
// protocol and through `polyrun run` on a pseudo-terminal, signals, the idle limit, refusals,
// output order, and a client that stops reading while its program floods.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "polyrun/wire_bytes.h"
#include "support/cluster_client.h"
#include "support/http_request.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// One live job on a client of its own: its output as it arrives and its final message.
class LiveSession {
 public:
  LiveSession(const Cluster& cluster, Job job) : client_(connectTo(cluster)) {
    if (!client_) return;
    std::string error;
    id_ = client_->sendSubmit(job, &error);
    EXPECT_FALSE(id_.empty()) << error;
  }

  // Waits until the program's output (both streams) holds `text`; false after 60 s or once the
  // job ended without it.
  bool waitFor(const std::string& text) {
    return pump([&] { return (out_ + err_).find(text) != std::string::npos; });
  }
  bool waitAccepted() {
    return pump([&] { return !job_id_.empty(); });
  }
  void input(const std::string& data, bool eof = false) {
    ASSERT_TRUE(waitAccepted()) << final_.dump();
    json m = {{"type", "input"}, {"job_id", job_id_}};
    putBytes(m, "data", data);
    if (eof) m["eof"] = true;
    std::string error;
    ASSERT_TRUE(client_->send(m, &error)) << error;
  }
  void signal(const std::string& name) {
    ASSERT_TRUE(waitAccepted());
    std::string error;
    ASSERT_TRUE(client_->send({{"type", "signal"}, {"job_id", job_id_}, {"signal", name}}, &error))
        << error;
  }
  // The job's result (the test fails without one).
  JobResult result() {
    pump([] { return false; });
    JobResult r;
    EXPECT_EQ(final_.value("type", ""), "result") << final_.dump();
    if (auto it = final_.find("result"); it != final_.end()) EXPECT_TRUE(fromJson(*it, &r).isOk());
    return r;
  }
  // The next reply that answers no submit: an `error` for an input or signal.
  json nextError() {
    pump([&] { return !errors_.empty(); });
    if (errors_.empty()) return json();
    json e = errors_.front();
    errors_.erase(errors_.begin());
    return e;
  }

  MasterClient& client() { return *client_; }
  const std::string& jobId() const { return job_id_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  const std::vector<OutputChunk>& chunks() const { return chunks_; }
  size_t dropped() const { return dropped_; }
  bool ended() const { return !final_.is_null(); }

 private:
  // Takes messages until `done` holds or the job ends (60 s at most); returns done().
  template <typename Done>
  bool pump(Done done) {
    const auto deadline = Clock::now() + 60s;
    while (!done()) {
      if (!final_.is_null() || !client_) return done();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                              Clock::now());
      if (left.count() <= 0) return false;
      std::string error;
      auto m = client_->receive(static_cast<int>(left.count()), &error);
      if (!m) {
        ADD_FAILURE() << error;
        return false;
      }
      take(*m);
    }
    return true;
  }
  void take(const json& m) {
    const std::string type = m.value("type", "");
    if (!m.contains("id") || m["id"] != json(id_)) {
      if (type == "error") errors_.push_back(m);
      return;
    }
    if (type == "accepted") {
      job_id_ = m.value("job_id", "");
    } else if (type == "output") {
      std::vector<OutputChunk> chunks;
      ASSERT_TRUE(fromJson(m.at("chunks"), &chunks).isOk()) << m.dump();
      dropped_ += m.value("dropped", size_t{0});
      for (auto& c : chunks) {
        (c.stream == OutputStream::kStdout ? out_ : err_) += c.data;
        if (!chunks_.empty() && chunks_.back().stream == c.stream)
          chunks_.back().data += c.data;
        else
          chunks_.push_back(std::move(c));
      }
    } else if (type == "result" || type == "error" || type == "cancelled") {
      final_ = m;
    }
  }

  std::unique_ptr<MasterClient> client_;
  std::string id_, job_id_, out_, err_;
  std::vector<OutputChunk> chunks_;  // adjacent chunks of one stream merged
  std::vector<json> errors_;
  size_t dropped_ = 0;
  json final_;
};

Job interactive(Job job) {
  job.interactive = true;
  return job;
}

class LiveJobsTest : public ClusterSuite<LiveJobsTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    o.slave_capacity = 3;
    // A client that stops reading is cut off early, so the test needs little output.
    o.master_defines = {"master.stream.buffer.bytes=65536"};
    return o;
  }
};

// --- Line by line, in three languages --------------------------------------------------------

TEST_F(LiveJobsTest, PythonIsDrivenLineByLine) {
  LiveSession s(*cluster_, interactive(pythonJob("name = input('name? ')\n"
                                                 "print('hello', name)\n"
                                                 "age = input('age? ')\n"
                                                 "print(name, 'is', age)\n")));
  ASSERT_TRUE(s.waitFor("name? ")) << cluster_->logs();
  EXPECT_EQ(s.out(), "name? ");  // the next prompt waits for the answer
  s.input("Ada\n");
  ASSERT_TRUE(s.waitFor("age? "));
  EXPECT_EQ(s.out(), "name? hello Ada\nage? ");
  s.input("36\n");
  const JobResult r = s.result();
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "name? hello Ada\nage? Ada is 36\n");
  EXPECT_EQ(s.out(), r.run->stdout_data);
}

TEST_F(LiveJobsTest, CIsDrivenLineByLineWithPromptsWithoutNewlines) {
  // No fflush: a C program's prompt shows as on a terminal.
  LiveSession s(*cluster_, interactive(sourceJob("c", "main.c",
                                                 "#include <stdio.h>\n"
                                                 "int main(void) {\n"
                                                 "  int a, b;\n"
                                                 "  printf(\"a? \");\n"
                                                 "  if (scanf(\"%d\", &a) != 1) return 2;\n"
                                                 "  printf(\"b? \");\n"
                                                 "  if (scanf(\"%d\", &b) != 1) return 2;\n"
                                                 "  printf(\"%d\\n\", a + b);\n"
                                                 "  return 0;\n"
                                                 "}\n")));
  ASSERT_TRUE(s.waitFor("a? ")) << cluster_->logs();
  s.input("40\n");
  ASSERT_TRUE(s.waitFor("b? "));
  EXPECT_EQ(s.out(), "a? b? ");
  s.input("2\n");
  const JobResult r = s.result();
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "a? b? 42\n");
}

TEST_F(LiveJobsTest, JavaIsDrivenLineByLine) {
  LiveSession s(*cluster_,
                interactive(sourceJob("java", "Main.java",
                                      "import java.util.Scanner;\n"
                                      "public class Main {\n"
                                      "  public static void main(String[] a) {\n"
                                      "    Scanner in = new Scanner(System.in);\n"
                                      "    System.out.println(\"word?\");\n"
                                      "    String w = in.nextLine();\n"
                                      "    System.out.println(\"upper: \" + w.toUpperCase());\n"
                                      "    System.out.println(\"again?\");\n"
                                      "    String v = in.nextLine();\n"
                                      "    System.out.println(\"lower: \" + v.toLowerCase());\n"
                                      "  }\n"
                                      "}\n")));
  ASSERT_TRUE(s.waitFor("word?\n")) << cluster_->logs();
  s.input("polyrun\n");
  ASSERT_TRUE(s.waitFor("again?\n"));
  EXPECT_EQ(s.out(), "word?\nupper: POLYRUN\nagain?\n");
  s.input("LIVE\n");
  const JobResult r = s.result();
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "word?\nupper: POLYRUN\nagain?\nlower: live\n");
}

// --- Input, end of input, signals, idle ------------------------------------------------------

TEST_F(LiveJobsTest, InputSentWhileTheJobCompilesReachesTheProgram) {
  LiveSession s(*cluster_, interactive(sourceJob("c", "cat.c",
                                                 "#include <stdio.h>\n"
                                                 "int main(void) {\n"
                                                 "  int c;\n"
                                                 "  while ((c = getchar()) != EOF) putchar(c);\n"
                                                 "  return 0;\n"
                                                 "}\n",
                                                 "given\n")));
  s.input("typed early\n", true);  // before the program runs: it waits for it
  const JobResult r = s.result();
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "given\ntyped early\n");
}

TEST_F(LiveJobsTest, ASignalSentMidRunInterruptsTheProgram) {
  LiveSession s(*cluster_, interactive(pythonJob("import time\n"
                                                 "print('ready', flush=True)\n"
                                                 "time.sleep(60)\n")));
  ASSERT_TRUE(s.waitFor("ready\n")) << cluster_->logs();
  s.signal("SIGINT");
  const JobResult r = s.result();
  // Python dies of an uncaught KeyboardInterrupt by SIGINT.
  EXPECT_EQ(r.verdict, Verdict::kSignaled) << r.message;
  EXPECT_EQ(r.run->signal, SIGINT);
  EXPECT_NE(r.run->stderr_data.find("KeyboardInterrupt"), std::string::npos);
}

TEST_F(LiveJobsTest, AProgramHandlingTheSignalChoosesItsEnd) {
  Job job = pythonJob("import signal, sys, time\n"
                      "def bye(n, f):\n"
                      "    print('terminated', flush=True)\n"
                      "    sys.exit(3)\n"
                      "signal.signal(signal.SIGTERM, bye)\n"
                      "print('ready', flush=True)\n"
                      "time.sleep(60)\n");
  job.stream = true;  // a streamed job takes signals too
  LiveSession s(*cluster_, job);
  ASSERT_TRUE(s.waitFor("ready\n"));
  s.signal("SIGTERM");
  const JobResult r = s.result();
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError) << r.message;
  EXPECT_EQ(r.run->exit_code, 3);
  EXPECT_EQ(r.run->stdout_data, "ready\nterminated\n");
}

TEST_F(LiveJobsTest, TheIdleLimitEndsAForgottenSession) {
  Job job = interactive(pythonJob("print('waiting', flush=True)\ninput()\nprint('never')\n"));
  job.limits.idle_ms = 500;
  LiveSession s(*cluster_, job);
  const JobResult r = s.result();
  EXPECT_EQ(r.verdict, Verdict::kTimeLimit);
  EXPECT_NE(r.message.find("idle limit"), std::string::npos) << r.message;
  EXPECT_EQ(r.run->stdout_data, "waiting\n");
}

TEST_F(LiveJobsTest, StdoutAndStderrKeepTheOrderTheProgramWroteThem) {
  // Each write waits for an answer to the previous one: the order is the program's.
  LiveSession s(*cluster_, interactive(pythonJob("import sys\n"
                                                 "for i in range(3):\n"
                                                 "    print('out', i, flush=True)\n"
                                                 "    input()\n"
                                                 "    print('err', i, file=sys.stderr, flush=True)\n"
                                                 "    input()\n")));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.waitFor("out " + std::to_string(i) + "\n"));
    s.input("\n");
    ASSERT_TRUE(s.waitFor("err " + std::to_string(i) + "\n"));
    s.input("\n");
  }
  ASSERT_EQ(s.result().verdict, Verdict::kOk);
  ASSERT_EQ(s.chunks().size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const bool err = i % 2 == 1;
    EXPECT_EQ(s.chunks()[i].stream, err ? OutputStream::kStderr : OutputStream::kStdout);
    EXPECT_EQ(s.chunks()[i].data, (err ? "err " : "out ") + std::to_string(i / 2) + "\n");
  }
}

TEST_F(LiveJobsTest, AStreamedJobShowsOutputBeforeItEnds) {
  Job job = pythonJob("import sys\nprint('first', flush=True)\nsys.stdin.readline()\n");
  job.stream = true;  // not interactive: its stdin is what was given
  LiveSession s(*cluster_, job);
  ASSERT_TRUE(s.waitFor("first\n"));
  const JobResult r = s.result();  // its stdin is empty: readline returns at once
  EXPECT_EQ(r.verdict, Verdict::kOk);
}

// --- Refusals --------------------------------------------------------------------------------

TEST_F(LiveJobsTest, InputToAJobThatIsNotInteractiveIsRefused) {
  Job job = pythonJob("import time\nprint('x', flush=True)\ntime.sleep(60)\n");
  job.stream = true;
  LiveSession s(*cluster_, job);
  ASSERT_TRUE(s.waitFor("x\n"));
  s.input("hello\n");
  const json e = s.nextError();
  EXPECT_EQ(e.value("code", ""), "bad_message") << e.dump();
  EXPECT_NE(e.value("message", "").find("not interactive"), std::string::npos) << e.dump();
  std::string error;
  ASSERT_TRUE(s.client().send({{"type", "cancel"}, {"job_id", s.jobId()}}, &error));
}

TEST_F(LiveJobsTest, InputAfterItsEndAndBadSignalsAreRefused) {
  LiveSession s(*cluster_, interactive(pythonJob("import sys\nprint(sys.stdin.read(), end='')\n")));
  s.input("all\n", true);
  s.input("more\n");
  json e = s.nextError();
  EXPECT_EQ(e.value("code", ""), "bad_message") << e.dump();
  EXPECT_NE(e.value("message", "").find("already ended"), std::string::npos) << e.dump();
  std::string error;
  ASSERT_TRUE(s.client().send(
      {{"type", "signal"}, {"id", "s"}, {"job_id", s.jobId()}, {"signal", "SIGSTOP"}}, &error));
  e = s.nextError();
  EXPECT_EQ(e.value("code", ""), "bad_message") << e.dump();
  EXPECT_NE(e.value("message", "").find("SIGINT"), std::string::npos) << e.dump();
  EXPECT_EQ(s.result().run->stdout_data, "all\n");
}

TEST_F(LiveJobsTest, InputForAnUnknownJobIsRefused) {
  std::string error;
  auto reply = client_->request({{"type", "input"}, {"job_id", "j-nope"}, {"data", "x"}}, 10000,
                                &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), "unknown_job") << reply->dump();
}

TEST_F(LiveJobsTest, LiveFieldsThatDoNotFitAreRefusedAtSubmit) {
  Job idle = pythonJob("print(1)\n");
  idle.limits.idle_ms = 1000;  // not interactive
  std::string error;
  auto reply = client_->submit(idle, 10000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), "bad_limits") << reply->dump();

  Job judged = interactive(pythonJob("print(input())\n"));
  judged.tests.push_back({"1", "a\n", std::nullopt, std::string("a\n")});
  reply = client_->submit(judged, 10000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), "bad_message") << reply->dump();

  Job long_wall = interactive(pythonJob("print(1)\n"));
  long_wall.limits.run.wall_ms = 1'800'001;  // over master.limits.interactive.wall_ms.max
  reply = client_->submit(long_wall, 10000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), "bad_limits") << reply->dump();
}

// --- A client that stops reading -------------------------------------------------------------

int64_t residentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}

double metric(const Cluster& cluster, const std::string& name) {
  const HttpReply reply = httpRequest(cluster.httpPort(), "GET", "/metrics");
  const size_t at = reply.body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(reply.body.substr(at + name.size() + 2));
}

TEST_F(LiveJobsTest, AClientThatStopsReadingCostsTheMasterLittleMemory) {
  constexpr int64_t kFlood = 12ll << 20;
  const std::string sent = "polyrun_live_output_bytes_total{outcome=\"sent\"}";
  const std::string dropped = "polyrun_live_output_bytes_total{outcome=\"dropped\"}";
  const double before_sent = metric(*cluster_, sent), before_dropped = metric(*cluster_, dropped);
  const int64_t rss_before = residentBytes(cluster_->masterPid());
  // 12 MiB in 4 KiB writes, then it waits for its input to end: its result stays away.
  Job job = interactive(pythonJob("import sys\n"
                                  "for _ in range(3072):\n"
                                  "    sys.stdout.write('x' * 4096)\n"
                                  "sys.stdout.flush()\n"
                                  "sys.stdin.read()\n"));
  job.limits.output_bytes = kFlood;
  LiveSession s(*cluster_, job);
  ASSERT_TRUE(s.waitAccepted());
  // The client reads nothing now: wait until the master has seen the whole flood.
  ASSERT_TRUE(waitFor(
      [&] {
        return metric(*cluster_, sent) + metric(*cluster_, dropped) - before_sent -
                   before_dropped >=
               static_cast<double>(kFlood);
      },
      60s))
      << cluster_->logs();
  const int64_t growth = residentBytes(cluster_->masterPid()) - rss_before;
  // Without the bound the master would hold all 12 MiB for this client.
  EXPECT_LT(growth, kFlood / 3) << "the master grew by " << growth << " bytes";
  EXPECT_GT(metric(*cluster_, dropped), before_dropped);
  s.input("", true);
  const JobResult r = s.result();
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(static_cast<int64_t>(r.run->stdout_data.size()), kFlood);  // the result is whole
  EXPECT_GT(s.dropped(), 0u);
  EXPECT_EQ(s.out().size() + s.dropped(), static_cast<size_t>(kFlood));
}

// --- The CLI on a pseudo-terminal ------------------------------------------------------------

// `polyrun run` on a pseudo-terminal, as a user at a terminal runs it.
class Terminal {
 public:
  Terminal(const Cluster& cluster, const std::string& file) {
    pid_ = ::forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      const std::string cli = binaryPath("polyrun");
      ::execl(cli.c_str(), cli.c_str(), "run", file.c_str(), "--master",
              cluster.masterAddress().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  bool started() const { return pid_ > 0; }
  // Reads the screen until it holds `text` (20 s at most).
  bool waitFor(const std::string& text) {
    const auto deadline = Clock::now() + 60s;
    while (screen_.find(text) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return screen_.find(text) != std::string::npos;
      screen_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  void type(const std::string& keys) { ASSERT_EQ(::write(fd_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size())); }
  // The CLI's exit code (-1 if it did not exit within 60 s).
  int exitCode() {
    waitFor("\x01never");  // reads to the end of the session
    int status = 0;
    for (int i = 0; i < 600; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 100);  // the session's end, or 100 ms
    }
    return -1;
  }
  const std::string& screen() const { return screen_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::string screen_;
};

TEST_F(LiveJobsTest, TheCliOnATerminalPassesWhatTheUserTypes) {
  TempDir dir;
  const std::string file = dir.path() + "/ask.py";
  std::ofstream(file) << "name = input('name? ')\nprint('hello', name)\n"
                         "age = input('age? ')\nprint(name, 'is', age)\n";
  Terminal t(*cluster_, file);
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(t.waitFor("name? ")) << t.screen() << cluster_->logs();
  t.type("Ada\n");
  ASSERT_TRUE(t.waitFor("hello Ada")) << t.screen();
  ASSERT_TRUE(t.waitFor("age? ")) << t.screen();
  t.type("36\n");
  ASSERT_TRUE(t.waitFor("Ada is 36")) << t.screen();
  EXPECT_EQ(t.exitCode(), 0) << t.screen();
}

TEST_F(LiveJobsTest, CtrlDEndsTheProgramsInputAndCtrlCInterruptsIt) {
  TempDir dir;
  const std::string cat = dir.path() + "/cat.py";
  std::ofstream(cat) << "import sys\nlines = sys.stdin.readlines()\nprint(len(lines), 'lines')\n";
  {
    Terminal t(*cluster_, cat);
    t.type("one\ntwo\n");
    t.type("\x04");  // Ctrl-D at the start of a line: end of input
    ASSERT_TRUE(t.waitFor("2 lines")) << t.screen() << cluster_->logs();
    EXPECT_EQ(t.exitCode(), 0) << t.screen();
  }
  const std::string sleeper = dir.path() + "/sleep.py";
  std::ofstream(sleeper) << "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n";
  Terminal t(*cluster_, sleeper);
  ASSERT_TRUE(t.waitFor("sleeping")) << t.screen();
  t.type("\x03");  // Ctrl-C: SIGINT for the program, which dies of it
  ASSERT_TRUE(t.waitFor("KeyboardInterrupt")) << t.screen();
  EXPECT_EQ(t.exitCode(), 128 + SIGINT) << t.screen();
}

}  // namespace
}  // namespace polyrun::test
