// The HTTP API (docs/http-api.md) against a real master and two real slaves on loopback: Piston
// v2 requests and responses, every kind of bad request, monitoring routes, and a master with a
// full queue. Requests go through Poco's HTTP client, or raw bytes where the point is a broken
// request.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "polyrun/base64.h"
#include "support/cluster.h"
#include "support/http_request.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

HttpReply request(int port, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& content_type = "",
                  bool chunked = false, const std::string& authorization = "") {
  return httpRequest(port, method, path, body, content_type, chunked, authorization);
}

HttpReply execute(int port, const json& body, const std::string& path = "/api/v2/execute") {
  return request(port, "POST", path, body.dump());
}

// Raw bytes to the HTTP port; what comes back until the server closes (or 30 s).
std::string rawExchange(int port, const std::string& bytes, bool close_write) {
  Poco::Net::StreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  socket.setReceiveTimeout(Poco::Timespan(30, 0));
  socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  if (close_write) socket.shutdownSend();
  std::string got;
  char buffer[4096];
  try {
    for (;;) {
      const int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
    }
  } catch (const std::exception&) {  // reset or timeout: keep what arrived
  }
  return got;
}

json pythonBody(const std::string& code) {
  return {{"language", "python"}, {"version", "*"}, {"files", {{{"content", code}}}}};
}

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = startSuiteCluster(Cluster::Options{}); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << "the cluster did not start";
    ASSERT_GT(cluster_->httpPort(), 0) << "the ready file has no http_port";
    port_ = cluster_->httpPort();
  }

  // A bad request: 400, JSON {"message"} that names `field`.
  void expectBadRequest(const json& body, const std::string& field) {
    const HttpReply r = execute(port_, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << body.dump();
    ASSERT_TRUE(r.j.is_object() && r.j.contains("message")) << r.body;
    EXPECT_NE(r.j["message"].get<std::string>().find(field), std::string::npos)
        << "the message does not name " << field << ": " << r.body;
  }

  static Cluster* cluster_;
  int port_ = 0;
};
Cluster* HttpTest::cluster_ = nullptr;

TEST_F(HttpTest, RuntimesListEveryLanguageWithAliases) {
  for (const std::string path : {"/api/v2/runtimes", "/api/v2/piston/runtimes"}) {
    const HttpReply r = request(port_, "GET", path);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(r.j.is_array()) << r.body;
    std::map<std::string, json> by_language;
    for (const auto& rt : r.j) {
      ASSERT_TRUE(rt["version"].is_string() && rt["aliases"].is_array()) << rt.dump();
      by_language[rt["language"]] = rt;
    }
    for (const std::string l : {"python", "c", "c++", "java"})
      EXPECT_TRUE(by_language.count(l)) << l << ": " << r.body;
    const json py_aliases = by_language["python"]["aliases"];
    EXPECT_NE(std::find(py_aliases.begin(), py_aliases.end(), "py"), py_aliases.end())
        << py_aliases.dump();
  }
}

