#include "scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

Poco::Logger& log() { return Poco::Logger::get("master.scheduler"); }

json errorMessage(const json& id, std::string_view code, const std::string& message) {
  json m = {{"type", msg::kError}, {"code", code}, {"message", message}};
  if (!id.is_null()) m["id"] = id;
  return m;
}

int64_t msBetween(Scheduler::Clock::time_point a, Scheduler::Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// Fills a limit left at 0 with its default; refuses a negative one or one over its maximum.
bool fillLimit(int64_t* value, int64_t def, int64_t max, const std::string& field, std::string* error) {
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

}  // namespace

Scheduler::Scheduler(SchedulerConfig config) : config_(std::move(config)) {}

void Scheduler::flush(Outbox& out) {
  for (auto& [peer, message] : out) peer->send(message);
  out.clear();
}

std::vector<SlaveSnapshot> Scheduler::snapshotsLocked() const {
  std::vector<SlaveSnapshot> v;
  v.reserve(slaves_.size());
  for (const auto& [id, s] : slaves_) v.push_back(s.snapshot);
  return v;
}

std::vector<RunnerInfo> Scheduler::allLanguagesLocked() const {
  std::vector<RunnerInfo> all;
  for (const auto& [id, s] : slaves_)
    all.insert(all.end(), s.snapshot.languages.begin(), s.snapshot.languages.end());
  return all;
}

int Scheduler::addSlave(std::shared_ptr<Peer> peer, const std::string& name, int capacity,
                        std::vector<RunnerInfo> languages, const SlaveLoad& load) {
  Outbox out;
  int id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_slave_id_++;
    SlaveState& s = slaves_[id];
    s.peer = std::move(peer);
    s.name = name;
    s.snapshot.id = id;
    s.snapshot.capacity = std::max(capacity, 0);
    s.snapshot.languages = std::move(languages);
    s.snapshot.load_avg = load.load_avg;
    s.reported = load;
    s.last_heartbeat = Clock::now();
    if (shut_down_) s.snapshot.ready = false;
    // `registered` goes out before any assignment the pump may make.
    out.emplace_back(s.peer, json{{"type", msg::kRegistered}, {"slave_id", id},
                                  {"heartbeat_ms", config_.heartbeat_ms}});
    pumpLocked(out);
  }
  flush(out);
  return id;
}

void Scheduler::removeSlave(int slave_id, const std::string& reason) {
  Outbox out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = slaves_.find(slave_id);
    if (it == slaves_.end()) return;
    const std::string name = it->second.name;
    slaves_.erase(it);
    log().warning("slave %s (id %d) is gone: %s", name, slave_id, reason);
    // Its jobs go back to the front of their queues, in their original order.
    std::vector<std::string> orphans;
    for (auto& [job_id, r] : jobs_)
      if (r.slave_id == slave_id) orphans.push_back(job_id);
    std::sort(orphans.begin(), orphans.end(), [&](const std::string& a, const std::string& b) {
      return jobs_[a].accepted_at > jobs_[b].accepted_at;
    });
    for (const auto& job_id : orphans) {
      JobRecord& r = jobs_[job_id];
      r.slave_id = 0;
      if (r.attempts >= config_.max_attempts) {
        JobResult failed;
        failed.verdict = Verdict::kInternalError;
        failed.message = "the job was lost with its slave " + std::to_string(r.attempts) +
                         " times (last: " + name + ": " + reason + "); giving up";
        failed.language = r.language;
        finishLocked(job_id, std::move(failed), out);
        continue;
      }
      queues_[r.language].push_front(job_id);
      toClientLocked(r, {{"type", msg::kProgress}, {"job_id", job_id}, {"state", state::kQueued}}, out);
    }
    pumpLocked(out);
  }
  flush(out);
}

void Scheduler::slaveHeartbeat(int slave_id, const SlaveLoad& load) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slaves_.find(slave_id);
  if (it == slaves_.end()) return;
  it->second.reported = load;
  it->second.snapshot.load_avg = load.load_avg;
  it->second.last_heartbeat = Clock::now();
}

