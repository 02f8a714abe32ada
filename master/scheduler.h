// The master's state: connected slaves, per-language queues and assignment, jobs in flight;
// it owns the finished results and the counters too. Every decision happens under one mutex;
// messages produced by a decision are sent after the mutex is released (grouped per peer), so a
// slow peer never stalls the cluster.
// Connections only decode and call in. Routing is delegated to Router (router.h); durability to
// an optional Journal (journal.h); finished jobs are kept for lookups by a ResultStore
// (result_store.h), and what the master reports about itself by a ClusterReport
// (cluster_report.h); the mutex guards both. docs/architecture.md ("Routing", "Faults and
// recovery") describes the behaviour; tests/unit/scheduler_test.cc drives it with fake peers
// and journals (tests/support/).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster_report.h"
#include "job_state.h"
#include "journal.h"
#include "messages.h"
#include "peer.h"
#include "polyrun/job.h"
#include "polyrun/runner.h"
#include "polyrun/thread_annotations.h"
#include "result_store.h"
#include "router.h"
#include "slave_state.h"

namespace polyrun::master {

struct SchedulerConfig {
  Limits defaults;                       // for every limit a job leaves at 0
  Limits maxima;                         // a job asking for more is refused with bad_limits
  int64_t max_stdin_bytes = 16ll << 20;  // a job's stdin, and each test case's
  int64_t max_tests = 1000;              // test cases of a judged job
  size_t queue_max = 1000;               // jobs waiting per language
  int max_attempts = 3;  // assignments of one job before it fails with INTERNAL_ERROR
  int heartbeat_ms = 1000;
  int64_t result_retention_ms = 3600'000;    // finished jobs answer `job` lookups this long
  size_t results_in_memory = 10000;          // most finished jobs kept in memory (older: journal)
  size_t results_memory_bytes = 256u << 20;  // and at most about this many bytes of them
  // master.frame.max.bytes, told to slaves in `registered`: they fit their results into it.
  size_t max_frame_bytes = 16u << 20;
  OtherJobs other_jobs = OtherJobs::kNone;
  // Interactive jobs (docs/protocol.md): their run's wall limit, default and maximum, instead of
  // the run limits' own; and their idle limit.
  int64_t interactive_wall_ms = 300'000;
  int64_t interactive_wall_ms_max = 1'800'000;
  int64_t idle_ms = 30'000;
  int64_t idle_ms_max = 300'000;
  // Live output waiting for a client that does not read: past this, `output` is dropped.
  size_t stream_buffer_bytes = 1u << 20;
};

/// The data a connection registers a slave with (decoded `register`).
struct SlaveRegistration {
  std::string name;
  int capacity = 1;
  std::vector<RunnerInfo> languages;
  SlaveLoad load;
  std::vector<std::string> held_jobs;  // job ids the slave still holds from an earlier session
  bool draining = false;
  nlohmann::json plugins;          // null when absent
  std::string limits = "unknown";  // cgroup, rlimits or none (docs/protocol.md, register)
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  /// `journal` may be null (jobs then live in memory only). Not owned; must outlive this.
  explicit Scheduler(SchedulerConfig config, Journal* journal = nullptr);

  const SchedulerConfig& config() const { return config_; }

  /// At start, before serving: requeues the jobs the journal holds as unfinished (they have no
  /// client until one looks them up). Returns how many.
  size_t recover();

  // --- Slaves (called by SlaveConnection) ---
  /// A slave that registered with the right token. Returns its id. Jobs it still holds that
  /// are queued here are adopted (they count on its slots and are not run again); jobs it holds
  /// that are elsewhere or over are cancelled on it.
  int addSlave(std::shared_ptr<Peer> peer, SlaveRegistration registration);
  /// The slave is gone (closed, timed out, broke the protocol): its jobs go back to the front of
  /// their queues, or fail after max_attempts.
  void removeSlave(int slave_id, const std::string& reason);
  void slaveHeartbeat(int slave_id, const SlaveLoad& load);
  void slaveLanguages(int slave_id, std::vector<RunnerInfo> languages);
  /// The slave's plugin report (docs/protocol.md, "plugins"), shown as is in `cluster`.
  void slavePlugins(int slave_id, nlohmann::json plugins);
  /// The slave takes no new job from now on; answers `draining`.
  void slaveDrain(int slave_id);
  /// `test`: a judged job's case that just ended (index `test_index` in its tests), told to the
  /// submitter with the progress; one with an index beyond the job's tests is dropped.
  void slaveProgress(int slave_id, const std::string& job_id, JobState state,
                     const CaseResult* test = nullptr, size_t test_index = 0);
  void slaveResult(int slave_id, JobResult result);
  /// The slave stopped a job the master cancelled (or that it held for nobody): its slot frees.
  void slaveCancelled(int slave_id, const std::string& job_id);
  /// A live job's output burst (`chunks` as decoded by decodeSlaveMessage, `bytes` of data),
  /// passed to its submitter, or dropped (and counted) while the submitter's connection holds
  /// more than stream_buffer_bytes unsent.
  void slaveOutput(int slave_id, const std::string& job_id, nlohmann::json chunks, size_t bytes);

