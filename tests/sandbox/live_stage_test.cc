// Live stages (polyrun/stage_stream.h) through both real sandboxes: output in bursts as it is
// written, input while the program runs, signals to its main process, the idle limit. Each test
// drives the program as a client would: it waits for what the program wrote before answering.
#include "polyrun/stage_stream.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "polyrun/job_executor.h"
#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;

// What a stream handed out, as the pump thread emitted it, for the test thread to wait on.
class Received {
 public:
  void add(std::vector<OutputChunk> chunks) {
    std::lock_guard lock(mutex_);
    ++bursts_;
    for (auto& c : chunks) {
      (c.stream == OutputStream::kStdout ? out_ : err_) += c.data;
      if (!order_.empty() && order_.back().stream == c.stream)
        order_.back().data += c.data;
      else
        order_.push_back(std::move(c));
    }
    cv_.notify_all();
  }
  // Waits until stdout + stderr together contain `text`; false after 10 s.
  bool waitFor(const std::string& text) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 10s, [&] {
      return out_.find(text) != std::string::npos || err_.find(text) != std::string::npos;
    });
  }
  std::string out() {
    std::lock_guard lock(mutex_);
    return out_;
  }
  int bursts() {
    std::lock_guard lock(mutex_);
    return bursts_;
  }
  std::vector<OutputChunk> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string out_, err_;
  std::vector<OutputChunk> order_;  // adjacent chunks of one stream merged
  int bursts_ = 0;
};

enum class Kind { kNamespace, kProcess };

class LiveStageTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kProcess) {
      sandbox_ = makeProcessSandbox();
      return;
    }
    SandboxOptions options;
    options.state_dir = state_.path() + "/sandbox";
    ASSERT_EQ(makeNamespaceSandbox(options, &sandbox_).message(), "");
  }

  ProcessSpec shell(const std::string& script) const {
    ProcessSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.cwd = work_.path();
    s.env = cleanEnvironment(s.cwd);
    s.limits.wall_ms = 20000;
    s.limits.cpu_ms = 20000;
    return s;
  }

  // Runs `spec` live on another thread; the stream is stream_.
  std::future<ProcessResult> start(ProcessSpec spec, bool interactive) {
    stream_ = std::make_unique<StageStream>(
        [this](std::vector<OutputChunk> c) { received_.add(std::move(c)); }, interactive);
    spec.stream = stream_.get();
    return std::async(std::launch::async, [this, spec] { return sandbox_->run(spec); });
  }

  TempDir state_, work_;
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<StageStream> stream_;
  Received received_;
};

TEST_P(LiveStageTest, AnInteractiveProgramIsDrivenLineByLine) {
  auto done = start(shell("printf 'name? '; read n; echo \"hello $n\"; printf 'age? '; read a; "
                          "echo \"$n is $a\""),
                    true);
  ASSERT_TRUE(received_.waitFor("name? "));
  // The second prompt cannot come before the answer to the first.
  EXPECT_EQ(received_.out(), "name? ");
  ASSERT_TRUE(stream_->input("Ada\n", false));
  ASSERT_TRUE(received_.waitFor("age? "));
  EXPECT_EQ(received_.out(), "name? hello Ada\nage? ");
  ASSERT_TRUE(stream_->input("36\n", false));
  const ProcessResult r = done.get();
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "name? hello Ada\nage? Ada is 36\n");
  EXPECT_EQ(received_.out(), r.stdout_data);  // the stream saw all of it, in order
}

TEST_P(LiveStageTest, EndOfInputEndsStdinAfterTheStagesOwnStdin) {
  ProcessSpec spec = shell("cat");
  spec.stdin_data = "first\n";
  auto done = start(spec, true);
  ASSERT_TRUE(received_.waitFor("first\n"));
  ASSERT_TRUE(stream_->input("second\n", true));
  EXPECT_FALSE(stream_->input("third\n", false)) << "input after its end must be refused";
  const ProcessResult r = done.get();
  EXPECT_EQ(r.exit_code, 0) << r.error;
  EXPECT_EQ(r.stdout_data, "first\nsecond\n");
}

TEST_P(LiveStageTest, InputQueuedBeforeTheProgramStartsIsWritten) {
  stream_ = std::make_unique<StageStream>(
      [this](std::vector<OutputChunk> c) { received_.add(std::move(c)); }, true);
  ASSERT_TRUE(stream_->input("early\n", true));
  ProcessSpec spec = shell("cat");
  spec.stream = stream_.get();
  const ProcessResult r = sandbox_->run(spec);
  EXPECT_EQ(r.stdout_data, "early\n") << r.error;
}