void Scheduler::slaveLanguages(int slave_id, std::vector<RunnerInfo> languages) {
  Outbox out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = slaves_.find(slave_id);
    if (it == slaves_.end()) return;
    it->second.snapshot.languages = std::move(languages);
    log().information("slave %s now offers %z languages", it->second.name,
                      it->second.snapshot.languages.size());
    pumpLocked(out);
  }
  flush(out);
}

void Scheduler::slavePlugins(int slave_id, json plugins) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slaves_.find(slave_id);
  if (it != slaves_.end() && plugins.is_array()) it->second.plugins = std::move(plugins);
}

void Scheduler::slaveProgress(int slave_id, const std::string& job_id, const std::string& st) {
  Outbox out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end() || it->second.slave_id != slave_id) return;
    toClientLocked(it->second, {{"type", msg::kProgress}, {"job_id", job_id}, {"state", st},
                                {"slave", slaves_[slave_id].name}}, out);
  }
  flush(out);
}

void Scheduler::slaveResult(int slave_id, JobResult result) {
  Outbox out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jobs_.find(result.job_id);
    // A result for a job this slave no longer holds (it was reassigned) is dropped: the client
    // gets exactly one result per job.
    if (it == jobs_.end() || it->second.slave_id != slave_id) {
      log().information("dropping a late result for job %s from slave id %d", result.job_id, slave_id);
      return;
    }
    auto slave = slaves_.find(slave_id);
    if (slave != slaves_.end()) {
      slave->second.snapshot.running = std::max(0, slave->second.snapshot.running - 1);
      result.slave = slave->second.name;
    }
    const std::string job_id = result.job_id;  // `result` is moved below
    finishLocked(job_id, std::move(result), out);
    pumpLocked(out);
  }
  flush(out);
}

void Scheduler::addClient(const std::shared_ptr<Peer>& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) {
    client->close();
    return;
  }
  std::erase_if(clients_, [](const std::weak_ptr<Peer>& w) { return w.expired(); });
  clients_.push_back(client);
}

bool Scheduler::applyLimitsLocked(Job& job, std::string* error) const {
  const Limits& d = config_.defaults;
  const Limits& m = config_.maxima;
  Limits& l = job.limits;
  if (!fillLimit(&l.run.wall_ms, d.run.wall_ms, m.run.wall_ms, "limits.run.wall_ms", error) ||
      !fillLimit(&l.run.cpu_ms, d.run.cpu_ms, m.run.cpu_ms, "limits.run.cpu_ms", error) ||
      !fillLimit(&l.run.memory_bytes, d.run.memory_bytes, m.run.memory_bytes, "limits.run.memory_bytes", error) ||
      !fillLimit(&l.compile.wall_ms, d.compile.wall_ms, m.compile.wall_ms, "limits.compile.wall_ms", error) ||
      !fillLimit(&l.compile.cpu_ms, d.compile.cpu_ms, m.compile.cpu_ms, "limits.compile.cpu_ms", error) ||
      !fillLimit(&l.compile.memory_bytes, d.compile.memory_bytes, m.compile.memory_bytes,
                 "limits.compile.memory_bytes", error) ||
      !fillLimit(&l.output_bytes, d.output_bytes, m.output_bytes, "limits.output_bytes", error) ||
      !fillLimit(&l.processes, d.processes, m.processes, "limits.processes", error))
    return false;
  if (static_cast<int64_t>(job.stdin_data.size()) > config_.max_stdin_bytes) {
    *error = "stdin of " + std::to_string(job.stdin_data.size()) + " bytes is over the maximum of " +
             std::to_string(config_.max_stdin_bytes) + " bytes";
    return false;
  }
  return true;
}

std::string Scheduler::newJobIdLocked() {
  // Unique across restarts of the master: its start time, then a sequence number.
  static const auto epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
  std::ostringstream id;
  id << "j-" << std::hex << epoch_ms << "-" << std::dec << std::setw(6) << std::setfill('0')
     << next_job_seq_++;
  return id.str();
}

