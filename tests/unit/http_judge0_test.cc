// Judge0 CE 1.13.1 bodies to and from polyrun's job model (master/http_judge0.h), without a
// server. The request and response bodies marked "Judge0's docs" are copied from Judge0 CE
// v1.13.1's API documentation (docs/api/**.md in github.com/judge0/judge0): what a Judge0 client
// sends and expects back.
#include "http_judge0.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "judge0.h"
#include "polyrun/base64.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

const json kRuntimes = json::parse(R"js([
  {"language": "python", "version": "3.11.2", "aliases": ["py"], "compiled": false},
  {"language": "c", "version": "12", "aliases": ["gcc"], "compiled": true},
  {"language": "c++", "version": "12", "aliases": ["cpp"], "compiled": true},
  {"language": "java", "version": "17", "aliases": ["jdk"], "compiled": true},
  {"language": "javascript", "version": "20.1.0", "aliases": ["node"], "compiled": false}])js");

// Judge0's docs name a maximum wall time of 150 s in their 422 example.
Limits maxima() {
  Limits m;
  m.run = {150000, 30000, 2ll << 30};
  m.compile = {60000, 60000, 2ll << 30};
  m.output_bytes = 16 << 20;
  m.processes = 256;
  return m;
}

json decode(const json& body, Judge0Submission* out, bool base64 = false,
            const json& runtimes = kRuntimes) {
  return decodeJudge0Submission(body, base64, runtimes, maxima(), defaultLimits(), out);
}

// Judge0's docs, create_a_submission.md: the C program of every example.
const std::string kHelloC =
    "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  "
    "printf(\"hello, %s\\n\", name);\n  return 0;\n}";

TEST(HttpJudge0Test, CreatesFromJudge0sFirstExample) {
  // Judge0's docs. Its id 4 ("C (gcc 7.2.0)") is archived in 1.13.1, which Judge0 CE refuses
  // too; the same body with the active C id runs.
  json body = json::parse(R"js({
        "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}",
        "language_id": 4,
        "stdin": "world"
    })js");
  Judge0Submission out;
  EXPECT_EQ(
      decode(body, &out),
      json::parse(
          R"js({"language_id": ["language with id 4 is archived and cannot be used anymore"]})js"));

  body["language_id"] = 50;
  out = {};
  ASSERT_EQ(decode(body, &out), nullptr);
  EXPECT_EQ(out.job.language, "c");
  EXPECT_EQ(out.job.version, "*");
  EXPECT_TRUE(out.compiled);
  ASSERT_EQ(out.job.files.size(), 1u);
  EXPECT_EQ(out.job.files[0].name, "");  // the runner names it (main.c)
  EXPECT_EQ(out.job.files[0].content, kHelloC);
  EXPECT_EQ(out.job.files[0].encoding, Encoding::kUtf8);
  EXPECT_EQ(out.job.stdin_data, "world");
  EXPECT_TRUE(out.job.tests.empty());
  EXPECT_TRUE(out.job.args.empty());
  EXPECT_EQ(out.request.language_id, 50);
  EXPECT_EQ(out.request.stdin_data, "world");
  EXPECT_EQ(out.request.callback_url, std::nullopt);
  // Nothing asked: the master's defaults apply.
  EXPECT_EQ(out.job.limits.run.cpu_ms, 0);
  EXPECT_EQ(out.job.limits.run.wall_ms, 0);
  EXPECT_EQ(out.job.limits.run.memory_bytes, 0);
  EXPECT_EQ(out.job.limits.output_bytes, 0);
  EXPECT_EQ(out.job.limits.processes, 0);
}

TEST(HttpJudge0Test, RefusesAsJudge0sDocumentedExamples) {
  // Judge0's docs: no language_id.
  Judge0Submission out;
  EXPECT_EQ(decode(json::parse(R"js({
        "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}"
    })js"),
                   &out),
            json::parse(R"js({"language_id": ["can't be blank"]})js"));

  // Judge0's docs: an id that does not exist.
  EXPECT_EQ(decode(json::parse(R"js({
        "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}",
        "language_id": 150000,
        "stdin": "world",
        "expected_output": "hello, world"
    })js"),
                   &out),
            json::parse(R"js({"language_id": ["language with id 150000 doesn't exist"]})js"));

  // Judge0's docs: a wall time over the maximum (150 s there and in maxima()); its archived id
  // 4 replaced by the active C id.
  json limits = json::parse(R"js({
        "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}",
        "language_id": 4,
        "number_of_runs": 1,
        "stdin": "Judge0",
        "expected_output": "hello, Judge0",
        "cpu_time_limit": 1,
        "cpu_extra_time": 0.5,
        "wall_time_limit": 100000,
        "memory_limit": 128000,
        "stack_limit": 128000,
        "enable_per_process_and_thread_time_limit": false,
        "enable_per_process_and_thread_memory_limit": false,
        "max_file_size": 1024
    })js");
  limits["language_id"] = 50;
  EXPECT_EQ(decode(limits, &out),
            json::parse(R"js({"wall_time_limit": ["must be less than or equal to 150"]})js"));

  // Without a Content-Type Judge0 sees no fields (judge0/judge0 issue 70): a body that is not an
  // object is the same.
  EXPECT_EQ(
      decode(json::array({1, 2}), &out),
      json::parse(R"js({"source_code": ["can't be blank"], "language_id": ["can't be blank"]})js"));
}

TEST(HttpJudge0Test, HonoursTheLimitsOfJudge0sLimitExample) {
  json body = json::parse(R"js({
        "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}",
        "language_id": 50,
        "number_of_runs": 1,
        "stdin": "Judge0",
        "expected_output": "hello, Judge0",
        "cpu_time_limit": 1,
        "cpu_extra_time": 0.5,
        "wall_time_limit": 100,
        "memory_limit": 128000,
        "stack_limit": 128000,
        "max_processes_and_or_threads": 30,
        "enable_per_process_and_thread_time_limit": false,
        "enable_per_process_and_thread_memory_limit": false,
        "max_file_size": 1024
    })js");
  Judge0Submission out;
  ASSERT_EQ(decode(body, &out), nullptr);
  const Limits& l = out.job.limits;
  EXPECT_EQ(l.run.cpu_ms, 1000);
  EXPECT_EQ(l.run.wall_ms, 100000);
  EXPECT_EQ(l.run.memory_bytes, 128000 * 1024);
  EXPECT_EQ(l.output_bytes, 1024 * 1024);
  EXPECT_EQ(l.processes, 30);
  EXPECT_EQ(l.compile.cpu_ms, 0);  // Judge0 compiles with its maxima; polyrun with its defaults
  // expected_output: one case with the stdin, checked line by line.
  EXPECT_EQ(out.job.stdin_data, "");
  ASSERT_EQ(out.job.tests.size(), 1u);
  EXPECT_EQ(out.job.tests[0].stdin_data, "Judge0");
  EXPECT_EQ(out.job.tests[0].expected_stdout, "hello, Judge0");
  EXPECT_EQ(out.job.tests[0].args, std::nullopt);
  EXPECT_EQ(out.job.checker.kind, CheckerKind::kLines);
  EXPECT_FALSE(out.job.stop_on_failure);

  // What fields=* shows of it.
  Judge0View view;
  view.token = "t";
  view.request = &out.request;
  std::vector<std::string> all;
  ASSERT_EQ(parseJudge0Fields("*", &all), nullptr);
  const json shown = *judge0Submission(view, all, false);
  EXPECT_EQ(shown["cpu_time_limit"], "1.0");
  EXPECT_EQ(shown["cpu_extra_time"], "0.5");
  EXPECT_EQ(shown["wall_time_limit"], "100.0");
  EXPECT_EQ(shown["memory_limit"], 128000);
  EXPECT_EQ(shown["stack_limit"], 128000);
  EXPECT_EQ(shown["max_file_size"], 1024);
  EXPECT_EQ(shown["max_processes_and_or_threads"], 30);
  EXPECT_EQ(shown["number_of_runs"], 1);
  EXPECT_EQ(shown["expected_output"], "hello, Judge0");
  EXPECT_EQ(shown["stdin"], "Judge0");
  EXPECT_EQ(shown["source_code"], kHelloC);
  EXPECT_EQ(shown["language_id"], 50);
  EXPECT_EQ(shown["language"], json::parse(R"js({"id": 50, "name": "C (GCC 9.2.0)"})js"));
  EXPECT_EQ(shown["enable_network"], false);
  EXPECT_EQ(shown["additional_files"], nullptr);
  EXPECT_EQ(shown["status"], json::parse(R"js({"id": 1, "description": "In Queue"})js"));
  EXPECT_EQ(shown["time"], nullptr);
  EXPECT_EQ(shown["finished_at"], nullptr);
}

