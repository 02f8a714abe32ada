#include "http_metrics.h"

#include <cmath>
#include <sstream>

namespace polyrun::master {
namespace {
using nlohmann::json;

class Writer {
 public:
  void family(const std::string& name, const char* type, const char* help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ';
    // Counts print exactly; the stream's default precision would round 1234567 to 1.23457e+06.
    if (value < 1e15 && value > -1e15 && value == std::trunc(value))
      out_ << static_cast<int64_t>(value);
    else
      out_ << value;
    out_ << '\n';
  }
  void histogram(const std::string& name, const char* help, const LatencyHistogram& h) {
    family(name, "histogram", help);
    for (size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
      std::ostringstream le;
      le << static_cast<double>(kLatencyBucketsMs[i]) / 1000;
      sample(name + "_bucket", "le=\"" + le.str() + "\"", static_cast<double>(h.buckets[i]));
    }
    sample(name + "_bucket", "le=\"+Inf\"", static_cast<double>(h.count));
    sample(name + "_sum", "", static_cast<double>(h.sum_ms) / 1000);
    sample(name + "_count", "", static_cast<double>(h.count));
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

double number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + escapeLabel(value) + "\"";
}

}  // namespace

std::string escapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string renderMetrics(const json& cluster, const Scheduler::Metrics& metrics,
                          const std::map<int, uint64_t>& http_responses) {
  Writer w;
  const json counters = cluster.value("counters", json::object());
  w.family("polyrun_uptime_seconds", "gauge", "Seconds since the master started.");
  w.sample("polyrun_uptime_seconds", "", number(cluster, "uptime_ms") / 1000);

  w.family("polyrun_jobs_finished_total", "counter", "Jobs finished, by language and verdict.");
  for (const auto& [key, n] : metrics.jobs)
    w.sample("polyrun_jobs_finished_total",
             label("language", key.first) + "," + label("verdict", key.second),
             static_cast<double>(n));
  const std::pair<const char*, const char*> totals[] = {
      {"submitted", "Jobs accepted."},
      {"cancelled", "Jobs cancelled."},
      {"refused", "Submissions refused (unknown language, bad limits, queue full, stopping)."},
      {"requeued", "Assignments given back to the queue by lost slaves."}};
  for (const auto& [key, help] : totals) {
    const std::string name = std::string("polyrun_jobs_") + key + "_total";
    w.family(name, "counter", help);
    w.sample(name, "", number(counters, key));
  }
  w.family("polyrun_jobs_running", "gauge", "Jobs assigned to slaves and not ended.");
  w.sample("polyrun_jobs_running", "", number(counters, "running"));

  w.family("polyrun_queue_length", "gauge", "Jobs waiting for a slave, by language.");
  const json queues = cluster.value("queues", json::object());
  for (const auto& [language, n] : queues.items())
    w.sample("polyrun_queue_length", label("language", language),
             n.is_number() ? n.get<double>() : 0);

  const json slaves = cluster.value("slaves", json::array());
  w.family("polyrun_slaves", "gauge", "Slaves connected.");
  w.sample("polyrun_slaves", "", static_cast<double>(slaves.size()));
  struct PerSlave {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const json&);
  };
  const PerSlave per_slave[] = {
      {"polyrun_slave_running", "gauge",
       "Jobs the master has assigned to the slave and not seen end.",
       [](const json& s) { return number(s, "running"); }},
      {"polyrun_slave_capacity", "gauge", "Jobs the slave runs at once (slave.jobs.max).",
       [](const json& s) { return number(s, "capacity"); }},
      {"polyrun_slave_load_average", "gauge", "The slave's 1-minute load average per core.",
       [](const json& s) { return number(s.value("load", json::object()), "load_avg"); }},
      {"polyrun_slave_cpu_busy_ratio", "gauge", "Fraction of the slave's CPU time busy (0 to 1).",
       [](const json& s) { return number(s.value("load", json::object()), "cpu_busy"); }},
      {"polyrun_slave_memory_free_bytes", "gauge", "The slave's available memory.",
       [](const json& s) { return number(s.value("load", json::object()), "memory_free_bytes"); }},
      {"polyrun_slave_draining", "gauge", "1 while the slave drains (takes no new job).",
       [](const json& s) { return s.value("state", "") == "draining" ? 1.0 : 0.0; }},
      {"polyrun_slave_last_heartbeat_seconds", "gauge", "Seconds since the slave's last heartbeat.",
       [](const json& s) { return number(s, "last_heartbeat_ms") / 1000; }},
  };
  auto slaveLabels = [&](const json& s) {
    return label("slave", s.value("name", "")) + "," +
           label("id", std::to_string(s.value("id", 0)));
  };
  for (const auto& metric : per_slave) {
    w.family(metric.name, metric.type, metric.help);
    for (const auto& s : slaves) w.sample(metric.name, slaveLabels(s), metric.value(s));
  }
  w.family("polyrun_slave_limits", "gauge",
           "1, labelled with how the slave holds stages to their memory and process limits "
           "(cgroup; rlimits: weaker, chosen by its operator; none: no sandbox).");
  for (const auto& s : slaves)
    w.sample("polyrun_slave_limits",
             slaveLabels(s) + "," + label("mode", s.value("limits", "unknown")), 1);

  w.histogram("polyrun_job_queue_seconds", "Time from acceptance to assignment to a slave.",
              metrics.queue);
  w.histogram("polyrun_job_run_seconds", "Time from assignment to the result (compile and run).",
              metrics.run);

  w.family("polyrun_live_output_bytes_total", "counter",
           "Output of live jobs passed on to their clients (sent), or dropped for clients that "
           "read too slowly (master.stream.buffer.bytes).");
  w.sample("polyrun_live_output_bytes_total", label("outcome", "sent"),
           static_cast<double>(metrics.live_output_sent));
  w.sample("polyrun_live_output_bytes_total", label("outcome", "dropped"),
           static_cast<double>(metrics.live_output_dropped));

  w.family("polyrun_http_responses_total", "counter", "HTTP API responses, by status code.");
  for (const auto& [code, n] : http_responses)
    w.sample("polyrun_http_responses_total", label("code", std::to_string(code)),
             static_cast<double>(n));
  return w.str();
}

}  // namespace polyrun::master
