// Bad input and untrusted peers against a real master: every malformed frame or message gets an
// error naming the problem and the connection closes; idle and slow connections time out; the
// per-port connection limit and client tokens hold; and the master serves everyone else
// throughout. At the end: no stage can read the slave's token, a job answers only to its owner,
// and per-slave tokens are bound to their name and revocable.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "polyrun/framed_connection.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {

// A cluster of a master alone (slaves started by the test if at all), without a journal.
Cluster::Options masterOnly(std::vector<std::string> master_defines) {
  Cluster::Options o;
  o.slaves = 0;
  o.slave_capacity = 1;
  o.master_defines = std::move(master_defines);
  o.journal = false;
  return o;
}
using nlohmann::json;
using namespace std::chrono_literals;

// A raw connection: exactly the bytes we choose, then what the master answers until it closes.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    socket_.setReceiveTimeout(Poco::Timespan(15, 0));
  }
  void sendBytes(const std::string& bytes) {
    socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  }
  void shutdownSend() { socket_.shutdownSend(); }
  // Every message the master sends until it closes the connection (or 15 s pass).
  std::vector<json> readUntilClosed() {
    std::string received;
    char buf[4096];
    try {
      for (int n; (n = socket_.receiveBytes(buf, sizeof buf)) > 0;)
        received.append(buf, static_cast<size_t>(n));
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
  std::string header = {char(n >> 24), char((n >> 16) & 0xff), char((n >> 8) & 0xff),
                        char(n & 0xff)};
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
  EXPECT_NE(replies.back()["message"].get<std::string>().find("middle of a frame"),
            std::string::npos);
}

TEST_F(AdversarialTest, NonJsonNonObjectAndUntypedFramesGetAnError) {
  expectErrorAndClose(cluster_->clientPort(), frameOf("not json at all"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), frameOf("[1, 2, 3]"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), frameOf("{\"id\": 1}"), errc::kBadFrame);
  expectErrorAndClose(cluster_->clientPort(), std::string(4, '\0'), errc::kBadFrame);
}

TEST_F(AdversarialTest, UnknownMessageTypeGetsAnErrorAndTheConnectionCloses) {
  const json e = expectErrorAndClose(cluster_->clientPort(),
                                     frameOf("{\"type\": \"launch_missiles\", \"id\": 9}"),
                                     errc::kUnknownType);
  EXPECT_EQ(e["id"], 9);
  EXPECT_NE(e["message"].get<std::string>().find("launch_missiles"), std::string::npos);
}

TEST_F(AdversarialTest, BadFieldIsRefusedButTheConnectionStaysUsable) {
  RawConnection raw(cluster_->clientPort());
  raw.sendBytes(frameOf("{\"type\": \"job\", \"id\": 1}") +
                frameOf("{\"type\": \"runtimes\", \"id\": 2}"));
  // Then nothing: the connection idles out after master.client.idle.ms.
  const auto replies = raw.readUntilClosed();
  ASSERT_GE(replies.size(), 2u);
  EXPECT_EQ(replies[0]["code"], errc::kBadMessage);
  EXPECT_NE(replies[0]["message"].get<std::string>().find("job_id"), std::string::npos);
  EXPECT_EQ(replies[1]["type"], "runtimes") << "answered after the bad message";
}

TEST_F(AdversarialTest, SlowFrameTimesOut) {
  RawConnection raw(cluster_->clientPort());
  raw.sendBytes(std::string{char(0), char(0), char(0), char(50)} +
                "{\"type\"");  // and then nothing
  const auto replies = raw.readUntilClosed();
  EXPECT_TRUE(raw.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTimeout);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.frame.timeout.ms"),
            std::string::npos);
}

TEST_F(AdversarialTest, IdleConnectionTimesOutButOneWaitingForItsJobDoesNot) {
  RawConnection idle(cluster_->clientPort());
  const auto replies = idle.readUntilClosed();
  EXPECT_TRUE(idle.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTimeout);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.client.idle.ms"),
            std::string::npos);

  PipelineClient waiting(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(waiting.connect(&error)) << error;
  const std::string id =
      waiting.submit(pythonJob("import time\ntime.sleep(2)\nprint('patience')\n"));
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
    raw.sendBytes(
        frameOf(R"({"type": "register", "token": "guess", "name": "mallory", "languages": []})"));
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

// `n` clients on `port`, each answered once, so each holds its connection slot (fewer on failure).
std::vector<std::unique_ptr<MasterClient>> servedClients(int port, int n) {
  std::vector<std::unique_ptr<MasterClient>> clients;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(port));
    std::string error;
    if (!c->connect(&error) || !c->request({{"type", "runtimes"}}, 5000, &error)) {
      ADD_FAILURE() << "client " << i << ": " << error;
      break;
    }
    clients.push_back(std::move(c));
  }
  return clients;
}