TEST(HttpJudge0Test, LimitsLeftOutShowTheMastersDefaults) {
  Judge0Submission out;
  ASSERT_EQ(decode({{"source_code", "print(1)"}, {"language_id", 71}}, &out), nullptr);
  const Limits d = defaultLimits();
  EXPECT_EQ(out.request.cpu_time_ms, d.run.cpu_ms);
  EXPECT_EQ(out.request.wall_time_ms, d.run.wall_ms);
  EXPECT_EQ(out.request.memory_limit_kb, d.run.memory_bytes / 1024);
  EXPECT_EQ(out.request.max_processes_and_or_threads, d.processes);
  EXPECT_EQ(out.request.max_file_size_kb, d.output_bytes / 1024);
  EXPECT_FALSE(out.compiled);

  // A CPU limit alone: the wall limit leaves it room (CPU + Judge0's extra second).
  ASSERT_EQ(decode({{"source_code", "x"}, {"language_id", 71}, {"cpu_time_limit", 9.5}}, &out),
            nullptr);
  EXPECT_EQ(out.job.limits.run.cpu_ms, 9500);
  EXPECT_EQ(out.job.limits.run.wall_ms, 10500);
  // 0 is isolate's "no limit": the maximum. Fractions of a millisecond round up.
  ASSERT_EQ(decode({{"source_code", "x"},
                    {"language_id", "71"},
                    {"cpu_time_limit", "0"},
                    {"max_file_size", 0},
                    {"wall_time_limit", "1.0001"}},
                   &out),
            nullptr);
  EXPECT_EQ(out.job.limits.run.cpu_ms, maxima().run.cpu_ms);
  EXPECT_EQ(out.job.limits.output_bytes, maxima().output_bytes);
  EXPECT_EQ(out.job.limits.run.wall_ms, 1001);
  // null and "" are "not sent".
  ASSERT_EQ(decode({{"source_code", "x"},
                    {"language_id", 71},
                    {"memory_limit", nullptr},
                    {"cpu_time_limit", ""}},
                   &out),
            nullptr);
  EXPECT_EQ(out.job.limits.run.cpu_ms, 0);  // nothing left of the decode before
  EXPECT_EQ(out.job.limits.run.wall_ms, 0);
  EXPECT_EQ(out.job.limits.run.memory_bytes, 0);
}

TEST(HttpJudge0Test, DecodesJudge0sBase64Example) {
  // Judge0's docs (its "input" is a typo of the docs: an unknown field, ignored; id 4 -> 50).
  json body = json::parse(R"js({
            "source_code": "I2luY2x1ZGUgPHN0ZGlvLmg+CgppbnQgbWFpbih2b2lkKSB7CiAgY2hhciBuYW1lWzEwXTsKICBzY2FuZigiJXMiLCBuYW1lKTsKICBwcmludGYoImhlbGxvLCAlc1xuIiwgbmFtZSk7CiAgcmV0dXJuIDA7Cn0=",
            "language_id": 4,
            "input": "SnVkZ2Uw"
        })js");
  body["language_id"] = 50;
  Judge0Submission out;
  ASSERT_EQ(decode(body, &out, /*base64=*/true), nullptr);
  EXPECT_EQ(out.request.source_code, kHelloC);
  EXPECT_EQ(out.job.files[0].content, kHelloC);
  EXPECT_EQ(out.job.stdin_data, "");

  // Bytes that are not UTF-8 travel to the slave as base64; Ruby's line breaks are fine.
  const std::string bytes = std::string("\xff\xfe", 2) + std::string(100, 'a');
  std::string wrapped = base64Encode(bytes);
  wrapped.insert(60, "\n");
  ASSERT_EQ(decode({{"source_code", wrapped},
                    {"language_id", 54},
                    {"stdin", base64Encode("in")},
                    {"expected_output", base64Encode("out\n")}},
                   &out, true),
            nullptr);
  EXPECT_EQ(out.job.files[0].encoding, Encoding::kBase64);
  EXPECT_EQ(base64Decode(out.job.files[0].content), bytes);
  EXPECT_EQ(out.job.tests.at(0).stdin_data, "in");
  EXPECT_EQ(out.job.tests.at(0).expected_stdout, "out\n");

  // Without base64_encoded=true the same text is source code.
  ASSERT_EQ(decode(body, &out, false), nullptr);
  EXPECT_EQ(out.request.source_code, body["source_code"]);
}

