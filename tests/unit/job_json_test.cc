// JSON form of Job, StageResult, JobResult and RunnerInfo (docs/protocol.md).
#include "polyrun/job_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "polyrun/base64.h"
#include "polyrun/wire_bytes.h"

namespace polyrun {
namespace {

using nlohmann::json;

Job fullJob() {
  Job job;
  job.id = "j-000042";
  job.language = "c++";
  job.version = "12.2";
  job.files = {{"main.cpp", "int main() { return 0; }\n", Encoding::kUtf8},
               {"data.bin", "AAEC/w==", Encoding::kBase64},
               {"", "no name", Encoding::kUtf8}};
  job.stdin_data = "line 1\nline 2\n";
  job.args = {"-v", "two words", ""};
  job.limits.compile = {15000, 14000, 1ll << 30};
  job.limits.run = {5000, 4000, 3ll << 30};  // over 32 bits: must survive as int64
  job.limits.output_bytes = 2 << 20;
  job.limits.processes = 17;
  return job;
}

void expectSameJob(const Job& a, const Job& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].name, b.files[i].name) << i;
    EXPECT_EQ(a.files[i].content, b.files[i].content) << i;
    EXPECT_EQ(a.files[i].encoding, b.files[i].encoding) << i;
  }
  EXPECT_EQ(a.stdin_data, b.stdin_data);
  EXPECT_EQ(a.args, b.args);
  EXPECT_EQ(a.limits.compile.wall_ms, b.limits.compile.wall_ms);
  EXPECT_EQ(a.limits.compile.cpu_ms, b.limits.compile.cpu_ms);
  EXPECT_EQ(a.limits.compile.memory_bytes, b.limits.compile.memory_bytes);
  EXPECT_EQ(a.limits.run.wall_ms, b.limits.run.wall_ms);
  EXPECT_EQ(a.limits.run.cpu_ms, b.limits.run.cpu_ms);
  EXPECT_EQ(a.limits.run.memory_bytes, b.limits.run.memory_bytes);
  EXPECT_EQ(a.limits.output_bytes, b.limits.output_bytes);
  EXPECT_EQ(a.limits.processes, b.limits.processes);
}

void expectSameStage(const StageResult& a, const StageResult& b) {
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.stdout_data, b.stdout_data);
  EXPECT_EQ(a.stderr_data, b.stderr_data);
  EXPECT_EQ(a.stdout_truncated, b.stdout_truncated);
  EXPECT_EQ(a.stderr_truncated, b.stderr_truncated);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.signal, b.signal);
  EXPECT_EQ(a.cpu_ms, b.cpu_ms);
  EXPECT_EQ(a.wall_ms, b.wall_ms);
  EXPECT_EQ(a.memory_bytes, b.memory_bytes);
  EXPECT_EQ(a.message, b.message);
}

// A minimal valid job as a client would send it.
json minimalJob() {
  return json::parse(R"js({"language": "python", "files": [{"content": "print(1)"}]})js");
}

