// Piston bodies to and from polyrun's job model (master/http_piston.h), and the /metrics text
// (master/http_metrics.h), without a server.
#include "http_piston.h"

#include <gtest/gtest.h>

#include "http_metrics.h"
#include "polyrun/base64.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

const json kRuntimes = json::parse(R"([
  {"language": "python", "version": "3.11.2", "aliases": ["py", "python3"], "compiled": false},
  {"language": "python", "version": "3.9.1", "aliases": ["py"], "compiled": false},
  {"language": "c++", "version": "12.2.0", "aliases": ["cpp", "g++"], "compiled": true}])");

Limits maxima() {
  Limits m;
  m.run = {30000, 30000, 2ll << 30};
  m.compile = {60000, 60000, 2ll << 30};
  return m;
}

TEST(HttpPistonTest, ParsesAFullRequest) {
  const json body = {{"language", "cpp"},
                     {"version", "12"},
                     {"files",
                      {{{"name", "a.cpp"}, {"content", "int main(){}"}},
                       {{"content", "AA=="}, {"encoding", "base64"}}}},
                     {"stdin", "in"},
                     {"args", {"1", "2"}},
                     {"run_timeout", 3000},
                     {"compile_timeout", -1},
                     {"run_memory_limit", -1},
                     {"run_cpu_time", 0.5},
                     {"compile_cpu_time", nullptr}};
  PistonExecute out;
  std::string error;
  ASSERT_TRUE(parsePistonExecute(body, kRuntimes, maxima(), &out, &error)) << error;
  EXPECT_EQ(out.language, "c++");
  EXPECT_TRUE(out.compiled);
  EXPECT_EQ(out.job.language, "cpp");
  EXPECT_EQ(out.job.version, "12");
  ASSERT_EQ(out.job.files.size(), 2u);
  EXPECT_EQ(out.job.files[0].name, "a.cpp");
  EXPECT_EQ(out.job.files[1].encoding, Encoding::kBase64);
  EXPECT_EQ(out.job.stdin_data, "in");
  EXPECT_EQ(out.job.args, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(out.job.limits.run.wall_ms, 3000);
  EXPECT_EQ(out.job.limits.compile.wall_ms, 60000);  // -1: the maximum
  EXPECT_EQ(out.job.limits.run.memory_bytes, 2ll << 30);
  EXPECT_EQ(out.job.limits.run.cpu_ms, 1);      // fractions round up, never to "default"
  EXPECT_EQ(out.job.limits.compile.cpu_ms, 0);  // null: the default
}

TEST(HttpPistonTest, VersionIsOptionalAndMatchesByPrefix) {
  PistonExecute out;
  std::string error;
  ASSERT_TRUE(parsePistonExecute({{"language", "py"}, {"files", {{{"content", "1"}}}}}, kRuntimes,
                                 maxima(), &out, &error));
  EXPECT_EQ(out.job.version, "*");
  EXPECT_FALSE(out.compiled);
  ASSERT_TRUE(parsePistonExecute(
      {{"language", "python"}, {"version", "3.9"}, {"files", {{{"content", "1"}}}}}, kRuntimes,
      maxima(), &out, &error));
  EXPECT_FALSE(parsePistonExecute(
      {{"language", "python"}, {"version", "3.1"}, {"files", {{{"content", "1"}}}}}, kRuntimes,
      maxima(), &out, &error));
  EXPECT_NE(error.find("3.11.2, 3.9.1"), std::string::npos) << error;
}

TEST(HttpPistonTest, WithoutRuntimesAnyLanguageWaits) {
  PistonExecute out;
  std::string error;
  EXPECT_TRUE(parsePistonExecute({{"language", "cobol"}, {"files", {{{"content", "1"}}}}},
                                 json::array(), maxima(), &out, &error))
      << error;
}

// Hardening item 1: a body nested 100,000 levels deep, at the top or in any field, is refused
// while it is parsed; no error message serialises a client's value whole (a megabyte language
// name, a huge array) back to the client.
TEST(HttpPistonTest, DeepBodiesAreRefusedWhileParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string ok_file = R"js([{"content": "print(1)"}])js";
  const std::vector<std::string> bodies = {
      deep, R"({"language": "python", "files": )" + ok_file + R"(, "stdin": )" + deep + "}",
      R"({"language": "python", "files": [{"content": "x", "name": )" + deep + "}]}",
      R"({"language": "python", "files": )" + ok_file + R"(, "args": )" + deep + "}",
      R"({"language": "python", "files": )" + ok_file + R"(, "run_timeout": )" + deep + "}"};
  for (const auto& text : bodies) {
    PistonExecute out;
    std::string error;
    EXPECT_FALSE(decodePistonBody(text, kRuntimes, maxima(), &out, &error)) << text.substr(0, 80);
    EXPECT_NE(error.find("nested deeper than 64 levels"), std::string::npos)
        << error.substr(0, 300);
    EXPECT_LT(error.size(), 400u) << error.substr(0, 300);
  }
  PistonExecute out;
  std::string error;
  ASSERT_TRUE(decodePistonBody(R"({"language": "py", "files": )" + ok_file + "}", kRuntimes,
                               maxima(), &out, &error))
      << error;
  EXPECT_EQ(out.job.files.at(0).content, "print(1)");
}

TEST(HttpPistonTest, ErrorsNeverQuoteAClientValueWhole) {
  const std::string huge(1 << 20, 'x');
  const json file = {{{"content", "1"}}};
  const std::vector<json> bodies = {
      {{"language", huge}, {"files", file}},
      {{"language", "python"}, {"version", huge}, {"files", file}},
      {{"language", "python"}, {"files", {{{"content", "1"}, {"encoding", huge}}}}},
      {{"language", "python"}, {"files", file}, {"stdin", json::array({huge, huge})}},
      {{"language", "python"}, {"files", file}, {"args", json::array({1, huge})}},
      {{"language", "python"}, {"files", file}, {"run_timeout", huge}},
      {{"language", "python"},
       {"files", {{{"content", "1"}, {"name", json::object({{huge, huge}})}}}}},
      json::array({huge})};
  for (const auto& body : bodies) {
    PistonExecute out;
    std::string error;
    EXPECT_FALSE(parsePistonExecute(body, kRuntimes, maxima(), &out, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_LT(error.size(), 400u) << error.substr(0, 300);
  }
  PistonExecute out;
  std::string error;
  EXPECT_FALSE(parsePistonExecute({{"language", "cobol"}, {"files", file}}, kRuntimes, maxima(),
                                  &out, &error));
  EXPECT_NE(error.find("\"cobol\""), std::string::npos)
      << "a short value is still shown whole: " << error;
}

TEST(HttpPistonTest, CompileFailureIsRepeatedInRun) {
  JobResult r;
  r.language = "c++";
  r.verdict = Verdict::kCompileError;
  StageResult c;
  c.verdict = Verdict::kCompileError;
  c.exit_code = 1;
  c.stderr_data = "error: x\n";
  c.message = "compiler exited with code 1";
  r.compile = c;
  const json out = pistonResponse(r, true);
  EXPECT_EQ(out["compile"]["status"], "RE");
  EXPECT_EQ(out["compile"]["code"], 1);
  EXPECT_EQ(out["run"], out["compile"]);
  EXPECT_EQ(out["verdict"], "COMPILE_ERROR");
}

TEST(HttpPistonTest, ALostJobStillHasARunStage) {
  JobResult r;
  r.verdict = Verdict::kInternalError;
  r.message = "lost";
  const json out = pistonResponse(r, false);
  EXPECT_EQ(out["run"]["status"], "XX");
  EXPECT_EQ(out["run"]["message"], "lost");
  EXPECT_FALSE(out.contains("compile"));
  EXPECT_TRUE(pistonResponse(r, true).contains("compile"));
}

TEST(HttpPistonTest, OutputThatIsNotUtf8AlsoComesAsExactBase64) {
  JobResult r;
  r.run = StageResult{};
  r.run->stdout_data = std::string("\xff\x00 out", 6);
  r.run->stderr_data = "plain\n";
  const json out = pistonResponse(r, false);
  EXPECT_EQ(base64Decode(out["run"]["stdout_base64"].get<std::string>()), r.run->stdout_data);
  EXPECT_FALSE(out["run"].contains("stderr_base64"));
  EXPECT_EQ(out["run"]["stderr"], "plain\n");
  EXPECT_EQ(base64Decode(out["run"]["output_base64"].get<std::string>()),
            r.run->stdout_data + r.run->stderr_data);
  EXPECT_NO_THROW(out.dump(-1, ' ', false, json::error_handler_t::replace));
  r.run->stdout_data = "text";
  EXPECT_FALSE(pistonResponse(r, false)["run"].contains("stdout_base64"))
      << "plain text needs none";
  EXPECT_FALSE(pistonResponse(r, false)["run"].contains("output_base64"));
}

TEST(HttpPistonTest, StatusAndSignalNames) {
  StageResult s;
  EXPECT_TRUE(pistonStatus(s).is_null());
  s.verdict = Verdict::kTimeLimit;
  EXPECT_EQ(pistonStatus(s), "TO");
  s.verdict = Verdict::kOutputLimit;
  s.stderr_truncated = true;
  EXPECT_EQ(pistonStatus(s), "EL");
  s.stdout_truncated = true;
  EXPECT_EQ(pistonStatus(s), "OL");
  s = {};
  s.verdict = Verdict::kCompileError;
  s.message = "compilation failed: wall time limit of 10 ms exceeded";
  EXPECT_EQ(pistonStatus(s), "TO");
  s.verdict = Verdict::kMemoryLimit;
  s.signal = 9;
  EXPECT_EQ(pistonStatus(s), "SG");
  EXPECT_EQ(signalName(9), "SIGKILL");
  EXPECT_EQ(signalName(11), "SIGSEGV");
  EXPECT_TRUE(signalName(0).is_null());
}

TEST(HttpMetricsTest, RendersCountersHistogramsAndEscapedLabels) {
  Scheduler::Metrics m;
  m.jobs[{"py\"th\\on", "OK"}] = 1234567;
  m.queue.observe(3);
  m.queue.observe(700);
  const json cluster = {{"uptime_ms", 1500},
                        {"queues", {{"python", 2}}},
                        {"counters", {{"submitted", 5}, {"running", 1}}},
                        {"slaves",
                         {{{"id", 1},
                           {"name", "a"},
                           {"running", 1},
                           {"capacity", 2},
                           {"load", {{"load_avg", 0.5}, {"memory_free_bytes", 21000000000}}}}}}};
  const std::string text = renderMetrics(cluster, m, {{200, 3}});
  for (const std::string needle :
       {"polyrun_jobs_finished_total{language=\"py\\\"th\\\\on\",verdict=\"OK\"} 1234567\n",
        "polyrun_uptime_seconds 1.5\n", "polyrun_queue_length{language=\"python\"} 2\n",
        "polyrun_slave_memory_free_bytes{slave=\"a\",id=\"1\"} 21000000000\n",
        "polyrun_job_queue_seconds_bucket{le=\"0.005\"} 1\n",
        "polyrun_job_queue_seconds_bucket{le=\"0.5\"} 1\n",
        "polyrun_job_queue_seconds_bucket{le=\"1\"} 2\n",
        "polyrun_job_queue_seconds_bucket{le=\"+Inf\"} 2\n",
        "polyrun_job_queue_seconds_sum 0.703\n", "polyrun_http_responses_total{code=\"200\"} 3\n"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << " not in\n" << text;
}

}  // namespace
}  // namespace polyrun::master