void Scheduler::submit(const std::shared_ptr<Peer>& client, const json& request_id, Job job) {
  Outbox out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto refuse = [&](std::string_view code, const std::string& message) {
      out.emplace_back(client, errorMessage(request_id, code, message));
    };
    std::string error;
    const auto languages = allLanguagesLocked();
    auto language = resolveLanguage(languages, job.language);
    if (shut_down_) {
      refuse(errc::kInternal, "the master is shutting down; submit again to its successor");
    } else if (!language && !slaves_.empty()) {
      std::set<std::string> names;
      for (const auto& l : languages) names.insert(l.language);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      refuse(errc::kUnknownLanguage, "no slave offers language \"" + job.language +
                                         "\"; available: " + (list.empty() ? "none" : list));
    } else if (language && !pickVersion(snapshotsLocked(), *language, job.version)) {
      refuse(errc::kUnknownLanguage, "no slave offers " + *language + " version \"" + job.version +
                                         "\"; see `polyrun runtimes` for the versions offered");
    } else if (!applyLimitsLocked(job, &error)) {
      refuse(errc::kBadLimits, error);
    } else {
      // With no slave connected at all the job waits: a slave may be starting.
      const std::string lang = language ? *language : job.language;
      auto& queue = queues_[lang];
      if (queue.size() >= config_.queue_max) {
        refuse(errc::kQueueFull, "the queue for " + lang + " is full (" +
                                     std::to_string(config_.queue_max) + " jobs); retry later");
      } else {
        job.id = newJobIdLocked();
        JobRecord& r = jobs_[job.id];
        r.language = lang;
        r.client = client;
        r.client_key = client.get();
        r.request_id = request_id;
        r.accepted_at = Clock::now();
        r.job = std::move(job);
        queue.push_back(r.job.id);
        ++submitted_;
        out.emplace_back(client, json{{"type", msg::kAccepted}, {"id", request_id}, {"job_id", r.job.id}});
        out.emplace_back(client, json{{"type", msg::kProgress}, {"id", request_id},
                                      {"job_id", r.job.id}, {"state", state::kQueued}});
        pumpLocked(out);
      }
    }
  }
  flush(out);
}

void Scheduler::clientGone(const Peer* client) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->second.client_key == client && it->second.slave_id == 0) {
      auto& q = queues_[it->second.language];
      q.erase(std::remove(q.begin(), q.end(), it->first), q.end());
      it = jobs_.erase(it);
    } else {
      if (it->second.client_key == client) it->second.client_key = nullptr;
      ++it;
    }
  }
  std::erase_if(clients_, [client](const std::weak_ptr<Peer>& w) {
    auto p = w.lock();
    return !p || p.get() == client;
  });
}

void Scheduler::toClientLocked(const JobRecord& record, json message, Outbox& out) const {
  auto client = record.client.lock();
  if (!client || !record.client_key) return;
  message["id"] = record.request_id;
  out.emplace_back(std::move(client), std::move(message));
}

void Scheduler::finishLocked(const std::string& job_id, JobResult result, Outbox& out) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  JobRecord& r = it->second;
  const auto now = Clock::now();
  result.job_id = job_id;
  if (result.language.empty()) result.language = r.language;
  result.queue_ms = r.assigned_at > r.accepted_at ? msBetween(r.accepted_at, r.assigned_at) : msBetween(r.accepted_at, now);
  result.total_ms = msBetween(r.accepted_at, now);
  ++completed_;
  ++by_verdict_[std::string(verdictName(result.verdict))];
  ++by_language_[r.language];
  log().information("job %s %s on %s: %s, queue %s ms, total %s ms", job_id, r.language,
                    result.slave.empty() ? std::string("-") : result.slave,
                    std::string(verdictName(result.verdict)), std::to_string(result.queue_ms), std::to_string(result.total_ms));
  toClientLocked(r, {{"type", msg::kResult}, {"job_id", job_id}, {"result", toJson(result)}}, out);
  jobs_.erase(it);
}

