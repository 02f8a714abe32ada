// The cluster's events on a real cluster (docs/protocol.md, "subscribe → event"; docs/http-api.md,
// "Events"): what a native subscriber sees as slaves join, are lost, come back and drain, as
// plugins come and go, as a job is requeued after its slave is killed, as a queue fills up and a
// client is refused; Server-Sent Events resumed with Last-Event-ID; a subscriber that stops
// reading costs the master a bounded amount of memory.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "master_client.h"
#include "polyrun/frame.h"
#include "polyrun/sandbox.h"
#include "support/cluster.h"
#include "support/cluster_client.h"
#include "support/http_request.h"

namespace polyrun::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kClientToken = "events-client-token";
constexpr const char* kOperatorToken = "events-operator-token";

Cluster::Options clusterOptions() {
  Cluster::Options o;
  o.slaves = 0;
  o.client_token = kOperatorToken;
  o.master_defines = {std::string("master.client.tokens=") + kClientToken,
                      std::string("master.operator.tokens=") + kOperatorToken,
                      "master.client.auth.loopback=true",
                      "master.queue.max=1",
                      "master.events.subscriber.queue=16",
                      "master.events.streams.max=3",
                      "master.heartbeat.ms=200"};
  return o;
}

// A native client authenticated with `token` and subscribed after `after`.
std::unique_ptr<MasterClient> subscriber(const Cluster& cluster, const std::string& token,
                                         uint64_t after, json* subscribed) {
  auto client =
      std::make_unique<MasterClient>("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  std::string error;
  EXPECT_TRUE(client->connect(&error)) << error;
  auto auth = client->request({{"type", "auth"}, {"token", token}}, 5000, &error);
  EXPECT_TRUE(auth && auth->value("type", "") == "authenticated") << error;
  auto reply = client->request({{"type", "subscribe"}, {"after", after}}, 5000, &error);
  EXPECT_TRUE(reply && reply->value("type", "") == "subscribed") << (reply ? reply->dump() : error);
  if (reply && subscribed) *subscribed = *reply;
  return client;
}

// Reads a subscriber's events until one matches `want` (kept in *seen), or 30 s pass.
json awaitEvent(MasterClient& client, std::vector<json>* seen,
                const std::function<bool(const json&)>& want, const std::string& what) {
  const auto deadline = Clock::now() + 30s;
  for (const json& e : *seen)
    if (want(e)) return e;
  while (Clock::now() < deadline) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    std::string error;
    auto m = client.receive(std::max(left, 1), &error);
    if (!m) break;
    if (m->value("type", "") != "event") continue;
    seen->push_back((*m)["event"]);
    if (want(seen->back())) return seen->back();
  }
  std::string kinds;
  for (const json& e : *seen) kinds += e.value("kind", "") + " ";
  ADD_FAILURE() << "no event " << what << " within 30 s; seen: " << kinds;
  return nullptr;
}

auto kindAbout(const std::string& kind, const std::string& slave = "") {
  return [kind, slave](const json& e) {
    return e.value("kind", "") == kind && (slave.empty() || e.value("slave", "") == slave);
  };
}

// A connection that authenticates with a wrong token: one client_refused event.
void refusedClient(const Cluster& cluster) {
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  auto reply = client.request({{"type", "auth"}, {"token", "wrong"}}, 5000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), "unauthorized");
}

class ClusterEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(clusterOptions());
    std::string error;
    ASSERT_TRUE(cluster_->start(&error)) << error;
    fs::copy_file(fs::path(POLYRUN_PLUGIN_DIR) / "polyrun_python.so",
                  fs::path(plugins_.path()) / "polyrun_python.so");
  }
  pid_t startSlave(const std::string& name) {
    return cluster_->startSlave(
        name, {"slave.plugins.dir=" + plugins_.path(), "slave.selftest.wall_ms=5000"});
  }
  void install(const std::string& behaviour) {
    const std::string name = "polyrun_test_" + behaviour + ".so";
    const fs::path temporary = fs::path(plugins_.path()) / ("." + name + ".tmp");
    fs::copy_file(std::string(POLYRUN_TEST_PLUGIN_DIR) + "/" + name, temporary);
    fs::rename(temporary, fs::path(plugins_.path()) / name);
  }
  // The backlog as JSON (GET /api/v1/events?follow=0), as the operator sees it.
  json backlog(uint64_t after = 0) {
    const HttpReply r = httpRequest(cluster_->httpPort(), "GET",
                                    "/api/v1/events?follow=0&after=" + std::to_string(after), "",
                                    "", false, std::string("Bearer ") + kOperatorToken);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.j;
  }

  TempDir plugins_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(ClusterEventsTest, ASubscriberSeesSlavesLanguagesJobsQueuesAndClients) {
  json subscribed;
  auto op = subscriber(*cluster_, kOperatorToken, 0, &subscribed);
  std::vector<json> seen;
  // The backlog: the master's start.
  awaitEvent(*op, &seen, kindAbout("master_started"), "master_started");

  ASSERT_GT(startSlave("ev-a"), 0);
  awaitEvent(*op, &seen, kindAbout("slave_joined", "ev-a"), "slave_joined");

  // A plugin dropped in and removed; one whose self-test fails.
  install("good");
  json added = awaitEvent(
      *op, &seen,
      [](const json& e) {
        return kindAbout("language_added", "ev-a")(e) && e.value("language", "") == "testlang";
      },
      "language_added testlang");
  EXPECT_EQ(added.value("level", ""), "info");
  fs::remove(fs::path(plugins_.path()) / "polyrun_test_good.so");
  awaitEvent(
      *op, &seen,
      [](const json& e) {
        return kindAbout("language_retired", "ev-a")(e) && e.value("language", "") == "testlang";
      },
      "language_retired testlang");
  install("selftest_fails");
  json refused = awaitEvent(*op, &seen, kindAbout("language_refused", "ev-a"), "language_refused");
  EXPECT_EQ(refused.value("level", ""), "error");
  EXPECT_NE(refused.value("message", "").find("polyrun_test_selftest_fails.so"), std::string::npos)
      << refused.dump();

  // A job whose slave is killed mid-run goes back to the queue; the slave comes back.
  auto client = connectTo(*cluster_);
  ASSERT_NE(client, nullptr);
  std::string error;
  ASSERT_TRUE(client->request({{"type", "auth"}, {"token", kClientToken}}, 5000, &error)) << error;
  const std::string submit =
      client->sendRequest({{"type", "submit"},
                           {"job", toJson(pythonJob("import time\nprint('up', flush=True)\n"
                                                    "time.sleep(30)\n",
                                                    "", 30000))}},
                          &error);
  ASSERT_FALSE(submit.empty()) << error;
  std::string job_id;
  ASSERT_TRUE(waitFor(
      [&] {
        auto m = client->receive(200, nullptr);
        if (m && m->value("type", "") == "accepted") job_id = m->value("job_id", "");
        return m && m->value("state", "") == "running";
      },
      30s))
      << cluster_->logs();
  cluster_->killSlave("ev-a");
  json lost = awaitEvent(*op, &seen, kindAbout("slave_lost", "ev-a"), "slave_lost");
  EXPECT_EQ(lost.value("level", ""), "warning");
  json requeued = awaitEvent(*op, &seen, kindAbout("job_requeued"), "job_requeued");
  EXPECT_EQ(requeued.value("job_id", ""), job_id) << "an operator sees every job id";
  ASSERT_GT(startSlave("ev-a"), 0);
  awaitEvent(*op, &seen, kindAbout("slave_back", "ev-a"), "slave_back");
  // The job runs there again; stopping the slave now drains it (it waits for the job).
  ASSERT_TRUE(waitFor(
      [&] {
        auto m = client->receive(200, nullptr);
        return m && m->value("state", "") == "running";
      },
      30s))
      << cluster_->logs();
  cluster_->terminateSlave("ev-a");
  ASSERT_FALSE(
      awaitEvent(*op, &seen, kindAbout("slave_draining", "ev-a"), "slave_draining").is_null())
      << cluster_->slaveLog("ev-a") << cluster_->masterLog();
  auto cancelled = client->request({{"type", "cancel"}, {"job_id", job_id}}, 10000, &error);
  ASSERT_TRUE(cancelled) << error;

  // Gone: with no slave, jobs wait, and master.queue.max = 1 fills at once.
  int status = 0;
  ASSERT_TRUE(cluster_->waitForSlaveExit("ev-a", 30s, &status));
  ASSERT_TRUE(
      waitFor([&] { return cluster_->snapshot().value("slaves", json::array()).empty(); }, 10s));
  for (int i = 0; i < 3; ++i) {
    auto reply = client->request({{"type", "submit"}, {"job", toJson(pythonJob("print(1)"))}},
                                 10000, &error);
    ASSERT_TRUE(reply) << error;
  }
  json full = awaitEvent(*op, &seen, kindAbout("queue_full"), "queue_full");
  EXPECT_EQ(full.value("language", ""), "python");

  refusedClient(*cluster_);
  json refusal = awaitEvent(*op, &seen, kindAbout("client_refused"), "client_refused");
  EXPECT_NE(refusal.value("client", "").find("127.0.0.1"), std::string::npos) << refusal.dump();

  // Ids are in order, without gaps, from 1.
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].value("id", 0u), i + 1) << i;

  // A client that is not an operator sees the cluster's events without others' job ids or
  // client addresses.
  auto plain = subscriber(*cluster_, kClientToken, 0, nullptr);
  std::vector<json> plain_seen;
  awaitEvent(*plain, &plain_seen, kindAbout("client_refused"), "client_refused (client)");
  for (const json& e : plain_seen) {
    EXPECT_FALSE(e.contains("client")) << e.dump();
    if (e.value("kind", "") == "job_requeued") {
      // Its own job: the client that submitted it holds the same token.
      EXPECT_EQ(e.value("job_id", ""), job_id);
    }
  }

  // The master says it stops.
  EXPECT_EQ(cluster_->stopMaster(60s), 0);
  awaitEvent(*op, &seen, kindAbout("master_stopping"), "master_stopping");
}