  // --- Clients (called by ClientConnection) ---
  void addClient(const std::shared_ptr<Peer>& client);
  /// Validates, journals and queues the job, answering `accepted` or `error` to the client.
  /// `callback` (an object, or null for none) is journaled with the job, so that a master that
  /// restarts before the job ends can still make its callback (takeRecoveredCallbacks()).
  void submit(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id, Job job,
              const nlohmann::json& callback = nullptr);
  /// A callback journaled with a job that recover() brought back: its job, owner and callback.
  struct RecoveredCallback {
    std::string job_id;
    std::string owner;
    nlohmann::json callback;
  };
  /// The callbacks of the jobs recover() requeued, once (then empty).
  std::vector<RecoveredCallback> takeRecoveredCallbacks();
  /// Lookups and cancels answer only for jobs the client owns (job_ids.h) or to an operator;
  /// any other id gets the same unknown_job error as one that never existed.
  /// Cancels a queued or running job; answers `cancelled` or `error`.
  void cancel(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id,
              const std::string& job_id);
  /// Answers `job` with the job's state (and result once finished); with `wait`, answers when
  /// the job ends instead.
  void lookup(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id,
              const std::string& job_id, bool wait);
  /// A live job's stdin (docs/protocol.md, `input`): to its slave, or kept with the job while it
  /// waits for one. Answers only errors.
  void input(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id,
             const std::string& job_id, std::string data, bool eof);
  /// A signal for a live job's program (`signal`); answers only errors.
  void signal(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id,
              const std::string& job_id, int signo);
  /// True while the client has a job in flight it submitted or waits for (it is not idle).
  bool clientBusy(const Peer* client) const;
  /// The client disconnected: its jobs keep running (their results stay retrievable by id); it
  /// is forgotten as their recipient.
  void clientGone(const Peer* client);

  /// The `runtimes` list and the `cluster` snapshot as in docs/protocol.md (without type/id);
  /// its recent jobs are those `viewer` may see (SchedulerConfig::other_jobs).
  nlohmann::json runtimes() const;
  nlohmann::json cluster(const ClientIdentity& viewer = ClientIdentity{}) const;

  /// What /metrics exposes beyond cluster() (cluster_report.h).
  using Metrics = JobMetrics;
  Metrics metrics() const;

  // --- Stopping (SIGTERM) ---
  /// Refuses new jobs and assigns no queued job any more; running jobs go on.
  void beginShutdown();
  /// Waits until no job is running on a slave, or `timeout` passes; true when none is.
  bool waitUntilIdle(std::chrono::milliseconds timeout);
  /// Closes every connection. Without a journal, clients of jobs still queued or running get an
  /// error saying their job is lost, never silence.
  void shutdown();

 private:
  struct Recipient {  // who hears about a job: its submitter, or a `job` request with wait
    std::weak_ptr<Peer> peer;
    const Peer* key = nullptr;
    nlohmann::json request_id;
  };
  struct JobRecord {
    Job job;               // limits filled; job.id set
    std::string language;  // canonical, or as sent while no slave knew the name
    uint64_t seq = 0;      // acceptance order
    std::optional<Recipient> submitter;
    bool acknowledged = true;  // false until the journal committed it: no message to the submitter
    std::vector<Recipient> watchers;
    int slave_id = 0;                    // 0 while queued
    JobState state = JobState::kQueued;  // queued, assigned, compiling or running
    std::string owner;                   // who submitted it (ClientIdentity::owner)
    int attempts = 0;
    Clock::time_point accepted_at;
    Clock::time_point assigned_at;
    // A live job: input (beyond job.stdin_data, which takes what comes while it is queued) and
    // signals waiting for a slave; bytes of input so far; output dropped for a slow client.
    bool input_ended = false;
    std::vector<int> pending_signals;
    int64_t input_bytes = 0;
    size_t dropped_output = 0;
  };
  using Outbox = std::vector<std::pair<std::shared_ptr<Peer>, nlohmann::json>>;
  // What a decision produces, carried out by apply() once the mutex is released: messages to
  // send now, outcomes to journal, and messages that may only go out once those outcomes are
  // durable (results, `cancelled`).
  struct Effects {
    Outbox now;
    Outbox durable;
    std::vector<std::pair<std::string, FinishedJob>> outcomes;
    std::vector<const Peer*> delivering;  // clients counted in InDelivery for `durable`
  };
  // Clients with a message on its way (between the job leaving jobs_ and the durable message
  // being sent, a journal commit later): waiting for it is not idle (clientBusy). Shared with
  // the journal's callbacks, which may run after the scheduler is gone. Lock order: mutex_,
  // then this mutex.
  struct InDelivery {
    Mutex mutex;
    std::unordered_map<const Peer*, int> count POLYRUN_GUARDED_BY(mutex);
    void done(const std::vector<const Peer*>& peers);
  };

