// TLS on every port of the master (docs/install.md, "TLS"), with a CA and a server certificate
// made by the openssl command for this run: the slave and the CLI verify the master's
// certificate, HTTPS serves the API, and whoever does not speak TLS, or trusts another CA, is
// refused without harm to the master.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "master_client.h"
#include "polyrun/sandbox.h"
#include "support/certificates.h"
#include "support/cluster.h"

namespace polyrun::test {
namespace {

using nlohmann::json;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir;
    std::string error;
    if (!makeCertificates(certs_->path(), &error)) {
      ADD_FAILURE() << error;
      return;
    }
    Cluster::Options options;
    options.slaves = 1;
    options.master_defines = {"master.tls.enabled=true",
                              "master.tls.certificate=" + file("server.pem"),
                              "master.tls.key=" + file("server.key")};
    options.slave_defines = {"slave.tls.enabled=true", "slave.tls.ca_file=" + file("ca.pem")};
    options.tls_ca_file = file("ca.pem");
    cluster_ = startSuiteCluster(options);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << "the TLS cluster did not start"; }

  static std::string file(const std::string& name) { return certs_->path() + "/" + name; }

  ProcessResult cli(const std::vector<std::string>& args) {
    ProcessSpec spec;
    spec.argv = {binaryPath("polyrun")};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.cwd = dir_.path();
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.path()};
    spec.limits.wall_ms = 60000;
    spec.limits.cpu_ms = 60000;
    spec.limits.output_bytes = 1 << 20;
    return sandbox_->run(spec);
  }

  // One HTTPS request; the status, or -1 with the exception's text in *body.
  static int https(const std::string& method, const std::string& path,
                   const std::string& request_body, std::string* body) {
    try {
      // Poco's HTTPS client, as a Piston client would use any HTTPS library: the test CA only.
      Poco::Net::Context::Params params;
      params.caLocation = file("ca.pem");
      params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
      params.loadDefaultCAs = false;
      Poco::Net::HTTPSClientSession session(
          "127.0.0.1", static_cast<Poco::UInt16>(cluster_->httpPort()),
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
      session.setTimeout(Poco::Timespan(60, 0));
      Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
      if (method == "POST") {
        req.setContentType("application/json");
        req.setContentLength64(static_cast<Poco::Int64>(request_body.size()));
      }
      session.sendRequest(req) << request_body;
      Poco::Net::HTTPResponse res;
      std::istream& in = session.receiveResponse(res);
      std::ostringstream out;
      Poco::StreamCopier::copyStream(in, out);
      *body = out.str();
      return res.getStatus();
    } catch (const std::exception& e) {
      *body = e.what();
      return -1;
    }
  }

  static TempDir* certs_;
  static Cluster* cluster_;
  TempDir dir_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
};
TempDir* TlsTest::certs_ = nullptr;
Cluster* TlsTest::cluster_ = nullptr;

TEST_F(TlsTest, CliRunsAJobOverTls) {
  std::ofstream(dir_.path() + "/hello.py") << "print('over tls')\n";
  const ProcessResult r = cli({"run", "hello.py", "--master=" + cluster_->masterAddress(), "--tls",
                               "--ca-file", file("ca.pem")});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data << cluster_->logs();
  EXPECT_EQ(r.stdout_data, "over tls\n");
}

// Frames far larger than a TLS record (16 KiB) cross both links: the slave's result and the
// master's answer arrive in many records and partial writes.
TEST_F(TlsTest, LargeOutputCrossesBothLinksIntact) {
  std::ofstream(dir_.path() + "/big.py")
      << "import sys\nfor i in range(15000): print(f'line {i:06d} ' + 'x' * 40)\n";
  const ProcessResult r =
      cli({"run", "big.py", "--master=" + cluster_->masterAddress(), "--ca-file", file("ca.pem")});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  std::string expected;
  for (int i = 0; i < 15000; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "line %06d ", i);
    expected += line + std::string(40, 'x') + "\n";
  }
  EXPECT_EQ(r.stdout_data.size(), expected.size());
  EXPECT_TRUE(r.stdout_data == expected) << "the output changed on the way";
}

TEST_F(TlsTest, CliWithAnotherCaIsToldWhatToCheck) {
  const ProcessResult r =
      cli({"status", "--master=" + cluster_->masterAddress(), "--ca-file", file("other-ca.pem")});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 69) << r.stdout_data << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("TLS handshake"), std::string::npos) << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("--ca-file"), std::string::npos) << r.stderr_data;

  const ProcessResult usage = cli({"status", "--master=" + cluster_->masterAddress(), "--tls"});
  EXPECT_EQ(usage.exit_code, 64) << usage.stderr_data;
  EXPECT_NE(usage.stderr_data.find("--ca-file"), std::string::npos) << usage.stderr_data;
}

TEST_F(TlsTest, HttpsServesHealthAndExecute) {
  std::string body;
  EXPECT_EQ(https("GET", "/healthz", "", &body), 200) << body;
  const json request = {
      {"language", "python"}, {"version", "*"}, {"files", {{{"content", "print(6 * 7)"}}}}};
  ASSERT_EQ(https("POST", "/api/v2/execute", request.dump(), &body), 200) << body;
  const json reply = json::parse(body, nullptr, false);
  ASSERT_TRUE(reply.is_object()) << body;
  EXPECT_EQ(reply["run"]["stdout"], "42\n") << body;
}

TEST_F(TlsTest, PlaintextClientIsRefusedAndTheMasterKeepsServing) {
  MasterClient plain("127.0.0.1", static_cast<uint16_t>(cluster_->clientPort()));
  std::string error;
  ASSERT_TRUE(plain.connect(&error, 2000)) << error;  // TCP is accepted; the bytes are not TLS
  EXPECT_FALSE(plain.request({{"type", "cluster"}}, 5000, &error))
      << "a plaintext request was answered";
  EXPECT_TRUE(waitFor(
      [&] { return cluster_->masterLog().find("TLS handshake failed") != std::string::npos; },
      std::chrono::seconds(10)))
      << cluster_->masterLog();

  // Plain HTTP to the HTTPS port gets no HTTP answer either.
  MasterClient plain_http("127.0.0.1", static_cast<uint16_t>(cluster_->httpPort()));
  if (plain_http.connect(&error, 2000)) {
    EXPECT_FALSE(plain_http.request({{"type", "cluster"}}, 3000, &error));
  }

  const json c = cluster_->snapshot();  // over TLS
  ASSERT_TRUE(c.is_object()) << "the master stopped serving TLS clients\n" << cluster_->logs();
  EXPECT_EQ(c["slaves"].size(), 1u) << c.dump();
  std::string body;
  EXPECT_EQ(https("GET", "/healthz", "", &body), 200) << body;
}

TEST_F(TlsTest, SlaveTrustingAnotherCaDoesNotRegister) {
  cluster_->startSlave("impostor", {"slave.tls.ca_file=" + file("other-ca.pem")});
  EXPECT_TRUE(waitFor(
      [&] {
        const std::string log = cluster_->slaveLog("impostor");
        return log.find("TLS handshake") != std::string::npos &&
               log.find("slave.tls.ca_file") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << cluster_->slaveLog("impostor");
  const json c = cluster_->snapshot();
  ASSERT_TRUE(c.is_object());
  for (const auto& s : c["slaves"]) EXPECT_NE(s.value("name", ""), "impostor") << c.dump();
  cluster_->killSlave("impostor");
}

}  // namespace
}  // namespace polyrun::test