// One SSE stream (GET /api/v1/events) on a connection of its own.
class SseStream {
 public:
  SseStream(int port, const std::string& last_event_id)
      : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
    session_.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req("GET", "/api/v1/events", Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Accept", "text/event-stream");
    req.set("Authorization", std::string("Bearer ") + kOperatorToken);
    if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
    session_.sendRequest(req);
    in_ = &session_.receiveResponse(response_);
  }
  int status() const { return response_.getStatus(); }
  std::string contentType() const { return response_.getContentType(); }
  // The next event's id, kind and data; id 0 when the stream ended.
  struct Sse {
    uint64_t id = 0;
    std::string kind;
    json data;
  };
  Sse next() {
    Sse e;
    std::string line;
    bool any = false;
    while (std::getline(*in_, line)) {
      if (line.empty()) {
        if (any) return e;
        continue;
      }
      if (line[0] == ':') continue;  // a comment: keep-alive
      any = true;
      if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
      if (line.rfind("event: ", 0) == 0) e.kind = line.substr(7);
      if (line.rfind("data: ", 0) == 0) e.data = json::parse(line.substr(6), nullptr, false);
    }
    return Sse{};
  }

 private:
  Poco::Net::HTTPClientSession session_;
  Poco::Net::HTTPResponse response_;
  std::istream* in_ = nullptr;
};

TEST_F(ClusterEventsTest, ServerSentEventsResumeWithLastEventIdWithExactlyTheMissedOnes) {
  refusedClient(*cluster_);
  uint64_t last = 0;
  {
    SseStream stream(cluster_->httpPort(), "");
    ASSERT_EQ(stream.status(), 200);
    EXPECT_EQ(stream.contentType().rfind("text/event-stream", 0), 0u) << stream.contentType();
    for (;;) {
      const auto e = stream.next();
      ASSERT_NE(e.id, 0u) << "the stream ended early";
      EXPECT_EQ(e.data.value("id", 0u), e.id);
      EXPECT_EQ(e.data.value("kind", ""), e.kind);
      last = e.id;
      if (e.kind == "client_refused") break;
    }
  }  // disconnected: three events happen meanwhile
  for (int i = 0; i < 3; ++i) refusedClient(*cluster_);
  const json kept = backlog(last);
  ASSERT_EQ(kept.value("events", json::array()).size(), 3u) << kept.dump();
  const uint64_t newest = kept.value("newest", 0u);
  EXPECT_EQ(newest, last + 3);

  SseStream resumed(cluster_->httpPort(), std::to_string(last));
  ASSERT_EQ(resumed.status(), 200);
  std::vector<uint64_t> ids;
  while (ids.empty() || ids.back() < newest) {
    const auto e = resumed.next();
    ASSERT_NE(e.id, 0u) << "the stream ended early";
    ids.push_back(e.id);
    EXPECT_EQ(e.kind, "client_refused");
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{last + 1, last + 2, last + 3}));

  // A Last-Event-ID from before a restart, above the newest id: from now on, no backlog.
  refusedClient(*cluster_);
  SseStream fresh(cluster_->httpPort(), "1000000");
  ASSERT_EQ(fresh.status(), 200);
  refusedClient(*cluster_);
  const auto e = fresh.next();
  EXPECT_EQ(e.id, newest + 2);
}

