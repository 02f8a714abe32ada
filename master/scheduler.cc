#include "scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <set>
#include <utility>

#include "job_ids.h"
#include "polyrun/job_json.h"
#include "polyrun/json_parse.h"
#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

Poco::Logger& log() { return Poco::Logger::get("master.scheduler"); }

// `job` requests with wait held for one job at most; more are answered at once.
constexpr size_t kMaxWatchers = 256;
// One line per finished job; a logger of its own so that busy masters can quiet it.
Poco::Logger& jobLog() { return Poco::Logger::get("master.jobs"); }

int64_t msBetween(Scheduler::Clock::time_point a, Scheduler::Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

constexpr int64_t kMinMemoryBytes = 8ll << 20;

// Fills a limit left at 0 with its default; refuses a negative one or one over its maximum.
bool fillLimit(int64_t* value, int64_t def, int64_t max, const std::string& field,
               std::string* error) {
  if (*value < 0) {
    *error = field + " = " + std::to_string(*value) + " is negative; use 0 for the default";
    return false;
  }
  if (*value == 0) *value = def;
  if (max > 0 && *value > max) {
    *error = field + " = " + std::to_string(*value) + " is over the maximum of " +
             std::to_string(max) + " allowed by this master";
    return false;
  }
  return true;
}

// Whether `who` may look up or cancel `job_id` (job_ids.h).
bool mayAccess(const ClientIdentity& who, const std::string& job_id) {
  return who.sees_all || jobIdOwnedBy(job_id, who.owner);
}

// "10.0.0.7:51234" -> "10.0.0.7", "http [::1]:5000" -> "[::1]": a client's connections (native
// or HTTP) share its host, whose share of the journal they count on.
std::string hostOf(std::string address) {
  if (const size_t space = address.rfind(' '); space != std::string::npos)
    address.erase(0, space + 1);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || address.find(']', colon) != std::string::npos) return address;
  return address.substr(0, colon);
}

