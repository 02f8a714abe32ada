// Per-slave tokens (master/slave_credentials.h): the file's format and mode, a token bound to its
// own name, and re-reading the file when it changes.
#include "slave_credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "support/test_support.h"

namespace polyrun::master {
namespace {
using std::chrono::milliseconds;

// Replaces `path` with `text` in one rename, as an operator's editor would, with `mode`.
void writeFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  const std::string tmp = path + ".new";
  std::ofstream(tmp) << text;
  ASSERT_EQ(::chmod(tmp.c_str(), mode), 0);
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

TEST(SlaveCredentialsTest, EachTokenSpeaksForItsOwnNameOnly) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  writeFile(path, "# comment\n\n  worker-1 = one  \nworker-2=two\n");
  std::string error;
  auto c = SlaveCredentials::fromFile(path, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_TRUE(c->perSlave());
  EXPECT_EQ(c->size(), 2u);
  EXPECT_TRUE(c->accepts("worker-1", "one"));
  EXPECT_TRUE(c->accepts("worker-2", "two"));
  EXPECT_FALSE(c->accepts("worker-2", "one")) << "a token under another slave's name";
  EXPECT_FALSE(c->accepts("worker-3", "one"));
  EXPECT_FALSE(c->accepts("", ""));

  auto shared = SlaveCredentials::shared("s3cret");
  EXPECT_FALSE(shared->perSlave());
  EXPECT_TRUE(shared->accepts("any-name", "s3cret"));
  EXPECT_FALSE(shared->accepts("any-name", "s3cre"));
}

TEST(SlaveCredentialsTest, BadFilesAreRefusedNamingWhatToFix) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  std::string error;
  EXPECT_EQ(SlaveCredentials::fromFile(path, &error), nullptr);
  EXPECT_NE(error.find("cannot be read"), std::string::npos) << error;
  const struct {
    std::string text;
    mode_t mode;
    std::string says;
  } cases[] = {
      {"worker-1 = one\n", 0644, "chmod 600"},
      {"worker-1 = one\n", 0660, "chmod 600"},
      {"worker-1 one\n", 0600, "line 1: expected"},
      {"worker-1 =\n", 0600, "line 1: expected"},
      {"a = 1\nb = 2\na = 3\n", 0600, "line 3: slave \"a\" is listed twice"},
      {"# nobody\n", 0600, "lists no slave"},
  };
  for (const auto& c : cases) {
    writeFile(path, c.text, c.mode);
    error.clear();
    EXPECT_EQ(SlaveCredentials::fromFile(path, &error), nullptr) << c.text;
    EXPECT_NE(error.find(c.says), std::string::npos) << error;
    EXPECT_NE(error.find("master.slave.tokens.file"), std::string::npos) << error;
  }
}

TEST(SlaveCredentialsTest, AChangedFileIsReReadAndABadOneKeepsTheLastGoodTokens) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  writeFile(path, "worker-1 = one\nworker-2 = two\n");
  std::string error;
  auto c = SlaveCredentials::fromFile(path, &error);
  ASSERT_NE(c, nullptr) << error;
  const uint64_t start = c->generation();
  c->reloadIfChanged(milliseconds(0));
  EXPECT_EQ(c->generation(), start) << "nothing changed";

  writeFile(path, "worker-2 = two\n");  // worker-1 revoked
  c->reloadIfChanged(milliseconds(0));
  EXPECT_GT(c->generation(), start);
  EXPECT_FALSE(c->accepts("worker-1", "one"));
  EXPECT_TRUE(c->accepts("worker-2", "two"));

  const uint64_t revoked = c->generation();
  writeFile(path, "worker-2 = two\n", 0644);  // loose: refused, the last good set stays
  c->reloadIfChanged(milliseconds(0));
  EXPECT_EQ(c->generation(), revoked);
  EXPECT_TRUE(c->accepts("worker-2", "two"));
  EXPECT_FALSE(c->accepts("worker-1", "one"));

  writeFile(path, "worker-2 = new-two\n");
  c->reloadIfChanged(milliseconds(0));
  EXPECT_FALSE(c->accepts("worker-2", "two")) << "a changed token replaces the old one";
  EXPECT_TRUE(c->accepts("worker-2", "new-two"));

  // Within the interval the file is not looked at.
  writeFile(path, "worker-9 = nine\n");
  c->reloadIfChanged(std::chrono::hours(1));
  EXPECT_FALSE(c->accepts("worker-9", "nine"));
}

}  // namespace
}  // namespace polyrun::master