// True once a new client on `port` is served (within 10 s): a freed slot is usable again.
bool servedAgain(int port) {
  return waitFor(
      [&] {
        MasterClient again("127.0.0.1", static_cast<uint16_t>(port));
        return again.connect(nullptr) &&
               again.request({{"type", "runtimes"}}, 2000, nullptr).has_value();
      },
      10s);
}

// A result larger than a frame: output of control bytes (six bytes each as "\u0001") and bytes
// that are not UTF-8, far over the suite's 64 KiB frame limit. The slave cuts the outputs to fit
// and marks them; the result keeps the exact bytes; the slave is never dropped for it.
TEST_F(AdversarialTest, ResultLargerThanAFrameArrivesCutAndMarkedWithItsExactBytes) {
  const json before = cluster_->snapshot();
  PipelineClient client(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  const std::string id =
      client.submit(pythonJob("import sys\n"
                              "sys.stdout.buffer.write(b'\\xff\\xfe' + b'\\x01' * 300000)\n"
                              "sys.stderr.buffer.write(b'\\x80' + b'\\x01' * 300000)\n"));
  ASSERT_TRUE(client.waitFinal({id}, 60s)) << cluster_->logs();
  const json& final = client.finals().at(id);
  ASSERT_EQ(final["type"], "result") << final.dump().substr(0, 2000);
  JobResult r;
  ASSERT_EQ(fromJson(final["result"], &r).message(), "");
  EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
  ASSERT_TRUE(r.run);
  EXPECT_TRUE(r.run->stdout_truncated);
  EXPECT_TRUE(r.run->stderr_truncated);
  EXPECT_GT(r.run->stdout_data.size(), 10000u) << "most of the frame carries output";
  EXPECT_EQ(r.run->stdout_data, "\xff\xfe" + std::string(r.run->stdout_data.size() - 2, '\x01'));
  EXPECT_EQ(r.run->stderr_data, "\x80" + std::string(r.run->stderr_data.size() - 1, '\x01'));
  const json after = cluster_->snapshot();
  EXPECT_EQ(after["counters"]["requeued"], before["counters"]["requeued"])
      << "the slave was never dropped";
  ASSERT_EQ(after["slaves"].size(), 1u);
  EXPECT_EQ(after["slaves"][0]["id"], before["slaves"][0]["id"])
      << "the slave did not register again";
}

// A registered slave that sends bad frames (one over the frame limit, one not JSON) fails only
// the jobs those frames were about: its connection stays up, its other job finishes, nothing is
// requeued.
TEST_F(AdversarialTest, BadFramesFromASlaveFailOnlyTheirJobs) {
  const json before = cluster_->snapshot();
  ConnectOptions options;
  options.max_frame_bytes = 64u << 20;
  std::unique_ptr<FramedConnection> forger;
  const Status connected = FramedConnection::connect(
      "127.0.0.1", static_cast<uint16_t>(cluster_->slavePort()), options, &forger);
  ASSERT_TRUE(connected.isOk()) << connected.message();
  ASSERT_TRUE(
      forger
          ->send({{"type", "register"},
                  {"token", "test-token"},
                  {"name", "forger"},
                  {"capacity", 3},
                  {"languages", json::array({{{"language", "fakelang"}, {"version", "1.0"}}})}})
          .isOk());
  json m;
  std::string error;
  Status read = forger->read(&m, 10s);
  ASSERT_TRUE(read.isOk()) << read.message();
  ASSERT_EQ(m["type"], "registered") << m.dump();
  EXPECT_EQ(m["max_frame_bytes"], 65536) << "the master says its frame limit";

  PipelineClient client(cluster_->clientPort());
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job = pythonJob("print(1)\n");
  job.language = "fakelang";
  std::vector<std::string> requests, job_ids;
  for (int i = 0; i < 3; ++i) requests.push_back(client.submit(job));
  while (job_ids.size() < 3) {
    read = forger->read(&m, 10s);
    ASSERT_TRUE(read.isOk()) << read.message();
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
  ASSERT_TRUE(forger->sendBytes(oversized).isOk());
  const std::string broken = frameOf("{\"job_id\":\"" + job_ids[1] + "\",\"result\": {oops");
  ASSERT_TRUE(forger->sendBytes(broken).isOk());
  r.run->stdout_data = "fine\n";
  r.job_id = job_ids[2];
  ASSERT_TRUE(
      forger->send({{"type", "result"}, {"job_id", job_ids[2]}, {"result", toJson(r)}}).isOk());

  ASSERT_TRUE(client.waitFinal(requests, 30s)) << cluster_->masterLog();
  std::map<std::string, JobResult> results;
  for (const auto& id : requests) {
    const json& final = client.finals().at(id);
    ASSERT_EQ(final["type"], "result") << final.dump();
    ASSERT_EQ(fromJson(final["result"], &results[final["job_id"]]).message(), "");
  }
  EXPECT_EQ(results[job_ids[0]].verdict, Verdict::kInternalError);
  EXPECT_NE(results[job_ids[0]].message.find("over the limit"), std::string::npos)
      << results[job_ids[0]].message;
  EXPECT_EQ(results[job_ids[1]].verdict, Verdict::kInternalError);
  EXPECT_NE(results[job_ids[1]].message.find("not valid JSON"), std::string::npos)
      << results[job_ids[1]].message;
  EXPECT_EQ(results[job_ids[2]].verdict, Verdict::kOk) << results[job_ids[2]].message;
  ASSERT_TRUE(results[job_ids[2]].run);
  EXPECT_EQ(results[job_ids[2]].run->stdout_data, "fine\n");

  const json after = cluster_->snapshot();
  EXPECT_EQ(after["counters"]["requeued"], before["counters"]["requeued"])
      << "nothing was requeued";
  EXPECT_TRUE(slaveEntry(after, "forger").is_object()) << "the slave is still connected";
  // The forger was told, and stays usable.
  int bad_frame_errors = 0;
  while (forger->read(&m, 300ms).isOk()) bad_frame_errors += m.value("code", "") == errc::kBadFrame;
  EXPECT_EQ(bad_frame_errors, 2);
  EXPECT_TRUE(forger->send({{"type", "heartbeat"}, {"load", json::object()}}).isOk());
  EXPECT_TRUE(slaveEntry(cluster_->snapshot(), "forger").is_object());
}

TEST(ConnectionLimitTest, ConnectionsOverThePerPortLimitAreRefusedWithAnError) {
  Cluster cluster(masterOnly({"master.connections.max=3"}));
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error;
  auto held = servedClients(cluster.clientPort(), 3);
  ASSERT_EQ(held.size(), 3u);
  RawConnection extra(cluster.clientPort());
  const auto replies = extra.readUntilClosed();
  EXPECT_TRUE(extra.closed());
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["code"], errc::kTooManyConnections);
  EXPECT_NE(replies.back()["message"].get<std::string>().find("master.connections.max"),
            std::string::npos);
  for (auto& c : held)
    ASSERT_TRUE(c->request({{"type", "runtimes"}}, 5000, &error)) << "the others are served";
  held.pop_back();
  EXPECT_TRUE(servedAgain(cluster.clientPort())) << "a freed slot is usable again";
}

TEST(ClientTokenTest, ClientsMustAuthenticateWhenTokensAreConfigured) {
  Cluster cluster(masterOnly(
      {"master.client.tokens=first-secret, second-secret", "master.client.auth.loopback=true"}));
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

// ---- Hardening: ports held by another master (item 4), slow and idle strangers (item 9) ----

std::string fileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Item 1 on the native port: a frame nested 30,000 levels deep (60 kB, under this suite's
// 64 KiB frame limit) is a bad frame, refused while it is parsed; TearDown checks the master
// still serves.
TEST_F(AdversarialTest, DeeplyNestedFrameIsABadFrame) {
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  for (const std::string& payload :
       {R"({"type": "submit", "id": "1", "job": {"language": "python", "stdin": )" + deep + "}}",
        R"({"type": "cancel", "id": )" + deep + "}"}) {
    const json error =
        expectErrorAndClose(cluster_->clientPort(), frameOf(payload), errc::kBadFrame);
    EXPECT_NE(error.value("message", "").find("nested deeper than 64 levels"), std::string::npos)
        << error.dump();
  }
}

// Item 4: a second master on a port that a running master holds stops at once with exit code
// 78 and a message naming the key and the port; before, it bound with port reuse, started, and
// the two masters split the incoming connections.
TEST(PortInUseTest, ASecondMasterOnAPortInUseStopsNamingTheKeyAndPort) {
  Cluster first(masterOnly({}));
  std::string error;
  ASSERT_TRUE(first.startMaster(&error)) << error;
  TempDir dir;
  const std::vector<std::pair<std::string, int>> taken = {
      {"master.client.port", first.clientPort()},
      {"master.slave.port", first.slavePort()},
      {"master.http.port", first.httpPort()}};
  for (const auto& [key, port] : taken) {
    std::vector<std::string> argv = {binaryPath("polyrun-master"),
                                     "--define=master.slave.token=other-token",
                                     "--define=master.client.port=0",
                                     "--define=master.slave.port=0", "--define=master.http.port=0"};
    argv.push_back("--define=" + key + "=" + std::to_string(port));  // the last definition wins
    const std::string log = dir.path() + "/" + key + ".log";
    const pid_t second = spawnLogged(argv, log);
    ASSERT_GT(second, 0);
    int status = 0;
    const bool exited = waitFor([&] { return ::waitpid(second, &status, WNOHANG) == second; }, 15s);
    if (!exited) {
      ::kill(second, SIGKILL);
      ::waitpid(second, &status, 0);
    }
    ASSERT_TRUE(exited) << "a second master started on the " << key << " " << port
                        << " of a running one:\n"
                        << fileText(log);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 78) << fileText(log);
    const std::string text = fileText(log);
    EXPECT_NE(text.find(":" + std::to_string(port) + " (" + key + ")"), std::string::npos) << text;
    EXPECT_NE(text.find("in use"), std::string::npos) << text;
  }
  MasterClient client("127.0.0.1", static_cast<uint16_t>(first.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;
  EXPECT_TRUE(client.request({{"type", "runtimes"}}, 5000, &error))
      << "the first master serves on: " << error;
}

// Item 9: a native connection that has not made its first request (its auth, where tokens are
// needed) is a stranger: silent or trickling, it is closed after master.client.auth.timeout.ms,
// not after master.client.idle.ms (5 minutes by default) or a frame timeout per frame.
TEST(StrangerTest, UnauthenticatedConnectionsAreClosedAfterTheAuthTimeout) {
  Cluster cluster(
      masterOnly({"master.client.tokens=secret", "master.client.auth.loopback=true",
                  "master.client.auth.timeout.ms=700", "master.frame.timeout.ms=60000"}));
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  const std::vector<std::string> openings = {
      "",                                                     // silence
      std::string{char(0), char(0), char(0), char(60)} + "{"  // a frame begun, never finished
  };
  for (const auto& bytes : openings) {
    const auto start = std::chrono::steady_clock::now();
    RawConnection raw(cluster.clientPort());
    if (!bytes.empty()) raw.sendBytes(bytes);
    const auto replies = raw.readUntilClosed();
    EXPECT_TRUE(raw.closed()) << "a stranger keeps its connection";
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kTimeout) << replies.back().dump();
    EXPECT_NE(replies.back().value("message", "").find("master.client.auth.timeout.ms"),
              std::string::npos)
        << replies.back().dump();
  }
  // Once authenticated, the client idle limit applies again: it outlives the stranger's leash.
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;
  ASSERT_TRUE(client.request({{"type", "auth"}, {"token", "secret"}}, 5000, &error)) << error;
  std::this_thread::sleep_for(1500ms);  // the passage of time is the point, not a readiness wait
  auto runtimes = client.request({{"type", "runtimes"}}, 5000, &error);
  ASSERT_TRUE(runtimes) << error;
  EXPECT_EQ((*runtimes)["type"], "runtimes");
}

// Item 9: one address may hold only master.connections.per.address connections per port; the
// next gets too_many_connections naming the key, on the client port and on the slave port.
TEST(StrangerTest, ConnectionsPerAddressAreCapped) {
  Cluster cluster(masterOnly({"master.connections.per.address=2",
                              "master.connections.per.address.loopback=true",
                              "master.register.timeout.ms=2000"}));
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  {  // client port: two served clients hold their slots; a third connection is refused
    auto held = servedClients(cluster.clientPort(), 2);
    ASSERT_EQ(held.size(), 2u);
    RawConnection extra(cluster.clientPort());
    const auto replies = extra.readUntilClosed();
    EXPECT_TRUE(extra.closed());
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies.back()["code"], errc::kTooManyConnections) << replies.back().dump();
    EXPECT_NE(replies.back().value("message", "").find("master.connections.per.address"),
              std::string::npos)
        << replies.back().dump();
    for (auto& c : held)
      EXPECT_TRUE(c->request({{"type", "runtimes"}}, 5000, &error)) << "the others are served";
    held.pop_back();
    EXPECT_TRUE(servedAgain(cluster.clientPort())) << "a freed slot is usable again";
  }
  {  // slave port: of three silent connections, one is refused at once, two wait to register
    std::vector<std::unique_ptr<RawConnection>> raw;
    for (int i = 0; i < 3; ++i) raw.push_back(std::make_unique<RawConnection>(cluster.slavePort()));
    std::multiset<std::string> codes;
    for (auto& r : raw) {
      const auto replies = r->readUntilClosed();
      EXPECT_TRUE(r->closed());
      if (!replies.empty()) codes.insert(replies.back().value("code", ""));
    }
    EXPECT_EQ(codes,
              (std::multiset<std::string>{std::string(errc::kTimeout), std::string(errc::kTimeout),
                                          std::string(errc::kTooManyConnections)}));
  }
}

// --- Secrets and identities (hardening items 2 and 5) ----------------------------------------

// A random hex string: tokens no other process of the machine holds by chance.
std::string randomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(rd() & 0xff));
    out += b;
  }
  return out;
}