std::string dumpForStorage(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Scheduler::Scheduler(SchedulerConfig config, Journal* journal)
    : config_(std::move(config)),
      journal_(journal),
      results_(
          {config_.result_retention_ms, config_.results_in_memory, config_.results_memory_bytes}),
      report_(config_.other_jobs) {}

// --- Effects -------------------------------------------------------------------------------

void Scheduler::flush(Outbox& out) {
  // One write per peer: group each peer's messages, keeping their order.
  std::vector<std::pair<Peer*, std::vector<json>>> grouped;
  std::vector<std::shared_ptr<Peer>> keep;  // the peers stay alive until sent
  for (auto& [peer, message] : out) {
    Peer* const to = peer.get();  // a lambda may not capture a structured binding before clang 16
    auto it =
        std::find_if(grouped.begin(), grouped.end(), [to](const auto& g) { return g.first == to; });
    if (it == grouped.end()) {
      keep.push_back(peer);
      grouped.emplace_back(peer.get(), std::vector<json>{});
      it = grouped.end() - 1;
    }
    it->second.push_back(std::move(message));
  }
  out.clear();
  for (auto& [peer, messages] : grouped) peer->sendAll(messages);
}

void Scheduler::InDelivery::done(const std::vector<const Peer*>& peers) {
  MutexLock lock(mutex);
  for (const Peer* p : peers)
    if (auto it = count.find(p); it != count.end() && --it->second <= 0) count.erase(it);
}

void Scheduler::sendWhenDurableLocked(std::shared_ptr<Peer> peer, json message, Effects& fx) {
  {
    MutexLock delivering(delivering_->mutex);
    ++delivering_->count[peer.get()];
  }
  fx.delivering.push_back(peer.get());
  fx.durable.emplace_back(std::move(peer), std::move(message));
}

void Scheduler::apply(Effects& fx) {
  flush(fx.now);
  if (fx.outcomes.empty() || !journal_) {
    flush(fx.durable);
    delivering_->done(fx.delivering);
    return;
  }
  // Results and `cancelled` go out once their outcome is committed: writes commit in order,
  // so the last one's callback covers all of them.
  const size_t n = fx.outcomes.size();
  for (size_t i = 0; i < n; ++i) {
    auto& [job_id, f] = fx.outcomes[i];
    Journal::Outcome outcome{std::string(jobStateName(f.state)),
                             f.result ? dumpForStorage(*f.result) : std::string(),
                             Journal::nowMs()};
    Journal::Done done;
    if (i + 1 == n) {
      done = [out = std::make_shared<Outbox>(std::move(fx.durable)), delivering = delivering_,
              peers = std::move(fx.delivering)](bool, const std::string&) {
        // Sent even when the write failed (it is logged): the job is over either way.
        flush(*out);
        delivering->done(peers);
      };
    }
    journal_->finished(job_id, std::move(outcome), std::move(done));
  }
  fx.outcomes.clear();
}

// --- Recovery ------------------------------------------------------------------------------

size_t Scheduler::recover() {
  if (!journal_) return 0;
  auto entries = journal_->unfinished();
  Effects fx;
  size_t n = 0;
  {
    MutexLock lock(mutex_);
    const auto now = Clock::now();
    const int64_t now_ms = Journal::nowMs();
    for (auto& e : entries) {
      JobRecord r;
      json body;
      Status read = parseJson(e.job_json, &body);
      if (read.isOk()) read = fromJson(body, &r.job);
      if (!read.isOk()) {
        log().error("journaled job %s cannot be read back (%s); it fails", e.job_id,
                    read.message());
        JobResult failed;
        failed.job_id = e.job_id;
        failed.verdict = Verdict::kInternalError;
        failed.message = "the master restarted and could not read this job back from its journal";
        fx.outcomes.emplace_back(
            e.job_id,
            FinishedJob{JobState::kFinished, std::make_shared<const json>(toJson(failed)), now});
        results_.put(e.job_id, fx.outcomes.back().second);
        continue;
      }
      if (r.job.interactive) {
        JobResult failed;
        failed.job_id = e.job_id;
        failed.verdict = Verdict::kInternalError;
        failed.message =
            "the master restarted during this interactive job: a session cannot be resumed; "
            "submit it again";
        fx.outcomes.emplace_back(
            e.job_id,
            FinishedJob{JobState::kFinished, std::make_shared<const json>(toJson(failed)), now});
        results_.put(e.job_id, fx.outcomes.back().second);
        continue;
      }
      r.job.id = e.job_id;
      r.language = e.language;
      if (auto owner = body.find("owner"); owner != body.end() && owner->is_string())
        r.owner = *owner;
      if (auto callback = body.find("callback"); callback != body.end() && callback->is_object())
        recovered_callbacks_.push_back({e.job_id, r.owner, *callback});
      r.seq = next_accept_seq_++;
      r.state = JobState::kQueued;
      r.accepted_at = now - std::chrono::milliseconds(std::max<int64_t>(0, now_ms - e.accepted_ms));
      queues_[r.language].push_back(e.job_id);  // accepted before: never refused for queue_max
      jobs_.emplace(e.job_id, std::move(r));
      ++n;
    }
    report_.recovered(n);
  }
  apply(fx);
  if (n > 0) log().information("recovered %z unfinished jobs from the journal; they run again", n);
  return n;
}

// --- Slaves --------------------------------------------------------------------------------

int Scheduler::addSlave(std::shared_ptr<Peer> peer, SlaveRegistration reg) {
  Effects fx;
  int id;
  {
    MutexLock lock(mutex_);
    id = next_slave_id_++;
    SlaveState& s = slaves_[id];
    s.peer = std::move(peer);
    s.name = reg.name;
    s.reported = reg.load;
    if (reg.plugins.is_array()) s.plugins = std::move(reg.plugins);
    s.limits = reg.limits;
    s.last_heartbeat = Clock::now();
    // `registered` goes out before anything else this slave is sent.
    fx.now.emplace_back(s.peer,
                        encodeRegistered(id, config_.heartbeat_ms, config_.max_frame_bytes));
    for (const auto& job_id : reg.held_jobs) {
      if (!s.held.insert(job_id).second) continue;
      auto it = jobs_.find(job_id);
      if (it != jobs_.end() && it->second.slave_id == 0) {
        // Still queued here (the master restarted, or gave the slave up too early): the slave
        // keeps it rather than running it twice.
        JobRecord& r = it->second;
        auto& q = queues_[r.language];
        q.erase(std::remove(q.begin(), q.end(), job_id), q.end());
        r.slave_id = id;
        r.state = JobState::kAssigned;
        r.assigned_at = Clock::now();
        r.attempts = std::max(r.attempts, 1);
        log().information("slave %s still holds job %s: it keeps it", s.name, job_id);
      } else {
        // Over, or running elsewhere: the slave stops it; the slot frees when it confirms.
        fx.now.emplace_back(s.peer, encodeCancel(job_id));
      }
    }
    SlaveSnapshot snapshot;
    snapshot.id = id;
    snapshot.draining = reg.draining;
    snapshot.languages = std::move(reg.languages);
    snapshot.running = static_cast<int>(s.held.size());
    snapshot.capacity = std::max(reg.capacity, 0);
    snapshot.load_avg = reg.load.load_avg;
    snapshot.cpu_busy = reg.load.cpu_busy;
    router_.update(snapshot);
    if (reg.draining) fx.now.emplace_back(s.peer, encodeDraining());
    mergeAliasQueuesLocked();
    pumpLocked(fx);
  }
  apply(fx);
  return id;
}

void Scheduler::removeSlave(int slave_id, const std::string& reason) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    auto it = slaves_.find(slave_id);
    if (it == slaves_.end()) return;
    const std::string name = it->second.name;
    std::vector<std::string> orphans;
    for (const auto& job_id : it->second.held) {
      auto job = jobs_.find(job_id);
      if (job != jobs_.end() && job->second.slave_id == slave_id) orphans.push_back(job_id);
    }
    router_.remove(slave_id);
    slaves_.erase(it);
    log().warning("slave %s (id %d) is gone: %s; %z of its jobs go back to the queue", name,
                  slave_id, reason, orphans.size());
    // Back to the front of their queues, in their original order.
    std::vector<std::pair<uint64_t, std::string>> by_seq;
    for (const auto& job_id : orphans) by_seq.emplace_back(jobs_[job_id].seq, job_id);
    std::sort(by_seq.begin(), by_seq.end(), std::greater<>());
    orphans.clear();
    for (auto& entry : by_seq) orphans.push_back(std::move(entry.second));
    for (const auto& job_id : orphans) requeueLocked(job_id, name + ": " + reason, fx);
    pumpLocked(fx);
  }
  idle_cv_.notify_all();
  apply(fx);
}

void Scheduler::requeueLocked(const std::string& job_id, const std::string& why, Effects& fx) {
  JobRecord& r = jobs_.at(job_id);
  r.slave_id = 0;
  if (r.job.interactive) {  // its input went to the lost slave: never run twice
    JobResult failed;
    failed.verdict = Verdict::kInternalError;
    failed.message = "the slave running this interactive job was lost (" + why +
                     "): a session cannot be resumed; submit it again";
    failed.language = r.language;
    finishLocked(job_id, std::move(failed), fx);
    return;
  }
  r.dropped_output = 0;
  // A master that is stopping closed the connection itself: not the job's fault, and the job
  // stays journaled for the next start.
  if (r.attempts >= config_.max_attempts && !shutting_down_) {
    JobResult failed;
    failed.verdict = Verdict::kInternalError;
    failed.message =
        "the job was lost with its slave " + std::to_string(r.attempts) + " times (last: " + why +
        "); giving up after master.job.attempts = " + std::to_string(config_.max_attempts);
    failed.language = r.language;
    finishLocked(job_id, std::move(failed), fx);
    return;
  }
  report_.requeued();
  r.state = JobState::kQueued;
  queues_[r.language].push_front(job_id);
  progressLocked(r, std::nullopt, fx);
}

