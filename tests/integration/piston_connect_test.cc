// Piston's interactive WebSocket route (GET /api/v2/connect) on a real cluster, driven by a real
// WebSocket client (Poco's), with the messages Piston's documentation and clients use: init,
// runtime, stage, data, signal, exit, error, and its close codes.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/cluster_client.h"
#include "support/http_request.h"
#include "support/live_programs.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using Poco::Net::WebSocket;
using namespace std::chrono_literals;

// A Piston client's side of one session.
class PistonSocket {
 public:
  PistonSocket(int port, const std::string& path = "/api/v2/connect")
      : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse response;
    ws_ = std::make_unique<WebSocket>(session_, request, response);
    ws_->setReceiveTimeout(Poco::Timespan(60, 0));
  }
  void send(const json& m) {
    const std::string text = m.dump();
    ws_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
  }
  // The next message; a close frame comes back as {"close": code, "reason": ...}.
  json next() {
    char buf[1 << 16];
    int flags = 0;
    const int n = ws_->receiveFrame(buf, sizeof buf, flags);
    if ((flags & WebSocket::FRAME_OP_BITMASK) == WebSocket::FRAME_OP_CLOSE || (n == 0 && !flags)) {
      json c = {{"close", 0}, {"reason", ""}};
      if (n >= 2) {
        c["close"] = (static_cast<unsigned char>(buf[0]) << 8) | static_cast<unsigned char>(buf[1]);
        c["reason"] = std::string(buf + 2, static_cast<size_t>(n - 2));
      }
      return c;
    }
    return json::parse(std::string(buf, static_cast<size_t>(n)));
  }
  // Messages until one of `type` (or a close), all kept in seen().
  json until(const std::string& type) {
    for (;;) {
      json m = next();
      seen_.push_back(m);
      if (m.value("type", "") == type || m.contains("close")) return m;
    }
  }
  // The stdout `data` seen so far, joined.
  std::string stdoutText() const {
    std::string out;
    for (const auto& m : seen_)
      if (m.value("type", "") == "data" && m.value("stream", "") == "stdout")
        out += m.value("data", "");
    return out;
  }
  // Reads until stdout holds `text`.
  bool waitStdout(const std::string& text) {
    while (stdoutText().find(text) == std::string::npos) {
      json m = next();
      seen_.push_back(m);
      if (m.contains("close")) return false;
    }
    return true;
  }
  const std::vector<json>& seen() const { return seen_; }

 private:
  Poco::Net::HTTPClientSession session_;
  std::unique_ptr<WebSocket> ws_;
  std::vector<json> seen_;
};

json init(const std::string& language, const std::string& name, const std::string& source) {
  return {{"type", "init"},
          {"language", language},
          {"version", "*"},
          {"files", json::array({{{"name", name}, {"content", source}}})}};
}

class PistonConnectTest : public ClusterSuite<PistonConnectTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;
    o.slave_capacity = 2;
    return o;
  }
};

TEST_F(PistonConnectTest, ARuntimeStageAndExitFrameTheRun) {
  PistonSocket ws(cluster_->httpPort());
  ws.send(init("py", "main.py", "print(input()[::-1])\n"));
  const json runtime = ws.until("runtime");
  EXPECT_EQ(runtime.value("language", ""), "python") << runtime.dump();
  EXPECT_FALSE(runtime.value("version", "").empty());
  EXPECT_EQ(ws.until("stage").value("stage", ""), "run");
  ws.send({{"type", "data"}, {"stream", "stdin"}, {"data", "polyrun\n"}});
  const json exit = ws.until("exit");
  EXPECT_EQ(exit.value("stage", ""), "run");
  EXPECT_EQ(exit["code"], 0) << exit.dump();
  EXPECT_TRUE(exit["signal"].is_null());
  EXPECT_EQ(ws.stdoutText(), "nurylop\n");
  const json close = ws.next();
  EXPECT_EQ(close.value("close", 0), 4999) << close.dump();
  EXPECT_EQ(close.value("reason", ""), "Job Completed");
}

TEST_F(PistonConnectTest, EndOfInputIsPolyrunsEofFlag) {
  PistonSocket ws(cluster_->httpPort());
  ws.send(init("python", "cat.py", "import sys\nprint(len(sys.stdin.read().split()))\n"));
  ws.send({{"type", "data"}, {"stream", "stdin"}, {"data", "a b c\n"}});
  ws.send({{"type", "data"}, {"stream", "stdin"}, {"data", "d\n"}, {"eof", true}});
  const json exit = ws.until("exit");
  EXPECT_EQ(exit["code"], 0) << exit.dump();
  EXPECT_EQ(ws.stdoutText(), "4\n");
}

TEST_F(PistonConnectTest, ACompiledProgramHasBothStagesAndASignalEndsIt) {
  PistonSocket ws(cluster_->httpPort(), "/api/v2/piston/connect");
  ws.send(init("c", "main.c",
               "#include <stdio.h>\n#include <unistd.h>\n"
               "int main(void) { puts(\"ready\"); fflush(stdout); pause(); return 0; }\n"));
  ASSERT_TRUE(ws.waitStdout("ready\n")) << cluster_->logs();
  ws.send({{"type", "signal"}, {"signal", "SIGKILL"}});
  const json exit = ws.until("exit");
  EXPECT_TRUE(exit["code"].is_null()) << exit.dump();
  EXPECT_EQ(exit.value("signal", ""), "SIGKILL") << exit.dump();
  std::vector<std::string> stages;
  for (const auto& m : ws.seen())
    if (m.value("type", "") == "stage") stages.push_back(m.value("stage", ""));
  EXPECT_EQ(stages, (std::vector<std::string>{"compile", "run"}));
  EXPECT_EQ(ws.next().value("close", 0), 4999);
}

