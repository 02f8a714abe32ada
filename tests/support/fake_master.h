// A master for client tests, scripted: it listens on a loopback port chosen by the OS, accepts
// one connection and runs the test's script on it in a thread of its own (reading the client's
// frames, answering whole, in pieces, or not at all). A fake rather than a mock: the client
// under test talks to a real socket. The Qt client's tests have their own, driven by Qt's event
// loop (tests/gui/fake_master.h).
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace polyrun::test {

class FakeMaster {
 public:
  using Script = std::function<void(Poco::Net::StreamSocket&)>;
  /// Listens at once; the script runs once a client connects. An exception from it (the
  /// client hung up first) ends the script quietly: the test's own assertions tell the story.
  explicit FakeMaster(Script script);
  /// Waits for the script to end.
  ~FakeMaster();
  FakeMaster(const FakeMaster&) = delete;
  FakeMaster& operator=(const FakeMaster&) = delete;
  uint16_t port() const { return server_.address().port(); }

  /// Reads one whole frame the client sent; throws when the client closes first.
  static nlohmann::json readFrame(Poco::Net::StreamSocket& peer);
  static void sendAll(Poco::Net::StreamSocket& peer, const std::string& bytes);
  /// Sends `bytes` in pieces of `piece` bytes, so the client sees partial frames.
  static void sendInPieces(Poco::Net::StreamSocket& peer, const std::string& bytes, size_t piece);

 private:
  Poco::Net::ServerSocket server_;
  std::thread thread_;
};

}  // namespace polyrun::test