// Parses `j` as a job, expects failure (the caller's input is wrong), returns the message.
std::string jobError(const json& j) {
  Job job;
  const Status status = fromJson(j, &job);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << j.dump();
  EXPECT_NE(status.message(), "");
  return status.message();
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(JobJsonTest, JobRoundTripKeepsEveryField) {
  const Job job = fullJob();
  const json j = toJson(job);
  Job back;
  ASSERT_EQ(fromJson(j, &back).message(), "");
  expectSameJob(job, back);
  // The round trip also survives text: what actually goes over the wire.
  Job from_text;
  ASSERT_EQ(fromJson(json::parse(j.dump()), &from_text).message(), "");
  expectSameJob(job, from_text);
}

TEST(JobJsonTest, JobWireNamesAreTheDocumentedOnes) {
  const json j = toJson(fullJob());
  EXPECT_EQ(j["id"], "j-000042");
  EXPECT_EQ(j["language"], "c++");
  EXPECT_EQ(j["stdin"], "line 1\nline 2\n");
  EXPECT_EQ(j["files"][0]["encoding"], "utf8");
  EXPECT_EQ(j["files"][1]["encoding"], "base64");
  EXPECT_EQ(j["files"][1]["content"], "AAEC/w==");  // still encoded on the wire
  EXPECT_EQ(j["limits"]["run"]["wall_ms"], 5000);
  EXPECT_EQ(j["limits"]["run"]["memory_bytes"], 3ll << 30);
  EXPECT_EQ(j["limits"]["compile"]["cpu_ms"], 14000);
  EXPECT_EQ(j["limits"]["output_bytes"], 2 << 20);
  EXPECT_EQ(j["limits"]["processes"], 17);
}

TEST(JobJsonTest, JobWithoutIdHasNoIdField) {
  Job job = fullJob();
  job.id.clear();
  EXPECT_FALSE(toJson(job).contains("id"));
}

TEST(JobJsonTest, MinimalJobGetsDefaults) {
  Job job;
  ASSERT_EQ(fromJson(minimalJob(), &job).message(), "");
  EXPECT_EQ(job.language, "python");
  ASSERT_EQ(job.files.size(), 1u);
  EXPECT_EQ(job.files[0].name, "");
  EXPECT_EQ(job.files[0].content, "print(1)");
  EXPECT_EQ(job.files[0].encoding, Encoding::kUtf8);
  EXPECT_TRUE(job.args.empty());
  EXPECT_EQ(job.stdin_data, "");
  EXPECT_EQ(job.limits.run.wall_ms, 0);
  EXPECT_EQ(job.limits.compile.memory_bytes, 0);
  EXPECT_EQ(job.limits.output_bytes, 0);
  EXPECT_EQ(job.limits.processes, 0);
}

TEST(JobJsonTest, PartialLimitsLeaveTheRestAtZero) {
  json j = minimalJob();
  j["limits"] = {{"run", {{"cpu_ms", 700}}}};
  Job job;
  ASSERT_EQ(fromJson(j, &job).message(), "");
  EXPECT_EQ(job.limits.run.cpu_ms, 700);
  EXPECT_EQ(job.limits.run.wall_ms, 0);
  EXPECT_EQ(job.limits.compile.wall_ms, 0);
}

TEST(JobJsonTest, JobMustBeAnObject) {
  EXPECT_CONTAINS(jobError(json::array()), "job");
  EXPECT_CONTAINS(jobError(json("python")), "job");
}

TEST(JobJsonTest, MissingLanguageIsNamed) {
  json j = minimalJob();
  j.erase("language");
  EXPECT_CONTAINS(jobError(j), "language");
  j["language"] = "";
  EXPECT_CONTAINS(jobError(j), "language");
  j["language"] = 3;
  EXPECT_CONTAINS(jobError(j), "language");
}

TEST(JobJsonTest, FilesMustBeANonEmptyArray) {
  json j = minimalJob();
  j["files"] = "print(1)";
  EXPECT_CONTAINS(jobError(j), "files");
  j["files"] = json::object({{"content", "x"}});
  EXPECT_CONTAINS(jobError(j), "files");
  j["files"] = json::array();
  EXPECT_CONTAINS(jobError(j), "files");
  j.erase("files");
  EXPECT_CONTAINS(jobError(j), "files");
}

TEST(JobJsonTest, FileErrorsNameTheFileIndex) {
  json j = minimalJob();
  j["files"].push_back({{"name", "b.py"}});  // no content
  EXPECT_CONTAINS(jobError(j), "files[1]");
  EXPECT_CONTAINS(jobError(j), "content");

  j = minimalJob();
  j["files"][0]["content"] = 12;
  EXPECT_CONTAINS(jobError(j), "files[0].content");

  j = minimalJob();
  j["files"][0] = "print(1)";
  EXPECT_CONTAINS(jobError(j), "files[0]");

  j = minimalJob();
  j["files"][0]["name"] = json::array();
  EXPECT_CONTAINS(jobError(j), "files[0].name");
}

TEST(JobJsonTest, UnknownEncodingIsNamed) {
  json j = minimalJob();
  j["files"][0]["encoding"] = "utf16";
  const std::string error = jobError(j);
  EXPECT_CONTAINS(error, "files[0].encoding");
  EXPECT_CONTAINS(error, "utf16");
}

TEST(JobJsonTest, Base64EncodingIsRead) {
  json j = minimalJob();
  j["files"][0]["encoding"] = "base64";
  j["files"][0]["content"] = "cHJpbnQoMSk=";
  Job job;
  ASSERT_EQ(fromJson(j, &job).message(), "");
  EXPECT_EQ(job.files[0].encoding, Encoding::kBase64);
  EXPECT_EQ(job.files[0].content, "cHJpbnQoMSk=");  // decoding is the executor's job
}

TEST(JobJsonTest, LimitOfWrongTypeIsNamed) {
  json j = minimalJob();
  j["limits"] = {{"run", {{"wall_ms", "5000"}}}};
  EXPECT_CONTAINS(jobError(j), "limits.run.wall_ms");

  j["limits"] = {{"compile", {{"memory_bytes", 1.5}}}};
  EXPECT_CONTAINS(jobError(j), "limits.compile.memory_bytes");

  j["limits"] = {{"run", 5000}};
  EXPECT_CONTAINS(jobError(j), "limits.run");

  j["limits"] = {{"output_bytes", true}};
  EXPECT_CONTAINS(jobError(j), "limits.output_bytes");

  j["limits"] = {{"processes", "many"}};
  EXPECT_CONTAINS(jobError(j), "limits.processes");

  j["limits"] = "fast";
  EXPECT_CONTAINS(jobError(j), "limits");
}

TEST(JobJsonTest, ArgsMustBeStrings) {
  json j = minimalJob();
  j["args"] = {"a", 2};
  EXPECT_CONTAINS(jobError(j), "args");
  j["args"] = "a b";
  EXPECT_CONTAINS(jobError(j), "args");
}

TEST(JobJsonTest, OtherStringFieldsOfWrongTypeAreNamed) {
  json j = minimalJob();
  j["stdin"] = json::array();
  EXPECT_CONTAINS(jobError(j), "stdin");
  j = minimalJob();
  j["version"] = 3;
  EXPECT_CONTAINS(jobError(j), "version");
}

StageResult fullStage(Verdict verdict) {
  StageResult s;
  s.verdict = verdict;
  s.stdout_data = "out\n";
  s.stderr_data = "err\n";
  s.stdout_truncated = true;
  s.stderr_truncated = false;
  s.exit_code = 3;
  s.signal = 9;
  s.cpu_ms = 123;
  s.wall_ms = 456;
  s.memory_bytes = 5ll << 30;
  s.message = "why";
  return s;
}

TEST(JobJsonTest, StageResultRoundTrip) {
  for (Verdict v : {Verdict::kOk, Verdict::kSignaled, Verdict::kOutputLimit}) {
    const StageResult s = fullStage(v);
    StageResult back;
    ASSERT_EQ(fromJson(json::parse(toJson(s).dump()), &back).message(), "");
    expectSameStage(s, back);
  }
}

TEST(JobJsonTest, JobResultRoundTripWithBothStages) {
  JobResult r;
  r.job_id = "j-7";
  r.slave = "slave-a";
  r.language = "c";
  r.version = "12.2.0";
  r.verdict = Verdict::kTimeLimit;
  r.message = "wall time limit of 5000 ms exceeded";
  r.compile = fullStage(Verdict::kOk);
  r.run = fullStage(Verdict::kTimeLimit);
  r.queue_ms = 12;
  r.total_ms = 5100;
  JobResult back;
  ASSERT_EQ(fromJson(json::parse(toJson(r).dump()), &back).message(), "");
  EXPECT_EQ(back.job_id, r.job_id);
  EXPECT_EQ(back.slave, r.slave);
  EXPECT_EQ(back.language, r.language);
  EXPECT_EQ(back.version, r.version);
  EXPECT_EQ(back.verdict, r.verdict);
  EXPECT_EQ(back.message, r.message);
  EXPECT_EQ(back.queue_ms, r.queue_ms);
  EXPECT_EQ(back.total_ms, r.total_ms);
  ASSERT_TRUE(back.compile.has_value());
  ASSERT_TRUE(back.run.has_value());
  expectSameStage(*r.compile, *back.compile);
  expectSameStage(*r.run, *back.run);
}

TEST(JobJsonTest, JobResultWithoutOptionalStages) {
  JobResult r;
  r.job_id = "j-8";
  r.verdict = Verdict::kCompileError;
  r.compile = fullStage(Verdict::kCompileError);
  json j = toJson(r);
  EXPECT_TRUE(j.contains("compile"));
  EXPECT_FALSE(j.contains("run"));
  JobResult back;
  ASSERT_EQ(fromJson(j, &back).message(), "");
  ASSERT_TRUE(back.compile.has_value());
  EXPECT_FALSE(back.run.has_value());

  r.compile.reset();
  r.run = fullStage(Verdict::kOk);
  j = toJson(r);
  EXPECT_FALSE(j.contains("compile"));
  JobResult back2;
  ASSERT_EQ(fromJson(j, &back2).message(), "");
  EXPECT_FALSE(back2.compile.has_value());
  ASSERT_TRUE(back2.run.has_value());

  r.run.reset();
  JobResult back3;
  ASSERT_EQ(fromJson(toJson(r), &back3).message(), "");
  EXPECT_FALSE(back3.compile.has_value());
  EXPECT_FALSE(back3.run.has_value());
}

TEST(JobJsonTest, UnknownVerdictIsRejected) {
  std::string error;
  StageResult s;
  json sj = toJson(fullStage(Verdict::kOk));
  sj["verdict"] = "ACCEPTED";
  error = fromJson(sj, &s).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "verdict");
  EXPECT_CONTAINS(error, "ACCEPTED");

  JobResult r;
  json rj = toJson(JobResult{});
  rj["verdict"] = "ok";  // names are case-sensitive
  error.clear();
  error = fromJson(rj, &r).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "verdict");

  rj = toJson(JobResult{});
  rj["run"] = toJson(fullStage(Verdict::kOk));
  rj["run"]["verdict"] = "PARTIAL";
  error.clear();
  error = fromJson(rj, &r).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "run");
  EXPECT_CONTAINS(error, "PARTIAL");
}

