// JSON form of Job, StageResult, JobResult and RunnerInfo (docs/protocol.md).
#include "polyrun/job_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

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
  rj["run"]["verdict"] = "WRONG_ANSWER";
  error.clear();
  error = fromJson(rj, &r).message();
  EXPECT_NE(error, "");
  EXPECT_CONTAINS(error, "run");
  EXPECT_CONTAINS(error, "WRONG_ANSWER");
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

}  // namespace
}  // namespace polyrun