TEST_F(ClusterEventsTest, EventStreamsAreBoundedAndNeedAToken) {
  // No token, master.client.auth.loopback: 401 (and an event saying so).
  const HttpReply anonymous = httpRequest(cluster_->httpPort(), "GET", "/api/v1/events");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  const json kept = backlog();
  ASSERT_FALSE(kept["events"].empty());
  EXPECT_EQ(kept["events"].back().value("kind", ""), "client_refused");
  EXPECT_EQ(httpRequest(cluster_->httpPort(), "GET", "/api/v1/events?after=x", "", "", false,
                        std::string("Bearer ") + kOperatorToken)
                .status,
            400);
  // master.events.streams.max = 3: a fourth stream is 503, with a JSON message.
  std::vector<std::unique_ptr<SseStream>> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(std::make_unique<SseStream>(cluster_->httpPort(), ""));
    ASSERT_EQ(streams.back()->status(), 200);
  }
  const HttpReply over =
      httpRequest(cluster_->httpPort(), "GET", "/api/v1/events", "", "", false,
                  std::string("Bearer ") + kOperatorToken, {{"Accept", "text/event-stream"}});
  EXPECT_EQ(over.status, 503) << over.body;
  EXPECT_NE(over.j.value("message", "").find("master.events.streams.max"), std::string::npos)
      << over.body;
}

// `polyrun events` with the operator token (from a file), run for at most `wall_ms`.
ProcessResult polyrunEvents(const Cluster& cluster, const TempDir& dir,
                            std::vector<std::string> args, int64_t wall_ms = 30000) {
  const std::string token_file = dir.path() + "/token";
  std::ofstream(token_file) << kOperatorToken << "\n";
  ProcessSpec spec;
  spec.argv = {binaryPath("polyrun"), "events", "--master=" + cluster.masterAddress(),
               "--token-file=" + token_file};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = dir.path();
  spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir.path()};
  spec.limits.wall_ms = spec.limits.cpu_ms = wall_ms;
  spec.limits.output_bytes = 16 << 20;
  return makeProcessSandbox()->run(spec);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_F(ClusterEventsTest, TheCliPrintsTheEventsAndFollowsThem) {
  TempDir dir;
  refusedClient(*cluster_);
  const json kept = backlog();
  const size_t count = kept["events"].size();
  ASSERT_GE(count, 2u);

  ProcessResult all = polyrunEvents(*cluster_, dir, {});
  ASSERT_EQ(all.exit_code, 0) << all.stderr_data;
  const auto printed = lines(all.stdout_data);
  ASSERT_EQ(printed.size(), count) << all.stdout_data;
  EXPECT_NE(printed.front().find("master_started"), std::string::npos) << printed.front();
  EXPECT_NE(printed.back().find("warning  client_refused"), std::string::npos) << printed.back();

  ProcessResult warnings = polyrunEvents(*cluster_, dir, {"--level", "warning"});
  ASSERT_EQ(warnings.exit_code, 0) << warnings.stderr_data;
  EXPECT_EQ(warnings.stdout_data.find("  info  "), std::string::npos) << warnings.stdout_data;
  EXPECT_NE(warnings.stdout_data.find("client_refused"), std::string::npos);

  const uint64_t newest = kept.value("newest", 0u);
  ProcessResult after =
      polyrunEvents(*cluster_, dir, {"--json", "--after", std::to_string(newest - 1)});
  ASSERT_EQ(after.exit_code, 0) << after.stderr_data;
  const auto json_lines = lines(after.stdout_data);
  ASSERT_EQ(json_lines.size(), 1u) << after.stdout_data;
  EXPECT_EQ(json::parse(json_lines[0]).value("id", 0u), newest);

  // -f: what happens while it runs is printed, until it is stopped (here: its wall limit).
  const int clients = cluster_->snapshot().value("clients", 0);
  auto follow = std::async(std::launch::async, [&] {
    return polyrunEvents(*cluster_, dir, {"-f", "--json", "--after", std::to_string(newest)}, 5000);
  });
  ASSERT_TRUE(waitFor([&] { return cluster_->snapshot().value("clients", 0) > clients; }, 5s));
  refusedClient(*cluster_);
  const ProcessResult followed = follow.get();
  EXPECT_TRUE(followed.wall_timeout) << "-f ends only when stopped";
  const auto live = lines(followed.stdout_data);
  ASSERT_EQ(live.size(), 1u) << followed.stdout_data << followed.stderr_data;
  EXPECT_EQ(json::parse(live[0]).value("id", 0u), newest + 1);
  EXPECT_EQ(json::parse(live[0]).value("kind", ""), "client_refused");
}