TEST(JobJsonTest, StageFieldOfWrongTypeIsNamed) {
  std::string error;
  StageResult s;
  json sj = toJson(fullStage(Verdict::kOk));
  sj["exit_code"] = "3";
  error = fromJson(sj, &s).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "exit_code");
  sj = toJson(fullStage(Verdict::kOk));
  sj["stdout_truncated"] = 1;
  error = fromJson(sj, &s).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "stdout_truncated");
  error = fromJson(json::array(), &s).message();
  EXPECT_NE(error, "");
}

TEST(JobJsonTest, RunnerInfoRoundTrip) {
  RunnerInfo info;
  info.language = "python";
  info.version = "3.11.2";
  info.aliases = {"py", "python3"};
  info.extensions = {".py"};
  info.compiled = false;
  RunnerInfo back;
  ASSERT_EQ(fromJson(json::parse(toJson(info).dump()), &back).message(), "");
  EXPECT_EQ(back.language, info.language);
  EXPECT_EQ(back.version, info.version);
  EXPECT_EQ(back.aliases, info.aliases);
  EXPECT_EQ(back.extensions, info.extensions);
  EXPECT_FALSE(back.compiled);

  info.language = "c++";
  info.compiled = true;
  info.aliases = {};
  RunnerInfo back2;
  ASSERT_EQ(fromJson(toJson(info), &back2).message(), "");
  EXPECT_TRUE(back2.compiled);
  EXPECT_TRUE(back2.aliases.empty());
  EXPECT_EQ(back2.language, "c++");
}

TEST(JobJsonTest, RunnerInfoErrorsNameTheField) {
  RunnerInfo info;
  std::string error;
  error = fromJson(json::object({{"version", "1"}}), &info).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "language");
  error = fromJson(json{{"language", "c"}, {"aliases", {1, 2}}}, &info).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "aliases");
  error = fromJson(json{{"language", "c"}, {"compiled", "yes"}}, &info).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "compiled");
}

TEST(JobJsonTest, VerdictNamesRoundTrip) {
  const std::pair<Verdict, const char*> all[] = {
      {Verdict::kOk, "OK"},
      {Verdict::kCompileError, "COMPILE_ERROR"},
      {Verdict::kRuntimeError, "RUNTIME_ERROR"},
      {Verdict::kSignaled, "SIGNALED"},
      {Verdict::kTimeLimit, "TIME_LIMIT"},
      {Verdict::kMemoryLimit, "MEMORY_LIMIT"},
      {Verdict::kOutputLimit, "OUTPUT_LIMIT"},
      {Verdict::kInternalError, "INTERNAL_ERROR"},
      {Verdict::kWrongAnswer, "WRONG_ANSWER"},
      {Verdict::kSkipped, "SKIPPED"},
      {Verdict::kCheckerError, "CHECKER_ERROR"},
  };
  for (const auto& [verdict, name] : all) {
    EXPECT_EQ(verdictName(verdict), name);
    auto parsed = parseVerdict(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, verdict) << name;
    // And through a stage result on the wire.
    StageResult s;
    s.verdict = verdict;
    StageResult back;
    ASSERT_EQ(fromJson(toJson(s), &back).message(), "");
    EXPECT_EQ(back.verdict, verdict) << name;
    EXPECT_EQ(toJson(s)["verdict"], name);
  }
  EXPECT_FALSE(parseVerdict("").has_value());
  EXPECT_FALSE(parseVerdict("ok").has_value());
  EXPECT_FALSE(parseVerdict("TIMEOUT").has_value());
}

TEST(JobJsonTest, CachedCompileStageRoundTripsAndDefaultsToFalse) {
  JobResult r;
  r.compile = StageResult{};
  r.compile->cached = true;
  r.run = StageResult{};
  const json j = toJson(r);
  EXPECT_EQ(j["compile"]["cached"], true);
  EXPECT_EQ(j["run"]["cached"], false);
  JobResult back;
  std::string error;
  ASSERT_EQ(fromJson(j, &back).message(), "");
  EXPECT_TRUE(back.compile->cached);
  json old = j;
  old["compile"].erase("cached");  // from a slave that predates the cache
  ASSERT_EQ(fromJson(old, &back).message(), "");
  EXPECT_FALSE(back.compile->cached);
  old["compile"]["cached"] = "yes";
  error = fromJson(old, &back).message();
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("cached"), std::string::npos) << error;
}

TEST(JobJsonTest, MovingAResultGivesTheSameJson) {
  JobResult r;
  r.job_id = "j";
  r.compile = StageResult{};
  r.compile->stderr_data = "warning";
  r.run = StageResult{};
  r.run->stdout_data = std::string(100000, 'o');
  r.run->stderr_data = "err";
  JobResult moved = r;
  EXPECT_EQ(toJson(std::move(moved)), toJson(r));
  JobResult interpreted = r;
  interpreted.compile.reset();
  JobResult interpreted_moved = interpreted;
  EXPECT_EQ(toJson(std::move(interpreted_moved)), toJson(interpreted));
}

