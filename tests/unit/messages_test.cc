// Decoding what clients and slaves send: every malformed message is a value naming the field,
// never an exception (tests/fuzz/frame_fuzz.cc throws arbitrary bytes at the same code).
// Encoding what the master sends: the messages of docs/protocol.md, byte for byte.
#include "messages.h"

#include <gtest/gtest.h>

#include <csignal>

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

DecodeError clientError(const json& m) {
  ClientRequest r;
  DecodeError e;
  EXPECT_FALSE(decodeClientRequest(m, &r, &e)) << m.dump();
  return e;
}

DecodeError slaveError(const json& m) {
  SlaveMessage s;
  DecodeError e;
  EXPECT_FALSE(decodeSlaveMessage(m, &s, &e)) << m.dump();
  return e;
}

TEST(MessagesTest, DecodesEveryClientRequest) {
  ClientRequest r;
  DecodeError e;
  ASSERT_TRUE(decodeClientRequest(
      json{{"type", "submit"},
           {"id", 7},
           {"job", {{"language", "py"}, {"files", {{{"content", "print(1)"}}}}}}},
      &r, &e))
      << e.message;
  EXPECT_EQ(r.kind, ClientRequest::Kind::kSubmit);
  EXPECT_EQ(r.id, 7);
  EXPECT_EQ(r.job.language, "py");
  ASSERT_TRUE(decodeClientRequest(
      json{{"type", "job"}, {"id", "a"}, {"job_id", "j-1"}, {"wait", true}}, &r, &e));
  EXPECT_EQ(r.kind, ClientRequest::Kind::kJob);
  EXPECT_EQ(r.job_id, "j-1");
  EXPECT_TRUE(r.wait);
  ASSERT_TRUE(decodeClientRequest(json{{"type", "cancel"}, {"job_id", "j-2"}}, &r, &e));
  EXPECT_EQ(r.kind, ClientRequest::Kind::kCancel);
  ASSERT_TRUE(decodeClientRequest(json{{"type", "auth"}, {"token", "s"}}, &r, &e));
  EXPECT_EQ(r.token, "s");
  ASSERT_TRUE(decodeClientRequest(json{{"type", "runtimes"}}, &r, &e));
  ASSERT_TRUE(decodeClientRequest(json{{"type", "cluster"}}, &r, &e));
}

TEST(MessagesTest, MalformedClientRequestsNameTheProblem) {
  EXPECT_EQ(clientError(json{{"type", "teleport"}}).code, errc::kUnknownType);
  EXPECT_NE(clientError(json{{"type", "teleport"}}).message.find("teleport"), std::string::npos);
  EXPECT_EQ(clientError(json{{"type", "submit"}}).code, errc::kBadMessage);
  EXPECT_NE(
      clientError(json{{"type", "submit"}, {"job", {{"language", 3}}}}).message.find("language"),
      std::string::npos);
  EXPECT_NE(clientError(json{{"type", "job"}}).message.find("job_id"), std::string::npos);
  EXPECT_NE(clientError(json{{"type", "job"}, {"job_id", ""}}).message.find("job_id"),
            std::string::npos);
  EXPECT_NE(
      clientError(json{{"type", "job"}, {"job_id", "j"}, {"wait", "yes"}}).message.find("wait"),
      std::string::npos);
  EXPECT_NE(clientError(json{{"type", "cancel"}, {"job_id", 5}}).message.find("job_id"),
            std::string::npos);
  EXPECT_NE(clientError(json{{"type", "auth"}, {"token", false}}).message.find("token"),
            std::string::npos);
  EXPECT_NE(clientError(json{{"type", "runtimes"}, {"id", json::array()}}).message.find("id"),
            std::string::npos);
  EXPECT_EQ(clientError(json::array()).code, errc::kBadMessage);
  EXPECT_EQ(clientError(json{{"type", 1}}).code, errc::kBadMessage);
  // The id of a request with a bad field is kept, so that the error answers it.
  ClientRequest r;
  DecodeError e;
  EXPECT_FALSE(decodeClientRequest(json{{"type", "job"}, {"id", "q7"}}, &r, &e));
  EXPECT_EQ(r.id, "q7");
}

