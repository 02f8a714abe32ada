#include "support/fake_master.h"

#include <algorithm>
#include <stdexcept>

#include "master_client.h"
#include "polyrun/frame.h"

namespace polyrun::test {

FakeMaster::FakeMaster(Script script)
    : server_(Poco::Net::SocketAddress("127.0.0.1", 0)), thread_([this, script] {
        Poco::Net::StreamSocket peer = server_.acceptConnection();
        try {
          script(peer);
        } catch (const std::exception&) {
          // The client hung up first: the test's own assertions tell the story.
        }
      }) {}

FakeMaster::~FakeMaster() { thread_.join(); }

nlohmann::json FakeMaster::readFrame(Poco::Net::StreamSocket& peer) {
  FrameReader reader(kClientMaxFrameBytes);
  nlohmann::json message;
  char c;
  while (!reader.next(&message)) {
    if (peer.receiveBytes(&c, 1) != 1) throw std::runtime_error("client closed");
    reader.feed(&c, 1);
  }
  return message;
}

void FakeMaster::sendAll(Poco::Net::StreamSocket& peer, const std::string& bytes) {
  sendInPieces(peer, bytes, bytes.size());
}

void FakeMaster::sendInPieces(Poco::Net::StreamSocket& peer, const std::string& bytes,
                              size_t piece) {
  for (size_t i = 0; i < bytes.size(); i += piece)
    peer.sendBytes(bytes.data() + i, static_cast<int>(std::min(piece, bytes.size() - i)));
}

}  // namespace polyrun::test
