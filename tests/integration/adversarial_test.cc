// Bad input and untrusted peers against a real master: every malformed frame or message gets an
// error naming the problem and the connection closes; idle and slow connections time out; the
// per-port connection limit and client tokens hold; and the master serves everyone else
// throughout.
#include <gtest/gtest.h>

#include <signal.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <memory>
#include <sstream>

#include "integration/cluster_helpers.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

// A raw connection: exactly the bytes we choose, then what the master answers until it closes.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket_.setReceiveTimeout(Poco::Timespan(15, 0));
  }
  void sendBytes(const std::string& bytes) { socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size())); }
  void shutdownSend() { socket_.shutdownSend(); }
  // Every message the master sends until it closes the connection (or 15 s pass).
  std::vector<json> readUntilClosed() {
    std::string received;
    char buf[4096];
    try {
      for (int n; (n = socket_.receiveBytes(buf, sizeof buf)) > 0;) received.append(buf, static_cast<size_t>(n));
    } catch (const Poco::Exception&) {
      closed_ = false;  // timed out: still open
      return decode(received);
    }
    closed_ = true;
    return decode(received);
  }
  bool closed() const { return closed_; }

 private:
  static std::vector<json> decode(const std::string& bytes) {
    FrameReader reader(1 << 20);
    reader.feed(bytes);
    std::vector<json> out;
    for (json m; reader.next(&m);) out.push_back(m);
    return out;
  }
  Poco::Net::StreamSocket socket_;
  bool closed_ = false;
};

std::string frameOf(const std::string& payload) {
  const uint32_t n = static_cast<uint32_t>(payload.size());
  std::string header = {char(n >> 24), char((n >> 16) & 0xff), char((n >> 8) & 0xff), char(n & 0xff)};
  return header + payload;
}

class AdversarialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    plugins_ = new TempDir();
    Cluster::Options o;
    o.slaves = 1;
    o.slave_capacity = 1;
    o.slave_defines = {"slave.plugins.dir=" + pluginDir(plugins_->path(), {"polyrun_python.so"})};
    o.master_defines = {"master.frame.max.bytes=65536", "master.frame.timeout.ms=500",
                        "master.client.idle.ms=1000", "master.register.timeout.ms=1000"};
    cluster_ = startSuiteCluster(o);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete plugins_;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << "the cluster did not start"; }
  // After each case: the master is alive and still runs jobs for a well-behaved client.
  void TearDown() override {
    if (!cluster_) return;
    ASSERT_EQ(::kill(cluster_->masterPid(), 0), 0) << "the master died\n" << cluster_->masterLog();
    PipelineClient client(cluster_->clientPort());
    std::string error;
    ASSERT_TRUE(client.connect(&error)) << error;
    const std::string id = client.submit(pythonJob("print('still serving')\n"));
    ASSERT_TRUE(client.waitFinal({id}, 30s)) << cluster_->logs();
    EXPECT_EQ(client.finals().at(id)["result"]["run"]["stdout"], "still serving\n");
  }

  // Sends `bytes` to the client port; expects one error with `code`, then the close.
  static json expectErrorAndClose(int port, const std::string& bytes, std::string_view code) {
    RawConnection raw(port);
    raw.sendBytes(bytes);
    const auto replies = raw.readUntilClosed();
    EXPECT_TRUE(raw.closed()) << "the master must close the connection";
    EXPECT_FALSE(replies.empty()) << "an error comes first";
    if (replies.empty()) return nullptr;
    const json& last = replies.back();
    EXPECT_EQ(last["type"], "error") << last.dump();
    EXPECT_EQ(last["code"], code) << last.dump();
    EXPECT_FALSE(last.value("message", "").empty());
    return last;
  }

  static TempDir* plugins_;
  static Cluster* cluster_;
};
TempDir* AdversarialTest::plugins_ = nullptr;
Cluster* AdversarialTest::cluster_ = nullptr;

TEST_F(AdversarialTest, OversizedFrameIsRefusedBeforeItIsRead) {
  const std::string header = {char(0x00), char(0x10), char(0x00), char(0x00)};  // 1 MiB > 64 KiB
  const json e = expectErrorAndClose(cluster_->clientPort(), header + "{", errc::kBadFrame);
  EXPECT_NE(e.value("message", "").find("65536"), std::string::npos) << e.dump();
}

TEST_F(AdversarialTest, TruncatedFrameGetsAnError) {
  RawConnection raw(cluster_->clientPort());
  raw.sendBytes(std::string{char(0), char(0), char(0), char(100)} + "{\"type\":");
  raw.shutdownSend();
  const auto replies = raw.readUntilClosed();
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kBadFrame);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("middle of a frame"), std::string::npos);
}

