// FramedConnection (core/transport) against a scripted server on a loopback port the kernel
// chooses, plain and TLS: frames that arrive in pieces, a peer that closes mid-frame, a frame
// over the limit, deadlines, shutdown() from another thread, concurrent senders, and a server
// certificate signed by a CA the client does not trust.
#include "polyrun/framed_connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "polyrun/client_tls.h"
#include "polyrun/frame.h"
#include "support/certificates.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Code = Status::Code;

// The server's end of one connection: blocking, plain or TLS.
class ServerPeer {
 public:
  ServerPeer(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  void sendAll(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const long n =
          ssl_ ? SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent))
               : ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("the client is gone");
      sent += static_cast<size_t>(n);
    }
  }
  // Sends `bytes` in pieces of `piece` bytes (TCP_NODELAY is on), so the client sees partial
  // frames.
  void sendInPieces(std::string_view bytes, size_t piece) {
    for (size_t i = 0; i < bytes.size(); i += piece) sendAll(bytes.substr(i, piece));
  }
  // One message from the client; throws when the client closed first.
  json readMessage() {
    json message;
    char buffer[65536];
    while (!reader_.next(&message)) {
      const long n =
          ssl_ ? SSL_read(ssl_, buffer, sizeof buffer) : ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) throw std::runtime_error("the client closed");
      if (!reader_.feed(buffer, static_cast<size_t>(n))) throw std::runtime_error(reader_.error());
    }
    return message;
  }
  // Reads and drops everything until the client closes.
  void drainUntilClosed() {
    char buffer[65536];
    while ((ssl_ ? SSL_read(ssl_, buffer, sizeof buffer) : ::recv(fd_, buffer, sizeof buffer, 0)) >
           0) {
    }
  }

 private:
  int fd_;
  SSL* ssl_;
  FrameReader reader_{64u << 20};
};

// Accepts one connection on 127.0.0.1:<port 0> and runs `script` on it in a thread. With `tls`
// (an OpenSSL server context) the handshake comes first; a failed handshake ends the script.
class LoopbackServer {
 public:
  using Script = std::function<void(ServerPeer&)>;
  explicit LoopbackServer(Script script, SSL_CTX* tls = nullptr) {
    ::signal(SIGPIPE, SIG_IGN);  // a client that hung up must not kill the test
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, script = std::move(script), tls] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      SSL* ssl = nullptr;
      if (tls) {
        ssl = SSL_new(tls);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {
          SSL_free(ssl);
          ::close(fd);
          return;
        }
      }
      ServerPeer peer(fd, ssl);
      try {
        script(peer);
      } catch (const std::exception&) {
        // The client hung up first: the test's own assertions tell the story.
      }
      if (ssl) SSL_free(ssl);
      ::close(fd);
    });
  }
  ~LoopbackServer() {
    ::shutdown(listener_, SHUT_RDWR);  // wakes an accept() no client came to
    thread_.join();
    ::close(listener_);
  }
  uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

ConnectOptions options(size_t max_frame_bytes = kDefaultMaxFrameBytes) {
  ConnectOptions o;
  o.connect_timeout_ms = 5000;
  o.max_frame_bytes = max_frame_bytes;
  o.peer_name = "the master";
  return o;
}

std::unique_ptr<FramedConnection> connectTo(uint16_t port, const ConnectOptions& o = options()) {
  std::unique_ptr<FramedConnection> connection;
  const Status s = FramedConnection::connect("127.0.0.1", port, o, &connection);
  EXPECT_TRUE(s.isOk()) << s.message();
  return connection;
}

TEST(FramedConnectionTest, FramesInPiecesAreJoinedAndRepliesArrive) {
  LoopbackServer server([](ServerPeer& peer) {
    const json hello = peer.readMessage();
    peer.sendInPieces(encodeFrame({{"type", "one"}, {"echo", hello["n"]}}) +
                          encodeFrame({{"type", "two"}, {"text", std::string(100000, 'x')}}),
                      7);
    peer.drainUntilClosed();
  });
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  EXPECT_EQ(connection->peer(), "the master at 127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(connection->send({{"type", "hello"}, {"n", 42}}).isOk());
  json m;
  Status s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["type"], "one");
  EXPECT_EQ(m["echo"], 42);
  s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["type"], "two");
  EXPECT_EQ(m["text"].get<std::string>().size(), 100000u);
}