TEST(HttpJudge0Test, RefusesEveryInvalidField) {
  const json good = {{"source_code", "print(1)"}, {"language_id", 71}};
  const std::vector<std::pair<json, json>> cases = {
      {{{"source_code", "   \n"}}, {{"source_code", {"can't be blank"}}}},
      {{{"source_code", json::array({"x"})}}, {{"source_code", {"can't be blank"}}}},
      {{{"language_id", ""}}, {{"language_id", {"can't be blank"}}}},
      {{{"language_id", nullptr}}, {{"language_id", {"can't be blank"}}}},
      {{{"language_id", "abc"}}, {{"language_id", {"language with id 0 doesn't exist"}}}},
      {{{"language_id", 70}}, {{"language_id", {"language with id 70 doesn't exist"}}}},
      {{{"language_id", 26}},
       {{"language_id", {"language with id 26 is archived and cannot be used anymore"}}}},
      {{{"language_id", 99999999999LL}},
       {{"language_id", {"language with id 99999999999 doesn't exist"}}}},
      {{{"cpu_time_limit", "fast"}}, {{"cpu_time_limit", {"is not a number"}}}},
      {{{"cpu_time_limit", true}}, {{"cpu_time_limit", {"is not a number"}}}},
      {{{"cpu_time_limit", -1}}, {{"cpu_time_limit", {"must be greater than or equal to 0"}}}},
      {{{"cpu_time_limit", 30.5}}, {{"cpu_time_limit", {"must be less than or equal to 30"}}}},
      {{{"cpu_extra_time", 5.5}}, {{"cpu_extra_time", {"must be less than or equal to 5"}}}},
      {{{"wall_time_limit", 0.5}}, {{"wall_time_limit", {"must be greater than or equal to 1"}}}},
      {{{"memory_limit", 1024}}, {{"memory_limit", {"must be greater than or equal to 2048"}}}},
      {{{"memory_limit", 3000000}}, {{"memory_limit", {"must be less than or equal to 2097152"}}}},
      {{{"stack_limit", 128001}}, {{"stack_limit", {"must be less than or equal to 128000"}}}},
      {{{"max_processes_and_or_threads", 0}},
       {{"max_processes_and_or_threads", {"must be greater than 0"}}}},
      {{{"max_processes_and_or_threads", 257}},
       {{"max_processes_and_or_threads", {"must be less than or equal to 256"}}}},
      {{{"max_file_size", 16385}}, {{"max_file_size", {"must be less than or equal to 16384"}}}},
      {{{"number_of_runs", 0}}, {{"number_of_runs", {"must be greater than 0"}}}},
      {{{"number_of_runs", 21}}, {{"number_of_runs", {"must be less than or equal to 20"}}}},
      {{{"compiler_options", "-O3"}},
       {{"compiler_options", {"setting compiler options is not allowed"}}}},
      {{{"compiler_options", std::string(513, ' ')}},
       {{"compiler_options", {"is too long (maximum is 512 characters)"}}}},
      {{{"command_line_arguments", std::string(513, 'a')}},
       {{"command_line_arguments", {"is too long (maximum is 512 characters)"}}}},
      {{{"command_line_arguments", "a \"b"}},
       {{"command_line_arguments",
         {"has an unterminated double quote: close it, or escape it with a backslash"}}}},
      {{{"callback_url", "ftp://example.com/x"}},
       {{"callback_url", {"must be an http:// or https:// URL"}}}},
      {{{"additional_files", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}},
       {{"additional_files", {"setting additional files is not allowed"}}}},
      {{{"enable_network", true}}, {{"enable_network", {"enabling network is not allowed"}}}},
      {{{"enable_per_process_and_thread_time_limit", "true"}},
       {{"enable_per_process_and_thread_time_limit", {"this option cannot be enabled"}}}},
      {{{"enable_per_process_and_thread_memory_limit", 1}},
       {{"enable_per_process_and_thread_memory_limit", {"this option cannot be enabled"}}}},
  };
  for (const auto& [change, expected] : cases) {
    json body = good;
    body.update(change);
    Judge0Submission out;
    EXPECT_EQ(decode(body, &out), expected) << change.dump();
  }

  // Several at once, each under its own field.
  Judge0Submission out;
  const json many =
      decode({{"language_id", 999}, {"memory_limit", 1}, {"enable_network", "on"}}, &out);
  EXPECT_EQ(many, json::parse(R"js({"source_code": ["can't be blank"],
      "language_id": ["language with id 999 doesn't exist"],
      "memory_limit": ["must be greater than or equal to 2048"],
      "enable_network": ["enabling network is not allowed"]})js"));

  // Base64 that is not base64, in each text field.
  for (const char* field : {"source_code", "stdin", "expected_output"}) {
    json body = {{"source_code", base64Encode("print(1)")}, {"language_id", 71}};
    body[field] = "print(1)!";
    const json error = decode(body, &out, true);
    ASSERT_TRUE(error.contains(field)) << error.dump();
    EXPECT_NE(error[field][0].get<std::string>().find("not valid Base64"), std::string::npos);
    EXPECT_EQ(error.size(), 1u) << error.dump();
  }

  // What passes as Judge0 lets it: false options, blank options, a URL, off switches.
  ASSERT_EQ(decode({{"source_code", "x"},
                    {"language_id", 71},
                    {"compiler_options", " "},
                    {"additional_files", ""},
                    {"enable_network", "false"},
                    {"enable_per_process_and_thread_time_limit", 0},
                    {"redirect_stderr_to_stdout", "t"},
                    {"callback_url", "HTTPS://example.com/judge0"}},
                   &out),
            nullptr);
  EXPECT_TRUE(out.request.redirect_stderr_to_stdout);
  EXPECT_EQ(out.request.callback_url, "HTTPS://example.com/judge0");
}