void Scheduler::releaseSlotLocked(int slave_id, const std::string& job_id) {
  auto it = slaves_.find(slave_id);
  if (it == slaves_.end() || it->second.held.erase(job_id) == 0) return;
  router_.setRunning(slave_id, static_cast<int>(it->second.held.size()));
  idle_cv_.notify_all();
}

void Scheduler::slaveHeartbeat(int slave_id, const SlaveLoad& load) {
  MutexLock lock(mutex_);
  auto it = slaves_.find(slave_id);
  if (it == slaves_.end()) return;
  it->second.reported = load;
  it->second.last_heartbeat = Clock::now();
  router_.setLoad(slave_id, load.load_avg, load.cpu_busy);
}

void Scheduler::slaveLanguages(int slave_id, std::vector<RunnerInfo> languages) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    auto it = slaves_.find(slave_id);
    if (it == slaves_.end()) return;
    log().information("slave %s now offers %z languages", it->second.name, languages.size());
    router_.setLanguages(slave_id, std::move(languages));
    mergeAliasQueuesLocked();
    pumpLocked(fx);
  }
  apply(fx);
}

void Scheduler::slavePlugins(int slave_id, json plugins) {
  MutexLock lock(mutex_);
  auto it = slaves_.find(slave_id);
  if (it != slaves_.end() && plugins.is_array()) it->second.plugins = std::move(plugins);
}

void Scheduler::slaveDrain(int slave_id) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    auto it = slaves_.find(slave_id);
    if (it == slaves_.end()) return;
    router_.setDraining(slave_id, true);
    log().information("slave %s is draining: it finishes its %z jobs and gets no new one",
                      it->second.name, it->second.held.size());
    fx.now.emplace_back(it->second.peer, encodeDraining());
  }
  apply(fx);
}

void Scheduler::slaveProgress(int slave_id, const std::string& job_id, JobState st,
                              const CaseResult* test, size_t test_index) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end() || it->second.slave_id != slave_id) return;
    it->second.state = st;
    if (test && test_index >= it->second.job.tests.size()) return;
    const json case_json = test ? caseProgressJson(test_index, *test) : json();
    progressLocked(it->second, slaves_[slave_id].name, fx, test ? &case_json : nullptr);
  }
  apply(fx);
}

void Scheduler::slaveResult(int slave_id, JobResult result) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    const std::string job_id = result.job_id;
    releaseSlotLocked(slave_id, job_id);
    auto it = jobs_.find(job_id);
    // A result for a job this slave no longer holds (reassigned after it was given up, or
    // cancelled) is dropped: the client gets exactly one result per job.
    if (it == jobs_.end() || it->second.slave_id != slave_id) {
      log().information(
          "dropping a result for job %s from slave id %d: the job is no longer its own", job_id,
          slave_id);
    } else {
      result.slave = slaves_[slave_id].name;
      finishLocked(job_id, std::move(result), fx);
    }
    pumpLocked(fx);
    ++applying_results_;
  }
  apply(fx);
  MutexLock lock(mutex_);
  --applying_results_;
  idle_cv_.notify_all();
}

void Scheduler::slaveCancelled(int slave_id, const std::string& job_id) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    releaseSlotLocked(slave_id, job_id);
    auto it = jobs_.find(job_id);
    if (it != jobs_.end() && it->second.slave_id == slave_id) {
      // The slave gave back a job nobody cancelled: it runs elsewhere.
      requeueLocked(job_id, "slave " + slaves_[slave_id].name + " gave it back", fx);
    }
    pumpLocked(fx);
  }
  apply(fx);
}

// --- Clients -------------------------------------------------------------------------------

void Scheduler::slaveOutput(int slave_id, const std::string& job_id, json chunks, size_t bytes) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    auto it = jobs_.find(job_id);
    // Output of a job that is over, or not this slave's, or not live, goes nowhere.
    if (it == jobs_.end() || it->second.slave_id != slave_id || !it->second.job.live()) return;
    JobRecord& r = it->second;
    if (!r.submitter || !r.acknowledged) return;
    auto client = r.submitter->peer.lock();
    if (!client) return;
    if (client->backlogBytes() > config_.stream_buffer_bytes) {
      r.dropped_output += bytes;
      report_.liveOutput(0, bytes);
      return;
    }
    report_.liveOutput(bytes, 0);
    fx.now.emplace_back(std::move(client), encodeOutput(r.submitter->request_id, job_id,
                                                        std::move(chunks), r.dropped_output));
    r.dropped_output = 0;
  }
  apply(fx);
}

Scheduler::JobRecord* Scheduler::liveJobLocked(const std::shared_ptr<Peer>& client,
                                               const json& request_id, const std::string& job_id,
                                               const char* what, Effects& fx) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || !mayAccess(client->identity(), job_id)) {
    fx.now.emplace_back(client, encodeError(request_id, errc::kUnknownJob,
                                            std::string(what) + ": job " + job_id.substr(0, 80) +
                                                " is not in flight (unknown, over, or not yours)"));
    return nullptr;
  }
  JobRecord& r = it->second;
  const bool ok = std::string_view(what) == "signal" ? r.job.live() : r.job.interactive;
  if (!ok) {
    fx.now.emplace_back(
        client, encodeError(request_id, errc::kBadMessage,
                            std::string(what) + ": job " + job_id + " is not " +
                                (std::string_view(what) == "signal" ? "streamed or interactive"
                                                                    : "interactive") +
                                " (submit it with \"interactive\": true)"));
    return nullptr;
  }
  return &r;
}