TEST(FramedConnectionTest, PeerClosingMidFrameIsReportedAfterWholeMessages) {
  LoopbackServer server([](ServerPeer& peer) {
    peer.readMessage();
    std::string half = encodeFrame({{"type", "result"}, {"id", "x"}});
    half.resize(half.size() / 2);
    peer.sendAll(encodeFrame({{"type", "progress"}}) + half);
  });  // closes
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send({{"type", "go"}}).isOk());
  json m;
  Status s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["type"], "progress");
  s = connection->read(&m, 10s);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();
  EXPECT_NE(s.message().find("the master at 127.0.0.1:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("closed the connection in the middle of a frame"), std::string::npos)
      << s.message();
  EXPECT_GT(connection->pendingBytes(), 0u);
  const Status again = connection->read(&m, 10s);
  EXPECT_EQ(again.code(), Code::kUnavailable) << "an ended connection stays ended";
  EXPECT_EQ(again.message(), s.message());
}

TEST(FramedConnectionTest, OversizedFrameIsRefused) {
  LoopbackServer server([](ServerPeer& peer) {
    peer.readMessage();
    // A message that fits, then a header announcing 4096 bytes against a limit of 1024.
    peer.sendAll(encodeFrame({{"type", "fits"}}) +
                 encodeFrame({{"type", "big"}, {"x", std::string(4096, 'y')}}));
    peer.drainUntilClosed();
  });
  auto connection = connectTo(server.port(), options(1024));
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send({{"type", "go"}}).isOk());
  json m;
  Status s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["type"], "fits");
  s = connection->read(&m, 10s);
  EXPECT_EQ(s.code(), Code::kProtocolError) << s.message();
  EXPECT_NE(s.message().find("bad frame from the master at"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("1024"), std::string::npos) << "names the limit: " << s.message();
}

TEST(FramedConnectionTest, DeadlineExpiresAndTheConnectionStaysUsable) {
  LoopbackServer server([](ServerPeer& peer) {
    peer.readMessage();  // the first request stays unanswered
    peer.readMessage();
    peer.sendAll(encodeFrame({{"type", "late"}}));
    peer.drainUntilClosed();
  });
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send({{"type", "first"}}).isOk());
  json m;
  const auto start = FramedConnection::Clock::now();
  Status s = connection->read(&m, 150ms);
  const auto waited = FramedConnection::Clock::now() - start;
  EXPECT_EQ(s.code(), Code::kTimedOut) << s.message();
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 5s);
  // A deadline already past still takes nothing, at once.
  EXPECT_EQ(connection->read(&m, FramedConnection::Clock::now() - 1s).code(), Code::kTimedOut);

  ASSERT_TRUE(connection->send({{"type", "second"}}).isOk());
  s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["type"], "late");
}

TEST(FramedConnectionTest, ZeroTimeoutTakesWhatHasArrived) {
  LoopbackServer server([](ServerPeer& peer) {
    peer.readMessage();
    peer.sendAll(encodeFrame({{"type", "hello"}}));
    peer.drainUntilClosed();
  });
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send({{"type", "go"}}).isOk());
  json m;
  ASSERT_TRUE(test::waitFor([&] { return connection->read(&m, 0ms).isOk(); }, 5s));
  EXPECT_EQ(m["type"], "hello");
}

// The slave's master link reads on one thread and stops from another.
void expectShutdownUnblocksTheReader(FramedConnection* connection) {
  std::atomic<bool> reading{false};
  auto reader = std::async(std::launch::async, [&] {
    json m;
    reading = true;
    return connection->read(&m, FramedConnection::Clock::time_point::max());
  });
  ASSERT_TRUE(test::waitFor([&] { return reading.load(); }, 5s));
  connection->shutdown();
  ASSERT_EQ(reader.wait_for(10s), std::future_status::ready)
      << "shutdown() did not wake the reader";
  const Status s = reader.get();
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();
  EXPECT_NE(s.message().find("shut down"), std::string::npos) << s.message();
  EXPECT_TRUE(connection->isShutDown());
  const Status sent = connection->send({{"type", "after"}});
  EXPECT_EQ(sent.code(), Code::kUnavailable) << sent.message();
}