void Scheduler::pumpLocked(Outbox& out) {
  if (shut_down_) return;
  // Jobs accepted while no slave was connected are queued under the name the client used; once
  // a slave knows that name (perhaps as an alias) they join the canonical language's queue.
  const auto languages = allLanguagesLocked();
  for (auto it = queues_.begin(); it != queues_.end();) {
    auto canonical = resolveLanguage(languages, it->first);
    if (!canonical || *canonical == it->first) {
      ++it;
      continue;
    }
    auto& target = queues_[*canonical];
    for (const auto& job_id : it->second) {
      jobs_[job_id].language = *canonical;
      target.push_back(job_id);
    }
    it = queues_.erase(it);
  }
  std::vector<SlaveSnapshot> snapshots = snapshotsLocked();
  for (auto& [language, queue] : queues_) {
    while (!queue.empty()) {
      JobRecord& r = jobs_[queue.front()];
      auto version = pickVersion(snapshots, language, r.job.version);
      if (!version) break;
      auto slave_id = pickSlave(snapshots, language, *version);
      if (!slave_id) break;
      SlaveState& slave = slaves_[*slave_id];
      slave.snapshot.running++;
      slave.snapshot.last_assigned = ++assign_seq_;
      for (auto& s : snapshots)
        if (s.id == *slave_id) s = slave.snapshot;
      r.slave_id = *slave_id;
      r.attempts++;
      r.assigned_at = Clock::now();
      Job job = r.job;
      job.language = language;
      job.version = *version;
      out.emplace_back(slave.peer, json{{"type", msg::kAssign}, {"job_id", r.job.id}, {"job", toJson(job)}});
      toClientLocked(r, {{"type", msg::kProgress}, {"job_id", r.job.id}, {"state", state::kAssigned},
                         {"slave", slave.name}}, out);
      queue.pop_front();
    }
  }
}

json Scheduler::runtimes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::pair<std::string, std::string>, std::pair<RunnerInfo, int>> seen;
  for (const auto& [id, s] : slaves_) {
    if (!s.snapshot.ready) continue;
    for (const auto& l : s.snapshot.languages) {
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

json Scheduler::cluster() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = Clock::now();
  json slaves = json::array();
  for (const auto& [id, s] : slaves_) {
    json languages = json::array();
    for (const auto& l : s.snapshot.languages) languages.push_back(toJson(l));
    slaves.push_back({{"id", id},
                      {"name", s.name},
                      {"address", s.peer->address()},
                      {"state", s.snapshot.ready ? "ready" : "draining"},
                      {"running", s.snapshot.running},
                      {"capacity", s.snapshot.capacity},
                      {"load", {{"running", s.reported.running},
                                {"load_avg", s.reported.load_avg},
                                {"memory_free_bytes", s.reported.memory_free_bytes}}},
                      {"languages", std::move(languages)},
                      {"plugins", s.plugins},
                      {"last_heartbeat_ms", msBetween(s.last_heartbeat, now)}});
  }
  json queues = json::object();
  for (const auto& [language, q] : queues_) queues[language] = q.size();
  json by_verdict = json::object();
  for (const auto& [v, n] : by_verdict_) by_verdict[v] = n;
  json by_language = json::object();
  for (const auto& [l, n] : by_language_) by_language[l] = n;
  return {{"uptime_ms", msBetween(started_at_, now)},
          {"slaves", std::move(slaves)},
          {"queues", std::move(queues)},
          {"counters", {{"submitted", submitted_},
                        {"completed", completed_},
                        {"running", std::count_if(jobs_.begin(), jobs_.end(),
                                                  [](const auto& j) { return j.second.slave_id != 0; })},
                        {"by_verdict", std::move(by_verdict)},
                        {"by_language", std::move(by_language)}}}};
}

void Scheduler::shutdown() {
  std::vector<std::shared_ptr<Peer>> peers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shut_down_ = true;
    for (auto& [id, s] : slaves_) peers.push_back(s.peer);
    for (auto& w : clients_)
      if (auto p = w.lock()) peers.push_back(p);
  }
  for (auto& p : peers) p->close();
}

}  // namespace polyrun::master