// Program output is bytes: control bytes, bytes that are not UTF-8 and NULs reach the reader
// unchanged, and strict serialization (no replacement) never fails.
TEST(JobJsonTest, OutputBytesRoundTripExactly) {
  const std::string samples[] = {std::string("\xff\xfe\x00 abc \xc3\x28", 10),
                                 std::string(1 << 20, '\x01'),
                                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                 std::string("\xed\xa0\x80", 3),
                                 std::string("\xc0\xaf", 2),
                                 std::string(1000, '"'),
                                 ""};
  for (const auto& bytes : samples) {
    StageResult s;
    s.stdout_data = bytes;
    s.stderr_data = bytes + "x";
    const std::string wire = toJson(s).dump();  // strict: throws on bytes that are not UTF-8
    StageResult back;
    ASSERT_EQ(fromJson(json::parse(wire), &back).message(), "");
    EXPECT_EQ(back.stdout_data, bytes);
    EXPECT_EQ(back.stderr_data, bytes + "x");
    // Never more than base64's size: 1 MiB of \x01 is not 6 MiB of "\u0001".
    EXPECT_LE(wire.size(), 2 * encodedBytes(bytes + "x") + 300) << bytes.size();
  }
}

TEST(JobJsonTest, PlainTextOutputStaysPlainText) {
  StageResult s;
  s.stdout_data = "hello\n";
  const json j = toJson(s);
  EXPECT_EQ(j["stdout"], "hello\n");
  EXPECT_FALSE(j.contains("stdout_encoding"));
}

TEST(JobJsonTest, BadOutputEncodingIsNamed) {
  std::string error;
  StageResult s;
  error = fromJson(json{{"stdout", "!!"}, {"stdout_encoding", "base64"}}, &s).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "stdout");
  error = fromJson(json{{"stderr", "x"}, {"stderr_encoding", "hex"}}, &s).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "stderr_encoding");
}

TEST(JobJsonTest, JobInputBytesRoundTripExactly) {
  Job job = fullJob();
  job.stdin_data = std::string("\xff\x00\x01 in", 6);
  job.args = {"plain", std::string("\xfe\xff", 2)};
  job.files[2].content = std::string("\x80 not utf-8", 11);
  const std::string wire = toJson(job).dump();
  Job back;
  ASSERT_EQ(fromJson(json::parse(wire), &back).message(), "");
  EXPECT_EQ(back.stdin_data, job.stdin_data);
  EXPECT_EQ(back.args, job.args);
  // The file that was not UTF-8 now travels as base64 of the same bytes.
  ASSERT_EQ(back.files[2].encoding, Encoding::kBase64);
  EXPECT_EQ(base64Decode(back.files[2].content), job.files[2].content);
  EXPECT_EQ(back.files[1].content, job.files[1].content);
}

// Whatever the outputs hold, a fitted result serializes within the limit, keeps a prefix of
// each output and marks exactly the outputs it cut.
TEST(JobJsonTest, FittedResultAlwaysFits) {
  std::mt19937 rng(7);
  const std::string alphabets[] = {"abc\n", std::string("\x01\x02\"\\", 4), "\xc3\xa9\xe2\x82\xac",
                                   std::string("\xff\x00z", 3)};
  for (int round = 0; round < 200; ++round) {
    JobResult r;
    r.job_id = "j-1";
    r.message = "m";
    r.compile = StageResult{};
    r.run = StageResult{};
    std::string* outs[] = {&r.compile->stdout_data, &r.compile->stderr_data, &r.run->stdout_data,
                           &r.run->stderr_data};
    for (auto* o : outs) {
      const std::string& a = alphabets[rng() % 4];
      const size_t n = rng() % 4 == 0 ? 0 : rng() % 40000;
      for (size_t i = 0; i < n; ++i) o->push_back(a[rng() % a.size()]);
    }
    const JobResult before = r;
    const size_t limit = 1000 + rng() % 120000;
    ASSERT_TRUE(fitResult(&r, limit));
    EXPECT_LE(toJson(r).dump().size(), limit) << "round " << round;
    const std::string* old[] = {&before.compile->stdout_data, &before.compile->stderr_data,
                                &before.run->stdout_data, &before.run->stderr_data};
    const bool flags[] = {r.compile->stdout_truncated, r.compile->stderr_truncated,
                          r.run->stdout_truncated, r.run->stderr_truncated};
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(old[i]->substr(0, outs[i]->size()), *outs[i]);
      EXPECT_EQ(flags[i], outs[i]->size() < old[i]->size()) << i;
    }
    if (toJson(before).dump().size() <= limit) EXPECT_EQ(toJson(r), toJson(before));
  }
}

TEST(JobJsonTest, FittingSharesTheLimitAndKeepsSmallOutputsWhole) {
  JobResult r;
  r.run = StageResult{};
  r.run->stdout_data = std::string(4 << 20, 'o');
  r.run->stderr_data = "small error\n";
  ASSERT_TRUE(fitResult(&r, 1 << 20));
  EXPECT_EQ(r.run->stderr_data, "small error\n");
  EXPECT_FALSE(r.run->stderr_truncated);
  EXPECT_TRUE(r.run->stdout_truncated);
  EXPECT_GT(r.run->stdout_data.size(), (1 << 20) - 1000);
}

TEST(JobJsonTest, ResultThatCannotFitSaysSo) {
  JobResult r;
  r.message = std::string(5000, 'm');
  r.run = StageResult{};
  r.run->stdout_data = "out";
  EXPECT_FALSE(fitResult(&r, 1000));
  EXPECT_TRUE(r.run->stdout_data.empty());
}

TEST(JobJsonTest, WorstCaseResultBoundsFourFullOutputs) {
  for (int64_t n : {0, 1, 1000, 1 << 20}) {
    JobResult r;
    r.job_id = "j-19c1a2b3c4d-000001";
    r.compile = StageResult{};
    r.run = StageResult{};
    r.run->message = "wall time limit of 5000 ms exceeded";
    for (auto* s : {&*r.compile, &*r.run}) s->stdout_data = s->stderr_data = std::string(n, '\x01');
    EXPECT_LE(toJson(r).dump().size(), worstCaseResultBytes(n)) << n;
  }
}