void Scheduler::input(const std::shared_ptr<Peer>& client, const json& request_id,
                      const std::string& job_id, std::string data, bool eof) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    if (JobRecord* r = liveJobLocked(client, request_id, job_id, "input", fx)) {
      const int64_t total = r->input_bytes + static_cast<int64_t>(r->job.stdin_data.size()) +
                            static_cast<int64_t>(data.size());
      if (r->input_ended) {
        fx.now.emplace_back(
            client, encodeError(request_id, errc::kBadMessage,
                                "input: the input of job " + job_id + " was already ended (eof)"));
      } else if (total > config_.max_stdin_bytes) {
        fx.now.emplace_back(
            client, encodeError(request_id, errc::kBadLimits,
                                "input: job " + job_id + "'s stdin would exceed " +
                                    std::to_string(config_.max_stdin_bytes) +
                                    " bytes (master.limits.stdin_bytes.max); end its input"));
      } else if (r->slave_id == 0) {
        r->job.stdin_data += data;  // written first when it starts
        r->input_ended = eof;
      } else {
        r->input_bytes += static_cast<int64_t>(data.size());
        r->input_ended = eof;
        fx.now.emplace_back(slaves_.at(r->slave_id).peer,
                            encodeInput(job_id, std::move(data), eof));
      }
    }
  }
  apply(fx);
}

void Scheduler::signal(const std::shared_ptr<Peer>& client, const json& request_id,
                       const std::string& job_id, int signo) {
  Effects fx;
  {
    MutexLock lock(mutex_);
    if (JobRecord* r = liveJobLocked(client, request_id, job_id, "signal", fx)) {
      if (r->slave_id == 0) {
        if (r->pending_signals.size() < 16) r->pending_signals.push_back(signo);
      } else {
        fx.now.emplace_back(slaves_.at(r->slave_id).peer, encodeSignal(job_id, signo));
      }
    }
  }
  apply(fx);
}

void Scheduler::addClient(const std::shared_ptr<Peer>& client) {
  MutexLock lock(mutex_);
  clients_[client.get()] = client;
}

bool Scheduler::applyLimits(Job& job, std::string* error) const {
  Limits d = config_.defaults;
  Limits m = config_.maxima;
  Limits& l = job.limits;
  if (job.interactive) {
    d.run.wall_ms = config_.interactive_wall_ms;
    m.run.wall_ms = config_.interactive_wall_ms_max;
    if (!fillLimit(&l.idle_ms, config_.idle_ms, config_.idle_ms_max, "limits.idle_ms", error))
      return false;
  } else if (l.idle_ms != 0) {
    *error =
        "limits.idle_ms is for interactive jobs only: set \"interactive\": true, or leave it "
        "out";
    return false;
  }
  if (!fillLimit(&l.run.wall_ms, d.run.wall_ms, m.run.wall_ms, "limits.run.wall_ms", error) ||
      !fillLimit(&l.run.cpu_ms, d.run.cpu_ms, m.run.cpu_ms, "limits.run.cpu_ms", error) ||
      !fillLimit(&l.run.memory_bytes, d.run.memory_bytes, m.run.memory_bytes,
                 "limits.run.memory_bytes", error) ||
      !fillLimit(&l.compile.wall_ms, d.compile.wall_ms, m.compile.wall_ms, "limits.compile.wall_ms",
                 error) ||
      !fillLimit(&l.compile.cpu_ms, d.compile.cpu_ms, m.compile.cpu_ms, "limits.compile.cpu_ms",
                 error) ||
      !fillLimit(&l.compile.memory_bytes, d.compile.memory_bytes, m.compile.memory_bytes,
                 "limits.compile.memory_bytes", error) ||
      !fillLimit(&l.output_bytes, d.output_bytes, m.output_bytes, "limits.output_bytes", error) ||
      !fillLimit(&l.processes, d.processes, m.processes, "limits.processes", error))
    return false;
  // A checker program's runs: the job's run limits unless it sets its own, within the same
  // maxima.
  StageLimits& c = job.checker.limits;
  const bool checker_program = job.checker.kind == CheckerKind::kProgram;
  if (checker_program &&
      (!fillLimit(&c.wall_ms, l.run.wall_ms, m.run.wall_ms, "checker.limits.wall_ms", error) ||
       !fillLimit(&c.cpu_ms, l.run.cpu_ms, m.run.cpu_ms, "checker.limits.cpu_ms", error) ||
       !fillLimit(&c.memory_bytes, l.run.memory_bytes, m.run.memory_bytes,
                  "checker.limits.memory_bytes", error)))
    return false;
  // A stage needs some memory before its program starts (its helpers are charged to it too):
  // below that a limit is a client's mistake, refused here rather than failing on the slave.
  for (const auto& [value, field] :
       {std::pair{l.run.memory_bytes, "limits.run.memory_bytes"},
        std::pair{l.compile.memory_bytes, "limits.compile.memory_bytes"},
        std::pair{checker_program ? c.memory_bytes : kMinMemoryBytes,
                  "checker.limits.memory_bytes"}})
    if (value < kMinMemoryBytes) {
      *error = std::string(field) + " = " + std::to_string(value) + " is under the minimum of " +
               std::to_string(kMinMemoryBytes) + " bytes (8 MiB) a stage needs";
      return false;
    }
  if (static_cast<int64_t>(job.stdin_data.size()) > config_.max_stdin_bytes) {
    *error = "stdin of " + std::to_string(job.stdin_data.size()) +
             " bytes is over the maximum of " + std::to_string(config_.max_stdin_bytes) + " bytes";
    return false;
  }
  if (static_cast<int64_t>(job.tests.size()) > config_.max_tests) {
    *error = std::to_string(job.tests.size()) + " test cases are over the maximum of " +
             std::to_string(config_.max_tests) +
             " (master.limits.tests.max): split them into several jobs";
    return false;
  }
  for (size_t i = 0; i < job.tests.size(); ++i) {
    if (static_cast<int64_t>(job.tests[i].stdin_data.size()) > config_.max_stdin_bytes) {
      *error = "stdin of test case " + std::to_string(i + 1) + " (" +
               std::to_string(job.tests[i].stdin_data.size()) + " bytes) is over the maximum of " +
               std::to_string(config_.max_stdin_bytes) + " bytes (master.limits.stdin_bytes.max)";
      return false;
    }
  }
  return true;
}

