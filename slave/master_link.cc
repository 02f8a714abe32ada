#include "master_link.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>

#include "polyrun/frame.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "polyrun/wire_bytes.h"

namespace polyrun::slave {
namespace {
using nlohmann::json;
// How long registration and a blocked send may take before the link gives up on the master.
constexpr int kConnectTimeoutMs = 5000;
constexpr int kSendTimeoutMs = 30000;
constexpr auto kRegisterTimeout = std::chrono::seconds(10);
Poco::Logger& log() { return Poco::Logger::get("slave.link"); }

// The `result` message of a finished job, cut to fit a frame of `max_frame_bytes` with room for
// what the master adds (polyrun/job_json.h): a result always reaches the master whole.
json resultMessage(const std::string& job_id, JobResult result, size_t max_frame_bytes) {
  const size_t budget =
      max_frame_bytes > kResultFrameReserveBytes ? max_frame_bytes - kResultFrameReserveBytes : 0;
  if (!fitResult(&result, budget)) {
    log().error(
        "the result of job %s does not fit the master's frame limit of %z bytes even without "
        "its output; it is sent as an INTERNAL_ERROR",
        job_id, max_frame_bytes);
    JobResult bare;
    bare.slave = result.slave;
    bare.verdict = Verdict::kInternalError;
    bare.message = "the result did not fit the master's frame limit (master.frame.max.bytes = " +
                   std::to_string(max_frame_bytes) + "); raise it";
    result = std::move(bare);
  } else if ((result.compile &&
              (result.compile->stdout_truncated || result.compile->stderr_truncated)) ||
             (result.run && (result.run->stdout_truncated || result.run->stderr_truncated))) {
    log().debug("job %s: output cut to fit the master's frame limit of %z bytes", job_id,
                max_frame_bytes);
  }
  result.job_id = job_id;
  return {{"type", msg::kResult}, {"job_id", job_id}, {"result", toJson(std::move(result))}};
}

// A result kept while disconnected, fitted again when the master it goes to has a smaller
// frame limit than the one it was made for.
json refitted(const json& message, size_t max_frame_bytes) {
  if (encodeFrame(message).size() - kFrameHeaderBytes + kResultFrameReserveBytes <= max_frame_bytes)
    return message;
  JobResult result;
  const std::string job_id = message.value("job_id", std::string());
  if (!fromJson(message.value("result", json::object()), &result).isOk()) return message;
  return resultMessage(job_id, std::move(result), max_frame_bytes);
}
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
  std::shared_ptr<FramedConnection> socket;
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    socket = socket_;
    queue_.clear();
    for (auto& [id, token] : running_) token->cancel();
  }
  work_ready_.notify_all();
  stop_requested_.notify_all();
  state_changed_.notify_all();
  if (socket) socket->shutdown();
}

bool MasterLink::drainedLocked() const {
  if (!queue_.empty() || !running_.empty()) return false;
  if (!socket_) return true;  // nobody to hand results to: the master gave this slave's jobs up
  return drain_acknowledged_ && pending_results_.empty();
}

void MasterLink::drain() {
  std::shared_ptr<FramedConnection> socket;
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    draining_ = true;
    socket = socket_;
    log().information("draining: %z jobs to finish; taking no new one",
                      queue_.size() + running_.size());
  }
  if (socket) socket->send({{"type", msg::kDrain}});
  MutexLock lock(mutex_);
  while (!stopping_ && !drainedLocked()) state_changed_.wait(lock.native());
  log().information("drained: every job finished and its result was handed over");
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
                       {"problem", st.problem},
                       {"toolchain", st.toolchain}});
  }
  return plugins;
}

json MasterLink::loadJson() {
  const HostLoad h = readHostLoad();
  const double cpu_busy = cpu_.sample();
  MutexLock lock(mutex_);
  return {{"running", running_.size()},
          {"assigned", running_.size() + queue_.size()},
          {"peak_assigned", peak_assigned_},
          {"capacity", config_.capacity},
          {"load_avg", h.load_avg_per_core},
          {"cpu_busy", cpu_busy},
          {"memory_free_bytes", h.memory_free_bytes}};
}

std::vector<std::string> MasterLink::heldJobIdsLocked() const {
  std::vector<std::string> ids;
  for (const auto& [id, job] : queue_) ids.push_back(id);
  for (const auto& [id, token] : running_) ids.push_back(id);
  for (const auto& [id, result] : pending_results_) ids.push_back(id);
  return ids;
}

void MasterLink::send(const json& message) {
  std::shared_ptr<FramedConnection> socket;
  {
    MutexLock lock(mutex_);
    socket = socket_;
  }
  if (socket) socket->send(message);
}