// A Python program that tries every /proc route of the stage for `secret`: everything under each
// visible pid (1, itself, "self", "thread-self") and one level into fd, fdinfo, task and
// map_files, symlink targets, and every readable range of other processes' memory through mem.
// The secret travels XOR-masked, so that neither its source nor the job's path through the
// cluster carries it; it unmasks it only in its own memory, which it does not search.
std::string secretProbe(const std::string& secret) {
  std::string masked;
  for (unsigned char c : secret) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(c ^ 0x5a));
    masked += b;
  }
  return R"(import os, stat
secret = bytes(b ^ 0x5a for b in bytes.fromhex(")" +
         masked + R"("))
me = os.getpid()
found, read = [], set()
def look(path, data):
    read.add(path)
    if secret in data:
        found.append(path)
def scan_file(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        look(path, os.read(fd, 1 << 22))
    except OSError:
        pass
    finally:
        os.close(fd)
def scan_link(path):
    try:
        look(path, os.readlink(path).encode())
    except OSError:
        pass
def scan_mem(base):
    try:
        maps = open(base + '/maps').read().splitlines()
        mem = os.open(base + '/mem', os.O_RDONLY)
    except OSError:
        return
    total = 0
    for line in maps:
        span, perms = line.split()[:2]
        if perms[0] != 'r':
            continue
        start, end = (int(x, 16) for x in span.split('-'))
        tail = b''
        while start < end and total < (2 << 30):
            n = min(1 << 20, end - start)
            try:
                chunk = os.pread(mem, n, start)
            except OSError:
                break
            total += len(chunk)
            look(base + '/mem', tail + chunk)
            tail = chunk[-len(secret):]
            start += n
    os.close(mem)
    print('MEM', base, total)
def scan(path, own, depth):
    try:
        st = os.lstat(path)
    except OSError:
        return
    name = os.path.basename(path)
    if stat.S_ISLNK(st.st_mode):
        scan_link(path)
        if name.isdigit() and os.path.basename(os.path.dirname(path)) == 'fd' and not own:
            scan_file(path)
    elif stat.S_ISDIR(st.st_mode):
        if depth > 0 and name in ('fd', 'fdinfo', 'task', 'map_files') or name.isdigit():
            try:
                entries = os.listdir(path)
            except OSError:
                return
            for e in entries:
                scan(path + '/' + e, own, depth - 1 if name != 'task' else depth)
    elif name == 'mem':
        if not own:
            scan_mem(os.path.dirname(path))
    elif name not in ('pagemap', 'clear_refs', 'kpagecount', 'kpageflags'):
        scan_file(path)
for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['self', 'thread-self']:
    own = not pid.isdigit() or int(pid) == me
    base = '/proc/' + pid
    try:
        entries = os.listdir(base)
    except OSError:
        continue
    for e in entries:
        scan(base + '/' + e, own, 1)
print('READ', len(read), 'cmdline' if '/proc/1/cmdline' in read else '-')
for path in found:
    print('LEAK', path)
)";
}