std::vector<Scheduler::RecoveredCallback> Scheduler::takeRecoveredCallbacks() {
  MutexLock lock(mutex_);
  return std::exchange(recovered_callbacks_, {});
}

void Scheduler::submit(const std::shared_ptr<Peer>& client, const json& request_id, Job job,
                       const json& callback) {
  Effects fx;
  // Limits, id and the journal's copy are prepared outside the mutex: a job may be megabytes.
  std::string error;
  const bool limits_ok = applyLimits(job, &error);
  std::optional<Journal::Accepted> entry;
  const std::string owner = client->identity().owner;
  if (limits_ok) {
    job.id = newJobId(owner);
    if (journal_) {
      json stored = toJson(job);
      stored["owner"] = owner;  // for recent_jobs after a restart; fromJson ignores it
      if (callback.is_object()) stored["callback"] = callback;  // for a restart: recover()
      entry = Journal::Accepted{job.id, "", dumpForStorage(stored), Journal::nowMs(),
                                hostOf(client->address())};
    }
  }
  {
    MutexLock lock(mutex_);
    // The analysis checks a lambda apart from the lock its caller holds: it gets the report
    // through a pointer taken here, under the lock.
    ClusterReport* const report = &report_;
    auto refuse = [&](std::string_view code, const std::string& message) {
      report->refused();
      entry.reset();
      fx.now.emplace_back(client, encodeError(request_id, code, message));
    };
    const auto language = router_.resolveLanguage(job.language);
    // A checker program's language is refused exactly as the job's is; and some slave must
    // offer both, since the checker runs where the program does.
    const bool checker_program = !job.tests.empty() && job.checker.kind == CheckerKind::kProgram;
    const auto checker_language =
        checker_program ? router_.resolveLanguage(job.checker.language) : std::nullopt;
    const Router* const router = &router_;  // for the lambda, as `report` above
    auto available = [&] {
      std::string list;
      for (const auto& n : router->languageNames()) list += (list.empty() ? "" : ", ") + n;
      return list.empty() ? std::string("none") : list;
    };
    if (shutting_down_ || shut_down_) {
      refuse(errc::kShuttingDown,
             "the master is shutting down and accepts no new job; submit it again once it is back");
    } else if (!language && router_.size() > 0) {
      refuse(errc::kUnknownLanguage, "no slave offers language " + shownValue(job.language) +
                                         "; available: " + available());
    } else if (language && !router_.offersVersion(*language, job.version)) {
      refuse(errc::kUnknownLanguage, "no slave offers " + *language + " version " +
                                         shownValue(job.version) +
                                         "; see `polyrun runtimes` for the versions offered");
    } else if (checker_program && !checker_language && router_.size() > 0) {
      refuse(errc::kUnknownLanguage, "no slave offers the checker's language " +
                                         shownValue(job.checker.language) +
                                         " (checker.language); available: " + available());
    } else if (checker_language && !router_.offersVersion(*checker_language, job.checker.version)) {
      refuse(errc::kUnknownLanguage, "no slave offers the checker's language " + *checker_language +
                                         " at version " + shownValue(job.checker.version) +
                                         " (checker.version); see `polyrun runtimes`");
    } else if (language && checker_language &&
               !router_.offersBoth(*language, job.version, *checker_language,
                                   job.checker.version)) {
      refuse(errc::kUnknownLanguage,
             "no slave offers both " + *language + " and the checker's language " +
                 *checker_language +
                 ": the checker runs where the program does; write the checker in " + *language +
                 " or add " + *checker_language + " to a slave that runs " + *language);
    } else if (!limits_ok) {
      refuse(errc::kBadLimits, error);
    } else {
      // With no slave connected at all the job waits: a slave may be starting.
      const std::string lang = language ? *language : job.language;
      if (queues_[lang].size() >= config_.queue_max) {
        refuse(errc::kQueueFull, "the queue for " + lang + " is full (" +
                                     std::to_string(config_.queue_max) +
                                     " jobs, master.queue.max); retry later");
      } else {
        JobRecord r;
        r.job = std::move(job);
        r.language = lang;
        r.submitter = Recipient{client, client.get(), request_id};
        r.owner = owner;
        r.accepted_at = Clock::now();
        r.state = JobState::kQueued;
        // With a journal the job is routed at once, but the client hears of it (`accepted`, then
        // progress, then the result) only once it is committed.
        r.acknowledged = !journal_;
        acceptLocked(std::move(r), fx);
        if (entry) {
          // Queued to the journal before anything of this job can be: its outcome is written
          // after it, and `accepted` goes out before the result.
          entry->language = lang;
          const std::string job_id = entry->job_id;
          journal_->accepted(std::move(*entry),
                             [this, peer = std::weak_ptr<Peer>(client), request_id, job_id](
                                 bool ok, const std::string& why) {
                               Effects fx;
                               {
                                 MutexLock lock(mutex_);
                                 acknowledgeLocked(peer, request_id, job_id, ok, why, fx);
                               }
                               apply(fx);
                             });
        }
      }
    }
  }
  apply(fx);
}