TEST_F(HttpTest, PythonHelloWithoutContentTypeHasRunOnly) {
  const HttpReply r =
      execute(port_, pythonBody("import sys\nprint(42)\nprint(sys.argv[1:], file=sys.stderr)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["language"], "python");
  EXPECT_TRUE(r.j["version"].is_string() && !r.j["version"].get<std::string>().empty());
  EXPECT_FALSE(r.j.contains("compile")) << "python is not compiled: " << r.body;
  const json& run = r.j["run"];
  EXPECT_EQ(run["stdout"], "42\n");
  EXPECT_EQ(run["stderr"], "[]\n");
  EXPECT_EQ(run["output"], "42\n[]\n");
  EXPECT_EQ(run["code"], 0);
  EXPECT_TRUE(run["signal"].is_null());
  EXPECT_TRUE(run["status"].is_null());
  EXPECT_TRUE(run["message"].is_null());
  EXPECT_TRUE(run["cpu_time"].is_number() && run["wall_time"].is_number() &&
              run["memory"].is_number());
  EXPECT_GT(run["memory"].get<int64_t>(), 0);
  EXPECT_EQ(r.j["verdict"], "OK");
  EXPECT_TRUE(r.j["job_id"].is_string() && r.j["slave"].is_string()) << r.body;
  EXPECT_TRUE(r.j["queue_ms"].is_number());
}

TEST_F(HttpTest, PistonPrefixAndTextPlainBodyAndChunkedBody) {
  HttpReply r = request(port_, "POST", "/api/v2/piston/execute",
                        pythonBody("print('plain')").dump(), "text/plain;charset=UTF-8");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["run"]["stdout"], "plain\n");
  r = request(port_, "POST", "/api/v2/execute", pythonBody("print('chunked')").dump(),
              "application/json", true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["run"]["stdout"], "chunked\n");
}

TEST_F(HttpTest, CppWithStdinArgsAndLimitsOfMinusOne) {
  const json body = {{"language", "cpp"},
                     {"version", "*"},
                     {"files",
                      {{{"name", "main.cpp"},
                        {"content",
                         "#include <iostream>\nint main(int c, char** v) { std::string s; "
                         "std::cin >> s; std::cout << s << ' ' << c - 1 << ' ' << v[3] << "
                         "std::endl; }\n"}}}},
                     {"stdin", "hello\n"},
                     {"args", {"1", "2", "3"}},
                     {"compile_timeout", 10000},
                     {"run_timeout", 3000},
                     {"compile_memory_limit", -1},
                     {"run_memory_limit", -1},
                     {"run_cpu_time", -1}};
  const HttpReply r = execute(port_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["language"], "c++");
  ASSERT_TRUE(r.j.contains("compile")) << r.body;
  EXPECT_EQ(r.j["compile"]["code"], 0);
  EXPECT_TRUE(r.j["compile"]["status"].is_null());
  EXPECT_EQ(r.j["run"]["stdout"], "hello 3 3\n");
}

TEST_F(HttpTest, CompileFailureIsRepeatedInRunAsPistonDoes) {
  const json body = {
      {"language", "c"}, {"version", "*"}, {"files", {{{"content", "int main( { return 0; }"}}}}};
  const HttpReply r = execute(port_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["verdict"], "COMPILE_ERROR");
  ASSERT_TRUE(r.j.contains("compile") && r.j.contains("run")) << r.body;
  EXPECT_EQ(r.j["compile"]["status"], "RE");
  EXPECT_NE(r.j["compile"]["code"], 0);
  EXPECT_FALSE(r.j["compile"]["stderr"].get<std::string>().empty());
  EXPECT_EQ(r.j["run"], r.j["compile"]);
}

TEST_F(HttpTest, StatusCodesForFailures) {
  struct Case {
    std::string code;
    json limits;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"raise SystemExit(3)", json::object(), "RE"},
      {"import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", json::object(), "SG"},
      {"while True:\n    pass", {{"run_timeout", 500}, {"run_cpu_time", 500}}, "TO"},
      {"print('x' * 3000000)", json::object(), "OL"},
      {"import sys\nsys.stderr.write('x' * 3000000)", json::object(), "EL"},
  };
  std::vector<std::future<HttpReply>> replies;
  for (const auto& c : cases) {
    json body = pythonBody(c.code);
    body.update(c.limits);
    replies.push_back(
        std::async(std::launch::async, [this, body] { return execute(port_, body); }));
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const HttpReply r = replies[i].get();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.j["run"]["status"], cases[i].status)
        << cases[i].code << ": " << r.j["run"].dump().substr(0, 400);
    EXPECT_TRUE(r.j["run"]["message"].is_string()) << cases[i].code;
  }
  const HttpReply segv =
      execute(port_, pythonBody("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"));
  EXPECT_EQ(segv.j["run"]["signal"], "SIGSEGV") << segv.body;
  EXPECT_TRUE(segv.j["run"]["code"].is_null()) << segv.body;
}

TEST_F(HttpTest, Base64AndHexFilesAndABodyOverPistonsCap) {
  json body = {{"language", "py"},
               {"files", {{{"content", base64Encode("print('b64')")}, {"encoding", "base64"}}}}};
  HttpReply r = execute(port_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["run"]["stdout"], "b64\n");
  body["files"] = {{{"content", "7072696e7428276865782729"}, {"encoding", "hex"}}};  // print('hex')
  r = execute(port_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["run"]["stdout"], "hex\n");
  // 1 MiB of source: ten times the body Piston accepts.
  r = execute(port_, pythonBody("# " + std::string(1 << 20, 'x') + "\nprint('big')"));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.j["run"]["stdout"], "big\n");
}