// Runs the probe on the cluster and checks that it looked and found nothing; `who` names the
// slave in failure messages.
void expectNoLeak(int client_port, const std::string& secret, const std::string& who) {
  PipelineClient client(client_port);
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  Job probe = pythonJob(secretProbe(secret), "", 30000);
  probe.limits.run.cpu_ms = 20000;
  const std::string id = client.submit(probe);
  ASSERT_TRUE(client.waitFinal({id}, 60s)) << who << ": " << client.lastError();
  const json& result = client.finals().at(id)["result"];
  const std::string out =
      result["run"]["stdout"].get<std::string>() + result["run"]["stderr"].get<std::string>();
  EXPECT_EQ(result["verdict"], "OK") << who << ": " << result.dump();
  EXPECT_NE(out.find("READ "), std::string::npos) << who << ": the probe did not finish:\n" << out;
  EXPECT_NE(out.find(" cmdline"), std::string::npos)
      << who << ": the probe could not see /proc/1:\n"
      << out;
  EXPECT_EQ(out.find("LEAK"), std::string::npos)
      << who << ": the slave's token is readable from a stage:\n"
      << out;
  EXPECT_EQ(out.find(secret), std::string::npos) << who << ": the token is in the job's output";
}

// The slave is started as README once did, with its token on the command line (and, to be
// thorough, in its environment): no route of /proc inside a stage may show it, whether the slave
// runs as root (the program then runs as another uid than the stage's init) or as an ordinary
// user (the program keeps init's uid, so only the kernel's dumpable flag stands between them).
TEST(SlaveSecretTest, NoStageCanReadTheSlavesTokenThroughProc) {
  const std::string token = "slave-secret-" + randomHex(16);
  TempDir plugins;
  const std::string plugin_dir = pluginDir(plugins.path(), {"polyrun_python.so"});
  Cluster::Options o;
  o.slaves = 0;
  o.slave_capacity = 1;
  o.token = token;
  o.slave_defines = {"slave.plugins.dir=" + plugin_dir};
  o.journal = false;
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  ::setenv("POLYRUN_PROBE_SECRET", token.c_str(), 1);  // inherited by the slaves started below
  cluster.startSlave("root-slave");
  ASSERT_TRUE(cluster.waitForSlaves(1, &error)) << error;
  expectNoLeak(cluster.clientPort(), token, "slave running as root");
  cluster.killSlave("root-slave");

  // The same slave as the unprivileged user 65534, in a work folder of its own.
  TempDir work;
  ASSERT_EQ(::chmod(work.path().c_str(), 0777), 0);
  ASSERT_EQ(::chmod(plugins.path().c_str(), 0755), 0);
  const pid_t user_slave =
      spawnLogged({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   binaryPath("polyrun-slave"), "--define=slave.token=" + token,
                   "--define=slave.master.port=" + std::to_string(cluster.slavePort()),
                   "--define=slave.name=user-slave", "--define=slave.plugins.dir=" + plugin_dir,
                   "--define=slave.jobs.max=1", "--define=slave.work.dir=" + work.path() + "/work",
                   "--define=slave.toolchains=false", "--define=slave.sandbox.cgroups=false"},
                  work.path() + "/slave.log");
  ::unsetenv("POLYRUN_PROBE_SECRET");
  ASSERT_GT(user_slave, 0);
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{user_slave};
  ASSERT_TRUE(waitFor([&] { return !slaveEntry(cluster.snapshot(), "user-slave").is_null(); }, 60s))
      << fileText(work.path() + "/slave.log") << cluster.masterLog();
  ASSERT_TRUE(waitFor(
      [&] { return !slaveEntry(cluster.snapshot(), "user-slave")["languages"].empty(); }, 60s))
      << fileText(work.path() + "/slave.log");
  expectNoLeak(cluster.clientPort(), token, "slave running as an ordinary user");
  // And the command line other local users see holds no secret either.
  EXPECT_EQ(fileText("/proc/" + std::to_string(user_slave) + "/cmdline").find(token),
            std::string::npos);
  // Init's capabilities refuse the probe /proc/1/{mem,environ} today; the zygote's memory, which
  // every init shares, is also non-dumpable, so that holds without them. The kernel shows it as
  // the zygote's /proc files belonging to root rather than to the slave's user.
  int zygotes = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = fileText(entry.path().string() + "/stat");
    const auto comm_end = stat.rfind(')');
    if (stat.find("(polyrun-zygote)") == std::string::npos || comm_end == std::string::npos)
      continue;
    std::istringstream fields(stat.substr(comm_end + 1));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent != user_slave) continue;
    ++zygotes;
    struct stat st {};
    ASSERT_EQ(::stat((entry.path().string() + "/environ").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u) << entry.path() << ": the zygote of an unprivileged slave is dumpable";
  }
  EXPECT_GT(zygotes, 0) << "no zygote of the unprivileged slave found";
}