void Scheduler::acknowledgeLocked(const std::weak_ptr<Peer>& client, const json& request_id,
                                  const std::string& job_id, bool ok, const std::string& error,
                                  Effects& fx) {
  auto peer = client.lock();
  auto it = jobs_.find(job_id);
  if (!ok && it == jobs_.end()) {
    // Over already (routed at once, it may finish before its commit): nothing is left to
    // recover after a restart, and its result or `cancelled` follows. Refusing it now would
    // contradict that outcome, and the client would run it again: it is acknowledged.
    log().error("job %s could not be journaled (%s) but is over already: its outcome is sent",
                job_id, error);
  } else if (!ok) {
    // Not durable, so not accepted: the job goes, wherever it got to.
    log().error("job %s could not be journaled and is refused: %s", job_id, error);
    report_.refused();
    JobRecord& r = it->second;
    if (r.slave_id == 0) {
      auto& q = queues_[r.language];
      q.erase(std::remove(q.begin(), q.end(), job_id), q.end());
    } else {
      fx.now.emplace_back(slaves_.at(r.slave_id).peer, encodeCancel(job_id));
    }
    jobs_.erase(it);
    if (peer)
      fx.now.emplace_back(
          peer, encodeError(request_id, errc::kInternal,
                            "the master could not journal the job, so it was not accepted (" +
                                error + "); retry later"));
    return;
  }
  if (!peer) return;
  std::vector<json> ack = {encodeAccepted(request_id, job_id)};
  if (it != jobs_.end()) {  // otherwise already over: its result or `cancelled` follows
    JobRecord& r = it->second;
    r.acknowledged = true;
    std::optional<std::string_view> slave;
    if (r.slave_id != 0) slave = slaves_.at(r.slave_id).name;
    ack.push_back(encodeProgress(request_id, job_id, r.state, slave));
  }
  // Handed to the peer under the mutex, an exception to the rule: progress that other threads
  // produce from now on must come after `accepted`. Peer::send never blocks.
  peer->sendAll(ack);
}

void Scheduler::acceptLocked(JobRecord r, Effects& fx) {
  report_.submitted();
  r.seq = next_accept_seq_++;
  const std::string job_id = r.job.id;
  if (r.submitter && r.acknowledged) {
    if (auto client = r.submitter->peer.lock()) {
      const json& rid = r.submitter->request_id;
      fx.now.emplace_back(client, encodeAccepted(rid, job_id));
      fx.now.emplace_back(client, encodeProgress(rid, job_id, JobState::kQueued));
    }
  }
  queues_[r.language].push_back(job_id);
  jobs_.emplace(job_id, std::move(r));
  pumpLocked(fx);
}

void Scheduler::cancel(const std::shared_ptr<Peer>& client, const json& request_id,
                       const std::string& job_id) {
  Effects fx;
  const Recipient requester{client, client.get(), request_id};
  if (!mayAccess(client->identity(), job_id)) return answerUnknownJob(requester, job_id);
  bool ask_journal = false;
  {
    MutexLock lock(mutex_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      ask_journal = !answerFinishedLocked(requester, job_id, true, fx);
    } else {
      JobRecord& r = it->second;
      const JobState was = r.state;
      if (r.slave_id == 0) {
        auto& q = queues_[r.language];
        q.erase(std::remove(q.begin(), q.end(), job_id), q.end());
      } else {
        // The slot stays taken until the slave confirms the job stopped.
        fx.now.emplace_back(slaves_.at(r.slave_id).peer, encodeCancel(job_id));
      }
      sendWhenDurableLocked(client, encodeCancelled(request_id, job_id, was), fx);
      // The submitter's own request ends here too, unless it is this very request.
      if (r.submitter &&
          !(r.submitter->key == client.get() && r.submitter->request_id == request_id)) {
        if (auto submitter = r.submitter->peer.lock())
          sendWhenDurableLocked(std::move(submitter),
                                encodeCancelled(r.submitter->request_id, job_id, was), fx);
      }
      for (const auto& w : r.watchers) {
        if (auto peer = w.peer.lock())
          sendWhenDurableLocked(std::move(peer),
                                encodeJobReply(w.request_id, job_id, JobState::kCancelled), fx);
      }
      log().information("job %s cancelled while %s", job_id, was);
      report_.cancelled();
      jobs_.erase(it);
      FinishedJob f{JobState::kCancelled, nullptr, Clock::now()};
      results_.put(job_id, f);
      fx.outcomes.emplace_back(job_id, std::move(f));
    }
  }
  apply(fx);
  if (ask_journal) answerFromJournal(requester, job_id, true);
}

void Scheduler::lookup(const std::shared_ptr<Peer>& client, const json& request_id,
                       const std::string& job_id, bool wait) {
  Effects fx;
  const Recipient requester{client, client.get(), request_id};
  if (!mayAccess(client->identity(), job_id)) return answerUnknownJob(requester, job_id);
  bool ask_journal = false;
  {
    MutexLock lock(mutex_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      ask_journal = !answerFinishedLocked(requester, job_id, false, fx);
    } else if (wait && it->second.watchers.size() < kMaxWatchers) {
      it->second.watchers.push_back(requester);
    } else {  // or too many waiting already: the state now, the client may ask again
      const JobRecord& r = it->second;
      std::optional<std::string_view> slave;
      if (r.slave_id != 0) slave = slaves_.at(r.slave_id).name;
      fx.now.emplace_back(client, encodeJobReply(request_id, job_id, r.state, slave));
    }
  }
  apply(fx);
  if (ask_journal) answerFromJournal(requester, job_id, false);
}

bool Scheduler::answerFinishedLocked(const Recipient& to, const std::string& job_id,
                                     bool cancel_request, Effects& fx) const {
  const FinishedJob* f = results_.find(job_id);
  if (!f) return false;
  answerOutcomeLocked(to, job_id, *f, cancel_request, fx);
  return true;
}

