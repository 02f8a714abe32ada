#include "connections.h"

#include <Poco/Logger.h>

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "socket_peer.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using ReadStatus = FramedSocket::ReadStatus;

json errorMessage(const json& id, std::string_view code, const std::string& message) {
  json m = {{"type", msg::kError}, {"code", code}, {"message", message}};
  if (!id.is_null()) m["id"] = id;
  return m;
}

std::string typeOf(const json& m) { return m.value("type", std::string()); }

SlaveLoad parseLoad(const json& m) {
  SlaveLoad load;
  auto it = m.find("load");
  if (it == m.end() || !it->is_object()) return load;
  load.running = it->value("running", 0);
  load.capacity = it->value("capacity", 0);
  load.load_avg = it->value("load_avg", 0.0);
  load.memory_free_bytes = it->value("memory_free_bytes", int64_t{0});
  return load;
}

bool parseLanguages(const json& m, std::vector<RunnerInfo>* out, std::string* error) {
  auto it = m.find("languages");
  if (it == m.end() || !it->is_array()) {
    *error = "\"languages\" must be an array";
    return false;
  }
  for (const auto& entry : *it) {
    RunnerInfo info;
    if (!fromJson(entry, &info, error)) return false;
    out->push_back(std::move(info));
  }
  return true;
}

}  // namespace

