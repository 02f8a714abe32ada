// Bad input and untrusted peers against a real master: every malformed frame or message gets an
// error naming the problem and the connection closes; idle and slow connections time out; the
// per-port connection limit and client tokens hold; and the master serves everyone else
// throughout.
#include <gtest/gtest.h>

#include <signal.h>

#include <Poco/Net/StreamSocket.h>

#include <memory>

#include "integration/cluster_helpers.h"
#include "polyrun/framed_socket.h"

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

// A result larger than a frame: output of control bytes (six bytes each as "\u0001") and bytes
// that are not UTF-8, far over the suite's 64 KiB frame limit. The slave cuts the outputs to fit
// and marks them; the result keeps the exact bytes; the slave is never dropped for it.
TEST_F(AdversarialTest, ResultLargerThanAFrameArrivesCutAndMarkedWithItsExactBytes) {
  const json before = cluster_->snapshot();
  PipelineClient client(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  const std::string id = client.submit(pythonJob(
      "import sys\n"
      "sys.stdout.buffer.write(b'\\xff\\xfe' + b'\\x01' * 300000)\n"
      "sys.stderr.buffer.write(b'\\x80' + b'\\x01' * 300000)\n"));
  ASSERT_TRUE(client.waitFinal({id}, 60s)) << cluster_->logs();
  const json& final = client.finals().at(id);
  ASSERT_EQ(final["type"], "result") << final.dump().substr(0, 2000);
  JobResult r;
  ASSERT_TRUE(fromJson(final["result"], &r, &error)) << error;
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  ASSERT_TRUE(r.run);
  EXPECT_TRUE(r.run->stdout_truncated);
  EXPECT_TRUE(r.run->stderr_truncated);
  EXPECT_GT(r.run->stdout_data.size(), 10000u) << "most of the frame carries output";
  EXPECT_EQ(r.run->stdout_data, "\xff\xfe" + std::string(r.run->stdout_data.size() - 2, '\x01'));
  EXPECT_EQ(r.run->stderr_data, "\x80" + std::string(r.run->stderr_data.size() - 1, '\x01'));
  const json after = cluster_->snapshot();
  EXPECT_EQ(after["counters"]["requeued"], before["counters"]["requeued"]) << "the slave was never dropped";
  ASSERT_EQ(after["slaves"].size(), 1u);
  EXPECT_EQ(after["slaves"][0]["id"], before["slaves"][0]["id"]) << "the slave did not register again";
}

// A registered slave that sends bad frames (one over the frame limit, one not JSON) fails only
// the jobs those frames were about: its connection stays up, its other job finishes, nothing is
// requeued.
TEST_F(AdversarialTest, BadFramesFromASlaveFailOnlyTheirJobs) {
  const json before = cluster_->snapshot();
  Poco::Net::StreamSocket raw;
  raw.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(cluster_->slavePort())));
  FramedSocket forger(raw, 64u << 20, false);
  ASSERT_TRUE(forger.send({{"type", "register"}, {"token", "test-token"}, {"name", "forger"}, {"capacity", 3},
                           {"languages", json::array({{{"language", "fakelang"}, {"version", "1.0"}}})}}));
  json m;
  std::string error;
  ASSERT_EQ(forger.read(&m, Poco::Timespan(10, 0), &error), FramedSocket::ReadStatus::kMessage) << error;
  ASSERT_EQ(m["type"], "registered") << m.dump();
  EXPECT_EQ(m["max_frame_bytes"], 65536) << "the master says its frame limit";

  PipelineClient client(cluster_->clientPort());
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job = pythonJob("print(1)\n");
  job.language = "fakelang";
  std::vector<std::string> requests, job_ids;
  for (int i = 0; i < 3; ++i) requests.push_back(client.submit(job));
  while (job_ids.size() < 3) {
    ASSERT_EQ(forger.read(&m, Poco::Timespan(10, 0), &error), FramedSocket::ReadStatus::kMessage) << error;
    if (m["type"] == "assign") job_ids.push_back(m["job_id"]);
  }
  JobResult r;
  r.verdict = Verdict::kOk;
  r.run = StageResult{};
  r.run->exit_code = 0;
  r.run->stdout_data = std::string(200000, 'x');  // far over the 64 KiB frame limit
  r.job_id = job_ids[0];
  const std::string oversized =
      frameOf(json{{"type", "result"}, {"job_id", job_ids[0]}, {"result", toJson(r)}}.dump());
  raw.sendBytes(oversized.data(), static_cast<int>(oversized.size()));
  const std::string broken = frameOf("{\"job_id\":\"" + job_ids[1] + "\",\"result\": {oops");
  raw.sendBytes(broken.data(), static_cast<int>(broken.size()));
  r.run->stdout_data = "fine\n";
  r.job_id = job_ids[2];
  ASSERT_TRUE(forger.send({{"type", "result"}, {"job_id", job_ids[2]}, {"result", toJson(r)}}));

  ASSERT_TRUE(client.waitFinal(requests, 30s)) << cluster_->masterLog();
  std::map<std::string, JobResult> results;
  for (const auto& id : requests) {
    const json& final = client.finals().at(id);
    ASSERT_EQ(final["type"], "result") << final.dump();
    ASSERT_TRUE(fromJson(final["result"], &results[final["job_id"]], &error)) << error;
  }
  EXPECT_EQ(results[job_ids[0]].verdict, Verdict::kInternalError);
  EXPECT_NE(results[job_ids[0]].message.find("over the limit"), std::string::npos) << results[job_ids[0]].message;
  EXPECT_EQ(results[job_ids[1]].verdict, Verdict::kInternalError);
  EXPECT_NE(results[job_ids[1]].message.find("not valid JSON"), std::string::npos) << results[job_ids[1]].message;
  EXPECT_EQ(results[job_ids[2]].verdict, Verdict::kOk) << results[job_ids[2]].message;
  ASSERT_TRUE(results[job_ids[2]].run);
  EXPECT_EQ(results[job_ids[2]].run->stdout_data, "fine\n");

  const json after = cluster_->snapshot();
  EXPECT_EQ(after["counters"]["requeued"], before["counters"]["requeued"]) << "nothing was requeued";
  EXPECT_TRUE(slaveEntry(after, "forger").is_object()) << "the slave is still connected";
  // The forger was told, and stays usable.
  int bad_frame_errors = 0;
  while (forger.read(&m, Poco::Timespan(0, 300000), &error) == FramedSocket::ReadStatus::kMessage)
    bad_frame_errors += m.value("code", "") == errc::kBadFrame;
  EXPECT_EQ(bad_frame_errors, 2);
  EXPECT_TRUE(forger.send({{"type", "heartbeat"}, {"load", json::object()}}));
  EXPECT_TRUE(slaveEntry(cluster_->snapshot(), "forger").is_object());
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

}  // namespace
}  // namespace polyrun::test
