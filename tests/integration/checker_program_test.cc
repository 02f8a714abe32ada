// Checker programs (docs/checkers.md, "Checker programs") on a real cluster: a C++ solution
// judged by a Python checker (another language, compiled and run through the sandbox like the
// solution), a checker that crashes, and a checker that does not compile.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {

class CheckerProgramTest : public ClusterSuite<CheckerProgramTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    return o;
  }
};

// Prints the square root of its input with 4 decimals: close enough, not byte-equal to the
// expected answer. For 7 it is wrong on purpose.
const char* const kRootCpp = R"(#include <cmath>
#include <cstdio>
int main() {
  double n;
  if (std::scanf("%lf", &n) != 1) return 3;
  std::printf("%.4f\n", n == 7 ? n / 2 : std::sqrt(n));
}
)";

// testlib's contract: argv = INPUT OUTPUT ANSWER; exit 0 accepted, 1 wrong answer, 3 a checker
// failure (which an uncaught exception must not pass for: Python exits with 1 on one).
const char* const kToleranceChecker = R"(import sys

def main():
    n = float(open(sys.argv[1]).read())
    got = open(sys.argv[2]).read().split()
    want = float(open(sys.argv[3]).read())
    if len(got) != 1:
        print("expected one number, got %d tokens" % len(got))
        return 1
    value = float(got[0])
    if abs(value - want) > 1e-3:
        print("sqrt(%g): expected %.6f, got %s" % (n, want, got[0]))
        return 1
    print("ok %s" % got[0])
    return 0

try:
    sys.exit(main())
except SystemExit:
    raise
except BaseException as e:
    print("checker failed: %r" % e)
    sys.exit(3)
)";

TestCase rootCase(const std::string& name, const std::string& input, const std::string& answer) {
  TestCase t;
  t.name = name;
  t.stdin_data = input;
  t.expected_stdout = answer;
  return t;
}

Job rootJob(const std::string& checker_language, const std::string& checker_name,
            const std::string& checker_source) {
  Job job = sourceJob("c++", "root.cpp", kRootCpp);
  job.tests = {rootCase("two", "2\n", "1.41421356\n"), rootCase("seven", "7\n", "2.64575131\n"),
               rootCase("nine", "9\n", "3\n")};
  job.checker.kind = CheckerKind::kProgram;
  job.checker.language = checker_language;
  job.checker.source = {checker_name, checker_source, Encoding::kUtf8};
  job.limits.run.wall_ms = 10000;
  return job;
}

TEST_F(CheckerProgramTest, APythonCheckerJudgesACppSolutionWithinATolerance) {
  const JobResult r = run(rootJob("py", "check.py", kToleranceChecker));
  ASSERT_EQ(r.tests.size(), 3u) << verdictName(r.verdict) << ": " << r.message;
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_EQ(r.compile->verdict, Verdict::kOk) << r.compile->stderr_data;
  EXPECT_FALSE(r.checker_compile.has_value()) << "Python compiles nothing";

  EXPECT_EQ(r.tests[0].run.verdict, Verdict::kOk) << r.tests[0].run.message;
  EXPECT_EQ(r.tests[0].run.stdout_data, "1.4142\n") << "not the answer's bytes, yet accepted";
  ASSERT_TRUE(r.tests[0].checker.has_value());
  EXPECT_EQ(r.tests[0].checker->stdout_data, "ok 1.4142\n");
  EXPECT_EQ(r.tests[0].checker->exit_code, 0);

  EXPECT_EQ(r.tests[1].run.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(r.tests[1].run.message, "sqrt(7): expected 2.645751, got 3.5000");
  ASSERT_TRUE(r.tests[1].checker.has_value());
  EXPECT_EQ(r.tests[1].checker->exit_code, 1);

  EXPECT_EQ(r.tests[2].run.verdict, Verdict::kOk) << r.tests[2].run.message;
  EXPECT_EQ(r.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(r.message, "case seven: sqrt(7): expected 2.645751, got 3.5000");
}

TEST_F(CheckerProgramTest, ACheckerThatCrashesIsACheckerErrorNamingTheCase) {
  // Divides by zero (SIGFPE) when the program's output starts with "3".
  const char* const crashing = R"(#include <fstream>
#include <iostream>
int main(int argc, char** argv) {
  if (argc != 4) return 3;
  std::ifstream output(argv[2]);
  char first = 0;
  output >> first;
  volatile int zero = first == '3' ? 0 : 1;
  std::cout << "quotient " << 10 / zero << std::endl;
  return 0;
}
)";
  const JobResult r = run(rootJob("c++", "check.cpp", crashing));
  ASSERT_EQ(r.tests.size(), 3u) << verdictName(r.verdict) << ": " << r.message;
  ASSERT_TRUE(r.checker_compile.has_value());
  EXPECT_EQ(r.checker_compile->verdict, Verdict::kOk) << r.checker_compile->stderr_data;
  EXPECT_EQ(r.tests[0].run.verdict, Verdict::kOk) << r.tests[0].run.message;
  EXPECT_EQ(r.tests[1].run.verdict, Verdict::kCheckerError) << r.tests[1].run.message;
  EXPECT_NE(r.tests[1].run.message.find("SIGFPE"), std::string::npos) << r.tests[1].run.message;
  ASSERT_TRUE(r.tests[1].checker.has_value());
  EXPECT_EQ(r.tests[1].checker->signal, 8);
  EXPECT_EQ(r.tests[1].run.exit_code, 0) << "the solution itself ran fine";
  EXPECT_EQ(r.tests[2].run.verdict, Verdict::kCheckerError);
  EXPECT_EQ(r.verdict, Verdict::kCheckerError);
  EXPECT_EQ(r.message.rfind("checker failed on case seven: ", 0), 0u) << r.message;
}

TEST_F(CheckerProgramTest, ACheckerThatDoesNotCompileRunsNoCase) {
  const JobResult r = run(rootJob("c++", "check.cpp", "int main() { return 0 }\n"));
  EXPECT_EQ(r.verdict, Verdict::kCheckerError) << r.message;
  EXPECT_TRUE(r.tests.empty()) << "no case ran";
  ASSERT_TRUE(r.compile.has_value());
  EXPECT_EQ(r.compile->verdict, Verdict::kOk) << "the solution compiled";
  ASSERT_TRUE(r.checker_compile.has_value());
  EXPECT_EQ(r.checker_compile->verdict, Verdict::kCompileError);
  EXPECT_NE(r.checker_compile->stderr_data.find("error"), std::string::npos)
      << r.checker_compile->stderr_data;
  EXPECT_NE(r.message.find("did not compile"), std::string::npos) << r.message;
}

TEST_F(CheckerProgramTest, ACheckerLanguageNoSlaveOffersIsRefused) {
  std::string error;
  const auto reply = client_->submit(rootJob("cobol", "check.cob", "."), 30000, &error);
  ASSERT_TRUE(reply.has_value()) << error;
  EXPECT_EQ(reply->value("type", ""), "error") << reply->dump();
  EXPECT_EQ(reply->value("code", ""), "unknown_language");
  EXPECT_NE(reply->value("message", "").find("checker's language \"cobol\""), std::string::npos)
      << reply->dump();
}

}  // namespace
}  // namespace polyrun::test