// Hands a finished job's last message to the master. A result is kept while disconnected and
// sent after the next registration; a `cancelled` is not (the next registration no longer
// lists the job, which tells the master the same).
void MasterLink::finishJob(const std::string& job_id, const json& message) {
  const bool is_result = message.value("type", "") == msg::kResult;
  std::shared_ptr<FramedConnection> socket;
  {
    MutexLock lock(mutex_);
    socket = socket_;
    if (!socket && is_result) pending_results_.emplace_back(job_id, message);
  }
  if (socket && !socket->send(message).isOk() && is_result) {
    MutexLock lock(mutex_);
    pending_results_.emplace_back(job_id, message);
  }
  state_changed_.notify_all();
}

void MasterLink::cancelJob(const std::string& job_id) {
  bool confirm_now = true;
  {
    MutexLock lock(mutex_);
    if (auto it = running_.find(job_id); it != running_.end()) {
      it->second->cancel();  // the worker confirms once the sandbox killed the stage
      confirm_now = false;
    } else {
      std::erase_if(queue_, [&](const auto& q) { return q.first == job_id; });
      std::erase_if(pending_results_, [&](const auto& p) { return p.first == job_id; });
      streams_.erase(job_id);
    }
  }
  if (confirm_now) {
    send({{"type", msg::kCancelled}, {"job_id", job_id}});
    state_changed_.notify_all();
  }
  log().information("job %s cancelled by the master", job_id);
}

std::shared_ptr<StageStream> MasterLink::makeStream(const std::string& job_id, bool interactive) {
  return std::make_shared<StageStream>(
      [this, job_id](std::vector<OutputChunk> chunks) {
        send({{"type", msg::kOutput}, {"job_id", job_id}, {"chunks", toJson(chunks)}});
      },
      interactive);
}

void MasterLink::feedJob(const json& m) {
  const std::string job_id = m.value("job_id", std::string());
  std::shared_ptr<StageStream> stream;
  {
    MutexLock lock(mutex_);
    if (auto it = streams_.find(job_id); it != streams_.end()) stream = it->second;
  }
  if (!stream) return;  // over already: what it did not read is not wanted
  if (m.value("type", "") == msg::kSignal) {
    if (const int signo = signalNumber(m.value("signal", std::string())); signo != 0)
      stream->signal(signo);
    return;
  }
  std::string data;
  if (Status s = getBytes(m, "data", &data, "input."); !s.isOk()) {
    log().warning("unreadable input for job %s from the master: %s", job_id, s.message());
    return;
  }
  if (!stream->input(std::move(data), m.value("eof", false)))
    log().warning("input for job %s refused: its input was ended, or too much waits unread",
                  job_id);
}

void MasterLink::workerLoop() {
  for (;;) {
    std::pair<std::string, Job> work;
    auto token = std::make_shared<CancelToken>();
    std::shared_ptr<StageStream> stream;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && queue_.empty()) work_ready_.wait(lock.native());
      if (stopping_) return;
      work = std::move(queue_.front());
      queue_.pop_front();
      running_[work.first] = token;
      if (auto it = streams_.find(work.first); it != streams_.end()) stream = it->second;
    }
    const std::string& job_id = work.first;
    JobResult result = execute_(
        work.second,
        [&](json progress) {
          if (token->cancelled()) return;
          progress["type"] = msg::kProgress;
          progress["job_id"] = job_id;
          send(progress);
        },
        *token, stream.get());
    result.job_id = job_id;
    bool cancelled;
    {
      // Decided under the mutex: a cancel either finds the job here (and we see it) or not.
      MutexLock lock(mutex_);
      running_.erase(job_id);
      streams_.erase(job_id);
      cancelled = token->cancelled();
    }
    // The result's outputs are moved into the message, not copied.
    finishJob(job_id,
              cancelled ? json{{"type", msg::kCancelled}, {"job_id", job_id}}
                        : resultMessage(job_id, std::move(result), master_max_frame_bytes_.load()));
  }
}

void MasterLink::run() {
  int backoff_ms = config_.reconnect_min_ms;
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
    }
    std::string why;
    bool registered = false;
    try {
      registered = session(&why);
    } catch (const std::exception& e) {  // e.g. a message field of an unexpected type
      why = std::string("protocol error: ") + e.what();
    }
    {
      MutexLock lock(mutex_);
      socket_.reset();
      drain_acknowledged_ = false;
      if (stopping_) return;
    }
    state_changed_.notify_all();  // a drain waiting for the master gives up on it
    if (registered) backoff_ms = config_.reconnect_min_ms;
    log().warning("connection to the master %s:%d lost or refused: %s; retrying in %d ms",
                  config_.master_host, config_.master_port, why, backoff_ms);
    {
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms);
      MutexLock lock(mutex_);
      while (!stopping_ &&
             stop_requested_.wait_until(lock.native(), until) != std::cv_status::timeout) {
      }
    }
    backoff_ms = std::min(backoff_ms * 2, config_.reconnect_max_ms);
  }
}