TEST_F(HttpTest, EveryBadRequestIs400NamingTheField) {
  const json ok = pythonBody("print(1)");
  auto with = [&](const std::string& key, const json& value) {
    json b = ok;
    b[key] = value;
    return b;
  };
  auto without = [&](const std::string& key) {
    json b = ok;
    b.erase(key);
    return b;
  };
  expectBadRequest(json::array({1, 2}), "object");
  expectBadRequest(without("language"), "language");
  expectBadRequest(with("language", 42), "language");
  expectBadRequest(with("language", "cobol"), "cobol");
  expectBadRequest(with("version", "9.9"), "version");
  expectBadRequest(with("version", 3), "version");
  expectBadRequest(without("files"), "files");
  expectBadRequest(with("files", "print(1)"), "files");
  expectBadRequest(with("files", json::array()), "files");
  expectBadRequest(with("files", json::array({1})), "files[0]");
  expectBadRequest(with("files", {{{"name", "a.py"}}}), "files[0].content");
  expectBadRequest(with("files", {{{"content", 5}}}), "files[0].content");
  expectBadRequest(with("files", {{{"content", "x"}, {"name", 7}}}), "files[0].name");
  expectBadRequest(with("files", {{{"content", "x"}, {"encoding", "rot13"}}}), "files[0].encoding");
  expectBadRequest(with("files", {{{"content", "!!not base64!!"}, {"encoding", "base64"}}}),
                   "files[0].content");
  expectBadRequest(with("files", {{{"content", "abc"}, {"encoding", "hex"}}}), "files[0].content");
  expectBadRequest(with("stdin", 5), "stdin");
  expectBadRequest(with("args", "1 2"), "args");
  expectBadRequest(with("args", {"1", 2}), "args[1]");
  expectBadRequest(with("run_timeout", "3000"), "run_timeout");
  expectBadRequest(with("run_timeout", 999999999), "run_timeout");
  expectBadRequest(with("compile_timeout", true), "compile_timeout");
  expectBadRequest(with("run_cpu_time", -5), "run_cpu_time");
  expectBadRequest(with("compile_cpu_time", 1e300), "compile_cpu_time");
  expectBadRequest(with("run_memory_limit", 1ll << 50), "run_memory_limit");
  expectBadRequest(with("compile_memory_limit", json::object()), "compile_memory_limit");
}

TEST_F(HttpTest, InvalidJsonTruncatedAndHugeBodies) {
  for (const std::string text : {"{\"language\": ", "", "not json", "{\"a\": 1}}", "\xff\xfe"}) {
    const HttpReply r = request(port_, "POST", "/api/v2/execute", text);
    EXPECT_EQ(r.status, 400) << "body \"" << text << "\": " << r.body;
    ASSERT_TRUE(r.j.is_object()) << r.body;
    EXPECT_NE(r.j.value("message", "").find("JSON"), std::string::npos) << r.body;
  }
  // Announces 1000 bytes, sends 10 and stops writing.
  std::string got = rawExchange(
      port_,
      "POST /api/v2/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"language\"",
      true);
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("truncated"), std::string::npos) << got;
  // Announces more than master.http.body.max.bytes: refused before reading it.
  got = rawExchange(
      port_, "POST /api/v2/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n", false);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_NE(got.find("master.http.body.max.bytes"), std::string::npos) << got;
  // Not HTTP at all: Poco answers 400 and the master goes on.
  got = rawExchange(port_, "\x16\x03\x01garbage\r\n\r\n", true);
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200) << "after garbage: " << got;
}

