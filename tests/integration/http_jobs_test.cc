// Asynchronous jobs over HTTP (docs/http-api.md, "Jobs"): submit answered 202 with an id at once,
// lookup, cancel, batches, and callbacks — signed, retried while the receiver fails, given up
// while it is down, the result fetchable whatever the delivery did. Then Judge0's routes
// (docs/judge0.md) with the requests of Judge0 CE's documentation, waited for and not, batches
// and Judge0's PUT callback. The receiver is an HTTP server of the test's own on loopback.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <regex>
#include <set>

#include "callbacks.h"
#include "polyrun/base64.h"
#include "support/cluster.h"
#include "support/http_request.h"

namespace polyrun::test {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSecret = "callback-secret-of-the-test";

// What the receiver got, and how it answers: `fail_first` requests get 503, the rest 204.
struct Received {
  std::string method, path, signature, job_header, body;
};
struct Receiver {
  std::mutex mutex;
  std::vector<Received> got;
  int fail_first = 0;

  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return got.size();
  }
  void reset(int failures) {
    std::lock_guard<std::mutex> lock(mutex);
    got.clear();
    fail_first = failures;
  }
  std::vector<Received> copy() {
    std::lock_guard<std::mutex> lock(mutex);
    return got;
  }
};

class ReceiverHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ReceiverHandler(Receiver& r) : r_(r) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    Received got{req.getMethod(), req.getURI(), req.get("X-Polyrun-Signature", ""),
                 req.get("X-Polyrun-Job", ""), ""};
    std::ostringstream body;
    Poco::StreamCopier::copyStream(req.stream(), body);
    got.body = body.str();
    bool fail;
    {
      std::lock_guard<std::mutex> lock(r_.mutex);
      r_.got.push_back(got);
      fail = static_cast<int>(r_.got.size()) <= r_.fail_first;
    }
    res.setStatus(fail ? Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE
                       : Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    res.setContentLength(0);
    res.send();
  }

 private:
  Receiver& r_;
};

class ReceiverFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit ReceiverFactory(Receiver& r) : r_(r) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ReceiverHandler(r_);
  }

 private:
  Receiver& r_;
};

// A port nothing listens on: bound by the kernel's choice, then closed.
int closedPort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = s.address().port();
  s.close();
  return port;
}

// A receiver, then a cluster whose master may call it back (and a closed port, "down").
class HttpJobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    receiver_ = new Receiver;
    server_ =
        new Poco::Net::HTTPServer(new ReceiverFactory(*receiver_),
                                  Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)),
                                  new Poco::Net::HTTPServerParams);
    server_->start();
    down_port_ = closedPort();
    secret_dir_ = new TempDir;
    const std::string secret_file = secret_dir_->path() + "/callback.secret";
    std::ofstream(secret_file) << kSecret << "\n";
    Cluster::Options o;
    o.slaves = 1;
    o.master_defines = {
        "master.callback.allow=http://127.0.0.1:" + std::to_string(server_->port()) +
            "/hooks/, http://127.0.0.1:" + std::to_string(down_port_) + "/",
        "master.callback.secret.file=" + secret_file,
        "master.callback.attempts=3",
        "master.callback.retry.ms=50",
        "master.callback.timeout.ms=2000",
        "master.http.batch.max=5"};
    cluster_ = startSuiteCluster(o);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    server_->stop();
    delete server_;
    delete receiver_;
    delete secret_dir_;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << "the cluster did not start";
    port_ = cluster_->httpPort();
  }

  // A finished lookup of `job_id`, polled with a deadline; null when it did not finish.
  json finished(const std::string& job_id) {
    json found;
    waitFor(
        [&] {
          const HttpReply r = httpRequest(port_, "GET", "/api/v1/jobs/" + job_id);
          if (r.status == 200 && r.j.value("state", "") != "queued" &&
              r.j.value("state", "") != "assigned" && r.j.value("state", "") != "running" &&
              r.j.value("state", "") != "compiling")
            found = r.j;
          return !found.is_null();
        },
        60s);
    return found;
  }

  // The metric line `polyrun_callbacks_total{outcome="NAME"}`, or -1.
  long callbacks(const std::string& outcome) {
    const HttpReply r = httpRequest(port_, "GET", "/metrics");
    std::smatch m;
    const std::regex re("polyrun_callbacks_total\\{outcome=\"" + outcome + "\"\\} (\\d+)");
    return std::regex_search(r.body, m, re) ? std::stol(m[1]) : -1;
  }

  static json pythonJob(const std::string& code, const std::string& stdin_data = "") {
    return {{"language", "python"},
            {"files", {{{"name", "main.py"}, {"content", code}}}},
            {"stdin", stdin_data}};
  }

  static inline Receiver* receiver_ = nullptr;
  static inline Poco::Net::HTTPServer* server_ = nullptr;
  static inline TempDir* secret_dir_ = nullptr;
  static inline int down_port_ = 0;
  static inline Cluster* cluster_ = nullptr;
  int port_ = 0;
};

