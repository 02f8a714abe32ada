// Judged jobs (docs/judging.md) on a real cluster: one compile, one sandboxed run per test case,
// the checker's verdicts, each case told as it ends, and the limits on a job's cases.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {

class JudgingTest : public ClusterSuite<JudgingTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    return o;
  }
};

// Reads two numbers and prints their sum; 1 0 loops forever, 2 0 allocates 1 GiB, 3 0 crashes.
const char* const kSumC = R"(#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  long a, b;
  if (scanf("%ld %ld", &a, &b) != 2) return 3;
  if (a == 1 && b == 0) for (;;) {}
  if (a == 2 && b == 0) { for (int i = 0; i < 1024; i++) memset(malloc(1 << 20), 1, 1 << 20); }
  if (a == 3 && b == 0) { int *p = 0; *p = 1; }
  printf("%ld\n", a + b);
  return 0;
}
)";

TestCase sumCase(const std::string& name, const std::string& input, const std::string& expected) {
  TestCase t;
  t.name = name;
  t.stdin_data = input;
  t.expected_stdout = expected;
  return t;
}

Job sumJob(std::vector<TestCase> tests) {
  Job job = sourceJob("c", "sum.c", kSumC);
  job.tests = std::move(tests);
  job.limits.run.wall_ms = 2000;
  job.limits.run.cpu_ms = 1000;
  job.limits.run.memory_bytes = 128ll << 20;
  return job;
}

TEST_F(JudgingTest, CompilesOnceAndGivesEachCaseItsOwnVerdict) {
  const JobResult r =
      run(sumJob({sumCase("ok", "1 2\n", "3\n"), sumCase("wrong", "2 2\n", "5\n"),
                  sumCase("loops", "1 0\n", "1\n"), sumCase("hog", "2 0\n", "2\n"),
                  sumCase("crash", "3 0\n", "3\n"), sumCase("after", "40 2\n", "42\n")}));
  ASSERT_TRUE(r.compile.has_value()) << r.message;
  EXPECT_EQ(r.compile->verdict, Verdict::kOk);
  EXPECT_FALSE(r.run.has_value()) << "a judged job reports cases, not one run";
  ASSERT_EQ(r.tests.size(), 6u) << r.message;
  EXPECT_EQ(r.tests[0].run.verdict, Verdict::kOk);
  EXPECT_EQ(r.tests[0].run.stdout_data, "3\n");
  EXPECT_EQ(r.tests[1].run.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(r.tests[1].line, 1);
  EXPECT_EQ(r.tests[1].column, 1);
  EXPECT_NE(r.tests[1].run.message.find("expected \"5\", got \"4\""), std::string::npos)
      << r.tests[1].run.message;
  EXPECT_EQ(r.tests[2].run.verdict, Verdict::kTimeLimit) << r.tests[2].run.message;
  EXPECT_EQ(r.tests[3].run.verdict, Verdict::kMemoryLimit) << r.tests[3].run.message;
  EXPECT_EQ(r.tests[4].run.verdict, Verdict::kSignaled) << r.tests[4].run.message;
  EXPECT_EQ(r.tests[5].run.verdict, Verdict::kOk) << "a case after failing ones still runs";
  EXPECT_EQ(r.verdict, Verdict::kWrongAnswer) << "the job's verdict is its first failure's";
  EXPECT_EQ(r.message.rfind("case wrong: ", 0), 0u) << r.message;
  const TestSummary s = summarizeTests(r.tests);
  EXPECT_EQ(s.passed, 2);
  EXPECT_EQ(s.first_failure, 2);
}

TEST_F(JudgingTest, ACompileErrorRunsNoCase) {
  Job job = sourceJob("c", "bad.c", "int main(void) { return x; }\n");
  job.tests = {sumCase("1", "1 2\n", "3\n")};
  const JobResult r = run(job);
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  EXPECT_TRUE(r.tests.empty());
}

TEST_F(JudgingTest, StopOnFailureSkipsTheRest) {
  Job job = sumJob(
      {sumCase("1", "1 2\n", "3\n"), sumCase("2", "2 2\n", "5\n"), sumCase("3", "3 4\n", "7\n")});
  job.stop_on_failure = true;
  const JobResult r = run(job);
  ASSERT_EQ(r.tests.size(), 3u) << r.message;
  EXPECT_EQ(r.tests[0].run.verdict, Verdict::kOk);
  EXPECT_EQ(r.tests[1].run.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(r.tests[2].run.verdict, Verdict::kSkipped);
  EXPECT_EQ(r.tests[2].run.cpu_ms, 0);
}

TEST_F(JudgingTest, EachCaseIsToldAsItEnds) {
  Job job = sumJob({});
  for (int i = 0; i < 5; ++i)
    job.tests.push_back(sumCase("c" + std::to_string(i), std::to_string(i) + " 10\n",
                                std::to_string(i + 10) + "\n"));
  std::vector<nlohmann::json> told;
  std::string error;
  const auto reply = client_->submit(job, 60000, &error, [&](const nlohmann::json& event) {
    if (auto t = event.find("test"); t != event.end()) told.push_back(*t);
  });
  ASSERT_TRUE(reply.has_value()) << error;
  ASSERT_EQ(reply->value("type", ""), "result") << reply->dump();
  ASSERT_EQ(told.size(), 5u) << "one progress per case";
  for (size_t i = 0; i < told.size(); ++i) {
    EXPECT_EQ(told[i].value("index", -1), static_cast<int>(i));
    EXPECT_EQ(told[i].value("name", ""), "c" + std::to_string(i));
    EXPECT_EQ(told[i].value("verdict", ""), "OK");
    EXPECT_FALSE(told[i].contains("stdout")) << "progress carries no output";
  }
}

TEST_F(JudgingTest, AThousandCasesFitOneJob) {
  Job job = sumJob({});
  for (int i = 0; i < 1000; ++i)
    job.tests.push_back(sumCase(std::to_string(i + 1),
                                std::to_string(i) + " " + std::to_string(i) + "\n",
                                std::to_string(2 * i) + "\n"));
  const JobResult r = run(job);
  ASSERT_EQ(r.tests.size(), 1000u) << r.message;
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(summarizeTests(r.tests).passed, 1000);
  EXPECT_EQ(r.tests[999].run.stdout_data, "1998\n");
}

TEST_F(JudgingTest, MoreCasesThanTheMasterTakesAreRefusedNamingTheLimit) {
  Job job = sumJob(std::vector<TestCase>(1001, sumCase("x", "1 1\n", "2\n")));
  std::string error;
  const auto reply = client_->submit(job, 30000, &error);
  ASSERT_TRUE(reply.has_value()) << error;
  EXPECT_EQ(reply->value("type", ""), "error") << reply->dump();
  EXPECT_EQ(reply->value("code", ""), "bad_limits");
  EXPECT_NE(reply->value("message", "").find("master.limits.tests.max"), std::string::npos)
      << reply->dump();
}

}  // namespace
}  // namespace polyrun::test
