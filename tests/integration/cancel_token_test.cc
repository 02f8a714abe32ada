// The cancellation signal and its use by the process sandbox: a stage that would run for
// seconds ends as soon as its token is cancelled, from another thread, with no polling.
#include "polyrun/cancel_token.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun {
namespace {
using namespace std::chrono_literals;

TEST(CancelTokenTest, FdBecomesAndStaysReadableOnCancel) {
  CancelToken token;
  ASSERT_GE(token.fd(), 0);
  pollfd p{token.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "not readable before cancel()";
  EXPECT_FALSE(token.cancelled());
  token.cancel();
  token.cancel();  // idempotent
  EXPECT_TRUE(token.cancelled());
  for (int i = 0; i < 2; ++i) {
    p.revents = 0;
    EXPECT_EQ(::poll(&p, 1, 0), 1) << "readable, and still so on a second look";
  }
}

TEST(CancelTokenTest, ProcessSandboxKillsACancelledStage) {
  auto sandbox = makeProcessSandbox();
  test::TempDir dir;
  CancelToken token;
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", ": > started; sleep 30 & sleep 30; echo never"};
  spec.cwd = dir.path();
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.limits.wall_ms = 30000;
  spec.cancel = &token;
  std::thread canceller([&] {
    // Once the stage is under way (its children too), cancel it.
    EXPECT_TRUE(
        test::waitFor([&] { return std::filesystem::exists(dir.path() + "/started"); }, 10s));
    token.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = sandbox->run(spec);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(r.started) << r.error;
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.wall_timeout);
  EXPECT_EQ(r.stdout_data, "");
}

TEST(CancelTokenTest, AlreadyCancelledStageEndsAtOnce) {
  auto sandbox = makeProcessSandbox();
  CancelToken token;
  token.cancel();
  ProcessSpec spec;
  spec.argv = {"/bin/sleep", "30"};
  spec.cwd = "/";
  spec.cancel = &token;
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = sandbox->run(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(r.cancelled);
}

}  // namespace
}  // namespace polyrun