TEST_F(HttpJobsTest, SubmitAnswers202WithAnIdThenTheResultIsFetched) {
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs",
                                  pythonJob("print(input()[::-1])", "polyrun\n").dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.j.value("job_id", "");
  ASSERT_FALSE(id.empty()) << r.body;
  EXPECT_EQ(r.location, "/api/v1/jobs/" + id);
  const json f = finished(id);
  ASSERT_EQ(f.value("state", ""), "finished") << f.dump();
  EXPECT_EQ(f["result"]["run"]["stdout"], "nurylop\n");
}

TEST_F(HttpJobsTest, AJudgedJobOverHttpHasItsCases) {
  json job = pythonJob("a, b = map(int, input().split())\nprint(a + b)");
  job["tests"] = {{{"name", "one"}, {"stdin", "1 2\n"}, {"expected_stdout", "3\n"}},
                  {{"name", "two"}, {"stdin", "2 2\n"}, {"expected_stdout", "5\n"}}};
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs", job.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const json f = finished(r.j.value("job_id", ""));
  ASSERT_EQ(f.value("state", ""), "finished") << f.dump();
  ASSERT_EQ(f["result"]["tests"].size(), 2u) << f.dump();
  EXPECT_EQ(f["result"]["tests"][0]["verdict"], "OK") << f.dump();
  EXPECT_EQ(f["result"]["tests"][1]["verdict"], "WRONG_ANSWER") << f.dump();
  EXPECT_EQ(f["result"]["verdict"], "WRONG_ANSWER");
}

TEST_F(HttpJobsTest, BadSubmissionsAre400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not JSON"},
      {"[1, 2]", "object"},
      {R"({"files": [{"content": "x"}]})", "language"},
      {R"({"language": "python"})", "files"},
      {R"({"language": "cobol-77", "files": [{"content": "x"}]})", "cobol-77"},
      {R"({"language": "python", "files": [{"content": "x"}], "callback_url": 7})", "callback_url"},
      {R"({"language": "python", "files": [{"content": "x"}],
           "callback_url": "http://169.254.169.254/latest/meta-data/"})",
       "master.callback.allow"},
  };
  for (const auto& [body, named] : cases) {
    const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_NE(r.j.value("message", "").find(named), std::string::npos) << body << " -> " << r.body;
  }
  EXPECT_EQ(receiver_->count(), 0u) << "nothing was called back for a refused job";
}

TEST_F(HttpJobsTest, CancelAQueuedOrRunningJobThenItIsCancelled) {
  const HttpReply r =
      httpRequest(port_, "POST", "/api/v1/jobs", pythonJob("import time\ntime.sleep(30)").dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.j.value("job_id", "");
  const HttpReply c = httpRequest(port_, "DELETE", "/api/v1/jobs/" + id);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.j.value("state", ""), "cancelled");
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/jobs/" + id).j.value("state", ""), "cancelled");
  EXPECT_EQ(httpRequest(port_, "DELETE", "/api/v1/jobs/j-nope").status, 404);
  const HttpReply done = httpRequest(port_, "POST", "/api/v1/jobs", pythonJob("print(1)").dump());
  ASSERT_EQ(finished(done.j.value("job_id", "")).value("state", ""), "finished");
  const HttpReply late = httpRequest(port_, "DELETE", "/api/v1/jobs/" + done.j.value("job_id", ""));
  EXPECT_EQ(late.status, 409) << late.body;
}