// A native client authenticated with `token`.
std::unique_ptr<MasterClient> clientWith(int port, const std::string& token) {
  auto client = std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(port));
  std::string error;
  EXPECT_TRUE(client->connect(&error)) << error;
  auto auth = client->request({{"type", "auth"}, {"token", token}}, 5000, &error);
  EXPECT_TRUE(auth && (*auth)["type"] == "authenticated") << error << (auth ? auth->dump() : "");
  return client;
}

// GET `path` on the HTTP port with `Authorization: Bearer token`: status and body.
std::pair<int, json> httpGet(int port, const std::string& path, const std::string& token) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + token);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string body(std::istreambuf_iterator<char>(in), {});
  return {static_cast<int>(response.getStatus()), json::parse(body, nullptr, false)};
}

bool listsJob(const json& cluster, const std::string& job_id) {
  for (const auto& j : cluster.value("recent_jobs", json::array()))
    if (j.value("job_id", "") == job_id) return true;
  return false;
}

// Alice's jobs are hers: Bob, with a token of his own, can neither look them up, nor cancel
// them, nor find their ids in monitoring, natively or over HTTP; an operator token sees them.
TEST(JobOwnershipTest, OnlyTheSubmitterAndOperatorsSeeOrCancelAJob) {
  Cluster::Options o;
  o.slaves = 1;
  o.master_defines = {"master.client.tokens=alice-token, bob-token",
                      "master.operator.tokens=ops-token", "master.client.auth.loopback=true"};
  o.journal = false;
  o.client_token = "alice-token";
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error;
  auto alice = clientWith(cluster.clientPort(), "alice-token");
  auto bob = clientWith(cluster.clientPort(), "bob-token");
  auto ops = clientWith(cluster.clientPort(), "ops-token");

  auto done = alice->submit(pythonJob("print('alice only')\n"), 60000, &error);
  ASSERT_TRUE(done && (*done)["type"] == "result") << error << (done ? done->dump() : "");
  const std::string job_id = (*done)["job_id"];
  EXPECT_TRUE(std::regex_match(job_id, std::regex("j-[0-9a-f]{32}-[0-9a-f]{16}"))) << job_id;

  auto looked = bob->request({{"type", "job"}, {"job_id", job_id}}, 5000, &error);
  ASSERT_TRUE(looked) << error;
  EXPECT_EQ((*looked)["code"], errc::kUnknownJob) << looked->dump();
  EXPECT_FALSE(looked->contains("result"));
  auto theirs = bob->request({{"type", "cluster"}}, 5000, &error);
  ASSERT_TRUE(theirs) << error;
  EXPECT_TRUE((*theirs)["recent_jobs"].empty()) << theirs->dump();

  looked = alice->request({{"type", "job"}, {"job_id", job_id}}, 5000, &error);
  ASSERT_TRUE(looked) << error;
  EXPECT_EQ((*looked)["result"]["run"]["stdout"], "alice only\n") << looked->dump();
  looked = ops->request({{"type", "job"}, {"job_id", job_id}}, 5000, &error);
  ASSERT_TRUE(looked) << error;
  EXPECT_EQ((*looked)["state"], "finished") << looked->dump();
  auto all = ops->request({{"type", "cluster"}}, 5000, &error);
  ASSERT_TRUE(all) << error;
  EXPECT_TRUE(listsJob(*all, job_id)) << all->dump();

  // Over HTTP the same, with Bearer tokens.
  auto [status, body] = httpGet(cluster.httpPort(), "/api/v1/jobs/" + job_id, "bob-token");
  EXPECT_EQ(status, 404) << body.dump();
  std::tie(status, body) = httpGet(cluster.httpPort(), "/api/v1/cluster", "bob-token");
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(listsJob(body, job_id)) << body.dump();
  std::tie(status, body) = httpGet(cluster.httpPort(), "/api/v1/jobs/" + job_id, "alice-token");
  EXPECT_EQ(status, 200) << body.dump();
  std::tie(status, body) = httpGet(cluster.httpPort(), "/api/v1/cluster", "alice-token");
  EXPECT_TRUE(listsJob(body, job_id)) << body.dump();

  // Bob cannot cancel Alice's running job; she can.
  PipelineClient runner(cluster.clientPort());
  ASSERT_TRUE(runner.connect(&error)) << error;
  runner.send({{"type", "auth"}, {"token", "alice-token"}});
  const std::string forever = runner.submit(foreverJob());
  ASSERT_FALSE(runner.waitProgress(forever, "running", 30s).is_null()) << cluster.logs();
  const std::string running_id = runner.jobIds()[forever];
  auto cancel = bob->request({{"type", "cancel"}, {"job_id", running_id}}, 5000, &error);
  ASSERT_TRUE(cancel) << error;
  EXPECT_EQ((*cancel)["code"], errc::kUnknownJob) << cancel->dump();
  looked = alice->request({{"type", "job"}, {"job_id", running_id}}, 5000, &error);
  ASSERT_TRUE(looked) << error;
  EXPECT_EQ((*looked)["state"], "running") << "Bob's cancel must not have touched it";
  cancel = alice->request({{"type", "cancel"}, {"job_id", running_id}}, 5000, &error);
  ASSERT_TRUE(cancel) << error;
  EXPECT_EQ((*cancel)["type"], "cancelled") << cancel->dump();
}