TEST_F(AdversarialTest, NonJsonNonObjectAndUntypedFramesGetAnError) {
  expectErrorAndClose(cluster_->clientPort(), frameOf("not json at all"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), frameOf("[1, 2, 3]"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), frameOf("{\"id\": 1}"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), std::string(4, '\0'), errc::kBadFrame);
}

TEST_F(AdversarialTest, UnknownMessageTypeGetsAnErrorAndTheConnectionCloses) {
  const json e = expectErrorAndClose(cluster_->clientPort(), frameOf("{\"type\": \"launch_missiles\", \"id\": 9}"),
                                     errc::kUnknownType);
  EXPECT_EQ(e["id"], 9);
  EXPECT_NE(e["message"].get<std::string>().find("launch_missiles"), std::string::npos);
}

TEST_F(AdversarialTest, BadFieldIsRefusedButTheConnectionStaysUsable) {
  RawConnection raw(cluster_->clientPort());
  raw.sendBytes(frameOf("{\"type\": \"job\", \"id\": 1}") + frameOf("{\"type\": \"runtimes\", \"id\": 2}"));
  // Then nothing: the connection idles out after master.client.idle.ms.
  const auto replies = raw.readUntilClosed();
  ASSERT_GE(replies.size(), 2u);
  EXPECT_EQ(replies[0]["code"], errc::kBadMessage);
  EXPECT_NE(replies[0]["message"].get<std::string>().find("job_id"), std::string::npos);
  EXPECT_EQ(replies[1]["type"], "runtimes") << "answered after the bad message";
}

TEST_F(AdversarialTest, SlowFrameTimesOut) {
  RawConnection raw(cluster_->clientPort());
  raw.sendBytes(std::string{char(0), char(0), char(0), char(50)} + "{\"type\"");  // and then nothing
  const auto replies = raw.readUntilClosed();
  EXPECT_TRUE(raw.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTimeout);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.frame.timeout.ms"), std::string::npos);
}

TEST_F(AdversarialTest, IdleConnectionTimesOutButOneWaitingForItsJobDoesNot) {
  RawConnection idle(cluster_->clientPort());
  const auto replies = idle.readUntilClosed();
  EXPECT_TRUE(idle.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTimeout);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.client.idle.ms"), std::string::npos);

  PipelineClient waiting(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(waiting.connect(&error)) << error;
  const std::string id = waiting.submit(pythonJob("import time\ntime.sleep(2)\nprint('patience')\n"));
  ASSERT_TRUE(waiting.waitFinal({id}, 30s)) << waiting.lastError();
  EXPECT_EQ(waiting.finals().at(id)["result"]["run"]["stdout"], "patience\n");
}

TEST_F(AdversarialTest, SlavePortRefusesGarbageAndStrangers) {
  {  // not a register
    RawConnection raw(cluster_->slavePort());
    raw.sendBytes(frameOf("{\"type\": \"heartbeat\"}"));
    const auto replies = raw.readUntilClosed();
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kBadMessage);
  }
  {  // a bad frame
    RawConnection raw(cluster_->slavePort());
    raw.sendBytes(frameOf("}{"));
    const auto replies = raw.readUntilClosed();
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kBadFrame);
  }
  {  // a wrong token
    RawConnection raw(cluster_->slavePort());
    raw.sendBytes(frameOf(R"({"type": "register", "token": "guess", "name": "mallory", "languages": []})"));
    const auto replies = raw.readUntilClosed();
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kUnauthorized);
    EXPECT_NE(cluster_->masterLog().find("refused slave \"mallory\""), std::string::npos);
  }
  {  // silence
    RawConnection raw(cluster_->slavePort());
    const auto replies = raw.readUntilClosed();
    EXPECT_TRUE(raw.closed());
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kTimeout);
  }
  const json c = cluster_->snapshot();
  ASSERT_EQ(c["slaves"].size(), 1u) << "none of them registered";
}

TEST(ConnectionLimitTest, ConnectionsOverThePerPortLimitAreRefusedWithAnError) {
  Cluster cluster(Cluster::Options{0, 1, "test-token", {"master.connections.max=3"}, {}, false});
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error;
  std::vector<std::unique_ptr<MasterClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(cluster.clientPort())));
    ASSERT_TRUE(held.back()->connect(&error)) << error;
    ASSERT_TRUE(held.back()->request({{"type", "runtimes"}}, 5000, &error)) << error;
  }
  RawConnection extra(cluster.clientPort());
  const auto replies = extra.readUntilClosed();
  EXPECT_TRUE(extra.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTooManyConnections);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.connections.max"), std::string::npos);
  for (auto& c : held) ASSERT_TRUE(c->request({{"type", "runtimes"}}, 5000, &error)) << "the others are served";
  held.pop_back();
  EXPECT_TRUE(waitFor([&] {
    MasterClient again("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
    return again.connect(nullptr) && again.request({{"type", "runtimes"}}, 2000, nullptr).has_value();
  }, 10s)) << "a freed slot is usable again";
}

