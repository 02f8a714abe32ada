#include "cluster_report.h"

#include "polyrun/job_json.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

int64_t msBetween(ClusterReport::Clock::time_point a, ClusterReport::Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

void ClusterReport::finished(const JobResult& result, const std::string& language,
                             const std::string& client, const std::string& owner,
                             std::optional<int64_t> run_ms, Clock::time_point at) {
  const std::string verdict(verdictName(result.verdict));
  ++completed_;
  ++by_verdict_[verdict];
  ++by_language_[language];
  ++metrics_.jobs[{language, verdict}];
  metrics_.queue.observe(result.queue_ms);
  if (run_ms) metrics_.run.observe(*run_ms);
  recent_jobs_.push_front({json{{"job_id", result.job_id},
                                {"client", client},
                                {"language", result.language},
                                {"version", result.version},
                                {"verdict", verdict},
                                {"slave", result.slave},
                                {"queue_ms", result.queue_ms},
                                {"total_ms", result.total_ms}},
                           at, owner});
  if (recent_jobs_.size() > kRecentJobs) recent_jobs_.pop_back();
}

json ClusterReport::snapshot(const State& state, const ClientIdentity& viewer,
                             Clock::time_point now) const {
  json slaves = json::array();
  size_t running = 0;
  for (const auto& [id, s] : state.slaves) {
    const SlaveSnapshot* snapshot = state.router.find(id);
    if (!snapshot) continue;
    json languages = json::array();
    for (const auto& l : snapshot->languages) languages.push_back(toJson(l));
    running += s.held.size();
    slaves.push_back({{"id", id},
                      {"name", s.name},
                      {"address", s.peer->address()},
                      {"state", snapshot->draining ? "draining" : "ready"},
                      {"running", s.held.size()},
                      {"capacity", snapshot->capacity},
                      {"limits", s.limits},
                      {"score", slaveScore(*snapshot)},
                      {"load",
                       {{"running", s.reported.running},
                        {"assigned", s.reported.assigned},
                        {"peak_assigned", s.reported.peak_assigned},
                        {"capacity", s.reported.capacity},
                        {"load_avg", s.reported.load_avg},
                        {"cpu_busy", s.reported.cpu_busy},
                        {"memory_free_bytes", s.reported.memory_free_bytes}}},
                      {"languages", std::move(languages)},
                      {"plugins", s.plugins},
                      {"last_heartbeat_ms", msBetween(s.last_heartbeat, now)}});
  }
  json queues = json::object();
  size_t queued = 0;
  for (const auto& [language, q] : state.queues) {
    queues[language] = q.size();
    queued += q.size();
  }
  json by_verdict = json::object();
  for (const auto& [v, n] : by_verdict_) by_verdict[v] = n;
  json by_language = json::object();
  for (const auto& [l, n] : by_language_) by_language[l] = n;
  json recent = json::array();
  for (const auto& j : recent_jobs_) {
    const bool own = viewer.sees_all || j.owner == viewer.owner;
    if (!own && other_jobs_ == OtherJobs::kNone) continue;
    json entry = j.info;
    if (!own && other_jobs_ == OtherJobs::kSummary) {
      entry.erase("job_id");
      entry.erase("client");
    }
    entry["finished_ms_ago"] = msBetween(j.at, now);
    recent.push_back(std::move(entry));
  }
  return {{"uptime_ms", msBetween(state.started_at, now)},
          {"recent_jobs", std::move(recent)},
          {"state", state.stopping ? "stopping" : "serving"},
          {"journal", state.journal},
          {"clients", state.clients},
          {"slaves", std::move(slaves)},
          {"queues", std::move(queues)},
          {"counters",
           {{"submitted", submitted_},
            {"completed", completed_},
            {"cancelled", cancelled_},
            {"requeued", requeued_},
            {"refused", refused_},
            {"recovered", recovered_},
            {"queued", queued},
            {"running", running},
            {"by_verdict", std::move(by_verdict)},
            {"by_language", std::move(by_language)}}}};
}

}  // namespace polyrun::master