// One token per slave name: a slave's token does not let anyone register under another name,
// and removing its line from the file drops the slave while it is connected.
TEST(SlaveCredentialTest, PerSlaveTokensAreBoundToTheirNameAndRevocable) {
  TempDir files;
  const std::string tokens = files.path() + "/slave-tokens";
  auto writeTokens = [&](const std::string& text) {
    const std::string tmp = tokens + ".new";
    {
      std::ofstream out(tmp);
      out << text;
    }
    ASSERT_EQ(::chmod(tmp.c_str(), 0600), 0);
    ASSERT_EQ(::rename(tmp.c_str(), tokens.c_str()), 0);
  };
  writeTokens("# name = token\nslave-a = token-of-a\nslave-b = token-of-b\n");
  Cluster::Options o;
  o.slaves = 0;
  o.slave_capacity = 1;
  o.master_defines = {"master.slave.tokens.file=" + tokens};
  o.journal = false;
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  cluster.startSlave("slave-a", {"slave.token=token-of-a"});
  // A's token under B's name is refused: a leaked token speaks for its own slave only.
  cluster.startSlave("slave-b", {"slave.token=token-of-a"});
  ASSERT_TRUE(cluster.waitForSlaves(1, &error)) << error;
  EXPECT_TRUE(waitFor(
      [&] { return cluster.slaveLog("slave-b").find("wrong slave token") != std::string::npos; },
      20s))
      << cluster.logs();
  EXPECT_TRUE(slaveEntry(cluster.snapshot(), "slave-b").is_null());

  // Revoked while connected and running a job: dropped, and the job waits for another slave.
  PipelineClient client(cluster.clientPort());
  ASSERT_TRUE(client.connect(&error)) << error;
  const std::string id =
      client.submit(pythonJob("import time\ntime.sleep(3)\nprint('done')\n", "", 20000));
  ASSERT_FALSE(client.waitProgress(id, "running", 30s).is_null()) << cluster.logs();
  writeTokens("slave-b = token-of-b\n");
  EXPECT_TRUE(waitFor([&] { return slaveEntry(cluster.snapshot(), "slave-a").is_null(); }, 10s))
      << cluster.logs();
  EXPECT_NE(cluster.masterLog().find("revoked"), std::string::npos) << cluster.masterLog();
  cluster.startSlave("slave-b2", {"slave.token=token-of-b", "slave.name=slave-b"});
  ASSERT_TRUE(client.waitFinal({id}, 60s)) << cluster.logs();
  EXPECT_EQ(client.finals().at(id)["result"]["slave"], "slave-b") << client.finals().at(id).dump();
  EXPECT_EQ(client.finals().at(id)["result"]["run"]["stdout"], "done\n");
}