// Judged jobs (docs/judging.md): tests, checker, stop_on_failure; per-case results and summary.
Job judgedJob() {
  Job job = fullJob();
  TestCase plain;
  plain.name = "1";
  plain.stdin_data = "1 2\n";
  plain.expected_stdout = "3\n";
  TestCase bytes;
  bytes.name = "binary";
  bytes.stdin_data = std::string("\xff\x00\x01 in", 6);
  bytes.expected_stdout = std::string("\x80\x00out", 5);
  bytes.args = std::vector<std::string>{"-v", std::string("\xfe\xff", 2)};
  TestCase unchecked;  // no name, no expected output, no args of its own
  unchecked.stdin_data = "";
  TestCase no_args;
  no_args.name = "none";
  no_args.args = std::vector<std::string>{};
  no_args.expected_stdout = "";
  job.tests = {plain, bytes, unchecked, no_args};
  job.checker.kind = CheckerKind::kFloat;
  job.checker.abs_tolerance = 0.25;
  job.checker.rel_tolerance = 1e-3;
  job.stop_on_failure = true;
  return job;
}

void expectSameTests(const Job& a, const Job& b) {
  ASSERT_EQ(a.tests.size(), b.tests.size());
  for (size_t i = 0; i < a.tests.size(); ++i) {
    EXPECT_EQ(a.tests[i].name, b.tests[i].name) << i;
    EXPECT_EQ(a.tests[i].stdin_data, b.tests[i].stdin_data) << i;
    EXPECT_EQ(a.tests[i].args, b.tests[i].args) << i;
    EXPECT_EQ(a.tests[i].expected_stdout, b.tests[i].expected_stdout) << i;
  }
  EXPECT_EQ(a.checker.kind, b.checker.kind);
  EXPECT_EQ(a.checker.abs_tolerance, b.checker.abs_tolerance);
  EXPECT_EQ(a.checker.rel_tolerance, b.checker.rel_tolerance);
  EXPECT_EQ(a.stop_on_failure, b.stop_on_failure);
}

TEST(JobJsonTest, JudgedJobRoundTripsOverTheWire) {
  const Job job = judgedJob();
  const std::string wire = toJson(job).dump();  // strict: bytes that are not UTF-8 go as base64
  Job back;
  std::string error;
  ASSERT_EQ(fromJson(json::parse(wire), &back).message(), "");
  expectSameJob(job, back);
  expectSameTests(job, back);
  EXPECT_FALSE(back.tests[2].expected_stdout.has_value()) << "absent stays absent, not empty";
  EXPECT_FALSE(back.tests[2].args.has_value()) << "absent args: the job's";
  ASSERT_TRUE(back.tests[3].args.has_value()) << "an empty list is not the job's args";
  EXPECT_TRUE(back.tests[3].args->empty());
  ASSERT_TRUE(back.tests[3].expected_stdout.has_value()) << "an empty expected output is one";

  const json j = json::parse(wire);
  EXPECT_EQ(j["tests"][1]["stdin_encoding"], "base64");
  EXPECT_EQ(j["tests"][1]["expected_stdout_encoding"], "base64");
  EXPECT_EQ(j["tests"][1]["args_encoding"], "base64");
  EXPECT_EQ(j["tests"][0]["stdin"], "1 2\n") << "text stays text";
  EXPECT_FALSE(j["tests"][2].contains("expected_stdout"));
  EXPECT_FALSE(j["tests"][2].contains("name"));
  EXPECT_EQ(j["checker"]["kind"], "float");
  EXPECT_EQ(j["stop_on_failure"], true);
}

TEST(JobJsonTest, JobWithoutTestsHasNoJudgingFields) {
  const json j = toJson(fullJob());
  EXPECT_FALSE(j.contains("tests"));
  EXPECT_FALSE(j.contains("checker"));
  EXPECT_FALSE(j.contains("stop_on_failure"));
  Job back;
  std::string error;
  ASSERT_EQ(fromJson(j, &back).message(), "");
  EXPECT_TRUE(back.tests.empty());
  EXPECT_EQ(back.checker.kind, CheckerKind::kLines) << "the default checker";
  EXPECT_FALSE(back.stop_on_failure);
}

TEST(JobJsonTest, CheckerIsANameOrAnObject) {
  json j = minimalJob();
  j["tests"] = json::parse(R"js([{"stdin": "1", "expected_stdout": "1"}])js");
  const std::pair<const char*, CheckerKind> names[] = {{"exact", CheckerKind::kExact},
                                                       {"lines", CheckerKind::kLines},
                                                       {"tokens", CheckerKind::kTokens},
                                                       {"float", CheckerKind::kFloat}};
  for (const auto& [name, kind] : names) {
    j["checker"] = name;
    Job job;
    std::string error;
    ASSERT_EQ(fromJson(j, &job).message(), "");
    EXPECT_EQ(job.checker.kind, kind) << name;
  }
  j["checker"] = json::parse(R"js({"kind": "float", "abs_tolerance": 0.5, "rel_tolerance": 2})js");
  Job job;
  std::string error;
  ASSERT_EQ(fromJson(j, &job).message(), "");
  EXPECT_EQ(job.checker.kind, CheckerKind::kFloat);
  EXPECT_EQ(job.checker.abs_tolerance, 0.5);
  EXPECT_EQ(job.checker.rel_tolerance, 2.0);
  j["checker"] = json::parse(R"js({"kind": "float"})js");
  Job defaults;
  ASSERT_EQ(fromJson(j, &defaults).message(), "");
  EXPECT_EQ(defaults.checker.abs_tolerance, CheckerOptions{}.abs_tolerance);
  EXPECT_EQ(defaults.checker.rel_tolerance, CheckerOptions{}.rel_tolerance);
}

TEST(JobJsonTest, BadTestsAreNamed) {
  json j = minimalJob();
  j["tests"] = "1.in";
  std::string error = jobError(j);
  EXPECT_CONTAINS(error, "job.tests");
  EXPECT_CONTAINS(error, "array");

  j["tests"] = json::parse(R"js([{"stdin": "ok"}, 7])js");
  error = jobError(j);
  EXPECT_CONTAINS(error, "job.tests[1]");
  EXPECT_CONTAINS(error, "object");

  j["tests"] = json::parse(R"js([{"stdin": 5}])js");
  EXPECT_CONTAINS(jobError(j), "job.tests[0].stdin");
  j["tests"] = json::parse(R"js([{"name": 5}])js");
  EXPECT_CONTAINS(jobError(j), "job.tests[0].name");
  j["tests"] = json::parse(R"js([{"args": "-v"}])js");
  EXPECT_CONTAINS(jobError(j), "job.tests[0].args");
  j["tests"] =
      json::parse(R"js([{}, {"expected_stdout": "!!", "expected_stdout_encoding": "base64"}])js");
  EXPECT_CONTAINS(jobError(j), "job.tests[1].expected_stdout");
  j["tests"] = json::parse(R"js([{}])js");
  j["stop_on_failure"] = "yes";
  EXPECT_CONTAINS(jobError(j), "stop_on_failure");
}