void Scheduler::answerOutcomeLocked(const Recipient& to, const std::string& job_id,
                                    const FinishedJob& f, bool cancel_request, Effects& fx) const {
  auto peer = to.peer.lock();
  if (!peer) return;
  if (!cancel_request) {
    fx.now.emplace_back(std::move(peer), encodeJobReply(to.request_id, job_id, f.state,
                                                        std::nullopt, f.result.get()));
  } else if (f.state == JobState::kCancelled) {
    fx.now.emplace_back(std::move(peer),
                        encodeCancelled(to.request_id, job_id, JobState::kCancelled));
  } else {
    fx.now.emplace_back(
        std::move(peer),
        encodeError(to.request_id, errc::kAlreadyFinished,
                    "job " + job_id + " already finished (" +
                        (f.result ? f.result->value("verdict", std::string("?")) : "?") +
                        "); look its result up with a \"job\" request"));
  }
}

void Scheduler::answerFromJournal(const Recipient& to, const std::string& job_id,
                                  bool cancel_request) {
  auto peer = to.peer.lock();
  if (!peer) return;
  std::optional<Journal::Outcome> stored = journal_ ? journal_->lookup(job_id) : std::nullopt;
  if (!stored) return answerUnknownJob(to, job_id);
  // Cached with its real age, so the retention time still counts from when it finished.
  const auto age =
      std::chrono::milliseconds(std::max<int64_t>(0, Journal::nowMs() - stored->finished_ms));
  // The journal stores what apply() wrote: "finished" or "cancelled".
  const JobState state = parseJobState(stored->state).value_or(JobState::kFinished);
  FinishedJob f{state, nullptr, Clock::now() - age};
  f.bytes += stored->result_json.size();
  if (!stored->result_json.empty()) {
    json result;
    if (parseJson(stored->result_json, &result).isOk())
      f.result = std::make_shared<const json>(std::move(result));
  }
  Effects fx;
  {
    MutexLock lock(mutex_);
    // Answered from `f`: with master.results.memory.max = 0 it is not remembered.
    answerOutcomeLocked(to, job_id, f, cancel_request, fx);
    results_.put(job_id, f);
  }
  apply(fx);
}

// The same answer for an id that never existed and for one the client may not see.
void Scheduler::answerUnknownJob(const Recipient& to, const std::string& job_id) const {
  if (auto peer = to.peer.lock())
    peer->send(encodeError(
        to.request_id, errc::kUnknownJob,
        "no job " + shownValue(job_id) +
            " of yours on this master: it never existed, it was "
            "submitted with another client token, or it ended more than " +
            std::to_string(config_.result_retention_ms / 1000) +
            " s ago (master.results.retention.s), or the journal purged it early to stay within "
            "master.journal.max.bytes / master.journal.client.max.bytes"));
}

bool Scheduler::clientBusy(const Peer* client) const {
  MutexLock lock(mutex_);
  auto is = [client](const Recipient& to) { return to.key == client && !to.peer.expired(); };
  for (const auto& [id, r] : jobs_) {
    if (r.submitter && is(*r.submitter)) return true;
    if (std::any_of(r.watchers.begin(), r.watchers.end(), is)) return true;
  }
  MutexLock delivering(delivering_->mutex);
  return delivering_->count.count(client) > 0;
}

void Scheduler::clientGone(const Peer* client) {
  MutexLock lock(mutex_);
  for (auto& [id, r] : jobs_) {
    if (r.submitter && r.submitter->key == client) r.submitter.reset();
    std::erase_if(r.watchers, [client](const Recipient& w) { return w.key == client; });
  }
  clients_.erase(client);
}

void Scheduler::progressLocked(const JobRecord& r, std::optional<std::string_view> slave,
                               Effects& fx, const json* test) const {
  if (!r.submitter || !r.acknowledged) return;  // acknowledgeLocked() sends the state then
  auto client = r.submitter->peer.lock();
  if (!client) return;
  fx.now.emplace_back(std::move(client),
                      encodeProgress(r.submitter->request_id, r.job.id, r.state, slave, test));
}

void Scheduler::finishLocked(const std::string& job_id, JobResult result, Effects& fx) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  JobRecord& r = it->second;
  const auto now = Clock::now();
  result.job_id = job_id;
  if (result.language.empty()) result.language = r.language;
  result.queue_ms = r.assigned_at > r.accepted_at ? msBetween(r.accepted_at, r.assigned_at)
                                                  : msBetween(r.accepted_at, now);
  result.total_ms = msBetween(r.accepted_at, now);
  {
    std::string client = "-";
    if (r.submitter)
      if (auto peer = r.submitter->peer.lock()) client = peer->address();
    std::optional<int64_t> run_ms;
    if (r.assigned_at > r.accepted_at) run_ms = msBetween(r.assigned_at, now);
    report_.finished(result, r.language, client, r.owner, run_ms, now);
  }
  if (jobLog().information()) {
    jobLog().information("job %s %s on %s: %s, queue %s ms, total %s ms", job_id, r.language,
                         result.slave.empty() ? std::string("-") : result.slave,
                         std::string(verdictName(result.verdict)), std::to_string(result.queue_ms),
                         std::to_string(result.total_ms));
  }
  // One copy of the result, shared by the memory store and the journal; messages embed it.
  const auto rj = std::make_shared<const json>(toJson(result));
  // A live job's last word on what its client missed, before the result.
  if (r.submitter && r.dropped_output > 0) {
    if (auto client = r.submitter->peer.lock())
      fx.now.emplace_back(std::move(client), encodeOutput(r.submitter->request_id, job_id,
                                                          json::array(), r.dropped_output));
  }
  if (r.submitter) {
    if (auto client = r.submitter->peer.lock())
      sendWhenDurableLocked(std::move(client), encodeResult(r.submitter->request_id, job_id, *rj),
                            fx);
  }
  for (const auto& w : r.watchers) {
    if (auto peer = w.peer.lock())
      sendWhenDurableLocked(
          std::move(peer),
          encodeJobReply(w.request_id, job_id, JobState::kFinished, std::nullopt, rj.get()), fx);
  }
  jobs_.erase(it);
  FinishedJob f = FinishedJob::ofResult(result, rj, now);
  results_.put(job_id, f);
  fx.outcomes.emplace_back(job_id, std::move(f));
}