// --- the CPU limit holds for a whole stage (h-cgroups) ---
// Children that are never waited for, each under the per-process CPU rlimit: through the
// master and a slave, the stage ends at its CPU limit with TIME_LIMIT and reports the CPU time
// and memory its processes used together.
TEST_F(AdversarialTest, CpuOfChildrenNeverWaitedForCountsAgainstTheStageLimit) {
  PipelineClient client(cluster_->clientPort());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job = pythonJob(
      "import os, time\n"
      "for i in range(8):\n"
      "    if os.fork() == 0:\n"
      "        end = time.process_time() + 0.9\n"
      "        while time.process_time() < end:\n            pass\n"
      "        while True:\n            time.sleep(1000)\n"
      "time.sleep(5)\nprint('not limited')\n",
      "", 8000);
  job.limits.run.cpu_ms = 1000;
  const std::string id = client.submit(job);
  ASSERT_TRUE(client.waitFinal({id}, 30s)) << cluster_->logs();
  const json run = client.finals().at(id)["result"]["run"];
  EXPECT_EQ(run["verdict"], "TIME_LIMIT") << run.dump();
  EXPECT_NE(run.value("message", "").find("CPU"), std::string::npos) << run.dump();
  EXPECT_GE(run.value("cpu_ms", 0), 1000) << run.dump();
  EXPECT_GT(run.value("memory_bytes", 0), 0) << run.dump();
}
// --- end of the h-cgroups block ---

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
  EXPECT_NE(reply.value("message", "").find("limits.run.memory_bytes"), std::string::npos)
      << reply.dump();
  EXPECT_NE(reply.value("message", "").find("minimum"), std::string::npos) << reply.dump();

  const auto [status, body] =
      postExecute(cluster_->httpPort(), {{"language", "python"},
                                         {"version", "*"},
                                         {"files", {{{"content", "print(1)"}}}},
                                         {"compile_memory_limit", 64}});
  EXPECT_EQ(status, 400) << body;
  EXPECT_NE(body.find("minimum"), std::string::npos) << body;
}

