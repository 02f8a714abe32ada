// Limits across a judged job's cases on a real cluster: a case that breaks one limit fails alone
// while the others pass; and an output flood across many cases (every case writing megabytes to
// both streams, far more in all than a frame holds) still gives one result, each case's output
// cut to its share of a frame after its checker saw it whole, with the slave still connected.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {

class JudgingLimitsTest : public ClusterSuite<JudgingLimitsTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    return o;
  }
};

TEST_F(JudgingLimitsTest, ManyCasesFloodingBothStreamsStillGiveOneResult) {
  constexpr int kCases = 40;
  constexpr size_t kEach = 4u << 20;  // per stream per case: 160 MiB per stream in all
  Job job = pythonJob(
      "import sys\n"
      "n = int(input())\n"
      "sys.stdout.write('o' * (4 << 20))\n"
      "sys.stderr.write('e' * (4 << 20))\n"
      "sys.stdout.write('\\nend %d\\n' % n)\n");
  job.limits.output_bytes = 8 << 20;
  job.limits.run.wall_ms = 20000;
  for (int i = 0; i < kCases; ++i) {
    TestCase t;
    t.name = std::to_string(i + 1);
    t.stdin_data = std::to_string(i) + "\n";
    t.expected_stdout = "o";
    job.tests.push_back(std::move(t));
  }
  // Checked by `tokens` against a short expectation: every case is a wrong answer, decided on
  // its whole output, and the result still fits.
  job.checker.kind = CheckerKind::kTokens;
  const JobResult r = run(job);
  ASSERT_EQ(r.tests.size(), static_cast<size_t>(kCases)) << r.message;
  size_t stdout_bytes = 0, stderr_bytes = 0;
  for (const CaseResult& c : r.tests) {
    EXPECT_EQ(c.run.verdict, Verdict::kWrongAnswer) << c.name << ": " << c.run.message;
    EXPECT_TRUE(c.run.stdout_truncated) << c.name;
    EXPECT_TRUE(c.run.stderr_truncated) << c.name;
    stdout_bytes += c.run.stdout_data.size();
    stderr_bytes += c.run.stderr_data.size();
  }
  EXPECT_LE(stdout_bytes + stderr_bytes, 16u << 20) << "the result fits one frame";
  EXPECT_GT(stdout_bytes, 0u) << "each case keeps a share of its output";

  // The slave is still there and the cluster still runs jobs.
  const nlohmann::json snapshot = cluster_->snapshot();
  ASSERT_EQ(snapshot["slaves"].size(), 1u) << snapshot.dump();
  const JobResult after = run(pythonJob("print('still here')"));
  EXPECT_EQ(after.run ? after.run->stdout_data : "", "still here\n") << after.message;
}

TEST_F(JudgingLimitsTest, EachLimitFailsOnlyItsCase) {
  // The input names what the case does; "ok" prints the expected answer.
  Job job = pythonJob(
      "import os, sys, time\n"
      "what = input().strip()\n"
      "if what == 'sleep': time.sleep(30)\n"
      "if what == 'spin':\n"
      "    while True: pass\n"
      "if what == 'flood': sys.stdout.write('x' * (2 << 20))\n"
      "if what == 'memory': b = bytearray(512 << 20); b[::4096] = b'y' * len(b[::4096])\n"
      "if what == 'fork':\n"
      "    kids = []\n"
      "    for _ in range(200):\n"
      "        if os.fork() == 0: time.sleep(5); os._exit(0)\n"
      "print('ok')\n");
  job.limits.run.wall_ms = 3000;
  job.limits.run.cpu_ms = 1000;
  job.limits.run.memory_bytes = 128ll << 20;
  job.limits.output_bytes = 1 << 20;
  job.limits.processes = 16;
  for (const std::string what :
       {"ok", "sleep", "ok", "spin", "ok", "flood", "ok", "memory", "ok", "fork", "ok"}) {
    TestCase t;
    t.name = what + std::to_string(job.tests.size());
    t.stdin_data = what + "\n";
    t.expected_stdout = "ok\n";
    job.tests.push_back(std::move(t));
  }
  const JobResult r = run(job);
  ASSERT_EQ(r.tests.size(), job.tests.size()) << r.message;
  std::map<std::string, Verdict> expected = {{"sleep", Verdict::kTimeLimit},
                                             {"spin", Verdict::kTimeLimit},
                                             {"flood", Verdict::kOutputLimit},
                                             {"memory", Verdict::kMemoryLimit}};
  for (size_t i = 0; i < r.tests.size(); ++i) {
    const CaseResult& c = r.tests[i];
    const std::string what = c.name.substr(0, c.name.find_first_of("0123456789"));
    if (what == "ok") {
      EXPECT_EQ(c.run.verdict, Verdict::kOk) << c.name << ": " << c.run.message;
    } else if (what == "fork") {
      // fork() fails at the process limit: Python raises, the case is a runtime error.
      EXPECT_EQ(c.run.verdict, Verdict::kRuntimeError) << c.name << ": " << c.run.message;
    } else {
      EXPECT_EQ(c.run.verdict, expected[what]) << c.name << ": " << c.run.message;
    }
  }
  EXPECT_EQ(summarizeTests(r.tests).passed, 6);
}

}  // namespace
}  // namespace polyrun::test