TEST(ClientTokenTest, ClientsMustAuthenticateWhenTokensAreConfigured) {
  Cluster cluster(Cluster::Options{0, 1, "test-token",
                                   {"master.client.tokens=first-secret, second-secret",
                                    "master.client.auth.loopback=true"},
                                   {}, false});
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;  // no slave: start() would ask unauthenticated
  {
    RawConnection raw(cluster.clientPort());
    raw.sendBytes(frameOf(R"({"type": "runtimes", "id": 1})"));
    const auto replies = raw.readUntilClosed();
    EXPECT_TRUE(raw.closed());
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kUnauthorized);
    EXPECT_NE(replies.back()["message"].get<std::string>().find("auth"), std::string::npos);
  }
  {
    RawConnection raw(cluster.clientPort());
    raw.sendBytes(frameOf(R"({"type": "auth", "id": 1, "token": "second-secreT"})"));
    const auto replies = raw.readUntilClosed();
    EXPECT_TRUE(raw.closed());
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kUnauthorized);
  }
  EXPECT_NE(cluster.masterLog().find("wrong token"), std::string::npos);
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;
  auto auth = client.request({{"type", "auth"}, {"token", "second-secret"}}, 5000, &error);
  ASSERT_TRUE(auth) << error;
  EXPECT_EQ((*auth)["type"], "authenticated");
  auto runtimes = client.request({{"type", "runtimes"}}, 5000, &error);
  ASSERT_TRUE(runtimes) << error;
  EXPECT_EQ((*runtimes)["type"], "runtimes");
}

// --- Client mistakes are refused as such: never INTERNAL_ERROR, never a host path (hardening
// issue, item 11).

// A POST of `body` to the master's Piston route; the status and the body.
std::pair<int, std::string> postExecute(int port, const json& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(60, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/api/v2/execute",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string text = body.dump();
  request.setContentLength64(static_cast<Poco::Int64>(text.size()));
  session.sendRequest(request) << text;
  Poco::Net::HTTPResponse response;
  std::ostringstream out;
  Poco::StreamCopier::copyStream(session.receiveResponse(response), out);
  return {static_cast<int>(response.getStatus()), out.str()};
}

TEST_F(AdversarialTest, AMemoryLimitOfAFewBytesIsABadRequest) {
  PipelineClient client(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job = pythonJob("print(1)\n");
  job.limits.run.memory_bytes = 10;
  const std::string id = client.submit(job);
  ASSERT_TRUE(client.waitFinal({id}, 30s)) << cluster_->logs();
  const json& reply = client.finals().at(id);
  EXPECT_EQ(reply["type"], "error") << reply.dump();
  EXPECT_EQ(reply["code"], errc::kBadLimits) << reply.dump();
  EXPECT_NE(reply.value("message", "").find("limits.run.memory_bytes"), std::string::npos) << reply.dump();
  EXPECT_NE(reply.value("message", "").find("minimum"), std::string::npos) << reply.dump();

  const auto [status, body] = postExecute(
      cluster_->httpPort(),
      {{"language", "python"}, {"version", "*"}, {"files", {{{"content", "print(1)"}}}}, {"compile_memory_limit", 64}});
  EXPECT_EQ(status, 400) << body;
  EXPECT_NE(body.find("minimum"), std::string::npos) << body;
}

TEST_F(AdversarialTest, AnArgumentTooLongForTheKernelIsRefusedWithoutAHostPath) {
  // Over the kernel's 128 KiB per argument: through HTTP, whose body limit allows it.
  const auto [status, body] = postExecute(cluster_->httpPort(), {{"language", "python"},
                                                                  {"version", "*"},
                                                                  {"files", {{{"content", "print(1)"}}}},
                                                                  {"args", {std::string(200 << 10, 'a')}}});
  ASSERT_EQ(status, 200) << body.substr(0, 500);
  EXPECT_EQ(body.find("INTERNAL_ERROR"), std::string::npos) << body.substr(0, 500);
  EXPECT_NE(body.find("per argument"), std::string::npos) << body.substr(0, 500);
  EXPECT_EQ(body.find("/tmp/"), std::string::npos) << body.substr(0, 500);
  EXPECT_EQ(body.find("job-"), std::string::npos) << "the work directory shows: " << body.substr(0, 500);
}

}  // namespace
}  // namespace polyrun::test