void Scheduler::mergeAliasQueuesLocked() {
  // Jobs accepted while no slave knew their language are queued under the name the client
  // used; once a slave knows that name (perhaps as an alias) they join the canonical queue.
  for (auto it = queues_.begin(); it != queues_.end();) {
    auto canonical = router_.resolveLanguage(it->first);
    if (!canonical || *canonical == it->first) {
      ++it;
      continue;
    }
    auto& target = queues_[*canonical];
    for (const auto& job_id : it->second) {
      jobs_.at(job_id).language = *canonical;
      target.push_back(job_id);
    }
    it = queues_.erase(it);
  }
}

void Scheduler::pumpLocked(Effects& fx) {
  if (shutting_down_ || shut_down_) return;
  for (auto& [language, queue] : queues_) {
    while (!queue.empty()) {
      auto it = jobs_.find(queue.front());
      if (it == jobs_.end()) {  // cannot happen: every removal edits the queue too
        queue.pop_front();
        continue;
      }
      JobRecord& r = it->second;
      const auto version = router_.pickVersion(language, r.job.version);
      if (!version) break;
      // A checker program in another language: only a slave offering it too, at its newest
      // version there that matches.
      const bool checker_program =
          !r.job.tests.empty() && r.job.checker.kind == CheckerKind::kProgram;
      std::optional<std::string> checker_language;
      SlaveFilter filter;
      if (checker_program) {
        checker_language = router_.resolveLanguage(r.job.checker.language);
        if (!checker_language) break;
        filter = [&](const SlaveSnapshot& s) {
          return newestVersionOn(s, *checker_language, r.job.checker.version).has_value();
        };
      }
      const auto slave_id = router_.pick(language, *version, jobAffinity(r.job), filter);
      if (!slave_id) break;
      SlaveState& slave = slaves_.at(*slave_id);
      slave.held.insert(r.job.id);
      router_.assigned(*slave_id, ++assign_seq_);
      r.slave_id = *slave_id;
      r.attempts++;
      r.assigned_at = Clock::now();
      r.state = JobState::kAssigned;
      json job = toJson(r.job);
      job["language"] = language;
      job["version"] = *version;
      if (checker_program) {
        job["checker"]["language"] = *checker_language;
        job["checker"]["version"] =
            *newestVersionOn(*router_.find(*slave_id), *checker_language, r.job.checker.version);
      }
      fx.now.emplace_back(slave.peer, encodeAssign(r.job.id, std::move(job)));
      // What a live job was sent while queued: its input is in the job's stdin, the rest follows.
      if (r.input_ended) fx.now.emplace_back(slave.peer, encodeInput(r.job.id, {}, true));
      for (int signo : r.pending_signals)
        fx.now.emplace_back(slave.peer, encodeSignal(r.job.id, signo));
      r.pending_signals.clear();
      progressLocked(r, slave.name, fx);
      queue.pop_front();
    }
  }
}

// --- Reports -------------------------------------------------------------------------------

json Scheduler::runtimes() const {
  MutexLock lock(mutex_);
  std::map<std::pair<std::string, std::string>, std::pair<RunnerInfo, int>> seen;
  for (const auto& [id, s] : slaves_) {
    const SlaveSnapshot* snapshot = router_.find(id);
    if (!snapshot || snapshot->draining) continue;
    for (const auto& l : snapshot->languages) {
      auto& entry = seen[{l.language, l.version}];
      entry.first = l;
      entry.second++;
    }
  }
  json list = json::array();
  for (const auto& [key, entry] : seen) {
    json j = toJson(entry.first);
    j["slaves"] = entry.second;
    list.push_back(std::move(j));
  }
  return list;
}

json Scheduler::cluster(const ClientIdentity& viewer) const {
  MutexLock lock(mutex_);
  const ClusterReport::State state{slaves_,
                                   router_,
                                   queues_,
                                   clients_.size(),
                                   /*stopping=*/shutting_down_ || shut_down_,
                                   /*journal=*/journal_ != nullptr,
                                   started_at_};
  return report_.snapshot(state, viewer, Clock::now());
}

Scheduler::Metrics Scheduler::metrics() const {
  MutexLock lock(mutex_);
  return report_.metrics();
}

// --- Stopping ------------------------------------------------------------------------------

void Scheduler::beginShutdown() {
  MutexLock lock(mutex_);
  shutting_down_ = true;
}

bool Scheduler::idleLocked() const {
  return applying_results_ == 0 && std::all_of(slaves_.begin(), slaves_.end(),
                                               [](const auto& s) { return s.second.held.empty(); });
}

bool Scheduler::waitUntilIdle(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  MutexLock lock(mutex_);
  while (!idleLocked()) {
    if (idle_cv_.wait_until(lock.native(), deadline) == std::cv_status::timeout)
      return idleLocked();
  }
  return true;
}

void Scheduler::shutdown() {
  std::vector<std::shared_ptr<Peer>> peers;
  Effects fx;
  {
    MutexLock lock(mutex_);
    shutting_down_ = shut_down_ = true;
    if (!journal_) {
      // Without a journal nothing survives the master: say so rather than leave clients waiting.
      for (const auto& [job_id, r] : jobs_) {
        if (!r.submitter) continue;
        if (auto client = r.submitter->peer.lock())
          fx.now.emplace_back(
              std::move(client),
              encodeError(
                  r.submitter->request_id, errc::kShuttingDown,
                  "the master stopped before job " + job_id +
                      " finished and keeps "
                      "no journal (master.journal.path): the job is lost; submit it again"));
      }
    }
    for (auto& [id, s] : slaves_) peers.push_back(s.peer);
    for (auto& [key, w] : clients_)
      if (auto p = w.lock()) peers.push_back(p);
  }
  apply(fx);
  for (auto& p : peers) p->close();
}

}  // namespace polyrun::master