TEST_F(HttpJobsTest, ABatchIsAcceptedItemByItemAndLookedUpTogether) {
  json jobs = json::array();
  for (int i = 0; i < 4; ++i) jobs.push_back(pythonJob("print(" + std::to_string(i) + ")"));
  jobs[2] = {{"language", "python"}};  // no files: refused alone
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs/batch", json{{"jobs", jobs}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(r.j["jobs"].size(), 4u) << r.body;
  EXPECT_EQ(r.j["jobs"][2].value("status", 0), 400) << r.body;
  EXPECT_NE(r.j["jobs"][2].value("message", "").find("jobs[2]"), std::string::npos) << r.body;
  std::string ids;
  for (int i : {0, 1, 3}) {
    const std::string id = r.j["jobs"][i].value("job_id", "");
    ASSERT_FALSE(id.empty()) << r.body;
    ASSERT_EQ(finished(id).value("state", ""), "finished");
    ids += id + ",";
  }
  const HttpReply all = httpRequest(port_, "GET", "/api/v1/jobs/batch?ids=" + ids + "j-unknown");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.j["jobs"].size(), 4u) << all.body;
  EXPECT_EQ(all.j["jobs"][0]["result"]["run"]["stdout"], "0\n");
  EXPECT_EQ(all.j["jobs"][1]["result"]["run"]["stdout"], "1\n");
  EXPECT_EQ(all.j["jobs"][2]["result"]["run"]["stdout"], "3\n");
  EXPECT_EQ(all.j["jobs"][3].value("status", 0), 404) << all.body;

  json six = json::array();
  for (int i = 0; i < 6; ++i) six.push_back(pythonJob("print(1)"));
  const HttpReply big =
      httpRequest(port_, "POST", "/api/v1/jobs/batch", json{{"jobs", six}}.dump());
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_NE(big.j.value("message", "").find("master.http.batch.max"), std::string::npos);
}

TEST_F(HttpJobsTest, ACallbackIsSignedAndRetriedUntilTheReceiverTakesIt) {
  receiver_->reset(2);
  json job = pythonJob("print('called back')");
  job["callback_url"] = "http://127.0.0.1:" + std::to_string(server_->port()) + "/hooks/done";
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs", job.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.j.value("job_id", "");
  ASSERT_TRUE(waitFor([&] { return receiver_->count() >= 3; }, 30s))
      << "two 503s, then a 204: " << receiver_->count() << " arrived\n"
      << cluster_->masterLog();
  const auto got = receiver_->copy();
  ASSERT_EQ(got.size(), 3u);
  for (const Received& g : got) {
    EXPECT_EQ(g.method, "POST");
    EXPECT_EQ(g.path, "/hooks/done");
    EXPECT_EQ(g.job_header, id);
    // The receiver's check: t=<time>,v1=HMAC(secret, "<time>." + body).
    std::smatch m;
    ASSERT_TRUE(std::regex_match(g.signature, m, std::regex("t=(\\d+),v1=([0-9a-f]{64})")))
        << g.signature;
    EXPECT_EQ(m[2].str(), master::hmacSha256Hex(kSecret, m[1].str() + "." + g.body));
    const long age = static_cast<long>(std::time(nullptr)) - std::stol(m[1]);
    EXPECT_LE(std::abs(age), 60) << "the signed time is now";
    const json body = json::parse(g.body, nullptr, false);
    EXPECT_EQ(body.value("job_id", ""), id);
    EXPECT_EQ(body.value("state", ""), "finished");
    EXPECT_EQ(body["result"]["run"]["stdout"], "called back\n") << g.body;
  }
  EXPECT_GE(callbacks("delivered"), 1);
  EXPECT_GE(callbacks("retried"), 2);
}

TEST_F(HttpJobsTest, AReceiverThatIsDownGetsRetriesThenTheResultStaysFetchable) {
  const long failed_before = callbacks("failed");
  json job = pythonJob("print('nobody listens')");
  job["callback_url"] = "http://127.0.0.1:" + std::to_string(down_port_) + "/x";
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs", job.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(waitFor([&] { return callbacks("failed") == failed_before + 1; }, 30s))
      << cluster_->masterLog();
  const json f = finished(r.j.value("job_id", ""));
  EXPECT_EQ(f["result"]["run"]["stdout"], "nobody listens\n") << f.dump();
  EXPECT_NE(cluster_->masterLog().find("gave up the callback of job " + r.j.value("job_id", "")),
            std::string::npos);
}

// --- Judge0 ---

// A C program of Judge0's documentation: reads a name, greets it.
constexpr const char* kJudge0Hello =
    "#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf(\"%s\", name);\n  "
    "printf(\"hello, %s\\n\", name);\n  return 0;\n}";

// Polls GET /submissions/{token} until its status is past 1 (In Queue) and 2 (Processing).
json judge0Finished(int port, const std::string& token, const std::string& query = "") {
  json found;
  waitFor(
      [&] {
        const HttpReply r = httpRequest(port, "GET", "/submissions/" + token + query);
        if (r.status == 200 && r.j.contains("status") && r.j["status"].value("id", 0) > 2)
          found = r.j;
        return !found.is_null();
      },
      60s);
  return found;
}