TEST_F(PistonConnectTest, ACompileErrorComesAsTheCompileStagesDataAndExit) {
  PistonSocket ws(cluster_->httpPort());
  ws.send(init("c", "bad.c", "int main(void) { return nope; }\n"));
  const json exit = ws.until("exit");
  EXPECT_EQ(exit.value("stage", ""), "compile") << exit.dump();
  EXPECT_NE(exit["code"], 0);
  bool compiler_said = false;
  for (const auto& m : ws.seen())
    compiler_said |=
        m.value("type", "") == "data" && m.value("data", "").find("nope") != std::string::npos;
  EXPECT_TRUE(compiler_said);
  EXPECT_EQ(ws.next().value("close", 0), 4999);
}

TEST_F(PistonConnectTest, PistonsCloseCodes) {
  {  // no init within a second
    PistonSocket ws(cluster_->httpPort());
    const json close = ws.next();
    EXPECT_EQ(close.value("close", 0), 4001) << close.dump();
    EXPECT_EQ(close.value("reason", ""), "Initialization Timeout");
  }
  {  // data before init
    PistonSocket ws(cluster_->httpPort());
    ws.send({{"type", "data"}, {"stream", "stdin"}, {"data", "x"}});
    EXPECT_EQ(ws.next().value("close", 0), 4003);
  }
  {  // writing to stdout, then a second init, then a bad signal
    PistonSocket ws(cluster_->httpPort());
    ws.send(init("python", "a.py", "import time\nprint('up', flush=True)\ntime.sleep(30)\n"));
    ASSERT_TRUE(ws.waitStdout("up\n"));
    ws.send({{"type", "data"}, {"stream", "stdout"}, {"data", "x"}});
    EXPECT_EQ(ws.until("none").value("close", 0), 4004);
  }
  {
    PistonSocket ws(cluster_->httpPort());
    ws.send(init("python", "a.py", "import time\nprint('up', flush=True)\ntime.sleep(30)\n"));
    ASSERT_TRUE(ws.waitStdout("up\n"));
    ws.send(init("python", "a.py", "print(1)\n"));
    EXPECT_EQ(ws.until("none").value("close", 0), 4000);
  }
  {
    PistonSocket ws(cluster_->httpPort());
    ws.send(init("python", "a.py", "import time\nprint('up', flush=True)\ntime.sleep(30)\n"));
    ASSERT_TRUE(ws.waitStdout("up\n"));
    ws.send({{"type", "signal"}, {"signal", "SIGNOPE"}});
    EXPECT_EQ(ws.until("none").value("close", 0), 4005);
  }
}

TEST_F(PistonConnectTest, ABadInitIsAnErrorThenClose4002) {
  PistonSocket ws(cluster_->httpPort());
  ws.send(init("cobol", "a.cob", "x"));
  const json error = ws.next();
  EXPECT_EQ(error.value("type", ""), "error") << error.dump();
  EXPECT_NE(error.value("message", "").find("cobol"), std::string::npos) << error.dump();
  EXPECT_EQ(ws.next().value("close", 0), 4002);
}

TEST_F(PistonConnectTest, AClientThatLeavesFreesTheSlot) {
  {
    PistonSocket ws(cluster_->httpPort());
    ws.send(init("python", "a.py", "import time\nprint('up', flush=True)\ntime.sleep(60)\n"));
    ASSERT_TRUE(ws.waitStdout("up\n"));
  }  // gone without a word
  ASSERT_TRUE(waitFor(
      [&] {
        const json s = cluster_->snapshot();
        return s.is_object() && s["counters"].value("running", -1) == 0;
      },
      20s))
      << cluster_->snapshot().dump();
}

TEST_F(PistonConnectTest, APlainGetIsToldToUseAWebSocket) {
  const HttpReply reply = httpRequest(cluster_->httpPort(), "GET", "/api/v2/connect");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_NE(reply.body.find("WebSocket"), std::string::npos) << reply.body;
}

class PistonConversation : public PistonConnectTest,
                           public ::testing::WithParamInterface<LiveProgram> {};

TEST_P(PistonConversation, LineByLine) {
  const LiveProgram& p = GetParam();
  PistonSocket ws(cluster_->httpPort());
  ws.send(init(p.language, p.file, p.source));
  for (const auto& [prompt, answer] : p.steps) {
    ASSERT_TRUE(ws.waitStdout(prompt)) << ws.stdoutText() << cluster_->logs();
    const std::string out = ws.stdoutText();
    EXPECT_EQ(out.substr(out.size() - prompt.size()), prompt) << out;  // waiting for the answer
    ws.send({{"type", "data"}, {"stream", "stdin"}, {"data", answer}});
  }
  const json exit = ws.until("exit");
  EXPECT_EQ(exit["code"], 0) << exit.dump();
  EXPECT_EQ(ws.stdoutText(), p.transcript);
  EXPECT_EQ(ws.next().value("close", 0), 4999);
}

INSTANTIATE_TEST_SUITE_P(Languages, PistonConversation, ::testing::ValuesIn(livePrograms()),
                         [](const auto& info) { return liveProgramName(info.param); });

}  // namespace
}  // namespace polyrun::test