TEST(JobJsonTest, BadCheckersAreNamed) {
  json j = minimalJob();
  j["tests"] = json::parse(R"js([{"stdin": "1"}])js");
  j["checker"] = "diff";
  std::string error = jobError(j);
  EXPECT_CONTAINS(error, "job.checker");
  EXPECT_CONTAINS(error, "diff");
  for (const char* name : {"\"exact\"", "\"lines\"", "\"tokens\"", "\"float\""})
    EXPECT_CONTAINS(error, name);

  j["checker"] = "Lines";  // case matters
  EXPECT_CONTAINS(jobError(j), "Lines");
  j["checker"] = json::parse(R"js({"kind": "regex"})js");
  EXPECT_CONTAINS(jobError(j), "regex");

  j["checker"] = 3;
  error = jobError(j);
  EXPECT_CONTAINS(error, "job.checker");
  EXPECT_CONTAINS(error, "name or an object");
  j["checker"] = json::array({"lines"});
  EXPECT_CONTAINS(jobError(j), "job.checker");

  j["checker"] = json::parse(R"js({"kind": "float", "abs_tolerance": "0.1"})js");
  error = jobError(j);
  EXPECT_CONTAINS(error, "job.checker.abs_tolerance");
  EXPECT_CONTAINS(error, "number");
  j["checker"] = json::parse(R"js({"kind": "float", "rel_tolerance": true})js");
  EXPECT_CONTAINS(jobError(j), "job.checker.rel_tolerance");
  j["checker"] = json::parse(R"js({"kind": 1})js");
  EXPECT_CONTAINS(jobError(j), "job.checker.kind");
}

// docs/judging.md: "An unknown name is a bad_message error" -- with or without cases.
TEST(JobJsonTest, JudgingFieldsAreCheckedWithoutTestsToo) {
  json j = minimalJob();
  j["checker"] = "diff";
  EXPECT_CONTAINS(jobError(j), "job.checker");
  j = minimalJob();
  j["checker"] = json::parse(R"js({"kind": "float", "abs_tolerance": "big"})js");
  EXPECT_CONTAINS(jobError(j), "job.checker.abs_tolerance");
  j = minimalJob();
  j["stop_on_failure"] = 1;
  EXPECT_CONTAINS(jobError(j), "stop_on_failure");
  j = minimalJob();
  j["tests"] = json::array();
  j["checker"] = "exact";
  Job job;
  std::string error;
  ASSERT_EQ(fromJson(j, &job).message(), "");
  EXPECT_TRUE(job.tests.empty());
}

// Checker programs (docs/checkers.md, "Checker programs").
json programChecker() {
  return json::parse(R"js({"kind": "program", "language": "py", "version": "3",
    "source": {"name": "check.py", "content": "import sys\n"},
    "limits": {"wall_ms": 2000, "cpu_ms": 1000, "memory_bytes": 67108864}})js");
}

TEST(JobJsonTest, ACheckerProgramRoundTripsOverTheWire) {
  json j = minimalJob();
  j["tests"] = json::parse(R"js([{"stdin": "1", "expected_stdout": "1"}])js");
  j["checker"] = programChecker();
  Job job;
  ASSERT_EQ(fromJson(j, &job).message(), "");
  const CheckerOptions& read = job.checker;
  EXPECT_EQ(read.kind, CheckerKind::kProgram);
  EXPECT_EQ(read.language + " " + read.version, "py 3");
  EXPECT_EQ(read.source.name + ": " + read.source.content, "check.py: import sys\n");
  EXPECT_EQ(read.source.encoding, Encoding::kUtf8);
  EXPECT_EQ(read.limits.wall_ms, 2000);
  EXPECT_EQ(read.limits.cpu_ms, 1000);
  EXPECT_EQ(read.limits.memory_bytes, 64 << 20);

  job.checker.source = {"check.bin",
                        std::string("\x7f"
                                    "ELF\x00\xff",
                                    6),
                        Encoding::kUtf8};
  const json wire = json::parse(toJson(job).dump());
  EXPECT_EQ(wire["checker"]["kind"], "program");
  EXPECT_EQ(wire["checker"]["source"]["encoding"], "base64") << "bytes that are not UTF-8";
  Job back;
  ASSERT_EQ(fromJson(wire, &back).message(), "");
  EXPECT_EQ(back.checker.kind, CheckerKind::kProgram);
  EXPECT_EQ(back.checker.language, "py");
  EXPECT_EQ(back.checker.version, "3");
  EXPECT_EQ(back.checker.source.name, "check.bin");
  EXPECT_EQ(back.checker.source.encoding, Encoding::kBase64);
  EXPECT_EQ(base64Decode(back.checker.source.content), job.checker.source.content);
  EXPECT_EQ(back.checker.limits.wall_ms, 2000);

  // Without limits: zero, the job's run limits (the master fills them in).
  j["checker"].erase("limits");
  Job defaults;
  ASSERT_EQ(fromJson(j, &defaults).message(), "");
  EXPECT_EQ(defaults.checker.limits.wall_ms, 0);
  EXPECT_EQ(defaults.checker.limits.memory_bytes, 0);
}

TEST(JobJsonTest, BadCheckerProgramsAreNamed) {
  json j = minimalJob();
  j["tests"] = json::parse(R"js([{"stdin": "1"}])js");
  j["checker"] = "program";
  EXPECT_CONTAINS(jobError(j), "job.checker.language is missing");
  j["checker"] = programChecker();
  j["checker"].erase("source");
  EXPECT_CONTAINS(jobError(j), "job.checker.source is missing");
  j["checker"] = programChecker();
  j["checker"]["source"] = "print(1)";
  EXPECT_CONTAINS(jobError(j), "job.checker.source must be an object");
  j["checker"] = programChecker();
  j["checker"]["source"].erase("content");
  EXPECT_CONTAINS(jobError(j), "job.checker.source.content is missing");
  j["checker"] = programChecker();
  j["checker"]["source"]["encoding"] = "hex";
  EXPECT_CONTAINS(jobError(j), "job.checker.source.encoding");
  j["checker"] = programChecker();
  j["checker"]["language"] = 3;
  EXPECT_CONTAINS(jobError(j), "job.checker.language must be a string");
  j["checker"] = programChecker();
  j["checker"]["limits"] = 5;
  EXPECT_CONTAINS(jobError(j), "job.checker.limits must be an object");
  j["checker"] = programChecker();
  j["checker"]["limits"]["wall_ms"] = "long";
  EXPECT_CONTAINS(jobError(j), "job.checker.limits.wall_ms must be an integer");
  j["checker"] = programChecker();
  j["checker"]["kind"] = "tokens";
  std::string error = jobError(j);
  EXPECT_CONTAINS(error, "job.checker.source");
  EXPECT_CONTAINS(error, "\"program\"");
}

