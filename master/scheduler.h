// The master's state: connected slaves, per-language queues, jobs in flight, counters. Every
// decision happens under one mutex; messages produced by a decision are sent after the mutex is
// released, so a slow peer never stalls the cluster. Connections only move bytes and call in.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "peer.h"
#include "polyrun/job.h"
#include "polyrun/runner.h"
#include "router.h"

namespace polyrun::master {

struct SchedulerConfig {
  Limits defaults;  // for every limit a job leaves at 0
  Limits maxima;    // a job asking for more is refused with bad_limits
  int64_t max_stdin_bytes = 16ll << 20;
  size_t queue_max = 1000;  // per language
  int max_attempts = 3;     // assignments of one job before it fails with INTERNAL_ERROR
  int heartbeat_ms = 1000;
};

/// What a slave reports about itself.
struct SlaveLoad {
  int running = 0;
  int capacity = 0;
  double load_avg = 0;  // per core
  int64_t memory_free_bytes = 0;
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Scheduler(SchedulerConfig config);

  const SchedulerConfig& config() const { return config_; }

  /// A slave that registered with the right token. Returns its id.
  int addSlave(std::shared_ptr<Peer> peer, const std::string& name, int capacity,
               std::vector<RunnerInfo> languages, const SlaveLoad& load);
  /// The slave is gone (closed, timed out, broke the protocol): its jobs go back to their queues.
  void removeSlave(int slave_id, const std::string& reason);
  void slaveHeartbeat(int slave_id, const SlaveLoad& load);
  void slaveLanguages(int slave_id, std::vector<RunnerInfo> languages);
  /// The slave's plugin report (docs/protocol.md, "plugins"), shown as is in `cluster`.
  void slavePlugins(int slave_id, nlohmann::json plugins);
  void slaveProgress(int slave_id, const std::string& job_id, const std::string& state);
  void slaveResult(int slave_id, JobResult result);

  void addClient(const std::shared_ptr<Peer>& client);
  /// Validates and queues the job, answering `accepted` or `error` to the client itself.
  void submit(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id, Job job);
  /// The client's queued jobs are dropped; its running jobs finish and their results are dropped.
  void clientGone(const Peer* client);

  /// The `runtimes` list and the `cluster` snapshot as in docs/protocol.md (without type/id).
  nlohmann::json runtimes() const;
  nlohmann::json cluster() const;

  /// Closes every connection; later calls are refused.
  void shutdown();

 private:
  struct SlaveState {
    std::shared_ptr<Peer> peer;
    std::string name;
    SlaveSnapshot snapshot;
    SlaveLoad reported;
    nlohmann::json plugins = nlohmann::json::array();
    Clock::time_point last_heartbeat;
  };
  struct JobRecord {
    Job job;
    std::string language;  // canonical
    std::weak_ptr<Peer> client;
    const Peer* client_key = nullptr;
    nlohmann::json request_id;
    int slave_id = 0;  // 0 while queued
    int attempts = 0;
    Clock::time_point accepted_at;
    Clock::time_point assigned_at;
  };
  using Outbox = std::vector<std::pair<std::shared_ptr<Peer>, nlohmann::json>>;

  static void flush(Outbox& out);
  std::vector<SlaveSnapshot> snapshotsLocked() const;
  std::vector<RunnerInfo> allLanguagesLocked() const;
  bool applyLimitsLocked(Job& job, std::string* error) const;
  void pumpLocked(Outbox& out);
  void toClientLocked(const JobRecord& record, nlohmann::json message, Outbox& out) const;
  void finishLocked(const std::string& job_id, JobResult result, Outbox& out);
  std::string newJobIdLocked();

  const SchedulerConfig config_;
  const Clock::time_point started_at_ = Clock::now();
  mutable std::mutex mutex_;  // guards everything below
  bool shut_down_ = false;
  int next_slave_id_ = 1;
  uint64_t next_job_seq_ = 1;
  uint64_t assign_seq_ = 0;
  std::map<int, SlaveState> slaves_;
  std::map<std::string, JobRecord> jobs_;  // queued or running
  std::map<std::string, std::deque<std::string>> queues_;  // canonical language -> job ids
  std::vector<std::weak_ptr<Peer>> clients_;
  uint64_t submitted_ = 0;
  uint64_t completed_ = 0;
  std::map<std::string, uint64_t> by_verdict_;
  std::map<std::string, uint64_t> by_language_;
};

}  // namespace polyrun::master