// Hardening item 1: one body nested 100,000 levels deep (200 kB), at the top or in a field,
// crashed the master (a recursive dump of it into the 400 message). Each is a 400 naming the
// depth limit, and the master keeps serving.
TEST_F(HttpTest, DeeplyNestedBodiesAre400AndTheMasterLives) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string file = R"js([{"content": "print(1)"}])js";
  const std::vector<std::string> bodies = {
      deep, R"({"language": "python", "files": )" + file + R"(, "stdin": )" + deep + "}",
      R"({"language": "python", "files": [{"content": "x", "name": )" + deep + "}]}",
      R"({"language": "python", "files": )" + file + R"(, "args": )" + deep + "}",
      R"({"language": "python", "files": )" + file + R"(, "run_memory_limit": )" + deep + "}"};
  for (const auto& text : bodies) {
    const HttpReply r = request(port_, "POST", "/api/v2/execute", text);
    ASSERT_EQ(r.status, 400) << text.substr(0, 60) << ": " << r.body.substr(0, 300);
    EXPECT_NE(r.j.value("message", "").find("nested deeper than 64 levels"), std::string::npos)
        << r.body;
    EXPECT_LT(r.body.size(), 1000u);
  }
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(execute(port_, pythonBody("print(7)")).j["run"]["stdout"], "7\n");
}

TEST_F(HttpTest, UnknownRoutesAndMethods) {
  HttpReply r = request(port_, "GET", "/api/v2/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.j.value("message", "").find("/api/v2/nope"), std::string::npos) << r.body;
  r = request(port_, "POST", "/api/v2/runtimes", "{}");
  EXPECT_EQ(r.status, 405) << r.body;
  r = request(port_, "GET", "/api/v2/execute");
  EXPECT_EQ(r.status, 405) << r.body;
  EXPECT_TRUE(r.j.contains("message")) << r.body;
  r = request(port_, "GET", "/api/v1/jobs/j-does-not-exist");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.j.value("message", "").find("j-does-not-exist"), std::string::npos) << r.body;
}

TEST_F(HttpTest, JobLookupClusterMetricsHealthAndTheJobLog) {
  const HttpReply run = execute(port_, pythonBody("print('looked up')"));
  ASSERT_EQ(run.status, 200) << run.body;
  const std::string job_id = run.j["job_id"];

  HttpReply r = request(port_, "GET", "/api/v1/jobs/" + job_id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.j["state"], "finished");
  EXPECT_EQ(r.j["result"]["verdict"], "OK");
  EXPECT_EQ(r.j["result"]["run"]["stdout"], "looked up\n");
  EXPECT_EQ(r.j["piston"]["run"]["stdout"], "looked up\n");

  r = request(port_, "GET", "/api/v1/cluster");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.j["slaves"].size(), 2u) << r.body;
  for (const auto& s : r.j["slaves"]) {
    EXPECT_TRUE(s["name"].is_string() && s["address"].is_string() && s["state"] == "ready")
        << s.dump();
    EXPECT_EQ(s["capacity"], 2);
    EXPECT_FALSE(s["languages"].empty());
    EXPECT_TRUE(s["load"].contains("cpu_busy") && s["load"].contains("memory_free_bytes"));
    EXPECT_TRUE(s["last_heartbeat_ms"].is_number());
  }
  EXPECT_TRUE(r.j["queues"].is_object());
  EXPECT_GE(r.j["counters"]["by_language"]["python"].get<int>(), 1);
  EXPECT_GE(r.j["counters"]["by_verdict"]["OK"].get<int>(), 1);
  EXPECT_TRUE(r.j["uptime_ms"].is_number());

  r = request(port_, "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u) << r.content_type;
  for (const std::string needle :
       {"# TYPE polyrun_jobs_finished_total counter",
        "polyrun_jobs_finished_total{language=\"python\",verdict=\"OK\"} ",
        "polyrun_queue_length{language=\"python\"} 0",
        "polyrun_slave_running{slave=\"slave-a\",id=",
        "polyrun_slave_capacity{slave=\"slave-b\",id=", "polyrun_slave_load_average{",
        "# TYPE polyrun_job_queue_seconds histogram",
        "polyrun_job_queue_seconds_bucket{le=\"+Inf\"} ", "polyrun_job_run_seconds_count ",
        "polyrun_http_responses_total{code=\"200\"} "})
    EXPECT_NE(r.body.find(needle), std::string::npos) << needle << " missing from\n" << r.body;
  // Every sample line is "name{labels} number" or "name number".
  const std::regex sample(R"(^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$)");
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
  }

  r = request(port_, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.j["status"], "ok");

  // One line per finished job in the master's log.
  EXPECT_TRUE(waitFor(
      [&] {
        return cluster_->masterLog().find("job " + job_id + " python on slave-") !=
               std::string::npos;
      },
      5s))
      << cluster_->masterLog();
}