TEST(HttpJudge0Test, AMappedLanguageNoSlaveOffersDoesNotExist) {
  const json python_only = json::parse(R"js([{"language": "python", "version": "3.11.2"}])js");
  Judge0Submission out;
  EXPECT_EQ(decode({{"source_code", "x"}, {"language_id", 62}}, &out, false, python_only),
            json::parse(R"js({"language_id": ["language with id 62 doesn't exist"]})js"));
  // No slave at all: the job waits for one.
  out = {};
  EXPECT_EQ(decode({{"source_code", "x"}, {"language_id", 62}}, &out, false, json::array()),
            nullptr);
  EXPECT_EQ(out.job.language, "java");
}

TEST(HttpJudge0Test, SplitsCommandLineArgumentsAsBashWould) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {}},
      {"  1 2   3 ", {"1", "2", "3"}},
      {"'a b' \"c d\" e\\ f", {"a b", "c d", "e f"}},
      {"\"say \\\"hi\\\"\" 'it''s'", {"say \"hi\"", "its"}},
      {"x'y'z \"\"", {"xyz", ""}},
      {"a;b|c&d $HOME `id` <in >out", {"abcd", "HOME", "id", "in", "out"}},  // deleted by Judge0
      {"one\ntwo\tthree", {"one", "two", "three"}},
      {"keep # the rest", {"keep"}},
      {"a#b", {"a#b"}},
  };
  for (const auto& [text, expected] : cases) {
    std::vector<std::string> args = {"stale"};
    std::string error;
    ASSERT_TRUE(splitJudge0Arguments(text, &args, &error)) << text << ": " << error;
    EXPECT_EQ(args, expected) << text;
  }
  std::vector<std::string> args;
  std::string error;
  EXPECT_FALSE(splitJudge0Arguments("'open", &args, &error));
  EXPECT_NE(error.find("single quote"), std::string::npos) << error;

  Judge0Submission out;
  ASSERT_EQ(
      decode({{"source_code", "x"}, {"language_id", 71}, {"command_line_arguments", "1 '2 3'"}},
             &out),
      nullptr);
  EXPECT_EQ(out.job.args, (std::vector<std::string>{"1", "2 3"}));
}

TEST(HttpJudge0Test, BooleanParametersAreTrueOnlyAsTheStringTrue) {
  const json body = {{"wait", "true"}, {"base64_encoded", true}};
  EXPECT_TRUE(judge0ParamTrue(std::nullopt, body, "wait"));
  EXPECT_FALSE(judge0ParamTrue(std::nullopt, body, "base64_encoded"));  // a JSON true is not "true"
  EXPECT_FALSE(judge0ParamTrue("false", body, "wait"));                 // the query wins
  EXPECT_TRUE(judge0ParamTrue("true", json::object(), "base64_encoded"));
  EXPECT_FALSE(judge0ParamTrue("TRUE", json::object(), "base64_encoded"));
  EXPECT_FALSE(judge0ParamTrue(std::nullopt, json::array(), "wait"));
}

TEST(HttpJudge0Test, ParsesBodies) {
  json body;
  EXPECT_EQ(parseJudge0Body("", &body), nullptr);
  EXPECT_EQ(body, json::object());
  EXPECT_EQ(parseJudge0Body(R"js({"language_id": 71})js", &body), nullptr);
  EXPECT_EQ(body["language_id"], 71);
  const json error = parseJudge0Body("{\"language_id\":", &body);
  EXPECT_EQ(error["status"], 400);
  EXPECT_EQ(error["error"], "Bad Request");
  const json deep = parseJudge0Body(std::string(100000, '[') + std::string(100000, ']'), &body);
  EXPECT_NE(deep["message"].get<std::string>().find("nested deeper than 64 levels"),
            std::string::npos)
      << deep.dump();
}

// --- Responses -----------------------------------------------------------------------------

StageResult stage(Verdict verdict, std::string out, int64_t cpu_ms, int64_t memory_kb) {
  StageResult s;
  s.verdict = verdict;
  s.stdout_data = std::move(out);
  s.exit_code = 0;
  s.cpu_ms = cpu_ms;
  s.wall_ms = cpu_ms + 3;
  s.memory_bytes = memory_kb * 1024;
  return s;
}

Judge0View finished(const std::string& token, const JobResult& result) {
  Judge0View v;
  v.token = token;
  v.state = JobState::kFinished;
  v.result = &result;
  return v;
}

json show(const Judge0View& v, const std::optional<std::string>& fields = std::nullopt,
          bool base64 = false) {
  std::vector<std::string> names;
  EXPECT_EQ(parseJudge0Fields(fields, &names), nullptr);
  std::optional<json> body = judge0Submission(v, names, base64);
  EXPECT_TRUE(body.has_value());
  return body.value_or(nullptr);
}

TEST(HttpJudge0Test, AnswersAsJudge0sWaitExample) {
  // Judge0's docs: the answer to the "wait=true" example, and the default GET answer.
  const json documented = json::parse(R"js({
        "stdout": "hello, Judge0\n",
        "time": "0.001",
        "memory": 380,
        "stderr": null,
        "token": "eb0dd001-66db-47f4-8a69-b736c9bc23f6",
        "compile_output": null,
        "message": null,
        "status": {
            "id": 3,
            "description": "Accepted"
        }
    })js");
  // The docs' request: language_id as a string, one expected output.
  Judge0Submission submission;
  ASSERT_EQ(decode(json::parse(R"js({
            "source_code": "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  printf(\"hello, %s\\n\", name);\n  return 0;\n}",
            "language_id": "50",
            "stdin": "Judge0",
            "expected_output": "hello, Judge0"
        })js"),
                   &submission),
            nullptr);
  JobResult result;
  result.verdict = Verdict::kOk;
  result.compile = stage(Verdict::kOk, "", 120, 40000);
  CaseResult one;
  one.run = stage(Verdict::kOk, "hello, Judge0\n", 1, 380);
  result.tests = {one};
  Judge0View view = finished(documented["token"], result);
  view.request = &submission.request;
  EXPECT_EQ(show(view), documented);
  EXPECT_EQ(show(view, ""), documented);
  EXPECT_EQ(show(view, "stdout,time,memory,stderr,token,compile_output,message,status"),
            documented);
}

