// Callbacks (master/callbacks.h): the HMAC against RFC 4231's vectors, the signature a receiver
// checks, which URLs an allow list lets through, the retry schedule, and the sender's deliveries,
// retries and bounds with a fake transport standing in for HTTP.
#include "callbacks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "polyrun/protocol.h"
#include "support/test_support.h"

namespace polyrun::master {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

TEST(CallbackHmac, MatchesRfc4231) {
  EXPECT_EQ(hmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmacSha256Hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // A key longer than a block is hashed first (test case 6).
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CallbackHmac, SignatureCoversTheTimeAndTheBody) {
  const std::string sig = callbackSignature("s3cret", 1700000000, R"({"a":1})");
  EXPECT_EQ(sig, "t=1700000000,v1=" + hmacSha256Hex("s3cret", R"(1700000000.{"a":1})"));
  EXPECT_NE(sig, callbackSignature("s3cret", 1700000001, R"({"a":1})"));
  EXPECT_NE(sig, callbackSignature("s3cret", 1700000000, R"({"a":2})"));
  EXPECT_NE(sig, callbackSignature("other", 1700000000, R"({"a":1})"));
}

TEST(CallbackUrl, OnlyUnderAnAllowedPrefix) {
  const std::vector<std::string> allow = {"http://127.0.0.1:8080/hooks/",
                                          "https://Hooks.Example.org/"};
  EXPECT_TRUE(checkCallbackUrl("http://127.0.0.1:8080/hooks/a?x=1", allow).isOk());
  EXPECT_TRUE(checkCallbackUrl("HTTPS://hooks.example.org:443/anything", allow).isOk())
      << "scheme and host case and the default port do not matter";
  for (const std::string bad :
       {"http://127.0.0.1:8080/other", "http://127.0.0.1:8081/hooks/a",
        "https://127.0.0.1:8080/hooks/a", "http://hooks.example.org/", "http://127.0.0.1/hooks/",
        "https://hooks.example.org.evil.net/", "https://user@hooks.example.org/",
        "file:///etc/passwd", "gopher://127.0.0.1:8080/hooks/", "/hooks/relative", "", "http://"}) {
    const Status s = checkCallbackUrl(bad, allow);
    EXPECT_FALSE(s.isOk()) << bad;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("callback_url"), std::string::npos) << s.message();
  }
  const Status off = checkCallbackUrl("http://127.0.0.1:8080/hooks/a", {});
  EXPECT_FALSE(off.isOk());
  EXPECT_NE(off.message().find("master.callback.allow"), std::string::npos) << off.message();
  const Status long_url = checkCallbackUrl("http://x/" + std::string(5000, 'a'), allow);
  EXPECT_LT(long_url.message().size(), 300u) << "a stranger's URL is shown in short";
}

TEST(CallbackRetry, DelaysDoubleUpToTheMaximum) {
  CallbackSettings s;
  s.first_retry = 100ms;
  s.max_retry = 500ms;
  EXPECT_EQ(callbackRetryDelay(s, 2), 100ms);
  EXPECT_EQ(callbackRetryDelay(s, 3), 200ms);
  EXPECT_EQ(callbackRetryDelay(s, 4), 400ms);
  EXPECT_EQ(callbackRetryDelay(s, 5), 500ms);
  EXPECT_EQ(callbackRetryDelay(s, 60), 500ms);
}

// A transport that fails the first `failures` attempts of every delivery and records each.
struct FakeTransport {
  struct Attempt {
    CallbackDelivery delivery;
    std::string signature;
    std::chrono::steady_clock::time_point at;
  };
  int failures = 0;
  std::mutex mutex;
  std::vector<Attempt> attempts;