TEST(MessagesTest, DecodesSlaveMessages) {
  SlaveMessage s;
  DecodeError e;
  const json reg = {{"type", "register"},
                    {"token", "t"},
                    {"name", "a"},
                    {"capacity", 3},
                    {"languages", {{{"language", "python"}, {"version", "3.11"}}}},
                    {"jobs", {"j-1", "j-2"}},
                    {"draining", true},
                    {"limits", "rlimits"},
                    {"load",
                     {{"running", 1},
                      {"assigned", 2},
                      {"peak_assigned", 3},
                      {"load_avg", 0.5},
                      {"cpu_busy", 0.25},
                      {"memory_free_bytes", 1024}}}};
  ASSERT_TRUE(decodeSlaveMessage(reg, &s, &e)) << e.message;
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kRegister);
  EXPECT_EQ(s.capacity, 3);
  EXPECT_EQ(s.jobs, (std::vector<std::string>{"j-1", "j-2"}));
  EXPECT_TRUE(s.draining);
  EXPECT_EQ(s.limits, "rlimits");
  EXPECT_EQ(s.languages.size(), 1u);
  EXPECT_EQ(s.load.peak_assigned, 3);
  EXPECT_DOUBLE_EQ(s.load.cpu_busy, 0.25);
  ASSERT_TRUE(decodeSlaveMessage(
      json{{"type", "heartbeat"}, {"load", {{"cpu_busy", 7}, {"running", -3}}}}, &s, &e));
  EXPECT_DOUBLE_EQ(s.load.cpu_busy, 1.0) << "clamped";
  EXPECT_EQ(s.load.running, 0) << "clamped";
  ASSERT_TRUE(decodeSlaveMessage(json{{"type", "drain"}}, &s, &e));
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kDrain);
  ASSERT_TRUE(decodeSlaveMessage(json{{"type", "cancelled"}, {"job_id", "j-3"}}, &s, &e));
  EXPECT_EQ(s.job_id, "j-3");
  ASSERT_TRUE(decodeSlaveMessage(json{{"type", "progress"}, {"job_id", "j"}, {"state", "running"}},
                                 &s, &e));
}

TEST(MessagesTest, MalformedResultWithAJobIdStillEndsTheJob) {
  SlaveMessage s;
  DecodeError e;
  ASSERT_TRUE(decodeSlaveMessage(
      json{{"type", "result"}, {"job_id", "j-9"}, {"result", {{"verdict", "MAYBE"}}}}, &s, &e));
  EXPECT_EQ(s.job_id, "j-9");
  EXPECT_NE(s.result_error.find("MAYBE"), std::string::npos) << s.result_error;
  EXPECT_EQ(slaveError(json{{"type", "result"}, {"result", 5}}).code, errc::kBadMessage);
}

TEST(MessagesTest, MalformedSlaveMessagesNameTheProblem) {
  EXPECT_EQ(slaveError(json{{"type", "gossip"}}).code, errc::kUnknownType);
  EXPECT_NE(slaveError(json{{"type", "register"}, {"languages", 3}}).message.find("languages"),
            std::string::npos);
  EXPECT_NE(
      slaveError(json{{"type", "register"}, {"languages", json::array()}, {"capacity", "many"}})
          .message.find("capacity"),
      std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "register"}, {"languages", json::array()}, {"jobs", {1}}})
                .message.find("jobs"),
            std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "register"}, {"languages", {{{"version", "1"}}}}})
                .message.find("languages[0]"),
            std::string::npos);
  for (const json& limits : {json(5), json(""), json(std::string(33, 'x'))})
    EXPECT_NE(
        slaveError(json{{"type", "register"}, {"languages", json::array()}, {"limits", limits}})
            .message.find("limits"),
        std::string::npos)
        << limits.dump();
  EXPECT_NE(slaveError(json{{"type", "heartbeat"}, {"load", "high"}}).message.find("load"),
            std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "heartbeat"}, {"load", {{"load_avg", "x"}}}})
                .message.find("load.load_avg"),
            std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "progress"}, {"job_id", "j"}, {"state", "flying"}})
                .message.find("flying"),
            std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "cancelled"}}).message.find("job_id"), std::string::npos);
  EXPECT_NE(slaveError(json{{"type", "languages"}, {"languages", json::array()}, {"plugins", 1}})
                .message.find("plugins"),
            std::string::npos);
}

