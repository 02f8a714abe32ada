#include "master_link.h"

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>

#include "host_load.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"

namespace polyrun::slave {
namespace {
using nlohmann::json;
using ReadStatus = FramedSocket::ReadStatus;
Poco::Logger& log() { return Poco::Logger::get("slave.link"); }
}  // namespace

MasterLink::MasterLink(LinkConfig config, const RunnerRegistry& registry, ExecuteFn execute)
    : config_(std::move(config)), registry_(registry), execute_(std::move(execute)) {
  for (int i = 0; i < config_.capacity; ++i) workers_.emplace_back([this] { workerLoop(); });
}

MasterLink::~MasterLink() {
  stop();
  for (auto& t : workers_) t.join();
}

void MasterLink::stop() {
  std::shared_ptr<FramedSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    socket = socket_;
  }
  work_ready_.notify_all();
  stop_requested_.notify_all();
  if (socket) socket->shutdown();
}

void MasterLink::advertise() {
  json languages = json::array();
  for (const auto& l : registry_.advertised()) languages.push_back(toJson(l));
  send({{"type", msg::kLanguages}, {"languages", languages}, {"plugins", pluginsJson()}});
}

json MasterLink::pluginsJson() const {
  json plugins = json::array();
  for (const auto& st : registry_.statuses()) {
    plugins.push_back({{"library", st.library},
                       {"language", st.language},
                       {"version", st.version},
                       {"ready", st.ready},
                       {"problem", st.problem}});
  }
  return plugins;
}

json MasterLink::loadJson() const {
  const HostLoad h = readHostLoad();
  return {{"running", running_.load()},
          {"capacity", config_.capacity},
          {"load_avg", h.load_avg_per_core},
          {"memory_free_bytes", h.memory_free_bytes}};
}

void MasterLink::send(const json& message) {
  std::shared_ptr<FramedSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    socket = socket_;
  }
  if (socket) socket->send(message);
}

void MasterLink::sendResult(const std::string& job_id, const JobResult& result) {
  json message = {{"type", msg::kResult}, {"job_id", job_id}, {"result", toJson(result)}};
  std::shared_ptr<FramedSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    socket = socket_;
    if (!socket) {
      pending_results_.push_back(std::move(message));
      return;
    }
  }
  if (!socket->send(message)) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_results_.push_back(std::move(message));
  }
}

void MasterLink::workerLoop() {
  for (;;) {
    std::pair<std::string, Job> work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::string& job_id = work.first;
    JobResult result = execute_(work.second, [&](const std::string& stage) {
      send({{"type", msg::kProgress}, {"job_id", job_id}, {"state", stage}});
    });
    result.job_id = job_id;
    --running_;
    sendResult(job_id, result);
  }
}

void MasterLink::run() {
  int backoff_ms = config_.reconnect_min_ms;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    std::string why;
    const bool registered = session(&why);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      socket_.reset();
      if (stopping_) return;
    }
    if (registered) backoff_ms = config_.reconnect_min_ms;
    log().warning("connection to the master %s:%d lost or refused: %s; retrying in %d ms",
                  config_.master_host, config_.master_port, why, backoff_ms);
    std::unique_lock<std::mutex> lock(mutex_);
    stop_requested_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stopping_; });
    backoff_ms = std::min(backoff_ms * 2, config_.reconnect_max_ms);
  }
}

bool MasterLink::session(std::string* why) {
  std::shared_ptr<FramedSocket> socket;
  try {
    Poco::Net::StreamSocket raw;
    raw.connect(Poco::Net::SocketAddress(config_.master_host, static_cast<Poco::UInt16>(config_.master_port)),
                Poco::Timespan(5, 0));
    socket = std::make_shared<FramedSocket>(raw, config_.max_frame_bytes);
  } catch (const Poco::Exception& e) {
    *why = e.displayText();
    return false;
  }
  json languages = json::array();
  for (const auto& l : registry_.advertised()) languages.push_back(toJson(l));
  socket->send({{"type", msg::kRegister},
                {"token", config_.token},
                {"name", config_.name},
                {"capacity", config_.capacity},
                {"languages", languages},
                {"plugins", pluginsJson()},
                {"load", loadJson()}});
  json m;
  std::string error;
  ReadStatus status = socket->read(&m, Poco::Timespan(10, 0), &error);
  if (status != ReadStatus::kMessage || m.value("type", "") != msg::kRegistered) {
    if (status == ReadStatus::kMessage && m.value("type", "") == msg::kError)
      *why = "master refused registration: " + m.value("message", std::string());
    else
      *why = status == ReadStatus::kTimeout ? "no answer to register" : "registration failed: " + error;
    if (status == ReadStatus::kMessage && m.value("code", "") == errc::kUnauthorized)
      log().error("%s", *why);
    return false;
  }
  const int heartbeat_ms = std::max(10, m.value("heartbeat_ms", 1000));
  log().information("registered with the master %s:%d as %s (id %d) offering %z languages",
                    config_.master_host, config_.master_port, config_.name, m.value("slave_id", 0),
                    languages.size());
  std::vector<json> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return true;
    socket_ = socket;
    pending.swap(pending_results_);
  }
  for (const auto& result : pending) socket->send(result);

  auto next_heartbeat = std::chrono::steady_clock::now() + std::chrono::milliseconds(heartbeat_ms);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_heartbeat) {
      socket->send({{"type", msg::kHeartbeat}, {"load", loadJson()}});
      next_heartbeat = now + std::chrono::milliseconds(heartbeat_ms);
    }
    const auto wait_us = std::chrono::duration_cast<std::chrono::microseconds>(next_heartbeat - now).count();
    status = socket->read(&m, Poco::Timespan(std::max<int64_t>(wait_us, 1000)), &error);
    if (status == ReadStatus::kTimeout) continue;
    if (status != ReadStatus::kMessage) {
      *why = error;
      return true;
    }
    const std::string type = m.value("type", "");
    if (type == msg::kAssign) {
      Job job;
      const std::string job_id = m.value("job_id", std::string());
      auto it = m.find("job");
      if (job_id.empty() || it == m.end() || !fromJson(*it, &job, &error)) {
        log().error("malformed assignment from the master: %s", error);
        if (!job_id.empty()) {
          JobResult bad;
          bad.verdict = Verdict::kInternalError;
          bad.message = "slave could not read the assignment: " + error;
          sendResult(job_id, bad);
        }
        continue;
      }
      ++running_;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.emplace_back(job_id, std::move(job));
      }
      work_ready_.notify_one();
    } else if (type == msg::kError) {
      log().error("master says: %s", m.value("message", std::string()));
    } else {
      log().warning("ignoring unknown message \"%s\" from the master", type);
    }
  }
}

}  // namespace polyrun::slave