TEST(JobJsonTest, ACasesCheckerStageAndTheCheckersCompileRoundTrip) {
  JobResult r;
  r.verdict = Verdict::kCheckerError;
  r.message = "checker failed on case 1: checker exited with code 3: FAIL";
  r.compile = fullStage(Verdict::kOk);
  r.checker_compile = fullStage(Verdict::kOk);
  r.checker_compile->stderr_data = "warning: unused";
  r.tests.resize(2);
  r.tests[0].name = "1";
  r.tests[0].run.verdict = Verdict::kCheckerError;
  r.tests[0].checker = fullStage(Verdict::kRuntimeError);
  r.tests[0].checker->stdout_data = std::string("FAIL \xff", 6);
  r.tests[1].name = "2";
  const json j = json::parse(toJson(r).dump());
  EXPECT_EQ(j["tests"][0]["verdict"], "CHECKER_ERROR");
  EXPECT_EQ(j["tests"][0]["checker"]["verdict"], "RUNTIME_ERROR");
  EXPECT_FALSE(j["tests"][1].contains("checker")) << "no checker ran";
  JobResult back;
  ASSERT_EQ(fromJson(j, &back).message(), "");
  EXPECT_EQ(back.verdict, Verdict::kCheckerError);
  ASSERT_TRUE(back.checker_compile.has_value());
  expectSameStage(*r.checker_compile, *back.checker_compile);
  ASSERT_EQ(back.tests.size(), 2u);
  ASSERT_TRUE(back.tests[0].checker.has_value());
  expectSameStage(*r.tests[0].checker, *back.tests[0].checker);
  EXPECT_FALSE(back.tests[1].checker.has_value());
  JobResult moved = r;
  EXPECT_EQ(toJson(std::move(moved)), toJson(r));

  // Progress carries the checker's figures, not its outputs.
  const json progress = caseProgressJson(0, r.tests[0]);
  ASSERT_TRUE(progress.contains("checker"));
  EXPECT_EQ(progress["checker"]["exit_code"], r.tests[0].checker->exit_code);
  EXPECT_FALSE(progress["checker"].contains("stdout"));
  EXPECT_FALSE(progress.contains("stdout"));

  json bad = j;
  bad["tests"][0]["checker"]["verdict"] = "MAYBE";
  EXPECT_CONTAINS(fromJson(bad, &back).message(), "result.tests[0].checker");
  bad = j;
  bad["checker_compile"] = 1;
  EXPECT_CONTAINS(fromJson(bad, &back).message(), "result.checker_compile");
}

TEST(JobJsonTest, FitResultCutsTheCheckersOutputsToo) {
  JobResult r;
  r.tests.resize(1);
  r.tests[0].checker = StageResult{};
  r.tests[0].checker->stdout_data = std::string(100000, 'c');
  ASSERT_TRUE(fitResult(&r, 20000));
  EXPECT_TRUE(r.tests[0].checker->stdout_truncated);
  EXPECT_LE(toJson(r).dump().size(), 20000u);
}

CaseResult fullCase(std::string name, Verdict verdict) {
  CaseResult c;
  c.name = std::move(name);
  c.run = fullStage(verdict);
  return c;
}

JobResult judgedResult() {
  JobResult r;
  r.job_id = "j-9";
  r.slave = "slave-a";
  r.verdict = Verdict::kWrongAnswer;
  r.message = "case 2: line 3, column 5: expected \"42\", got \"41\"";
  r.compile = fullStage(Verdict::kOk);
  r.tests = {fullCase("1", Verdict::kOk), fullCase("2", Verdict::kWrongAnswer),
             fullCase("3", Verdict::kSkipped)};
  r.tests[0].run.cpu_ms = 700;
  r.tests[1].line = 3;
  r.tests[1].column = 5;
  r.tests[1].run.wall_ms = 900;
  r.tests[1].run.stdout_data = std::string("\xff\x00 bytes", 8);
  r.tests[2].run.memory_bytes = 6ll << 30;
  return r;
}

TEST(JobJsonTest, JudgedResultRoundTripsWithEachCase) {
  const JobResult r = judgedResult();
  JobResult back;
  std::string error;
  ASSERT_EQ(fromJson(json::parse(toJson(r).dump()), &back).message(), "");
  EXPECT_EQ(back.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(back.message, r.message);
  EXPECT_FALSE(back.run.has_value());
  ASSERT_EQ(back.tests.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.tests[i].name, r.tests[i].name) << i;
    EXPECT_EQ(back.tests[i].line, r.tests[i].line) << i;
    EXPECT_EQ(back.tests[i].column, r.tests[i].column) << i;
    expectSameStage(r.tests[i].run, back.tests[i].run);
  }
  JobResult moved = r;
  EXPECT_EQ(toJson(std::move(moved)), toJson(r));
}

TEST(JobJsonTest, JudgedResultCarriesASummaryComputedFromItsCases) {
  const json j = toJson(judgedResult());
  ASSERT_TRUE(j.contains("summary"));
  const json& s = j["summary"];
  EXPECT_EQ(s["total"], 3);
  EXPECT_EQ(s["passed"], 1);
  EXPECT_EQ(s["first_failure"], 2);
  EXPECT_EQ(s["max_cpu_ms"], 700);
  EXPECT_EQ(s["max_wall_ms"], 900);
  EXPECT_EQ(s["max_memory_bytes"], 6ll << 30);
  EXPECT_EQ(j["tests"][1]["line"], 3);
  EXPECT_EQ(j["tests"][1]["column"], 5);
  EXPECT_EQ(j["tests"][1]["name"], "2");

  // A summary that lies is not believed: it is the cases' again once re-emitted.
  json lying = j;
  lying["summary"] = {{"total", 99}, {"passed", 99}, {"first_failure", 0}};
  JobResult back;
  std::string error;
  ASSERT_EQ(fromJson(lying, &back).message(), "");
  EXPECT_EQ(toJson(back)["summary"], s);

  JobResult plain;
  plain.run = fullStage(Verdict::kOk);
  EXPECT_FALSE(toJson(plain).contains("summary"));
  EXPECT_FALSE(toJson(plain).contains("tests"));
}

