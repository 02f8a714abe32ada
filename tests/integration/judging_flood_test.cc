// An output flood across many test cases on a real cluster: every case writes megabytes to both
// streams, far more in all than a frame holds. The result must still arrive (each case's output
// cut to its share of a frame, after its checker saw it whole), the slave must stay connected,
// and the cluster must go on serving.
#include <gtest/gtest.h>

#include <string>

#include "support/cluster_client.h"

namespace polyrun::test {
namespace {

class JudgingFloodTest : public ClusterSuite<JudgingFloodTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    return o;
  }
};

TEST_F(JudgingFloodTest, ManyCasesFloodingBothStreamsStillGiveOneResult) {
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

}  // namespace
}  // namespace polyrun::test