  static void flush(Outbox& out);
  // Queues a message for fx.durable and counts its recipient in delivering_ until it is sent:
  // under mutex_, so that no moment lies between a job leaving jobs_ and its recipient (its
  // submitter, a watcher, a canceller) counting as busy.
  void sendWhenDurableLocked(std::shared_ptr<Peer> peer, nlohmann::json message, Effects& fx)
      POLYRUN_REQUIRES(mutex_);
  // True when no slave holds a job and no result is still being applied.
  bool idleLocked() const POLYRUN_REQUIRES(mutex_);
  void apply(Effects& fx);
  bool applyLimits(Job& job, std::string* error) const;  // reads only config_: no mutex
  void acceptLocked(JobRecord record, Effects& fx) POLYRUN_REQUIRES(mutex_);
  void acknowledgeLocked(const std::weak_ptr<Peer>& client, const nlohmann::json& request_id,
                         const std::string& job_id, bool ok, const std::string& error, Effects& fx)
      POLYRUN_REQUIRES(mutex_);
  void pumpLocked(Effects& fx) POLYRUN_REQUIRES(mutex_);
  void mergeAliasQueuesLocked() POLYRUN_REQUIRES(mutex_);
  void requeueLocked(const std::string& job_id, const std::string& why, Effects& fx)
      POLYRUN_REQUIRES(mutex_);
  void releaseSlotLocked(int slave_id, const std::string& job_id) POLYRUN_REQUIRES(mutex_);
  // Tells the submitter the job's state (`progress`), naming `slave` when given.
  void progressLocked(const JobRecord& record, std::optional<std::string_view> slave, Effects& fx,
                      const nlohmann::json* test = nullptr) const POLYRUN_REQUIRES(mutex_);
  void finishLocked(const std::string& job_id, JobResult result, Effects& fx)
      POLYRUN_REQUIRES(mutex_);
  bool answerFinishedLocked(const Recipient& to, const std::string& job_id, bool cancel_request,
                            Effects& fx) const POLYRUN_REQUIRES(mutex_);
  void answerOutcomeLocked(const Recipient& to, const std::string& job_id, const FinishedJob& f,
                           bool cancel_request, Effects& fx) const POLYRUN_REQUIRES(mutex_);
  void answerFromJournal(const Recipient& to, const std::string& job_id, bool cancel_request);
  void answerUnknownJob(const Recipient& to, const std::string& job_id) const;
  // The live job `job_id` of `client` for an `input` or `signal`; null (the error queued in fx)
  // when there is none it may feed.
  JobRecord* liveJobLocked(const std::shared_ptr<Peer>& client, const nlohmann::json& request_id,
                           const std::string& job_id, const char* what, Effects& fx)
      POLYRUN_REQUIRES(mutex_);

  const SchedulerConfig config_;
  Journal* const journal_;
  const Clock::time_point started_at_ = Clock::now();

  const std::shared_ptr<InDelivery> delivering_ = std::make_shared<InDelivery>();  // own mutex

  mutable Mutex mutex_;  // guards everything below

  std::condition_variable idle_cv_;  // signalled when a slot frees (waitUntilIdle)
  // Results whose slot is free but whose effects (journal, messages) are still being applied:
  // waitUntilIdle waits for them too, or a stopping master could close a client's connection
  // before its result was handed over.
  int applying_results_ POLYRUN_GUARDED_BY(mutex_) = 0;
  bool shutting_down_ POLYRUN_GUARDED_BY(mutex_) = false;
  bool shut_down_ POLYRUN_GUARDED_BY(mutex_) = false;
  int next_slave_id_ POLYRUN_GUARDED_BY(mutex_) = 1;
  uint64_t next_accept_seq_ POLYRUN_GUARDED_BY(mutex_) = 1;  // acceptance order
  uint64_t assign_seq_ POLYRUN_GUARDED_BY(mutex_) = 0;
  Router router_ POLYRUN_GUARDED_BY(mutex_);
  std::map<int, SlaveState> slaves_ POLYRUN_GUARDED_BY(mutex_);
  std::unordered_map<std::string, JobRecord> jobs_ POLYRUN_GUARDED_BY(mutex_);  // queued or running
  std::map<std::string, std::deque<std::string>> queues_
      POLYRUN_GUARDED_BY(mutex_);                   // language -> job ids, FIFO
  ResultStore results_ POLYRUN_GUARDED_BY(mutex_);  // finished jobs, for `job` and `cancel`
  std::unordered_map<const Peer*, std::weak_ptr<Peer>> clients_ POLYRUN_GUARDED_BY(mutex_);
  std::vector<RecoveredCallback> recovered_callbacks_ POLYRUN_GUARDED_BY(mutex_);
  ClusterReport report_
      POLYRUN_GUARDED_BY(mutex_);  // counters, recent jobs, latencies; the `cluster` snapshot
};

}  // namespace polyrun::master