TEST_F(HttpJobsTest, Judge0WaitTrueAnswersTheFinishedSubmission) {
  const json body = {{"source_code", kJudge0Hello}, {"language_id", 50}, {"stdin", "world"}};
  const HttpReply r = httpRequest(port_, "POST", "/submissions?base64_encoded=false&wait=true",
                                  body.dump(), "application/json");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.j.value("stdout", ""), "hello, world\n") << r.body;
  EXPECT_EQ(r.j["status"], (json{{"id", 3}, {"description", "Accepted"}})) << r.body;
  EXPECT_TRUE(r.j["time"].is_string()) << r.body;
  EXPECT_TRUE(r.j["memory"].is_number()) << r.body;
  EXPECT_TRUE(r.j["stderr"].is_null()) << r.body;
  EXPECT_TRUE(r.j["compile_output"].is_null()) << r.body;
  const std::string token = r.j.value("token", "");
  ASSERT_FALSE(token.empty()) << r.body;
  // The same submission is found again by its token.
  const HttpReply again = httpRequest(port_, "GET", "/submissions/" + token);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.j.value("stdout", ""), "hello, world\n");
}

TEST_F(HttpJobsTest, Judge0AsyncCreateThenGetWithFieldsAndBase64) {
  const json body = {{"source_code", base64Encode("print('hello, Judge0')")}, {"language_id", 71}};
  const HttpReply r = httpRequest(port_, "POST", "/submissions?base64_encoded=true", body.dump(),
                                  "application/json");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(r.j.size(), 1u) << "Judge0 answers only the token: " << r.body;
  const std::string token = r.j.value("token", "");
  const json done = judge0Finished(port_, token, "?base64_encoded=true");
  ASSERT_FALSE(done.is_null());
  EXPECT_EQ(done.value("stdout", ""), "aGVsbG8sIEp1ZGdlMAo=\n") << done.dump();
  EXPECT_EQ(done["status"].value("id", 0), 3);
  const HttpReply few =
      httpRequest(port_, "GET", "/submissions/" + token + "?fields=stdout,status_id,language_id");
  ASSERT_EQ(few.status, 200) << few.body;
  EXPECT_EQ(few.j, (json{{"stdout", "hello, Judge0\n"}, {"status_id", 3}, {"language_id", 71}}))
      << few.body;
  EXPECT_EQ(httpRequest(port_, "GET", "/submissions/" + token + "?fields=nope").status, 400);
  EXPECT_EQ(httpRequest(port_, "GET", "/submissions/j-unknown").status, 404);
}

TEST_F(HttpJobsTest, Judge0StatusesOfFailures) {
  struct Case {
    json body;
    int status;
  };
  const std::vector<Case> cases = {
      {{{"source_code", "print(input())"},
        {"language_id", 71},
        {"stdin", "a"},
        {"expected_output", "b"}},
       4},
      {{{"source_code", "int main( {"}, {"language_id", 50}}, 6},
      {{{"source_code", "while True: pass"}, {"language_id", 71}, {"cpu_time_limit", 1}}, 5},
      {{{"source_code", "int main(void) { int *p = 0; return *p; }"}, {"language_id", 50}}, 7},
      {{{"source_code", "import sys\nsys.exit(3)"}, {"language_id", 71}}, 11},
  };
  for (const Case& c : cases) {
    const HttpReply r = httpRequest(port_, "POST", "/submissions?wait=true", c.body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.j["status"].value("id", 0), c.status) << c.body.dump() << " -> " << r.body;
    if (c.status == 6) EXPECT_TRUE(r.j["compile_output"].is_string()) << r.body;
  }
}

TEST_F(HttpJobsTest, Judge0RefusalsAreItsOwn) {
  const HttpReply unknown = httpRequest(port_, "POST", "/submissions",
                                        json{{"source_code", "x"}, {"language_id", 9999}}.dump());
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(unknown.j, (json{{"language_id", {"language with id 9999 doesn't exist"}}}))
      << unknown.body;
  const HttpReply blank = httpRequest(port_, "POST", "/submissions", "{}");
  EXPECT_EQ(blank.status, 422) << blank.body;
  EXPECT_TRUE(blank.j.contains("source_code") && blank.j.contains("language_id")) << blank.body;
  EXPECT_EQ(httpRequest(port_, "POST", "/submissions", "{not json").status, 400);
  const HttpReply method = httpRequest(port_, "DELETE", "/submissions");
  EXPECT_EQ(method.status, 405) << method.body;
}