// A judged job's case as a slave reports it when it ends (docs/judging.md), parsed from text as
// it arrives on the wire.
json caseProgress(const std::string& test) {
  return json::parse(R"({"type": "progress", "job_id": "j-4", "state": "running", "test": )" +
                     test + "}");
}

TEST(MessagesTest, DecodesASlavesCaseProgress) {
  SlaveMessage s;
  DecodeError e;
  ASSERT_TRUE(decodeSlaveMessage(
      caseProgress(R"({"index": 2, "name": "big", "verdict": "WRONG_ANSWER", "exit_code": 0,
                       "signal": 0, "cpu_ms": 12, "wall_ms": 14, "memory_bytes": 8470528,
                       "line": 3, "column": 7, "message": "line 3, column 7: expected"})"),
      &s, &e))
      << e.message;
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kProgress);
  EXPECT_EQ(s.job_id, "j-4");
  ASSERT_TRUE(s.test.has_value());
  EXPECT_EQ(s.test_index, 2u);
  EXPECT_EQ(s.test->name, "big");
  EXPECT_EQ(s.test->run.verdict, Verdict::kWrongAnswer);
  EXPECT_EQ(s.test->run.cpu_ms, 12);
  EXPECT_EQ(s.test->run.memory_bytes, 8470528);
  EXPECT_EQ(s.test->line, 3);
  EXPECT_EQ(s.test->column, 7);
  EXPECT_EQ(s.test->run.message, "line 3, column 7: expected");

  // What the slave's executor reports decodes to the same case.
  CaseResult c;
  c.name = "7";
  c.run.verdict = Verdict::kSkipped;
  c.run.message = "not run";
  SlaveMessage back;
  ASSERT_TRUE(decodeSlaveMessage(caseProgress(caseProgressJson(6, c).dump()), &back, &e))
      << e.message;
  EXPECT_EQ(back.test_index, 6u);
  EXPECT_EQ(back.test->name, "7");
  EXPECT_EQ(back.test->run.verdict, Verdict::kSkipped);
  EXPECT_FALSE(back.test->checker.has_value());

  // A checker program's stage comes along, its figures without its outputs.
  c.run.verdict = Verdict::kCheckerError;
  c.checker.emplace().exit_code = 3;
  c.checker->stdout_data = "FAIL";
  ASSERT_TRUE(decodeSlaveMessage(caseProgress(caseProgressJson(6, c).dump()), &back, &e))
      << e.message;
  ASSERT_TRUE(back.test->checker.has_value());
  EXPECT_EQ(back.test->checker->exit_code, 3);
  EXPECT_EQ(back.test->checker->stdout_data, "");
  const std::string bad_checker =
      slaveError(caseProgress(R"({"index": 0, "checker": {"verdict": "SO-SO"}})")).message;
  EXPECT_NE(bad_checker.find("\"test\".checker"), std::string::npos) << bad_checker;

  SlaveMessage plain;
  ASSERT_TRUE(decodeSlaveMessage(caseProgress("null"), &plain, &e)) << "null is no test";
  EXPECT_FALSE(plain.test.has_value());
}