TEST(HttpJudge0Test, AnswersAsJudge0sBase64AndFieldsExamples) {
  // Judge0's docs: base64_encoded=true.
  const json documented = json::parse(R"js({
            "stdout": "aGVsbG8sIEp1ZGdlMAo=\n",
            "time": "0.002",
            "memory": 376,
            "stderr": null,
            "token": "4e00f214-b8cb-4fcb-977b-429113c81ece",
            "compile_output": null,
            "message": null,
            "status": {
                "id": 3,
                "description": "Accepted"
            }
        })js");
  JobResult result;
  result.run = stage(Verdict::kOk, "hello, Judge0\n", 2, 376);
  EXPECT_EQ(show(finished(documented["token"], result), std::nullopt, true), documented);

  // Judge0's docs: fields=stdout,stderr,status_id,language_id, for a program over its time.
  const json fields = json::parse(R"js({
        "stdout": "hello, world\n",
        "status_id": 5,
        "language_id": 4,
        "stderr": null
    })js");
  JobResult slow;
  slow.verdict = Verdict::kTimeLimit;
  slow.run = stage(Verdict::kTimeLimit, "hello, world\n", 5000, 400);
  slow.run->signal = 9;
  slow.run->exit_code = -1;
  Judge0View view = finished("t", slow);
  view.language_id = 4;
  EXPECT_EQ(show(view, "stdout,stderr,status_id,language_id"), fields);
  const json more = show(view, "exit_code,exit_signal,time,status");
  EXPECT_EQ(more["exit_code"], 0);  // isolate has no exit code for a killed program: Judge0 0
  EXPECT_EQ(more["exit_signal"], 9);
  EXPECT_EQ(more["time"], "5.0");
  EXPECT_EQ(more["status"]["description"], "Time Limit Exceeded");
}

TEST(HttpJudge0Test, EncodesLongOutputAsRubysEncode64) {
  // judge0/judge0 issue 491 shows Judge0's answer for this output: lines of 60 characters.
  JobResult result;
  result.run =
      stage(Verdict::kOk, "Perimetro = 407695695.14\nArea = 10384784757677856.00\n", 41, 7144);
  EXPECT_EQ(show(finished("t", result), "stdout", true)["stdout"],
            "UGVyaW1ldHJvID0gNDA3Njk1Njk1LjE0CkFyZWEgPSAxMDM4NDc4NDc1NzY3\nNzg1Ni4wMAo=\n");
}

TEST(HttpJudge0Test, WrongAnswerCompileErrorAndRuntimeErrors) {
  // Wrong answer: the one case's verdict; the checker's words in message.
  JobResult wa;
  wa.verdict = Verdict::kWrongAnswer;
  CaseResult one;
  one.run = stage(Verdict::kWrongAnswer, "hello, world\n", 1, 380);
  one.run.message = "line 1, column 8: expected \"Judge0\", got \"world\"";
  wa.tests = {one};
  json body = show(finished("t", wa), "status,stdout,message,exit_code,exit_signal");
  EXPECT_EQ(body["status"], json::parse(R"js({"id": 4, "description": "Wrong Answer"})js"));
  EXPECT_EQ(body["stdout"], "hello, world\n");
  EXPECT_EQ(body["message"], one.run.message);
  EXPECT_EQ(body["exit_code"], 0);
  EXPECT_EQ(body["exit_signal"], nullptr);

  // Compilation error: compile_output is the compiler's; nothing of a run.
  JobResult ce;
  ce.verdict = Verdict::kCompileError;
  ce.compile = stage(Verdict::kCompileError, "", 80, 30000);
  ce.compile->stderr_data = "main.c:1:1: error: expected ';'\n";
  ce.compile->exit_code = 1;
  body = show(finished("t", ce), "*");
  EXPECT_EQ(body["status"], json::parse(R"js({"id": 6, "description": "Compilation Error"})js"));
  EXPECT_EQ(body["status_id"], 6);
  EXPECT_EQ(body["compile_output"], "main.c:1:1: error: expected ';'\n");
  for (const char* field :
       {"stdout", "stderr", "time", "wall_time", "memory", "exit_code", "exit_signal", "message"})
    EXPECT_EQ(body[field], nullptr) << field;
  EXPECT_EQ(body["language_id"], nullptr);  // no request, no language in the result
  ce.language = "c";
  EXPECT_EQ(show(finished("t", ce), "language_id")["language_id"], 50);

  // A compiler over its time: Judge0's words.
  ce.compile->timed_out = true;
  EXPECT_EQ(show(finished("t", ce), "compile_output")["compile_output"],
            "Compilation time limit exceeded.");

  // Runtime errors: a non-zero exit, a signal, memory, output.
  struct Case {
    Verdict verdict;
    int exit_code, signal;
    int status;
  };
  for (const Case& c : {Case{Verdict::kRuntimeError, 3, 0, 11}, Case{Verdict::kSignaled, -1, 11, 7},
                        Case{Verdict::kSignaled, -1, 8, 9}, Case{Verdict::kMemoryLimit, -1, 9, 12},
                        Case{Verdict::kOutputLimit, -1, 0, 8}}) {
    JobResult re;
    re.verdict = c.verdict;
    re.run = stage(c.verdict, "", 10, 500);
    re.run->exit_code = c.exit_code;
    re.run->signal = c.signal;
    re.run->message = "why";
    re.run->stderr_data = "trace\n";
    body = show(finished("t", re), "status_id,exit_code,exit_signal,message,stderr,stdout");
    EXPECT_EQ(body["status_id"], c.status) << verdictName(c.verdict);
    EXPECT_EQ(body["exit_code"], std::max(c.exit_code, 0));
    EXPECT_EQ(body["exit_signal"], c.signal ? json(c.signal) : json(nullptr));
    EXPECT_EQ(body["message"], "why");
    EXPECT_EQ(body["stderr"], "trace\n");
    EXPECT_EQ(body["stdout"], nullptr);
  }

  // polyrun's own failure, with nothing run.
  JobResult lost;
  lost.verdict = Verdict::kInternalError;
  lost.message = "the slave went away";
  body = show(finished("t", lost), "status_id,message,time");
  EXPECT_EQ(body, json::parse(
                      R"js({"status_id": 13, "message": "the slave went away", "time": null})js"));
}

TEST(HttpJudge0Test, StatusFollowsTheJobsState) {
  Judge0View v;
  v.token = "t";
  v.created_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1765124140123));
  v.finished_at = v.created_at;
  for (auto [state, id] : {std::pair{JobState::kQueued, 1}, std::pair{JobState::kAssigned, 2},
                           std::pair{JobState::kCompiling, 2}, std::pair{JobState::kRunning, 2},
                           std::pair{JobState::kCancelled, 13}}) {
    v.state = state;
    const json body = show(v, "status,created_at,finished_at,message,stdout");
    EXPECT_EQ(body["status"]["id"], id) << jobStateName(state);
    EXPECT_EQ(body["status"]["description"], *judge0StatusDescription(id));
    EXPECT_EQ(body["created_at"], "2025-12-07T16:15:40.123Z");
    EXPECT_EQ(body["finished_at"],
              state == JobState::kCancelled ? json("2025-12-07T16:15:40.123Z") : json(nullptr));
    EXPECT_EQ(body["stdout"], nullptr);
    if (state == JobState::kCancelled)
      EXPECT_NE(body["message"].get<std::string>().find("cancelled"), std::string::npos);
    else
      EXPECT_EQ(body["message"], nullptr);
  }
}