bool MasterLink::session(std::string* why) {
  ConnectOptions options;
  options.connect_timeout_ms = kConnectTimeoutMs;
  options.send_timeout_ms = kSendTimeoutMs;
  options.max_frame_bytes = config_.max_frame_bytes;
  options.tls = config_.tls;
  std::unique_ptr<FramedConnection> connection;
  const Status connected = FramedConnection::connect(
      config_.master_host, static_cast<uint16_t>(config_.master_port), options, &connection);
  if (!connected.isOk()) {
    *why = connected.message();
    return false;
  }
  std::shared_ptr<FramedConnection> socket = std::move(connection);
  json languages = json::array();
  for (const auto& l : registry_.advertised()) languages.push_back(toJson(l));
  json held = json::array();
  bool draining;
  {
    MutexLock lock(mutex_);
    for (const auto& id : heldJobIdsLocked()) held.push_back(id);
    draining = draining_;
  }
  socket->send({{"type", msg::kRegister},
                {"token", config_.token},
                {"name", config_.name},
                {"capacity", config_.capacity},
                {"limits", config_.limits},
                {"languages", languages},
                {"plugins", pluginsJson()},
                {"jobs", held},
                {"draining", draining},
                {"load", loadJson()}});
  json m;
  std::string error;
  Status status = socket->read(&m, kRegisterTimeout);
  if (!status.isOk() || m.value("type", "") != msg::kRegistered) {
    if (status.isOk() && m.value("type", "") == msg::kError)
      *why = "master refused registration: " + m.value("message", std::string());
    else if (status.isOk())
      *why = "registration failed: the master answered with \"" + m.value("type", std::string()) +
             "\"";
    else
      *why = status.code() == Status::Code::kTimedOut ? "no answer to register"
                                                      : "registration failed: " + status.message();
    if (status.isOk() && m.value("code", "") == errc::kUnauthorized) log().error("%s", *why);
    return false;
  }
  const int heartbeat_ms = std::max(10, m.value("heartbeat_ms", 1000));
  // A master that does not say its frame limit has the default one.
  master_max_frame_bytes_ =
      std::max<size_t>(m.value("max_frame_bytes", kDefaultMaxFrameBytes), 1024);
  log().information(
      "registered with the master %s:%d as %s (id %d) offering %z languages%s", config_.master_host,
      config_.master_port, config_.name, m.value("slave_id", 0), languages.size(),
      held.empty() ? std::string() : ", holding " + std::to_string(held.size()) + " jobs");
  std::vector<std::pair<std::string, json>> pending;
  {
    MutexLock lock(mutex_);
    if (stopping_) return true;
    socket_ = socket;
    pending.swap(pending_results_);
  }
  for (const auto& [id, result] : pending) socket->send(refitted(result, master_max_frame_bytes_));
  state_changed_.notify_all();

  auto next_heartbeat = std::chrono::steady_clock::now() + std::chrono::milliseconds(heartbeat_ms);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_heartbeat) {
      socket->send({{"type", msg::kHeartbeat}, {"load", loadJson()}});
      next_heartbeat = now + std::chrono::milliseconds(heartbeat_ms);
    }
    status = socket->read(&m, std::max(next_heartbeat, now + std::chrono::milliseconds(1)));
    if (status.code() == Status::Code::kTimedOut) continue;
    if (!status.isOk()) {
      *why = status.message();
      return true;
    }
    const std::string type = m.value("type", "");
    if (type == msg::kAssign) {
      Job job;
      const std::string job_id = m.value("job_id", std::string());
      auto it = m.find("job");
      const Status decoded = it == m.end()
                                 ? Status::protocolError("the assignment has no \"job\" object")
                                 : fromJson(*it, &job);
      if (job_id.empty() || !decoded.isOk()) {
        const std::string& error = decoded.message();
        log().error("malformed assignment from the master: %s", error);
        if (!job_id.empty()) {
          JobResult bad;
          bad.job_id = job_id;
          bad.verdict = Verdict::kInternalError;
          bad.message = "slave could not read the assignment: " + error;
          finishJob(job_id, resultMessage(job_id, std::move(bad), master_max_frame_bytes_.load()));
        }
        continue;
      }
      {
        MutexLock lock(mutex_);
        const auto held_now = heldJobIdsLocked();
        if (std::find(held_now.begin(), held_now.end(), job_id) != held_now.end())
          continue;  // a duplicate
        if (job.live()) streams_[job_id] = makeStream(job_id, job.interactive);
        queue_.emplace_back(job_id, std::move(job));
        peak_assigned_ =
            std::max(peak_assigned_, static_cast<int>(queue_.size() + running_.size()));
      }
      work_ready_.notify_one();
    } else if (type == msg::kInput || type == msg::kSignal) {
      feedJob(m);
    } else if (type == msg::kCancel) {
      const std::string job_id = m.value("job_id", std::string());
      if (!job_id.empty()) cancelJob(job_id);
    } else if (type == msg::kDraining) {
      {
        MutexLock lock(mutex_);
        drain_acknowledged_ = true;
      }
      state_changed_.notify_all();
    } else if (type == msg::kError) {
      log().error("master says: %s", m.value("message", std::string()));
    } else {
      log().warning("ignoring unknown message \"%s\" from the master", type);
    }
  }
}

}  // namespace polyrun::slave
