#include "suite/local_cluster.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "master_client.h"
#include "suite/process.h"

namespace polyrun::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kToken = "bench-token";

// Polls `condition` every 20 ms until it holds or `timeout_ms` passes; true when it held.
template <typename Condition>
bool waitUntil(Condition condition, double timeout_ms) {
  const double deadline = nowMs() + timeout_ms;
  for (;;) {
    if (condition()) return true;
    if (nowMs() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> kept;
  for (std::string line; std::getline(in, line);) {
    kept.push_back(line);
    if (kept.size() > lines) kept.erase(kept.begin());
  }
  std::string text;
  for (const auto& line : kept) text += "    " + line + "\n";
  return text;
}

}  // namespace

LocalCluster::LocalCluster(Options options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "polyrun-suite-XXXXXX").string();
  if (::mkdtemp(pattern.data())) dir_ = pattern;
}

LocalCluster::~LocalCluster() {
  for (auto& [name, pid] : slaves_) stopProcess(pid, 10s);
  stopProcess(master_pid_, 10s);
  std::error_code ec;
  if (!dir_.empty() && !options_.keep_dir) fs::remove_all(dir_, ec);
}

bool LocalCluster::start(std::string* error) {
  if (dir_.empty()) {
    *error = "cannot create a directory under " + fs::temp_directory_path().string() +
             " (set TMPDIR to a writable directory)";
    return false;
  }
  if (!startMaster(error)) return false;
  for (int i = 0; i < options_.slaves; ++i) startSlave("slave-" + std::to_string(i + 1));
  // Languages appear once their self-tests pass; a language that stays missing for
  // kSettledMs after the last change is not coming (its plugin failed: the slave logs say why).
  constexpr double kSettledMs = 15000;
  const auto& wanted = options_.languages;
  double changed_at = nowMs();
  const bool settled = waitUntil(
      [&] {
        const auto now = commonLanguages();
        if (now != languages_) {
          languages_ = now;
          changed_at = nowMs();
        }
        const bool all = !languages_.empty() && std::includes(languages_.begin(), languages_.end(),
                                                              wanted.begin(), wanted.end());
        return all || (!languages_.empty() && nowMs() - changed_at > kSettledMs);
      },
      options_.languages_timeout_ms);
  if (!settled && languages_.empty()) {
    *error = std::to_string(options_.slaves) +
             " slaves offering a language did not register within " +
             std::to_string(options_.languages_timeout_ms / 1000) + " s:\n" + logTails();
    return false;
  }
  if (!waitQuiet(options_.languages_timeout_ms)) {
    *error = "the slaves were still busy " + std::to_string(options_.languages_timeout_ms / 1000) +
             " s after they registered:\n" + logTails();
    return false;
  }
  return true;
}

bool LocalCluster::waitQuiet(double timeout_ms) const {
  const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  auto slavesCpuTicks = [this] {
    const CpuTicks t = cpuTicks();
    return t.slaves + t.stages;
  };
  long before = slavesCpuTicks();
  int quiet_windows = 0;
  return waitUntil(
      [&] {
        std::this_thread::sleep_for(250ms);  // a measuring window, not a wait for readiness
        const long now = slavesCpuTicks();
        const bool quiet = (now - before) * 20 < ticks_per_s / 4;  // < 5% of 250 ms
        before = now;
        quiet_windows = quiet ? quiet_windows + 1 : 0;
        return quiet_windows >= 4;
      },
      timeout_ms);
}

LocalCluster::CpuTicks LocalCluster::cpuTicks() const {
  // /proc/PID/stat after the command's closing parenthesis: state ppid ... utime(12th)
  // stime cutime cstime.
  struct Stat {
    pid_t ppid;
    long self, children;
  };
  std::map<pid_t, Stat> all;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line) || line.rfind(')') == std::string::npos) continue;
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f;
    for (std::string token; fields >> token && f.size() < 15;) f.push_back(token);
    if (f.size() < 15) continue;
    all[std::stoi(name)] = {std::stoi(f[1]), std::stol(f[11]) + std::stol(f[12]),
                            std::stol(f[13]) + std::stol(f[14])};
  }
  CpuTicks t;
  if (all.count(master_pid_)) t.master = all[master_pid_].self;
  std::set<pid_t> slaves, below;
  for (const auto& [name, pid] : slaves_) {
    if (!all.count(pid)) continue;
    slaves.insert(pid);
    t.slaves += all[pid].self;
    t.stages += all[pid].children;  // zygotes that ended, with what they had reaped
  }
  // Living descendants: keep adding children of what is found until nothing new is. Each counts
  // itself and what it reaped (a zygote: its stages' inits, which reaped their programs).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, stat] : all)
      if ((slaves.count(stat.ppid) || below.count(stat.ppid)) && below.insert(pid).second)
        grew = true;
  }
  for (pid_t pid : below) t.stages += all[pid].self + all[pid].children;
  return t;
}