TEST(FramedConnectionTest, ShutdownFromAnotherThreadUnblocksARead) {
  LoopbackServer server([](ServerPeer& peer) { peer.drainUntilClosed(); });
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  expectShutdownUnblocksTheReader(connection.get());
}

TEST(FramedConnectionTest, ConcurrentSendsDoNotInterleave) {
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  std::atomic<int> received{0};
  LoopbackServer server([&](ServerPeer& peer) {
    for (int i = 0; i < kThreads * kEach; ++i) {
      const json m = peer.readMessage();
      if (m["payload"].get<std::string>() == std::string(50000, m["payload"].get<std::string>()[0]))
        ++received;
    }
    peer.sendAll(encodeFrame({{"type", "done"}}));
    peer.drainUntilClosed();
  });
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        EXPECT_TRUE(
            connection->send({{"type", "x"}, {"payload", std::string(50000, char('a' + t))}})
                .isOk());
    });
  }
  for (auto& s : senders) s.join();
  json m;
  const Status s = connection->read(&m, 30s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(received.load(), kThreads * kEach) << "a frame was mixed with another";
}

TEST(FramedConnectionTest, ReplyBeforeAFailedSendIsStillRead) {
  LoopbackServer server([](ServerPeer& peer) {
    peer.readMessage();
    peer.sendAll(encodeFrame({{"type", "error"}, {"message", "frame too large"}}));
  });  // closes with the client's bytes unread
  auto connection = connectTo(server.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send({{"type", "first"}}).isOk());
  Status sent;
  const std::string big = encodeFrame({{"type", "big"}, {"x", std::string(1 << 20, 'z')}});
  for (int i = 0; i < 64 && sent.isOk(); ++i) sent = connection->sendBytes(big);
  ASSERT_FALSE(sent.isOk()) << "the server closed: a send must fail";
  EXPECT_NE(sent.message().find("while sending"), std::string::npos) << sent.message();
  json m;
  const Status s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["message"], "frame too large");
}

TEST(FramedConnectionTest, RefusedConnectionNamesTheAddress) {
  uint16_t port;
  {
    LoopbackServer probe([](ServerPeer&) {});
    port = probe.port();
    auto c = connectTo(port);  // lets the probe's accept() return
  }
  std::unique_ptr<FramedConnection> connection;
  const Status s = FramedConnection::connect("127.0.0.1", port, options(), &connection);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();
  EXPECT_EQ(s.message(), "cannot connect to the master at 127.0.0.1:" + std::to_string(port) +
                             ": Connection refused");
  EXPECT_FALSE(connection);
}

TEST(FramedConnectionTest, UnknownHostIsNamed) {
  std::unique_ptr<FramedConnection> connection;
  const Status s = FramedConnection::connect("no-such-host.invalid", 7400, options(), &connection);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();
  EXPECT_NE(s.message().find("cannot resolve \"no-such-host.invalid\""), std::string::npos)
      << s.message();
}

// ---------------------------------------------------------------------------------------------
// TLS: a server certificate for 127.0.0.1 signed by a CA made for this run.

class FramedConnectionTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new test::TempDir;
    std::string error;
    if (!test::makeCertificates(certs_->path(), &error)) {
      ADD_FAILURE() << error;
      return;
    }
    server_context_ = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(server_context_, file("server.pem").c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(server_context_, file("server.key").c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      ADD_FAILURE() << "cannot load the server certificate";
      SSL_CTX_free(server_context_);
      server_context_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    SSL_CTX_free(server_context_);
    server_context_ = nullptr;
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_context_, nullptr); }
  static std::string file(const std::string& name) { return certs_->path() + "/" + name; }
  static ConnectOptions tlsOptions(const std::string& ca) {
    ConnectOptions o = options();
    const Status s = ClientTls::create(file(ca), true, "--ca-file", &o.tls);
    EXPECT_TRUE(s.isOk()) << s.message();
    return o;
  }

  static test::TempDir* certs_;
  static SSL_CTX* server_context_;
};
test::TempDir* FramedConnectionTlsTest::certs_ = nullptr;
SSL_CTX* FramedConnectionTlsTest::server_context_ = nullptr;