TEST(MessagesTest, MalformedCaseProgressIsABadMessage) {
  for (const char* bad : {R"("case 1")", "[]", "3", R"({"index": 0, "verdict": "PASSED"})",
                          R"({"index": 0, "verdict": 1})", R"({"name": "1", "verdict": "OK"})",
                          R"({"index": -1, "verdict": "OK"})", R"({"index": "0", "verdict": "OK"})",
                          R"({"index": 0, "verdict": "OK", "cpu_ms": "fast"})"}) {
    const DecodeError e = slaveError(caseProgress(bad));
    EXPECT_EQ(e.code, errc::kBadMessage) << bad;
    EXPECT_NE(e.message.find("\"test\""), std::string::npos) << bad << ": " << e.message;
  }
  EXPECT_NE(slaveError(caseProgress(R"({"verdict": "OK"})")).message.find("index"),
            std::string::npos);
  const std::string not_object = slaveError(caseProgress("[1]")).message;
  EXPECT_NE(not_object.find("not an object"), std::string::npos) << not_object;
  EXPECT_NE(slaveError(caseProgress(R"({"index": 0, "verdict": "PASSED"})")).message.find("PASSED"),
            std::string::npos);
}

// --- Encoders ---

TEST(MessagesTest, EncodesTheClientMessagesOfTheProtocol) {
  // The examples of docs/protocol.md, compact (objects print their keys sorted).
  EXPECT_EQ(encodeAccepted("1", "j-000001").dump(),
            R"({"id":"1","job_id":"j-000001","type":"accepted"})");
  EXPECT_EQ(
      encodeProgress("1", "j-000001", JobState::kAssigned, "slave-a").dump(),
      R"({"id":"1","job_id":"j-000001","slave":"slave-a","state":"assigned","type":"progress"})");
  EXPECT_EQ(encodeProgress("1", "j-000001", JobState::kQueued).dump(),
            R"({"id":"1","job_id":"j-000001","state":"queued","type":"progress"})");
  EXPECT_EQ(encodeResult("1", "j-000001", json{{"verdict", "OK"}}).dump(),
            R"({"id":"1","job_id":"j-000001","result":{"verdict":"OK"},"type":"result"})");
  EXPECT_EQ(encodeJobReply("4", "j-5", JobState::kRunning, "slave-a").dump(),
            R"({"id":"4","job_id":"j-5","slave":"slave-a","state":"running","type":"job"})");
  const json result = {{"verdict", "OK"}};
  EXPECT_EQ(
      encodeJobReply("4", "j-5", JobState::kFinished, std::nullopt, &result).dump(),
      R"({"id":"4","job_id":"j-5","result":{"verdict":"OK"},"state":"finished","type":"job"})");
  EXPECT_EQ(encodeJobReply("4", "j-5", JobState::kCancelled).dump(),
            R"({"id":"4","job_id":"j-5","state":"cancelled","type":"job"})");
  EXPECT_EQ(encodeCancelled("5", "j-6", JobState::kRunning).dump(),
            R"({"id":"5","job_id":"j-6","state":"running","type":"cancelled"})");
  EXPECT_EQ(encodeAuthenticated("0").dump(), R"({"id":"0","type":"authenticated"})");
  EXPECT_EQ(encodeRuntimes("2", json::array()).dump(),
            R"({"id":"2","runtimes":[],"type":"runtimes"})");
  EXPECT_EQ(encodeCluster(3, {{"uptime_ms", 81234}, {"state", "serving"}}).dump(),
            R"({"id":3,"state":"serving","type":"cluster","uptime_ms":81234})");
  EXPECT_EQ(
      encodeError("7", errc::kUnknownLanguage, "no slave offers language cobol").dump(),
      R"({"code":"unknown_language","id":"7","message":"no slave offers language cobol","type":"error"})");
}