TEST(JobJsonTest, BadCaseResultsAreNamed) {
  const json good = toJson(judgedResult());
  JobResult back;
  std::string error;
  json j = good;
  j["tests"] = "none";
  error = fromJson(j, &back).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "result.tests");
  j = good;
  j["tests"][1]["verdict"] = "WRONG";
  error = fromJson(j, &back).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "result.tests[1]");
  j = good;
  j["tests"][2]["line"] = "three";
  error = fromJson(j, &back).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "result.tests[2].line");
  j = good;
  j["tests"][0] = 5;
  error = fromJson(j, &back).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "result.tests[0]");
}

TEST(JobJsonTest, CaseProgressHasTheIndexAndNoOutputs) {
  CaseResult c = fullCase("big", Verdict::kWrongAnswer);
  c.line = 4;
  c.column = 2;
  c.run.stdout_data = std::string(1 << 20, 'o');
  const json j = caseProgressJson(41, c);
  EXPECT_EQ(j["index"], 41);
  EXPECT_EQ(j["name"], "big");
  EXPECT_EQ(j["verdict"], "WRONG_ANSWER");
  EXPECT_EQ(j["line"], 4);
  EXPECT_EQ(j["column"], 2);
  EXPECT_EQ(j["message"], "why");
  EXPECT_EQ(j["cpu_ms"], 123);
  EXPECT_EQ(j["memory_bytes"], 5ll << 30);
  for (const char* key : {"stdout", "stderr", "stdout_encoding", "stderr_encoding",
                          "stdout_truncated", "stderr_truncated"})
    EXPECT_FALSE(j.contains(key)) << key;
  EXPECT_LT(j.dump().size(), 400u);
  // What the master reads back as a stage: the verdict and figures survive.
  StageResult stage;
  std::string error;
  ASSERT_EQ(fromJson(j, &stage).message(), "");
  EXPECT_EQ(stage.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(stage.wall_ms, 456);
}

TEST(JobJsonTest, FittingCutsCaseOutputsSoThatManyCasesFit) {
  JobResult r;
  r.job_id = "j-100";
  r.compile = fullStage(Verdict::kOk);
  for (int i = 0; i < 100; ++i) {
    CaseResult& c = r.tests.emplace_back(fullCase(std::to_string(i + 1), Verdict::kOk));
    c.run.stdout_data = std::string(100 << 10, 'a' + i % 26);
    c.run.stderr_data = i % 2 ? "small\n" : std::string(100 << 10, '\x01');
    c.run.stdout_truncated = false;
  }
  const JobResult before = r;
  const size_t limit = 1 << 20;
  ASSERT_GT(toJson(before).dump().size(), 10 * limit);
  ASSERT_TRUE(fitResult(&r, limit));
  EXPECT_LE(toJson(r).dump().size(), limit);
  ASSERT_EQ(r.tests.size(), 100u) << "every case stays; only outputs are cut";
  size_t kept = 0;
  for (size_t i = 0; i < 100; ++i) {
    const StageResult& now = r.tests[i].run;
    const StageResult& was = before.tests[i].run;
    EXPECT_EQ(r.tests[i].name, before.tests[i].name);
    EXPECT_EQ(was.stdout_data.substr(0, now.stdout_data.size()), now.stdout_data) << i;
    EXPECT_TRUE(now.stdout_truncated) << i;
    EXPECT_LT(now.stdout_data.size(), was.stdout_data.size()) << i;
    EXPECT_EQ(now.stderr_truncated, now.stderr_data.size() < was.stderr_data.size()) << i;
    if (i % 2) EXPECT_EQ(now.stderr_data, "small\n") << "small outputs stay whole";
    kept += now.stdout_data.size();
  }
  EXPECT_GT(kept, limit / 8) << "the limit is shared, not wasted";
}

}  // namespace
}  // namespace polyrun

namespace polyrun {
namespace {

TEST(LiveJobJsonTest, StreamInteractiveAndIdleRoundTrip) {
  Job job;
  job.language = "python";
  job.files.push_back({"a.py", "print(input())", Encoding::kUtf8});
  job.interactive = true;
  job.limits.idle_ms = 1500;
  const nlohmann::json j = toJson(job);
  EXPECT_EQ(j["interactive"], true);
  EXPECT_EQ(j["limits"]["idle_ms"], 1500);
  EXPECT_FALSE(j.contains("stream"));  // left out when false
  Job back;
  ASSERT_TRUE(fromJson(j, &back).isOk());
  EXPECT_TRUE(back.interactive);
  EXPECT_TRUE(back.live());
  EXPECT_EQ(back.limits.idle_ms, 1500);
}

TEST(LiveJobJsonTest, ALiveJobWithTestsIsRefused) {
  nlohmann::json j = {{"language", "python"},
                      {"files", {{{"content", "x"}}}},
                      {"stream", true},
                      {"tests", {{{"stdin", ""}}}}};
  Job job;
  const Status s = fromJson(j, &job);
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("job.stream cannot be combined with job.tests"), std::string::npos)
      << s.message();
  j["interactive"] = "yes";
  EXPECT_NE(fromJson(j, &job).message().find("job.interactive"), std::string::npos);
}

TEST(LiveJobJsonTest, OutputChunksRoundTripAsBytes) {
  const std::vector<OutputChunk> chunks = {{OutputStream::kStdout, "text\n"},
                                           {OutputStream::kStderr, std::string("\0\xff", 2)}};
  const nlohmann::json j = toJson(chunks);
  EXPECT_EQ(j[1]["data_encoding"], "base64");
  std::vector<OutputChunk> back;
  ASSERT_TRUE(fromJson(j, &back).isOk());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].stream, OutputStream::kStderr);
  EXPECT_EQ(back[1].data, std::string("\0\xff", 2));
  EXPECT_FALSE(fromJson(nlohmann::json::object(), &back).isOk());
}

TEST(LiveJobJsonTest, SignalNamesAreTheDocumentedSeven) {
  for (const char* name :
       {"SIGINT", "SIGTERM", "SIGKILL", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"})
    EXPECT_EQ(signalName(signalNumber(name)), name);
  EXPECT_EQ(signalNumber("SIGSTOP"), 0);
  EXPECT_EQ(signalNumber("sigint"), 0);
}

}  // namespace
}  // namespace polyrun