  CallbackSender::Transport fn() {
    return [this](const CallbackDelivery& d, const std::string& sig, std::chrono::milliseconds,
                  std::string* why) {
      std::lock_guard<std::mutex> lock(mutex);
      attempts.push_back({d, sig, std::chrono::steady_clock::now()});
      const auto n = std::count_if(attempts.begin(), attempts.end(),
                                   [&](const Attempt& a) { return a.delivery.job_id == d.job_id; });
      if (n <= failures) {
        *why = "the receiver answered 500";
        return false;
      }
      return true;
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return attempts.size();
  }
};

json finishedAnswer(const std::string& job_id) {
  return {{"type", msg::kJob},
          {"id", "callback"},
          {"job_id", job_id},
          {"state", "finished"},
          {"result", {{"verdict", "OK"}}}};
}

CallbackSettings fastSettings() {
  CallbackSettings s;
  s.allow = {"http://127.0.0.1:1/"};
  s.secret = "k";
  s.attempts = 3;
  s.first_retry = 20ms;
  s.max_retry = 40ms;
  return s;
}

TEST(CallbackSender, DeliversTheBodyOnceTheJobEndsSigned) {
  FakeTransport t;
  CallbackSender sender(fastSettings(), t.fn());
  auto peer = sender.watch("http://127.0.0.1:1/h", "PUT", [](const json& answer) {
    return answer["job_id"].get<std::string>() + " " + answer["state"].get<std::string>();
  });
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(sender.pending(), 1u);
  peer->send(finishedAnswer("j-1"));
  ASSERT_TRUE(test::waitFor([&] { return sender.counters().delivered == 1; }, 5s));
  ASSERT_EQ(t.count(), 1u);
  const auto& a = t.attempts[0];
  EXPECT_EQ(a.delivery.url, "http://127.0.0.1:1/h");
  EXPECT_EQ(a.delivery.method, "PUT");
  EXPECT_EQ(a.delivery.job_id, "j-1");
  EXPECT_EQ(a.delivery.body, "j-1 finished");
  const std::string t_part = a.signature.substr(2, a.signature.find(',') - 2);
  EXPECT_EQ(a.signature, callbackSignature("k", std::stoll(t_part), a.delivery.body));
  EXPECT_EQ(sender.pending(), 0u);
}

TEST(CallbackSender, RetriesWithGrowingDelaysThenGivesUp) {
  FakeTransport t;
  t.failures = 100;
  CallbackSender sender(fastSettings(), t.fn());
  sender.watch("http://127.0.0.1:1/h", "POST", [](const json&) { return std::string("{}"); })
      ->send(finishedAnswer("j-2"));
  ASSERT_TRUE(test::waitFor([&] { return sender.counters().failed == 1; }, 5s));
  ASSERT_EQ(t.count(), 3u) << "master.callback.attempts";
  EXPECT_EQ(sender.counters().retried, 2u);
  EXPECT_GE(t.attempts[1].at - t.attempts[0].at, 20ms);
  EXPECT_GE(t.attempts[2].at - t.attempts[1].at, 40ms);
  EXPECT_EQ(sender.pending(), 0u);
}

TEST(CallbackSender, AReceiverThatRecoversGetsItOnce) {
  FakeTransport t;
  t.failures = 2;
  CallbackSender sender(fastSettings(), t.fn());
  sender.watch("http://127.0.0.1:1/h", "POST", [](const json&) { return std::string("{}"); })
      ->send(finishedAnswer("j-3"));
  ASSERT_TRUE(test::waitFor([&] { return sender.counters().delivered == 1; }, 5s));
  EXPECT_EQ(t.count(), 3u);
  EXPECT_EQ(sender.counters().failed, 0u);
}

TEST(CallbackSender, NothingIsSentForAnErrorOrAJobStillRunning) {
  FakeTransport t;
  CallbackSender sender(fastSettings(), t.fn());
  auto make = [](const json&) { return std::string("{}"); };
  sender.watch("http://127.0.0.1:1/h", "POST", make)
      ->send({{"type", msg::kError}, {"code", "unknown_job"}});
  sender.watch("http://127.0.0.1:1/h", "POST", make)
      ->send({{"type", msg::kJob}, {"job_id", "j-4"}, {"state", "running"}});
  auto once = sender.watch("http://127.0.0.1:1/h", "POST", make);
  once->send(finishedAnswer("j-5"));
  once->send(finishedAnswer("j-5"));  // a second answer to the same watch is ignored
  ASSERT_TRUE(test::waitFor([&] { return sender.counters().delivered == 1; }, 5s));
  sender.stop();
  EXPECT_EQ(t.count(), 1u);
  EXPECT_EQ(sender.pending(), 0u);
}

TEST(CallbackSender, PendingCallbacksAreBounded) {
  FakeTransport t;
  CallbackSettings s = fastSettings();
  s.max_pending = 2;
  CallbackSender sender(s, t.fn());
  auto make = [](const json&) { return std::string("{}"); };
  auto a = sender.watch("http://127.0.0.1:1/h", "POST", make);
  auto b = sender.watch("http://127.0.0.1:1/h", "POST", make);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(sender.watch("http://127.0.0.1:1/h", "POST", make), nullptr);
  sender.forget(a);
  EXPECT_NE(sender.watch("http://127.0.0.1:1/h", "POST", make), nullptr)
      << "a forgotten watch frees its place";
}

}  // namespace
}  // namespace polyrun::master