TEST_P(LiveStageTest, ASignalReachesTheMainProcess) {
  // `exec` makes sleep the main process; nothing else would end it for 20 s.
  auto done = start(shell("echo ready; exec sleep 20"), true);
  ASSERT_TRUE(received_.waitFor("ready\n"));
  stream_->signal(SIGINT);
  const ProcessResult r = done.get();
  EXPECT_EQ(r.signal, SIGINT) << "exit " << r.exit_code << " " << r.error;
  EXPECT_FALSE(r.wall_timeout);
}

TEST_P(LiveStageTest, AProgramThatHandlesTheSignalDecidesItsEnd) {
  auto done = start(shell("trap 'echo interrupted; exit 3' INT; echo ready; "
                          "while :; do read x || exit 9; done"),
                    true);
  ASSERT_TRUE(received_.waitFor("ready\n"));
  stream_->signal(SIGINT);
  // The shell runs its trap once the read it waits in returns: give it a line.
  ASSERT_TRUE(stream_->input("\n", false));
  const ProcessResult r = done.get();
  EXPECT_EQ(r.exit_code, 3) << r.stdout_data << r.error;
  EXPECT_EQ(r.stdout_data, "ready\ninterrupted\n");
}

TEST_P(LiveStageTest, TheIdleLimitEndsAForgottenSession) {
  ProcessSpec spec = shell("echo waiting; read x; echo never");
  spec.limits.idle_ms = 300;
  auto done = start(spec, true);
  const ProcessResult r = done.get();
  EXPECT_TRUE(r.idle_timeout);
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.stdout_data, "waiting\n");
}

TEST_P(LiveStageTest, InputKeepsAnActiveSessionFromTheIdleLimit) {
  ProcessSpec spec = shell("for i in 1 2 3 4 5 6; do read x; echo \"got $x\"; done");
  spec.limits.idle_ms = 1000;
  auto done = start(spec, true);
  // Six answers, each only after the previous echo: together longer than one idle period
  // only if the machine is slow, but each gap is far shorter than it.
  for (int i = 1; i <= 6; ++i) {
    ASSERT_TRUE(stream_->input(std::to_string(i) + "\n", false));
    ASSERT_TRUE(received_.waitFor("got " + std::to_string(i) + "\n"));
  }
  const ProcessResult r = done.get();
  EXPECT_FALSE(r.idle_timeout);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_P(LiveStageTest, StreamsKeepTheOrderOfWritesApartInTime) {
  // Each write waits for an answer to the previous one, so the order is the program's.
  auto done = start(shell("for i in 1 2 3; do echo \"out $i\"; read x; echo \"err $i\" >&2; "
                          "read x; done"),
                    true);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(received_.waitFor("out " + std::to_string(i) + "\n"));
    ASSERT_TRUE(stream_->input("\n", false));
    ASSERT_TRUE(received_.waitFor("err " + std::to_string(i) + "\n"));
    ASSERT_TRUE(stream_->input("\n", false));
  }
  ASSERT_EQ(done.get().exit_code, 0);
  const auto order = received_.order();
  ASSERT_EQ(order.size(), 6u);
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string n = std::to_string(i / 2 + 1);
    EXPECT_EQ(order[i].stream, i % 2 ? OutputStream::kStderr : OutputStream::kStdout);
    EXPECT_EQ(order[i].data, (i % 2 ? "err " : "out ") + n + "\n");
  }
}

TEST_P(LiveStageTest, AFloodComesInBurstsNotOneMessagePerWrite) {
  // 30,000 lines (about 170 KB) written one write at a time.
  ProcessSpec spec = shell("i=0; while [ $i -lt 30000 ]; do echo $i; i=$((i+1)); done");
  spec.limits.output_bytes = 1 << 20;
  auto done = start(spec, false);
  const ProcessResult r = done.get();
  ASSERT_EQ(r.exit_code, 0) << r.error;
  EXPECT_EQ(received_.out(), r.stdout_data);
  // At most one burst per flush interval, plus one per 64 KiB: far fewer than the writes.
  EXPECT_LT(received_.bursts(), 30000 / 10) << "bursts: " << received_.bursts();
}

TEST_P(LiveStageTest, OutputPastTheLimitIsNotStreamed) {
  ProcessSpec spec = shell("head -c 300000 /dev/zero | tr '\\0' x");
  spec.limits.output_bytes = 100000;
  auto done = start(spec, false);
  const ProcessResult r = done.get();
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_EQ(received_.out().size(), 100000u);
}

INSTANTIATE_TEST_SUITE_P(Sandboxes, LiveStageTest,
                         ::testing::Values(Kind::kNamespace, Kind::kProcess),
                         [](const auto& info) {
                           return info.param == Kind::kNamespace ? "Namespace" : "Process";
                         });

}  // namespace
}  // namespace polyrun::test