TEST(HttpJudge0Test, OutputThatIsNotUtf8NeedsBase64) {
  JobResult result;
  result.run = stage(Verdict::kOk, "\xfe\n", 1, 300);
  const Judge0View v = finished("t", result);
  EXPECT_EQ(judge0Submission(v, judge0DefaultFields(), false), std::nullopt);
  EXPECT_EQ(judge0Submission(v, {"status", "time"}, false)->size(), 2u);  // stdout not asked for
  EXPECT_EQ(judge0Submission(v, {"stdout"}, true)->at("stdout"), "/go=\n");
  // UTF-8 beyond ASCII is text (Judge0 refuses any byte over 0x7f here).
  result.run->stdout_data = "h\xc3\xa9llo\n";
  EXPECT_EQ(judge0Submission(v, {"stdout"}, false)->at("stdout"), "h\xc3\xa9llo\n");

  // Judge0's docs: the answer to GET, and to a POST with wait=true (201, with the token).
  EXPECT_EQ(judge0Utf8Error(), json::parse(R"js({
            "error": "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"
        })js"));
  EXPECT_EQ(judge0Utf8Error("fcd0de6d-ee52-4a9d-8a00-6e0d98d394cf"), json::parse(R"js({
        "token": "fcd0de6d-ee52-4a9d-8a00-6e0d98d394cf",
        "error": "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"
    })js"));
  EXPECT_EQ(judge0BatchUtf8Error(), json::parse(R"js({
            "error": "some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter"
        })js"));
}

TEST(HttpJudge0Test, RedirectsStderrIntoStdout) {
  Judge0Submission submission;
  ASSERT_EQ(decode({{"source_code", "x"}, {"language_id", 71}, {"redirect_stderr_to_stdout", true}},
                   &submission),
            nullptr);
  JobResult result;
  result.run = stage(Verdict::kOk, "out\n", 1, 300);
  result.run->stderr_data = "err\n";
  Judge0View v = finished("t", result);
  v.request = &submission.request;
  EXPECT_EQ(show(v, "stdout,stderr,redirect_stderr_to_stdout"),
            json::parse(R"js({"stdout": "out\nerr\n", "stderr": null,
                            "redirect_stderr_to_stdout": true})js"));
}

TEST(HttpJudge0Test, ParsesFieldsAsJudge0) {
  std::vector<std::string> fields;
  ASSERT_EQ(parseJudge0Fields(std::nullopt, &fields), nullptr);
  EXPECT_EQ(fields, (std::vector<std::string>{"token", "time", "memory", "stdout", "stderr",
                                              "compile_output", "message", "status"}));
  ASSERT_EQ(parseJudge0Fields("stdout,status,,", &fields), nullptr);
  EXPECT_EQ(fields, (std::vector<std::string>{"stdout", "status"}));
  ASSERT_EQ(parseJudge0Fields("stdout,*", &fields), nullptr);
  EXPECT_EQ(fields.size(), 35u);  // Judge0's 33 documented attributes, status_id and language
  EXPECT_EQ(parseJudge0Fields("stdout,foo,bar", &fields),
            json::parse(R"js({"error": "invalid fields: [foo, bar]"})js"));
  EXPECT_EQ(parseJudge0Fields("stdout, status", &fields),
            json::parse(R"js({"error": "invalid fields: [ status]"})js"));
  EXPECT_EQ(parseJudge0Fields(",stdout", &fields),
            json::parse(R"js({"error": "invalid fields: []"})js"));

  // Every field of fields=* is there, for a finished judged job and for one still queued.
  JobResult result;
  result.run = stage(Verdict::kOk, "x", 1, 1);
  for (const Judge0View& v : {finished("t", result), Judge0View{}}) {
    const json body = show(v, "*");
    std::set<std::string> keys;
    for (const auto& [key, value] : body.items()) keys.insert(key);
    const auto& all = judge0AllFields();
    EXPECT_EQ(keys, std::set<std::string>(all.begin(), all.end()));
  }
}

TEST(HttpJudge0Test, CallbackCarriesTheDefaultFieldsInBase64) {
  JobResult result;
  result.run = stage(Verdict::kOk, "hello, Judge0\n", 2, 376);
  const json body = judge0CallbackBody(finished("cb", result));
  EXPECT_EQ(body["stdout"], "aGVsbG8sIEp1ZGdlMAo=\n");
  EXPECT_EQ(body["token"], "cb");
  EXPECT_EQ(body.size(), judge0DefaultFields().size());
}

// --- Batches -------------------------------------------------------------------------------

TEST(HttpJudge0Test, DecodesJudge0sBatchExamples) {
  // Judge0's docs, with the ids polyrun does not map (46 Bash, 72 Ruby) as C (50) and
  // JavaScript (63).
  std::string text = R"js({
        "submissions":
        [
            {
                "language_id": 46,
                "source_code": "echo hello from Bash"
            },
            {
                "language_id": 123456789,
                "source_code": "print(\"hello from Python\")"
            },
            {
                "language_id": 72,
                "source_code": ""
            }
        ]
    })js";
  json body = json::parse(text);
  body["submissions"][0]["language_id"] = 50;
  body["submissions"][2]["language_id"] = 63;
  std::vector<Judge0BatchItem> items;
  ASSERT_EQ(
      decodeJudge0Batch(body, false, kRuntimes, maxima(), defaultLimits(), kJudge0MaxBatch, &items),
      nullptr);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].submission.job.language, "c");
  int status = 0;
  const json created =
      judge0BatchCreated(items, {"c2dd8881-644b-462d-b1f9-73dd3bb0118a", "", ""}, &status);
  EXPECT_EQ(status, 201);
  EXPECT_EQ(created, json::parse(R"js([
        {
            "token": "c2dd8881-644b-462d-b1f9-73dd3bb0118a"
        },
        {
            "language_id": [
                "language with id 123456789 doesn't exist"
            ]
        },
        {
            "source_code": [
                "can't be blank"
            ]
        }
    ])js"));

  // Nothing good: 422.
  items.erase(items.begin());
  judge0BatchCreated(items, {"", ""}, &status);
  EXPECT_EQ(status, 422);

  // The batch itself refused: 400.
  EXPECT_EQ(decodeJudge0Batch(json::object(), false, kRuntimes, maxima(), defaultLimits(),
                              kJudge0MaxBatch, &items),
            json::parse(R"js({"error": "there should be at least one submission in a batch"})js"));
  EXPECT_EQ(decodeJudge0Batch({{"submissions", json::array()}}, false, kRuntimes, maxima(),
                              defaultLimits(), kJudge0MaxBatch, &items),
            json::parse(R"js({"error": "there should be at least one submission in a batch"})js"));
  const json many = {{"submissions", json::array()}};
  json big = many;
  for (int i = 0; i < 21; ++i) big["submissions"].push_back(body["submissions"][0]);
  EXPECT_EQ(
      decodeJudge0Batch(big, false, kRuntimes, maxima(), defaultLimits(), kJudge0MaxBatch, &items),
      json::parse(
          R"js({"error": "number of submissions in a batch should be less than or equal to 20"})js"));
  const json odd = decodeJudge0Batch({{"submissions", "x"}}, false, kRuntimes, maxima(),
                                     defaultLimits(), kJudge0MaxBatch, &items);
  EXPECT_NE(odd["error"].get<std::string>().find("must be an array"), std::string::npos);

  // base64_encoded holds for every item.
  ASSERT_EQ(
      decodeJudge0Batch(
          {{"submissions", {{{"language_id", 71}, {"source_code", base64Encode("print(2)")}}}}},
          true, kRuntimes, maxima(), defaultLimits(), kJudge0MaxBatch, &items),
      nullptr);
  EXPECT_EQ(items.at(0).submission.request.source_code, "print(2)");
}