bool tokensEqual(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& longer = a.size() >= b.size() ? a : b;
  for (size_t i = 0; i < longer.size(); ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

ClientConnection::ClientConnection(const Poco::Net::StreamSocket& socket,
                                   std::shared_ptr<Scheduler> scheduler,
                                   const ConnectionSettings& settings)
    : TCPServerConnection(socket), scheduler_(std::move(scheduler)), settings_(settings) {}

void ClientConnection::run() {
  Poco::Logger& log = Poco::Logger::get("master.client");
  auto peer = std::make_shared<SocketPeer>(socket(), settings_.max_frame_bytes);
  try {
    scheduler_->addClient(peer);
    for (;;) {
      json m;
      std::string error;
      const ReadStatus status = peer->socket().read(&m, Poco::Timespan(3600, 0), &error);
      if (status == ReadStatus::kTimeout) continue;
      if (status == ReadStatus::kClosed) break;
      if (status == ReadStatus::kBadFrame) {
        log.warning("client %s sent a bad frame: %s", peer->address(), error);
        peer->send(errorMessage(nullptr, errc::kBadFrame, error + "; closing the connection"));
        break;
      }
      const json id = m.contains("id") ? m["id"] : json();
      const std::string type = typeOf(m);
      if (type == msg::kSubmit) {
        Job job;
        auto it = m.find("job");
        if (it == m.end()) {
          peer->send(errorMessage(id, errc::kBadMessage, "submit needs a \"job\" object"));
          continue;
        }
        if (!fromJson(*it, &job, &error)) {
          peer->send(errorMessage(id, errc::kBadMessage, error));
          continue;
        }
        scheduler_->submit(peer, id, std::move(job));
      } else if (type == msg::kRuntimes) {
        peer->send({{"type", msg::kRuntimes}, {"id", id}, {"runtimes", scheduler_->runtimes()}});
      } else if (type == msg::kCluster) {
        json reply = scheduler_->cluster();
        reply["type"] = msg::kCluster;
        reply["id"] = id;
        peer->send(reply);
      } else {
        peer->send(errorMessage(id, errc::kUnknownType,
                                "unknown message type \"" + type +
                                    "\" on the client port; see docs/protocol.md"));
      }
    }
  } catch (const std::exception& e) {
    log.error("client %s: %s", peer->address(), std::string(e.what()));
  }
  scheduler_->clientGone(peer.get());
  peer->close();
}

SlaveConnection::SlaveConnection(const Poco::Net::StreamSocket& socket,
                                 std::shared_ptr<Scheduler> scheduler,
                                 const ConnectionSettings& settings)
    : TCPServerConnection(socket), scheduler_(std::move(scheduler)), settings_(settings) {}

void SlaveConnection::run() {
  Poco::Logger& log = Poco::Logger::get("master.slave");
  auto peer = std::make_shared<SocketPeer>(socket(), settings_.max_frame_bytes);
  int slave_id = 0;
  std::string reason = "connection closed";
  try {
    json m;
    std::string error;
    ReadStatus status = peer->socket().read(&m, Poco::Timespan(settings_.register_timeout_ms * 1000ll), &error);
    if (status != ReadStatus::kMessage) {
      if (status == ReadStatus::kBadFrame) peer->send(errorMessage(nullptr, errc::kBadFrame, error));
      log.warning("slave connection from %s did not register: %s", peer->address(),
                  status == ReadStatus::kTimeout ? std::string("timed out") : error);
      peer->close();
      return;
    }
    if (typeOf(m) != msg::kRegister) {
      peer->send(errorMessage(m.value("id", json()), errc::kBadMessage,
                              "the first message on the slave port must be \"register\""));
      peer->close();
      return;
    }
    const std::string token = m.value("token", std::string());
    if (!tokensEqual(token, settings_.slave_token)) {
      log.warning("refused slave \"%s\" from %s: wrong token", m.value("name", std::string("?")),
                  peer->address());
      peer->send(errorMessage(nullptr, errc::kUnauthorized,
                              "wrong slave token: set slave.token to the master's master.slave.token"));
      peer->close();
      return;
    }
    std::vector<RunnerInfo> languages;
    if (!parseLanguages(m, &languages, &error)) {
      peer->send(errorMessage(nullptr, errc::kBadMessage, "register: " + error));
      peer->close();
      return;
    }
    const std::string name = m.value("name", peer->address());
    const int capacity = m.value("capacity", 1);
    slave_id = scheduler_->addSlave(peer, name, capacity, std::move(languages), parseLoad(m));
    if (m.contains("plugins")) scheduler_->slavePlugins(slave_id, m["plugins"]);
    log.information("slave %s (id %d) registered from %s with %d slots", name, slave_id,
                    peer->address(), capacity);

    for (;;) {
      status = peer->socket().read(&m, Poco::Timespan(settings_.heartbeat_timeout_ms * 1000ll), &error);
      if (status == ReadStatus::kTimeout) {
        reason = "no heartbeat for " + std::to_string(settings_.heartbeat_timeout_ms) + " ms";
        break;
      }
      if (status == ReadStatus::kClosed) {
        reason = error;
        break;
      }
      if (status == ReadStatus::kBadFrame) {
        reason = "bad frame: " + error;
        peer->send(errorMessage(nullptr, errc::kBadFrame, error + "; closing the connection"));
        break;
      }
      const std::string type = typeOf(m);
      if (type == msg::kHeartbeat) {
        scheduler_->slaveHeartbeat(slave_id, parseLoad(m));
      } else if (type == msg::kProgress) {
        scheduler_->slaveProgress(slave_id, m.value("job_id", std::string()), m.value("state", std::string()));
      } else if (type == msg::kResult) {
        JobResult result;
        auto it = m.find("result");
        if (it == m.end() || !fromJson(*it, &result, &error)) {
          log.warning("slave %d sent a malformed result: %s", slave_id, error);
          continue;
        }
        if (result.job_id.empty()) result.job_id = m.value("job_id", std::string());
        scheduler_->slaveResult(slave_id, std::move(result));
      } else if (type == msg::kLanguages) {
        std::vector<RunnerInfo> updated;
        if (m.contains("plugins")) scheduler_->slavePlugins(slave_id, m["plugins"]);
        if (parseLanguages(m, &updated, &error)) scheduler_->slaveLanguages(slave_id, std::move(updated));
        else log.warning("slave %d sent malformed languages: %s", slave_id, error);
      } else {
        peer->send(errorMessage(m.value("id", json()), errc::kUnknownType,
                                "unknown message type \"" + type + "\" on the slave port"));
      }
    }
  } catch (const std::exception& e) {
    reason = e.what();
  }
  if (slave_id != 0) scheduler_->removeSlave(slave_id, reason);
  peer->close();
}

}  // namespace polyrun::master