bool LocalCluster::startMaster(std::string* error) {
  const std::string ready = dir_ + "/master.ready.json";
  const std::vector<std::string> argv = {options_.bin_dir + "/polyrun-master",
                                         std::string("--define=master.slave.token=") + kToken,
                                         "--define=master.client.port=0",
                                         "--define=master.slave.port=0",
                                         "--define=master.journal.path=" + dir_ + "/master.journal",
                                         "--define=master.ready.file=" + ready};
  master_pid_ = spawnLogged(argv, dir_ + "/master.log");
  if (master_pid_ < 0) {
    *error = "cannot start " + argv[0] + " (build it: cmake --build BUILD --target polyrun-master)";
    return false;
  }
  nlohmann::json ports;
  const bool up = waitUntil(
      [&] {
        std::ifstream in(ready);
        if (!in) return false;
        ports = nlohmann::json::parse(in, nullptr, false);
        return ports.is_object() && ports.contains("client_port") && ports.contains("slave_port");
      },
      20000);
  if (!up) {
    *error = "the master did not write its ready file within 20 s:\n" + logTails();
    return false;
  }
  client_port_ = ports["client_port"].get<uint16_t>();
  slave_port_ = ports["slave_port"].get<uint16_t>();
  return true;
}

void LocalCluster::startSlave(const std::string& name) {
  std::vector<std::string> argv = {
      options_.bin_dir + "/polyrun-slave",
      std::string("--define=slave.token=") + kToken,
      "--define=slave.master.port=" + std::to_string(slave_port_),
      "--define=slave.name=" + name,
      "--define=slave.plugins.dir=" + options_.plugin_dir,
      "--define=slave.jobs.max=" + std::to_string(options_.slave_capacity),
      "--define=slave.work.dir=" + dir_ + "/work-" + name};
  if (!options_.cache_root.empty())
    argv.push_back("--define=slave.cache.dir=" + options_.cache_root + "/" + name);
  slaves_[name] = spawnLogged(argv, dir_ + "/" + name + ".log");
}

nlohmann::json LocalCluster::snapshot() const {
  MasterClient client("127.0.0.1", client_port_);
  std::string error;
  if (!client.connect(&error, 2000)) return nullptr;
  auto reply = client.request({{"type", "cluster"}}, 5000, &error);
  return reply ? *reply : nlohmann::json();
}

std::set<std::string> LocalCluster::commonLanguages() const {
  const auto cluster = snapshot();
  if (!cluster.is_object() || !cluster.contains("slaves") ||
      cluster["slaves"].size() < static_cast<size_t>(options_.slaves))
    return {};
  std::set<std::string> common;
  bool first = true;
  for (const auto& slave : cluster["slaves"]) {
    std::set<std::string> offered;
    for (const auto& l : slave.value("languages", nlohmann::json::array()))
      offered.insert(l.value("language", ""));
    if (first) {
      common = offered;
      first = false;
    } else {
      std::set<std::string> both;
      std::set_intersection(common.begin(), common.end(), offered.begin(), offered.end(),
                            std::inserter(both, both.end()));
      common = both;
    }
  }
  return common;
}

std::vector<std::string> LocalCluster::slaveLogLines(const std::string& needle) const {
  std::vector<std::string> found;
  if (slaves_.empty()) return found;
  std::ifstream in(dir_ + "/" + slaves_.begin()->first + ".log");
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) == std::string::npos) continue;
    // "2026-11-25 03:20:11.020 Information slave.plugins: message" -> "message"
    const auto colon = line.find(": ");
    found.push_back(colon == std::string::npos ? line : line.substr(colon + 2));
  }
  return found;
}

std::string LocalCluster::logTails() const {
  std::string text = "  master.log (" + dir_ + "):\n" + tail(dir_ + "/master.log", 15);
  for (const auto& [name, pid] : slaves_)
    text += "  " + name + ".log:\n" + tail(dir_ + "/" + name + ".log", 15);
  return text;
}

}  // namespace polyrun::bench
