// A client or slave connection as the scheduler sees it (master/peer.h), without a socket: it
// records what it is sent, for tests to read back.
#pragma once

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "peer.h"

namespace polyrun::test {

class FakePeer final : public master::Peer {
 public:
  explicit FakePeer(std::string address = "fake:1") : address_(std::move(address)) {}
  void send(const nlohmann::json& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(message);
  }
  void close() override { closed_ = true; }
  std::string address() const override { return address_; }

  /// Every message sent, in order.
  std::vector<nlohmann::json> all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  /// The messages sent whose "type" is `type`, in order.
  std::vector<nlohmann::json> ofType(std::string_view type) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const auto& m : sent_)
      if (m.value("type", "") == type) out.push_back(m);
    return out;
  }
  bool closed() const { return closed_; }

 private:
  const std::string address_;
  std::atomic<bool> closed_{false};
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> sent_;
};

}  // namespace polyrun::test