TEST(HttpJudge0Test, AnswersJudge0sBatchGetExample) {
  std::vector<std::string> tokens;
  ASSERT_EQ(parseJudge0Tokens(" db54881d-bcf5-4c7b-a2e3-d33fe7e25de7,ecc52a9b-ea80-4a00-ad50-"
                              "4ab6cc3bb2a1,1b35ec3b-5776-48ef-b646-d5522bdeb2cc,unknown, ",
                              kJudge0MaxBatch, &tokens),
            nullptr);
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[3], "unknown");
  EXPECT_EQ(parseJudge0Tokens(" ", kJudge0MaxBatch, &tokens),
            json::parse(R"js({"error": "there should be at least one submission in a batch"})js"));
  EXPECT_EQ(
      parseJudge0Tokens("a,b,c", 2, &tokens),
      json::parse(
          R"js({"error": "number of submissions in a batch should be less than or equal to 2"})js"));

  // Judge0's docs: GET /submissions/batch?tokens=...&fields=token,stdout,stderr,status_id,
  // language_id.
  const json documented = json::parse(R"js({
        "submissions": [
            {
                "language_id": 46,
                "stdout": "hello from Bash\n",
                "status_id": 3,
                "stderr": null,
                "token": "db54881d-bcf5-4c7b-a2e3-d33fe7e25de7"
            },
            {
                "language_id": 71,
                "stdout": "hello from Python\n",
                "status_id": 3,
                "stderr": null,
                "token": "ecc52a9b-ea80-4a00-ad50-4ab6cc3bb2a1"
            },
            {
                "language_id": 72,
                "stdout": "hello from Ruby\n",
                "status_id": 3,
                "stderr": null,
                "token": "1b35ec3b-5776-48ef-b646-d5522bdeb2cc"
            }
        ]
    })js");
  std::vector<JobResult> results(3);
  std::vector<std::optional<Judge0View>> views;
  for (size_t i = 0; i < 3; ++i) {
    const json& s = documented["submissions"][i];
    results[i].run = stage(Verdict::kOk, s["stdout"], 1, 1);
    views.push_back(finished(s["token"], results[i]));
    views.back()->language_id = s["language_id"];
  }
  std::vector<std::string> fields;
  ASSERT_EQ(parseJudge0Fields("token,stdout,stderr,status_id,language_id", &fields), nullptr);
  EXPECT_EQ(judge0BatchSubmissions(views, fields, false), documented);

  views.push_back(std::nullopt);  // an unknown token
  const json with_unknown = *judge0BatchSubmissions(views, fields, false);
  EXPECT_EQ(with_unknown["submissions"].size(), 4u);
  EXPECT_EQ(with_unknown["submissions"][3], nullptr);

  results[1].run->stdout_data = "\xff";
  EXPECT_EQ(judge0BatchSubmissions(views, fields, false), std::nullopt);
  EXPECT_TRUE(judge0BatchSubmissions(views, fields, true).has_value());
}

// --- Statuses, languages, about ------------------------------------------------------------

TEST(HttpJudge0Test, StatusesAreJudge0sDocumentedList) {
  // Judge0's docs: GET /statuses.
  EXPECT_EQ(judge0StatusesBody(), json::parse(R"js([
        {"id": 1, "description": "In Queue"},
        {"id": 2, "description": "Processing"},
        {"id": 3, "description": "Accepted"},
        {"id": 4, "description": "Wrong Answer"},
        {"id": 5, "description": "Time Limit Exceeded"},
        {"id": 6, "description": "Compilation Error"},
        {"id": 7, "description": "Runtime Error (SIGSEGV)"},
        {"id": 8, "description": "Runtime Error (SIGXFSZ)"},
        {"id": 9, "description": "Runtime Error (SIGFPE)"},
        {"id": 10, "description": "Runtime Error (SIGABRT)"},
        {"id": 11, "description": "Runtime Error (NZEC)"},
        {"id": 12, "description": "Runtime Error (Other)"},
        {"id": 13, "description": "Internal Error"},
        {"id": 14, "description": "Exec Format Error"}
    ])js"));
}