TEST(MessagesTest, EncodedErrorsLeaveOutANullIdOtherMessagesKeepIt) {
  EXPECT_FALSE(encodeError(nullptr, errc::kBadFrame, "x").contains("id"))
      << "an error answering no request";
  const json progress = encodeProgress(nullptr, "j-1", JobState::kQueued);
  ASSERT_TRUE(progress.contains("id"));
  EXPECT_TRUE(progress["id"].is_null());
  EXPECT_TRUE(encodeAccepted(nullptr, "j-1")["id"].is_null());
  EXPECT_EQ(encodeAccepted(17, "j-1")["id"], 17) << "a numeric id comes back as a number";
}

TEST(MessagesTest, EncodesTheSlaveMessagesOfTheProtocol) {
  EXPECT_EQ(encodeRegistered(1, 1000, 16777216).dump(),
            R"({"heartbeat_ms":1000,"max_frame_bytes":16777216,"slave_id":1,"type":"registered"})");
  EXPECT_EQ(encodeCancel("j-000001").dump(), R"({"job_id":"j-000001","type":"cancel"})");
  EXPECT_EQ(encodeDraining().dump(), R"({"type":"draining"})");
  EXPECT_EQ(encodeAssign("j-000001", json{{"language", "c"}}).dump(),
            R"({"job":{"language":"c"},"job_id":"j-000001","type":"assign"})");
}

// Where the master decodes a message of the same shape as one it sends, the two agree.
TEST(MessagesTest, EncodedMessagesDecodeBackToWhatWasEncoded) {
  ClientRequest r;
  SlaveMessage s;
  DecodeError e;
  ASSERT_TRUE(decodeClientRequest(encodeCancel("j-1"), &r, &e)) << e.message;
  EXPECT_EQ(r.kind, ClientRequest::Kind::kCancel);
  EXPECT_EQ(r.job_id, "j-1");

  ASSERT_TRUE(decodeClientRequest(encodeJobReply("9", "j-2", JobState::kQueued), &r, &e))
      << e.message;
  EXPECT_EQ(r.kind, ClientRequest::Kind::kJob);
  EXPECT_EQ(r.id, "9");
  EXPECT_EQ(r.job_id, "j-2");

  for (JobState st : {JobState::kCompiling, JobState::kRunning}) {
    ASSERT_TRUE(decodeSlaveMessage(encodeProgress("1", "j-3", st, "a"), &s, &e)) << e.message;
    EXPECT_EQ(s.kind, SlaveMessage::Kind::kProgress);
    EXPECT_EQ(s.job_id, "j-3");
    EXPECT_EQ(s.state, st);
  }

  ASSERT_TRUE(decodeSlaveMessage(encodeCancelled("1", "j-4", JobState::kRunning), &s, &e))
      << e.message;
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kCancelled);
  EXPECT_EQ(s.job_id, "j-4");

  JobResult result;
  result.job_id = "j-5";
  result.verdict = Verdict::kTimeLimit;
  result.run = StageResult{};
  result.run->stdout_data = "partial";
  result.queue_ms = 12;
  ASSERT_TRUE(decodeSlaveMessage(encodeResult("1", "j-5", toJson(result)), &s, &e)) << e.message;
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kResult);
  EXPECT_TRUE(s.result_error.empty()) << s.result_error;
  EXPECT_EQ(s.result.job_id, "j-5");
  EXPECT_EQ(s.result.verdict, Verdict::kTimeLimit);
  ASSERT_TRUE(s.result.run);
  EXPECT_EQ(s.result.run->stdout_data, "partial");
  EXPECT_EQ(s.result.queue_ms, 12);

  Job job;
  job.language = "c";
  job.version = "12.2.0";
  job.files.push_back({"main.c", "int main(){}", Encoding::kUtf8});
  job.limits.run.wall_ms = 5000;
  const json assign = encodeAssign("j-6", toJson(job));
  EXPECT_EQ(assign["job_id"], "j-6");
  Job back;
  ASSERT_EQ(fromJson(assign["job"], &back).message(), "");
  EXPECT_EQ(back.language, "c");
  EXPECT_EQ(back.version, "12.2.0");
  ASSERT_EQ(back.files.size(), 1u);
  EXPECT_EQ(back.files[0].content, "int main(){}");
  EXPECT_EQ(back.limits.run.wall_ms, 5000);
}

}  // namespace
}  // namespace polyrun::master