TEST_F(FramedConnectionTlsTest, FramesLargerThanARecordCrossBothWays) {
  LoopbackServer server(
      [](ServerPeer& peer) {
        const json m = peer.readMessage();
        peer.sendInPieces(encodeFrame({{"type", "echo"}, {"text", m["text"]}}), 5000);
        peer.drainUntilClosed();
      },
      server_context_);
  auto connection = connectTo(server.port(), tlsOptions("ca.pem"));
  ASSERT_TRUE(connection);
  const std::string text(200000, 'q');  // about thirteen TLS records
  ASSERT_TRUE(connection->send({{"type", "hello"}, {"text", text}}).isOk());
  json m;
  const Status s = connection->read(&m, 10s);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(m["text"], text);
}

TEST_F(FramedConnectionTlsTest, ShutdownFromAnotherThreadUnblocksARead) {
  LoopbackServer server([](ServerPeer& peer) { peer.drainUntilClosed(); }, server_context_);
  auto connection = connectTo(server.port(), tlsOptions("ca.pem"));
  ASSERT_TRUE(connection);
  expectShutdownUnblocksTheReader(connection.get());
}

TEST_F(FramedConnectionTlsTest, AnotherCaIsRefusedWithWhatToCheck) {
  LoopbackServer server([](ServerPeer&) {}, server_context_);
  std::unique_ptr<FramedConnection> connection;
  const Status s = FramedConnection::connect("127.0.0.1", server.port(), tlsOptions("other-ca.pem"),
                                             &connection);
  EXPECT_EQ(s.code(), Code::kProtocolError) << s.message();
  EXPECT_FALSE(connection);
  const std::string& text = s.message();
  EXPECT_NE(text.find("cannot connect to the master at 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                      " failed (certificate verify failed"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("--ca-file holds the CA that signed its certificate"), std::string::npos)
      << text;
}

TEST_F(FramedConnectionTlsTest, PlainServerIsATlsFailureNotAHang) {
  LoopbackServer server([](ServerPeer& peer) {
    // What a master without TLS answers to a ClientHello: an error frame, then it closes.
    peer.sendAll(encodeFrame({{"type", "error"}, {"code", "bad_frame"}}));
  });
  std::unique_ptr<FramedConnection> connection;
  const Status s =
      FramedConnection::connect("127.0.0.1", server.port(), tlsOptions("ca.pem"), &connection);
  EXPECT_EQ(s.code(), Code::kProtocolError) << s.message();
  EXPECT_NE(s.message().find("master.tls.enabled"), std::string::npos) << s.message();
}

TEST_F(FramedConnectionTlsTest, UnusableCaFileIsNamed) {
  std::shared_ptr<const ClientTls> tls;
  Status s = ClientTls::create(file("missing.pem"), true, "slave.tls.ca_file", &tls);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(
      s.message().find("slave.tls.ca_file = \"" + file("missing.pem") + "\": no readable file"),
      std::string::npos)
      << s.message();
  s = ClientTls::create(file("san.cnf"), true, "--ca-file", &tls);  // a file, but no certificate
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("cannot load --ca-file"), std::string::npos) << s.message();
  s = ClientTls::create("", true, "--ca-file", &tls);
  EXPECT_NE(s.message().find("--ca-file is not set"), std::string::npos) << s.message();
  // Without verification the file is not needed: encryption without authentication.
  EXPECT_TRUE(ClientTls::create("", false, "slave.tls.ca_file", &tls).isOk());
}

}  // namespace
}  // namespace polyrun
