// The slave's connection to the master: register, heartbeat, take assignments, send progress and
// results, stop cancelled jobs, drain on SIGTERM. Reconnects with exponential backoff when the
// master goes away; results finished while disconnected are kept and sent after the next
// registration, which also lists every job the slave still holds so that the master (perhaps a
// restarted one) counts them and does not run them twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host_load.h"
#include "polyrun/cancel_token.h"
#include "polyrun/client_tls.h"
#include "polyrun/frame.h"
#include "polyrun/framed_connection.h"
#include "polyrun/job.h"
#include "polyrun/stage_stream.h"
#include "polyrun/thread_annotations.h"
#include "runner_registry.h"

namespace polyrun::slave {

struct LinkConfig {
  std::string master_host = "127.0.0.1";
  int master_port = 7401;
  std::string token;
  std::string name;
  int capacity = 1;
  std::string limits =
      "none";  // how stages are held to their limits (limitsModeName()), in register
  int reconnect_min_ms = 100;
  int reconnect_max_ms = 5000;
  size_t max_frame_bytes = 64u << 20;
  // Set: connect with TLS, verifying the master's certificate as slave.tls.* say.
  std::shared_ptr<const ClientTls> tls;
};

class MasterLink {
 public:
  /// `execute` runs one job to completion on a worker thread; `on_progress` reports its stages
  /// and test cases: the fields of a `progress` message besides its type and job id
  /// ({"state": "compiling"}, {"state": "running", "test": {...}}; docs/protocol.md);
  /// `cancel` is cancelled when the master cancels the job (the run should then end quickly,
  /// e.g. ExecutorOptions::cancel).
  /// `stream` is the live job's line to its run stage (Job::live(); null otherwise): the link
  /// sends what it emits as `output` and feeds it the master's `input` and `signal`.
  using ExecuteFn = std::function<JobResult(const Job& job,
                                            const std::function<void(nlohmann::json)>& on_progress,
                                            const CancelToken& cancel, StageStream* stream)>;

  MasterLink(LinkConfig config, const RunnerRegistry& registry, ExecuteFn execute);
  ~MasterLink();

  /// The frame limit the master gave in `registered` (a default before the first registration).
  size_t maxFrameBytes() const { return master_max_frame_bytes_.load(); }

  /// Connects and serves until stop(); call from one thread.
  void run();
  /// Makes run() return; jobs still running finish, their results are dropped. Thread-safe.
  void stop();
  /// Graceful end (SIGTERM): tells the master to send nothing new, waits until every job this
  /// slave holds has finished and its result was handed over (or the master is unreachable),
  /// then returns. Call stop() afterwards. Thread-safe.
  void drain();
  /// Tells the master the registry's current languages and plugin report (after a plugin was
  /// added, removed or replaced). A no-op while disconnected: registration sends them anyway.
  void advertise();

 private:
  struct Running {
    Job job;
    std::shared_ptr<CancelToken> cancel;
  };

  bool session(std::string* why);  // one connection; false when it ended by error
  void send(const nlohmann::json& message);
  void finishJob(const std::string& job_id, const nlohmann::json& message);
  void cancelJob(const std::string& job_id);
  // A live job's `input` or `signal` from the master, for its stream.
  void feedJob(const nlohmann::json& message);
  std::shared_ptr<StageStream> makeStream(const std::string& job_id, bool interactive);
  void workerLoop();
  nlohmann::json loadJson();
  nlohmann::json pluginsJson() const;
  std::vector<std::string> heldJobIdsLocked() const POLYRUN_REQUIRES(mutex_);
  bool drainedLocked() const POLYRUN_REQUIRES(mutex_);

  const LinkConfig config_;
  const RunnerRegistry& registry_;
  const ExecuteFn execute_;
  // The frame limit of the master last registered with (`registered`): results are fitted to it.
  std::atomic<size_t> master_max_frame_bytes_{kDefaultMaxFrameBytes};
  CpuBusySampler cpu_;

  Mutex mutex_;  // guards everything below
  std::condition_variable work_ready_;
  std::condition_variable stop_requested_;
  std::condition_variable state_changed_;  // for drain(): a job ended, a result went, acks
  std::shared_ptr<FramedConnection> socket_ POLYRUN_GUARDED_BY(mutex_);  // null while disconnected
  std::vector<std::pair<std::string, nlohmann::json>> pending_results_
      POLYRUN_GUARDED_BY(mutex_);  // finished while disconnected
  std::deque<std::pair<std::string, Job>> queue_
      POLYRUN_GUARDED_BY(mutex_);  // assigned, waiting for a worker
  std::map<std::string, std::shared_ptr<CancelToken>> running_
      POLYRUN_GUARDED_BY(mutex_);  // on a worker now
  // Live jobs held (queued or running): their streams take input before the program starts.
  std::map<std::string, std::shared_ptr<StageStream>> streams_ POLYRUN_GUARDED_BY(mutex_);
  int peak_assigned_ POLYRUN_GUARDED_BY(mutex_) =
      0;  // most jobs held at once (queued + running): never over capacity
  bool stopping_ POLYRUN_GUARDED_BY(mutex_) = false;
  bool draining_ POLYRUN_GUARDED_BY(mutex_) = false;
  bool drain_acknowledged_ POLYRUN_GUARDED_BY(mutex_) =
      false;  // the master confirmed: no assignment follows
  std::vector<std::thread> workers_;
};

}  // namespace polyrun::slave