TEST_F(HttpTest, ASlowJobDoesNotHoldUpOtherRequests) {
  auto slow = std::async(std::launch::async, [this] {
    return execute(port_, pythonBody("import time\ntime.sleep(3)\nprint('slow')"));
  });
  // While it sleeps, other requests are answered.
  ASSERT_TRUE(waitFor(
      [&] { return request(port_, "GET", "/api/v1/cluster").j["counters"]["running"] >= 1; }, 20s));
  const HttpReply fast = execute(port_, pythonBody("print('fast')"));
  EXPECT_EQ(fast.j["run"]["stdout"], "fast\n");
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout)
      << "the fast job waited for the slow one";
  EXPECT_EQ(slow.get().j["run"]["stdout"], "slow\n");
}

// A master without slaves and a queue of one: the queue fills, and waiting requests give up.
TEST(HttpQueueTest, QueueFullIs503WithRetryAfterAndWaitsEnd) {
  Cluster::Options options;
  options.slaves = 0;
  options.master_defines = {"master.queue.max=1", "master.http.queue.wait.ms=4000"};
  std::unique_ptr<Cluster> cluster(startSuiteCluster(options));
  ASSERT_NE(cluster, nullptr);
  const int port = cluster->httpPort();

  auto first =
      std::async(std::launch::async, [port] { return execute(port, pythonBody("print(1)")); });
  ASSERT_TRUE(waitFor(
      [&] { return request(port, "GET", "/api/v1/cluster").j["queues"]["python"] == 1; }, 10s));
  const HttpReply full = execute(port, pythonBody("print(2)"));
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_FALSE(full.retry_after.empty());
  EXPECT_NE(full.j.value("message", "").find("full"), std::string::npos) << full.body;
  // Monitoring is not held up by the waiting request.
  EXPECT_EQ(request(port, "GET", "/healthz").status, 200);

  const HttpReply gave_up = first.get();
  EXPECT_EQ(gave_up.status, 503) << gave_up.body;
  EXPECT_FALSE(gave_up.retry_after.empty());
  EXPECT_NE(gave_up.j.value("message", "").find("master.http.queue.wait.ms"), std::string::npos)
      << gave_up.body;
  // The job it waited for left the queue.
  EXPECT_TRUE(waitFor(
      [&] { return request(port, "GET", "/api/v1/cluster").j["queues"]["python"] == 0; }, 5s));

  // A request waiting when the master stops is answered, not dropped.
  auto waiting =
      std::async(std::launch::async, [port] { return execute(port, pythonBody("print(3)")); });
  ASSERT_TRUE(waitFor(
      [&] { return request(port, "GET", "/api/v1/cluster").j["queues"]["python"] == 1; }, 10s));
  EXPECT_EQ(cluster->stopMaster(30s), 0);
  const HttpReply stopped = waiting.get();
  EXPECT_EQ(stopped.status, 503) << stopped.body;
  EXPECT_NE(stopped.j.value("message", "").find("stopping"), std::string::npos) << stopped.body;
}

// With master.client.tokens (and loopback not exempt), HTTP needs a token as the native port does.
TEST(HttpAuthTest, ClientTokensAreRequiredExceptForHealthz) {
  Cluster::Options options;
  options.slaves = 1;
  options.master_defines = {"master.client.tokens=alpha,beta", "master.client.auth.loopback=true"};
  options.client_token = "alpha";
  std::unique_ptr<Cluster> cluster(startSuiteCluster(options));
  ASSERT_NE(cluster, nullptr);
  const int port = cluster->httpPort();
  const std::string body = pythonBody("print(6 * 7)").dump();

  const HttpReply none = request(port, "POST", "/api/v2/execute", body);
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_NE(none.j.value("message", "").find("Authorization: Bearer"), std::string::npos)
      << none.body;
  const HttpReply wrong = request(port, "GET", "/api/v1/cluster", "", "", false, "Bearer gamma");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_NE(wrong.j.value("message", "").find("wrong client token"), std::string::npos)
      << wrong.body;
  EXPECT_EQ(request(port, "GET", "/metrics").status, 401);
  EXPECT_EQ(request(port, "GET", "/healthz").status, 200);

  const HttpReply ok = request(port, "POST", "/api/v2/execute", body, "", false, "Bearer beta");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.j["run"]["stdout"], "42\n") << ok.body;
  EXPECT_EQ(request(port, "GET", "/api/v2/runtimes", "", "", false, "alpha").status, 200);
  // Judge0's clients send the token in X-Auth-Token.
  EXPECT_EQ(
      httpRequest(port, "GET", "/statuses", "", "", false, "", {{"X-Auth-Token", "beta"}}).status,
      200);
  EXPECT_EQ(
      httpRequest(port, "GET", "/statuses", "", "", false, "", {{"X-Auth-Token", "gamma"}}).status,
      401);
}