namespace polyrun::master {
namespace {

TEST(LiveMessagesTest, DecodesInputAndSignal) {
  ClientRequest r;
  DecodeError e;
  ASSERT_TRUE(decodeClientRequest(json{{"type", "input"},
                                       {"job_id", "j-1"},
                                       {"data", "/wA="},
                                       {"data_encoding", "base64"},
                                       {"eof", true}},
                                  &r, &e))
      << e.message;
  EXPECT_EQ(r.kind, ClientRequest::Kind::kInput);
  EXPECT_EQ(r.data, std::string("\xff\x00", 2));
  EXPECT_TRUE(r.eof);
  ASSERT_TRUE(decodeClientRequest(
      json{{"type", "signal"}, {"id", 3}, {"job_id", "j-1"}, {"signal", "SIGTERM"}}, &r, &e));
  EXPECT_EQ(r.kind, ClientRequest::Kind::kSignal);
  EXPECT_EQ(r.signal, SIGTERM);
}

TEST(LiveMessagesTest, MalformedInputAndSignalNameTheProblem) {
  EXPECT_NE(clientError({{"type", "input"}, {"data", "x"}}).message.find("job_id"),
            std::string::npos);
  EXPECT_NE(clientError({{"type", "input"}, {"job_id", "j"}, {"data", 5}}).message.find("data"),
            std::string::npos);
  const DecodeError bad = clientError({{"type", "signal"}, {"job_id", "j"}, {"signal", "SIGSTOP"}});
  EXPECT_EQ(bad.code, errc::kBadMessage);
  EXPECT_NE(bad.message.find("SIGINT, SIGTERM"), std::string::npos) << bad.message;
  EXPECT_NE(
      clientError({{"type", "signal"}, {"job_id", "j"}, {"signal", 9}}).message.find("signal"),
      std::string::npos);
}

TEST(LiveMessagesTest, DecodesASlavesOutputAndCountsItsBytes) {
  SlaveMessage s;
  DecodeError e;
  const json chunks = toJson(std::vector<OutputChunk>{{OutputStream::kStdout, "abc"},
                                                      {OutputStream::kStderr, "\xff\xfe"}});
  ASSERT_TRUE(
      decodeSlaveMessage(json{{"type", "output"}, {"job_id", "j-1"}, {"chunks", chunks}}, &s, &e))
      << e.message;
  EXPECT_EQ(s.kind, SlaveMessage::Kind::kOutput);
  EXPECT_EQ(s.output_bytes, 5u);
  EXPECT_EQ(s.chunks, chunks);
  EXPECT_NE(slaveError({{"type", "output"}, {"job_id", "j"}, {"chunks", {{{"stream", "stdin"}}}}})
                .message.find("stream"),
            std::string::npos);
  EXPECT_NE(slaveError({{"type", "output"}, {"job_id", "j"}}).message.find("chunks"),
            std::string::npos);
}

TEST(LiveMessagesTest, EncodesOutputInputAndSignal) {
  EXPECT_EQ(encodeOutput("1", "j-1", json::array(), 0),
            (json{{"type", "output"}, {"id", "1"}, {"job_id", "j-1"}, {"chunks", json::array()}}));
  EXPECT_EQ(encodeOutput("1", "j-1", json::array(), 7)["dropped"], 7);
  EXPECT_EQ(encodeInput("j-1", "hi\n", true),
            (json{{"type", "input"}, {"job_id", "j-1"}, {"data", "hi\n"}, {"eof", true}}));
  EXPECT_EQ(encodeSignal("j-1", SIGINT),
            (json{{"type", "signal"}, {"job_id", "j-1"}, {"signal", "SIGINT"}}));
}

}  // namespace
}  // namespace polyrun::master
