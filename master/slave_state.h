// What the master keeps of one connected slave besides its routing snapshot (router.h).
// Owned by the Scheduler and guarded by its mutex.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

#include "messages.h"
#include "peer.h"

namespace polyrun::master {

struct SlaveState {
  std::shared_ptr<Peer> peer;
  std::string name;
  SlaveLoad reported;  // its last register or heartbeat
  nlohmann::json plugins = nlohmann::json::array();
  std::string limits;  // cgroup, rlimits or none (register)
  std::chrono::steady_clock::time_point last_heartbeat;
  // Jobs occupying its slots as far as the master knows: assigned or adopted and not ended,
  // and cancelled ones until the slave confirms they stopped.
  std::unordered_set<std::string> held;
};

}  // namespace polyrun::master