// Frames on a raw socket: a client that stops reading, whose kernel buffer is small.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool ok() const { return ok_; }
  int fd() const { return fd_; }
  void send(const json& message) {
    const std::string frame = encodeFrame(message);
    ASSERT_EQ(::write(fd_, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  }
  // Reads frames until `want` matches one or `timeout` passes without data.
  bool readUntil(const std::function<bool(const json&)>& want, std::chrono::milliseconds timeout) {
    std::string buffer;
    char chunk[65536];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        ended_ = "no data for " + std::to_string(timeout.count()) + " ms";
        return false;
      }
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) {
        ended_ = "closed";
        return false;
      }
      buffer.append(chunk, static_cast<size_t>(n));
      while (buffer.size() >= 4) {
        const uint32_t length = (uint32_t(uint8_t(buffer[0])) << 24) |
                                (uint32_t(uint8_t(buffer[1])) << 16) |
                                (uint32_t(uint8_t(buffer[2])) << 8) | uint32_t(uint8_t(buffer[3]));
        if (buffer.size() < 4 + length) break;
        const json m = json::parse(buffer.substr(4, length), nullptr, false);
        buffer.erase(0, 4 + length);
        ++frames_;
        last_ = m;
        if (want(m)) return true;
      }
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;

 public:
  // What readUntil() saw, for failure messages.
  std::string seen() const {
    return std::to_string(frames_) + " frames, the last " + last_.dump() + "; then " + ended_;
  }

 private:
  int frames_ = 0;
  json last_;
  std::string ended_;
};

long rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// `count` HTTP requests without a token, pipelined on a few connections: `count` events.
void refusedHttpRequests(int port, int count) {
  const std::string request = "GET /api/v1/cluster HTTP/1.1\r\nHost: test\r\n\r\n";
  const std::string status = "HTTP/1.1 401";
  while (count > 0) {
    const int batch = std::min(count, 1000);
    RawClient c(port);
    ASSERT_TRUE(c.ok());
    std::string all;
    for (int i = 0; i < batch; ++i) all += request;
    std::thread writer([&] {
      // Written while the replies are read: neither side's buffer fills for good.
      (void)!::write(c.fd(), all.data(), all.size());
    });
    int answered = 0;
    std::string tail;
    char chunk[65536];
    while (answered < batch) {
      pollfd p{c.fd(), POLLIN, 0};
      if (::poll(&p, 1, 30000) <= 0) break;
      const ssize_t n = ::read(c.fd(), chunk, sizeof chunk);
      if (n <= 0) break;
      std::string text = tail + std::string(chunk, static_cast<size_t>(n));
      for (size_t at = text.find(status); at != std::string::npos;
           at = text.find(status, at + status.size()))
        ++answered;
      tail = text.size() > status.size() ? text.substr(text.size() - status.size() + 1) : text;
    }
    writer.join();
    ASSERT_EQ(answered, batch);
    count -= batch;
  }
}

TEST_F(ClusterEventsTest, ASubscriberThatStopsReadingCostsBoundedMemory) {
  RawClient stuck(cluster_->clientPort());
  ASSERT_TRUE(stuck.ok());
  stuck.send({{"type", "auth"}, {"id", 1}, {"token", kOperatorToken}});
  stuck.send({{"type", "subscribe"}, {"id", 2}});
  ASSERT_TRUE(
      stuck.readUntil([](const json& m) { return m.value("type", "") == "subscribed"; }, 10s));
  const long before = rssKiB(cluster_->masterPid());
  // 100k events of ~300 bytes each: 30 MB if they all waited for this subscriber.
  constexpr int kEvents = 100000;
  refusedHttpRequests(cluster_->httpPort(), kEvents);
  const long after = rssKiB(cluster_->masterPid());
  EXPECT_LT(after - before, 16 * 1024)
      << "the master grew from " << before << " to " << after << " KiB";
  EXPECT_GE(backlog().value("newest", 0u), uint64_t{kEvents});
  // When it reads again it learns what it missed.
  json dropped;
  ASSERT_TRUE(stuck.readUntil(
      [&](const json& m) {
        if (m.value("type", "") != "event" || m["event"].value("kind", "") != "events_dropped")
          return false;
        dropped = m["event"];
        return true;
      },
      30s))
      << stuck.seen();
  EXPECT_GT(dropped.value("to", 0u), dropped.value("from", 0u)) << dropped.dump();
}

}  // namespace
}  // namespace polyrun::test