TEST_F(AdversarialTest, AnArgumentTooLongForTheKernelIsRefusedWithoutAHostPath) {
  // Over the kernel's 128 KiB per argument: through HTTP, whose body limit allows it.
  const auto [status, body] =
      postExecute(cluster_->httpPort(), {{"language", "python"},
                                         {"version", "*"},
                                         {"files", {{{"content", "print(1)"}}}},
                                         {"args", {std::string(200 << 10, 'a')}}});
  ASSERT_EQ(status, 200) << body.substr(0, 500);
  EXPECT_EQ(body.find("INTERNAL_ERROR"), std::string::npos) << body.substr(0, 500);
  EXPECT_NE(body.find("per argument"), std::string::npos) << body.substr(0, 500);
  EXPECT_EQ(body.find("/tmp/"), std::string::npos) << body.substr(0, 500);
  EXPECT_EQ(body.find("job-"), std::string::npos)
      << "the work directory shows: " << body.substr(0, 500);
}

// Client and operator tokens may come from files, which only the master's user may read: a file
// others can read stops the master at start (exit code 78) naming the fix.
TEST(ClientTokenFileTest, TokensComeFromATightFileAndALooseOneStopsTheMaster) {
  TempDir files;
  const std::string tokens = files.path() + "/client-tokens";
  std::ofstream(tokens) << "from-file-1\nfrom-file-2, from-file-3\n";
  ASSERT_EQ(::chmod(tokens.c_str(), 0644), 0);
  const std::string log = files.path() + "/loose.log";
  const pid_t loose =
      spawnLogged({binaryPath("polyrun-master"), "--define=master.slave.token.file=" + tokens,
                   "--define=master.client.port=0", "--define=master.slave.port=0",
                   "--define=master.client.tokens.file=" + tokens},
                  log);
  ASSERT_GT(loose, 0);
  int status = 0;
  ASSERT_TRUE(waitFor([&] { return ::waitpid(loose, &status, WNOHANG) == loose; }, 20s))
      << fileText(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 78) << status << fileText(log);
  EXPECT_NE(fileText(log).find("master.client.tokens.file = " + tokens), std::string::npos)
      << fileText(log);
  EXPECT_NE(fileText(log).find("chmod 600"), std::string::npos) << fileText(log);

  ASSERT_EQ(::chmod(tokens.c_str(), 0600), 0);
  Cluster::Options o;
  o.slaves = 0;
  o.master_defines = {"master.client.tokens.file=" + tokens, "master.client.auth.loopback=true"};
  o.journal = false;
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  for (const std::string token : {"from-file-1", "from-file-3"}) {
    MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
    ASSERT_TRUE(client.connect(&error)) << error;
    auto auth = client.request({{"type", "auth"}, {"token", token}}, 5000, &error);
    ASSERT_TRUE(auth) << error;
    EXPECT_EQ((*auth)["type"], "authenticated") << token << ": " << auth->dump();
  }
}

}  // namespace
}  // namespace polyrun::test
