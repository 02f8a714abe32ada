// The slave's connection to the master: register, heartbeat, take assignments, send progress and
// results. Reconnects with exponential backoff when the master goes away; results finished while
// disconnected are kept and sent after the next registration.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "polyrun/framed_socket.h"
#include "polyrun/job.h"
#include "runner_registry.h"

namespace polyrun::slave {

struct LinkConfig {
  std::string master_host = "127.0.0.1";
  int master_port = 7401;
  std::string token;
  std::string name;
  int capacity = 1;
  int reconnect_min_ms = 100;
  int reconnect_max_ms = 5000;
  size_t max_frame_bytes = 64u << 20;
};

class MasterLink {
 public:
  /// `execute` runs one job to completion on a worker thread; `on_stage` reports its stages.
  using ExecuteFn = std::function<JobResult(const Job& job, const std::function<void(const std::string&)>& on_stage)>;

  MasterLink(LinkConfig config, const RunnerRegistry& registry, ExecuteFn execute);
  ~MasterLink();

  /// Connects and serves until stop(); call from one thread.
  void run();
  /// Makes run() return after running jobs finish. Thread-safe.
  void stop();
  /// Tells the master the registry's current languages and plugin report (after a plugin was
  /// added, removed or replaced). A no-op while disconnected: registration sends them anyway.
  void advertise();

 private:
  bool session(std::string* why);  // one connection; false when it ended by error
  void send(const nlohmann::json& message);
  void sendResult(const std::string& job_id, const JobResult& result);
  void workerLoop();
  nlohmann::json loadJson() const;
  nlohmann::json pluginsJson() const;

  const LinkConfig config_;
  const RunnerRegistry& registry_;
  const ExecuteFn execute_;

  std::mutex mutex_;  // guards socket_, pending_results_, queue_, stopping_
  std::condition_variable work_ready_;
  std::condition_variable stop_requested_;
  std::shared_ptr<FramedSocket> socket_;     // null while disconnected
  std::vector<nlohmann::json> pending_results_;  // finished while disconnected
  std::deque<std::pair<std::string, Job>> queue_;
  bool stopping_ = false;
  std::atomic<int> running_{0};
  std::vector<std::thread> workers_;
};

}  // namespace polyrun::slave