TEST_F(HttpJobsTest, Judge0BatchCreateAndGet) {
  const json body = {{"submissions",
                      {{{"source_code", "print(1)"}, {"language_id", 71}},
                       {{"source_code", "print(2)"}, {"language_id", 9999}},
                       {{"source_code", kJudge0Hello}, {"language_id", 50}, {"stdin", "batch"}}}}};
  const HttpReply r = httpRequest(port_, "POST", "/submissions/batch", body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(r.j.is_array() && r.j.size() == 3) << r.body;
  EXPECT_TRUE(r.j[1].contains("language_id")) << "the bad item has its 422 object: " << r.body;
  const std::string a = r.j[0].value("token", ""), c = r.j[2].value("token", "");
  ASSERT_FALSE(a.empty() || c.empty()) << r.body;
  ASSERT_FALSE(judge0Finished(port_, a).is_null());
  ASSERT_FALSE(judge0Finished(port_, c).is_null());
  const HttpReply got =
      httpRequest(port_, "GET", "/submissions/batch?tokens=" + a + "," + c + "&fields=stdout");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.j, (json{{"submissions", {{{"stdout", "1\n"}}, {{"stdout", "hello, batch\n"}}}}}))
      << got.body;
}

TEST_F(HttpJobsTest, Judge0ListsAndAbout) {
  const HttpReply languages = httpRequest(port_, "GET", "/languages");
  ASSERT_EQ(languages.status, 200) << languages.body;
  std::set<int> ids;
  for (const auto& l : languages.j) ids.insert(l.value("id", 0));
  for (int id : {50, 54, 62, 71}) EXPECT_TRUE(ids.count(id)) << id << ": " << languages.body;
  const HttpReply python = httpRequest(port_, "GET", "/languages/71");
  ASSERT_EQ(python.status, 200);
  EXPECT_EQ(python.j.value("name", ""), "Python (3.8.1)");
  EXPECT_EQ(httpRequest(port_, "GET", "/languages/4").status, 404);
  const HttpReply statuses = httpRequest(port_, "GET", "/statuses");
  ASSERT_EQ(statuses.j.size(), 14u) << statuses.body;
  EXPECT_EQ(statuses.j[3], (json{{"id", 4}, {"description", "Wrong Answer"}}));
  EXPECT_EQ(httpRequest(port_, "GET", "/about").j.value("version", ""), "1.13.1");
}

TEST_F(HttpJobsTest, Judge0CallbackIsAPutOfTheSubmission) {
  receiver_->reset(0);
  const json body = {
      {"source_code", "print(input())"},
      {"language_id", 71},
      {"stdin", "judged"},
      {"callback_url", "http://127.0.0.1:" + std::to_string(server_->port()) + "/hooks/judge0"}};
  const HttpReply r = httpRequest(port_, "POST", "/submissions", body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(waitFor([&] { return receiver_->count() >= 1; }, 30s)) << cluster_->masterLog();
  const Received got = receiver_->copy()[0];
  EXPECT_EQ(got.method, "PUT");
  EXPECT_EQ(got.path, "/hooks/judge0");
  const json put = json::parse(got.body, nullptr, false);
  EXPECT_EQ(put.value("token", ""), r.j.value("token", "")) << got.body;
  EXPECT_EQ(put["status"].value("id", 0), 3) << got.body;
  std::string text = put.value("stdout", "");
  text.erase(std::remove(text.begin(), text.end(), '\n'), text.end());  // Ruby's line breaks
  EXPECT_EQ(base64Decode(text).value_or("(not base64)"), "judged\n")
      << "Judge0 calls back with base64 text fields: " << got.body;
}

// Last in this file: it restarts the suite's master.
TEST_F(HttpJobsTest, ACallbackIsStillMadeAfterTheMasterRestarts) {
  receiver_->reset(0);
  json job = pythonJob("import time\ntime.sleep(3)\nprint('after the restart')");
  job["callback_url"] = "http://127.0.0.1:" + std::to_string(server_->port()) + "/hooks/late";
  const HttpReply r = httpRequest(port_, "POST", "/api/v1/jobs", job.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.j.value("job_id", "");
  // Accepted means journaled, callback included: the master may die now.
  cluster_->killMaster();
  std::string error;
  ASSERT_TRUE(cluster_->startMaster(&error)) << error;
  ASSERT_TRUE(waitFor([&] { return receiver_->count() >= 1; }, 60s))
      << "the recovered job's callback never came\n"
      << cluster_->masterLog();
  const Received got = receiver_->copy()[0];
  EXPECT_EQ(got.job_header, id);
  const json body = json::parse(got.body, nullptr, false);
  EXPECT_EQ(body["result"]["run"]["stdout"], "after the restart\n") << got.body;
  EXPECT_NE(cluster_->masterLog().find("watching 1 recovered jobs for their callbacks"),
            std::string::npos);
}

}  // namespace
}  // namespace polyrun::test