TEST(HttpJudge0Test, LanguagesAreThoseOfferedInJudge0sOrder) {
  // Judge0's docs: GET /languages (v1.13.1's active languages before the Clang ones were
  // added), ordered by name as its database collates them.
  const json documented = json::parse(R"js([
    {"id": 45, "name": "Assembly (NASM 2.14.02)"}, {"id": 46, "name": "Bash (5.0.0)"},
    {"id": 47, "name": "Basic (FBC 1.07.1)"}, {"id": 48, "name": "C (GCC 7.4.0)"},
    {"id": 52, "name": "C++ (GCC 7.4.0)"}, {"id": 49, "name": "C (GCC 8.3.0)"},
    {"id": 53, "name": "C++ (GCC 8.3.0)"}, {"id": 50, "name": "C (GCC 9.2.0)"},
    {"id": 54, "name": "C++ (GCC 9.2.0)"}, {"id": 51, "name": "C# (Mono 6.6.0.161)"},
    {"id": 55, "name": "Common Lisp (SBCL 2.0.0)"}, {"id": 56, "name": "D (DMD 2.089.1)"},
    {"id": 57, "name": "Elixir (1.9.4)"}, {"id": 58, "name": "Erlang (OTP 22.2)"},
    {"id": 44, "name": "Executable"}, {"id": 59, "name": "Fortran (GFortran 9.2.0)"},
    {"id": 60, "name": "Go (1.13.5)"}, {"id": 61, "name": "Haskell (GHC 8.8.1)"},
    {"id": 62, "name": "Java (OpenJDK 13.0.1)"}, {"id": 63, "name": "JavaScript (Node.js 12.14.0)"},
    {"id": 64, "name": "Lua (5.3.5)"}, {"id": 65, "name": "OCaml (4.09.0)"},
    {"id": 66, "name": "Octave (5.1.0)"}, {"id": 67, "name": "Pascal (FPC 3.0.4)"},
    {"id": 68, "name": "PHP (7.4.1)"}, {"id": 43, "name": "Plain Text"},
    {"id": 69, "name": "Prolog (GNU Prolog 1.4.5)"}, {"id": 70, "name": "Python (2.7.17)"},
    {"id": 71, "name": "Python (3.8.1)"}, {"id": 72, "name": "Ruby (2.7.0)"},
    {"id": 73, "name": "Rust (1.40.0)"}, {"id": 74, "name": "TypeScript (3.7.4)"}
  ])js");
  // Slaves offering every mapped language.
  json every = json::array();
  std::set<int> mapped;
  for (const Judge0Language& l : judge0Languages()) {
    mapped.insert(l.id);
    every.push_back({{"language", std::string(l.polyrun_language)}, {"version", "1"}});
  }
  const json ours = judge0LanguagesBody(every);
  ASSERT_EQ(ours.size(), mapped.size());  // every slave language offered
  json documented_mapped = json::array();
  for (const json& l : documented)
    if (mapped.count(l["id"])) documented_mapped.push_back(l);
  json ours_documented = json::array();
  for (const json& l : ours) {
    EXPECT_EQ(l.size(), 2u);
    if (std::any_of(documented.begin(), documented.end(),
                    [&](const json& d) { return d["id"] == l["id"]; }))
      ours_documented.push_back(l);
  }
  EXPECT_EQ(ours_documented, documented_mapped);
  // The Clang ids sort before GCC's, as "C (Clang" before "C (GCC".
  const auto position = [&](int id) {
    for (size_t i = 0; i < ours.size(); ++i)
      if (ours[i]["id"] == id) return i;
    return ours.size();
  };
  EXPECT_EQ(ours[0], json::parse(R"js({"id": 46, "name": "Bash (5.0.0)"})js"));
  EXPECT_LT(position(75), position(48));
  EXPECT_LT(position(76), position(52));

  EXPECT_EQ(
      judge0LanguagesBody(json::parse(R"js([{"language": "python", "version": "3.11.2"}])js")),
      json::parse(R"js([{"id": 71, "name": "Python (3.8.1)"}])js"));
  EXPECT_EQ(judge0LanguagesBody(json::array()), json::array());
}

TEST(HttpJudge0Test, ALanguageHasJudge0sFields) {
  // Judge0's docs: GET /languages/1 (an archived language polyrun does not serve).
  const json documented = json::parse(R"js({
            "id": 1,
            "name": "Bash (4.4)",
            "is_archived": true,
            "source_file": "script.sh",
            "compile_cmd": null,
            "run_cmd": "/usr/local/bash-4.4/bin/bash script.sh"
        })js");
  EXPECT_EQ(judge0LanguageBody("1"), std::nullopt);
  EXPECT_EQ(judge0LanguageBody("999"), std::nullopt);
  EXPECT_EQ(judge0LanguageBody("abc"), std::nullopt);
  EXPECT_EQ(judge0NotFound(), json::parse(R"js({"status": 404, "error": "Not Found"})js"));
  const std::set<std::string> built_in = {"c", "c++", "java", "python", "javascript"};
  for (const Judge0Language& l : judge0Languages()) {
    const std::optional<json> body = judge0LanguageBody(std::to_string(l.id));
    ASSERT_TRUE(body.has_value()) << l.id;
    ASSERT_EQ(body->size(), documented.size());
    if (!built_in.count(std::string(l.polyrun_language))) {
      // A language from a definition file: its commands are the slaves', unknown here.
      EXPECT_EQ((*body)["name"], l.name);
      for (const char* key : {"source_file", "compile_cmd", "run_cmd"})
        EXPECT_TRUE((*body)[key].is_null()) << l.id << " " << key;
      continue;
    }
    for (const auto& [key, value] : documented.items()) {
      ASSERT_TRUE(body->contains(key)) << key;
      // The same JSON type (any number for a number; compile_cmd is null for Bash).
      const auto kind = [](const json& j) { return j.is_number() ? 0 : int(j.type()) + 1; };
      if (key != "compile_cmd") {
        EXPECT_EQ(kind((*body)[key]), kind(value)) << key;
      }
    }
    EXPECT_EQ((*body)["id"], l.id);
    EXPECT_EQ((*body)["name"], l.name);
    EXPECT_EQ((*body)["is_archived"], false);
    const bool compiled =
        l.polyrun_language == "c" || l.polyrun_language == "c++" || l.polyrun_language == "java";
    EXPECT_EQ((*body)["compile_cmd"].is_string(), compiled) << l.id;
  }
  EXPECT_EQ((*judge0LanguageBody("62"))["source_file"], "Main.java");
  EXPECT_EQ((*judge0LanguageBody("71"))["source_file"], "main.py");
}

TEST(HttpJudge0Test, AboutHasJudge0sFields) {
  // Judge0's docs: GET /about.
  const json documented = json::parse(R"js({
            "version": "1.5.0",
            "homepage": "https://judge0.com",
            "source_code": "https://github.com/judge0/judge0",
            "maintainer": "Herman Zvonimir Došilović <hermanz.dosilovic@gmail.com>"
        })js");
  const json about = judge0AboutBody("0.1.0");
  ASSERT_EQ(about.size(), documented.size());
  for (const auto& [key, value] : documented.items()) EXPECT_TRUE(about.contains(key)) << key;
  EXPECT_EQ(about["version"], "1.13.1");  // the table Judge0's SDK picks has the ids we map
  EXPECT_NE(about["maintainer"].get<std::string>().find("polyrun 0.1.0"), std::string::npos);
}

}  // namespace
}  // namespace polyrun::master
