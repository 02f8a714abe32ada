#include "polyrun/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace polyrun {
namespace {

TEST(Status, DefaultIsOkWithNoMessage) {
  Status status;
  EXPECT_TRUE(status.isOk());
  EXPECT_EQ(status.code(), Status::Code::kOk);
  EXPECT_EQ(status.message(), "");
}

TEST(Status, ErrorKeepsItsCodeAndMessage) {
  Status status = Status::timedOut("no reply from 127.0.0.1:7400 within 5000 ms");
  EXPECT_FALSE(status.isOk());
  EXPECT_EQ(status.code(), Status::Code::kTimedOut);
  EXPECT_EQ(status.message(), "no reply from 127.0.0.1:7400 within 5000 ms");
}

TEST(Status, FromErrnoNamesWhatAndWhy) {
  Status status = Status::fromErrno("cannot open /nonexistent", ENOENT);
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_EQ(status.message(), "cannot open /nonexistent: No such file or directory");
}

TEST(Status, ReportFillsTheOldErrorConventionOnlyOnFailure) {
  std::string error = "untouched";
  EXPECT_TRUE(Status::ok().report(&error));
  EXPECT_EQ(error, "untouched");
  EXPECT_FALSE(Status::invalidArgument("bad port 0: use 1..65535").report(&error));
  EXPECT_EQ(error, "bad port 0: use 1..65535");
  EXPECT_FALSE(Status::internal("x").report(nullptr));
}

}  // namespace
}  // namespace polyrun