// Hardening item 9: clients that send a request a byte at a time (each byte restarting Poco's
// read timeout) held every HTTP thread and kept /healthz unanswered. Each request now has an
// overall deadline (master.http.request.timeout.ms): they are cut, and /healthz, queued behind
// all of them, is answered within a few seconds.
TEST(HttpSlowClientTest, TricklingRequestsAreCutAtTheRequestDeadline) {
  Cluster::Options o;
  o.slaves = 0;
  o.journal = false;
  o.master_defines = {"master.http.threads=6", "master.http.request.timeout.ms=1500",
                      "master.http.timeout.ms=20000"};
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  const int port = cluster.httpPort();
  // Connected first, in order, so that the master takes them before the /healthz below.
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> slow;
  for (int i = 0; i < 10; ++i)
    slow.push_back(std::make_unique<Poco::Net::StreamSocket>(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port))));
  std::atomic<bool> done{false};
  std::vector<std::thread> tricklers;
  for (auto& socket : slow) {
    tricklers.emplace_back([&done, s = socket.get()] {
      const std::string text =
          "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(300, 'a');
      try {
        for (size_t i = 0; i < text.size() && !done; ++i) {
          s->sendBytes(text.data() + i, 1);
          std::this_thread::sleep_for(200ms);  // the attacker's pace
        }
      } catch (const Poco::Exception&) {  // cut by the master
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  const HttpReply r = request(port, "GET", "/healthz");
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  done = true;
  for (auto& t : tricklers) t.join();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_LT(took.count(), 6000) << "/healthz waited behind clients sending a byte every 200 ms";
  EXPECT_NE(cluster.masterLog().find("master.http.request.timeout.ms"), std::string::npos)
      << cluster.masterLog();
  // A body that trickles in past the deadline gets 408 naming the key.
  Poco::Net::StreamSocket body(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  const std::string head =
      "POST /api/v2/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
  body.sendBytes(head.data(), static_cast<int>(head.size()));
  body.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string got;
  char buf[4096];
  try {
    for (int n; (n = body.receiveBytes(buf, sizeof buf)) > 0;)
      got.append(buf, static_cast<size_t>(n));
  } catch (const Poco::Exception&) {
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 408", 0), 0u) << got;
  EXPECT_NE(got.find("master.http.request.timeout.ms"), std::string::npos) << got;
}

// Hardening item 9: connections per client address are capped (master.connections.per.address):
// the next one is answered 503 naming the key, before anything of it is read.
TEST(HttpSlowClientTest, ConnectionsPerAddressAreCapped) {
  Cluster::Options o;
  o.slaves = 0;
  o.journal = false;
  o.master_defines = {"master.connections.per.address=3",
                      "master.connections.per.address.loopback=true"};
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.startMaster(&error)) << error;
  const int port = cluster.httpPort();
  // Three kept-alive connections, each answered once: each holds its slot from then on (for the
  // 5 s of keep-alive). The next connection is refused.
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                                  static_cast<Poco::UInt16>(port)));
    held.back()->setKeepAlive(true);
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/healthz",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    held.back()->sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::ostringstream ignored;
    Poco::StreamCopier::copyStream(held.back()->receiveResponse(res), ignored);
    ASSERT_EQ(res.getStatus(), 200) << ignored.str();
  }
  const HttpReply r = request(port, "GET", "/healthz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.j.value("message", "").find("master.connections.per.address"), std::string::npos)
      << r.body;
  EXPECT_FALSE(r.retry_after.empty());
  held.clear();
  EXPECT_TRUE(waitFor([&] { return request(port, "GET", "/healthz").status == 200; }, 10s))
      << "the address is served again once it holds fewer connections";
}

}  // namespace
}  // namespace polyrun::test
