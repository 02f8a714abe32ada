#include "support/cluster.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "master_client.h"

extern char** environ;

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void stopProcess(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const bool exited = waitFor([pid] { return ::waitpid(pid, nullptr, WNOHANG) == pid; }, 10s);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

}  // namespace

std::string binaryPath(const std::string& name) {
  return std::string(POLYRUN_BIN_DIR) + "/" + name;
}

std::string pluginDir(const std::string& parent, const std::vector<std::string>& plugins) {
  namespace fs = std::filesystem;
  std::string name = "plugins";
  for (const auto& p : plugins) name += "-" + fs::path(p).stem().string();
  const fs::path dir = fs::path(parent) / name;
  fs::create_directories(dir);
  for (const auto& p : plugins)
    fs::copy_file(fs::path(POLYRUN_PLUGIN_DIR) / p, dir / p, fs::copy_options::overwrite_existing);
  return dir.string();
}

nlohmann::json slaveEntry(const nlohmann::json& snapshot, const std::string& name) {
  if (!snapshot.is_object() || !snapshot.contains("slaves")) return nullptr;
  for (const auto& s : snapshot["slaves"])
    if (s["name"] == name) return s;
  return nullptr;
}

pid_t spawnLogged(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

Cluster::Cluster(Options options) : options_(std::move(options)) {}

Cluster::~Cluster() {
  for (auto& [name, pid] : slaves_) stopProcess(pid);
  stopProcess(master_pid_);
}

bool Cluster::start(std::string* error) {
  if (!startMaster(error)) return false;
  for (int i = 0; i < options_.slaves; ++i) startSlave("slave-" + std::string(1, char('a' + i)));
  return waitForSlaves(static_cast<size_t>(options_.slaves), error);
}

bool Cluster::startMaster(std::string* error) {
  const std::string ready = dir() + "/master.ready.json";
  std::remove(ready.c_str());  // left behind by a master that was killed
  std::vector<std::string> argv = {binaryPath("polyrun-master"),
                                   "--define=master.slave.token=" + options_.token,
                                   "--define=master.client.port=" + std::to_string(client_port_),
                                   "--define=master.slave.port=" + std::to_string(slave_port_),
                                   "--define=master.http.port=" + std::to_string(http_port_),
                                   "--define=master.heartbeat.ms=200",
                                   "--define=master.ready.file=" + ready};
  if (options_.journal) argv.push_back("--define=master.journal.path=" + journalPath());
  for (const auto& d : options_.master_defines) argv.push_back("--define=" + d);
  master_pid_ = spawnLogged(argv, dir() + "/master.log");
  if (master_pid_ < 0) {
    *error = "cannot start " + argv[0];
    return false;
  }
  nlohmann::json ports;
  const bool up = waitFor(
      [&] {
        std::ifstream in(ready);
        if (!in) return false;
        ports = nlohmann::json::parse(in, nullptr, false);
        return ports.is_object() && ports.contains("client_port");
      },
      20s);
  if (!up) {
    *error = "the master did not start within 20 s:\n" + logs();
    return false;
  }
  client_port_ = ports["client_port"];
  slave_port_ = ports["slave_port"];
  http_port_ = ports.value("http_port", 0);
  return true;
}

void Cluster::killMaster() {
  if (master_pid_ <= 0) return;
  ::kill(master_pid_, SIGKILL);
  ::waitpid(master_pid_, nullptr, 0);
  master_pid_ = -1;
}

int Cluster::stopMaster(std::chrono::milliseconds timeout) {
  if (master_pid_ <= 0) return -1;
  ::kill(master_pid_, SIGTERM);
  int status = -1;
  const pid_t pid = master_pid_;
  if (!waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) return -1;
  master_pid_ = -1;
  return status;
}

void Cluster::killSlave(const std::string& name) {
  auto it = slaves_.find(name);
  if (it == slaves_.end() || it->second <= 0) return;
  ::kill(it->second, SIGKILL);
  ::waitpid(it->second, nullptr, 0);
  it->second = -1;
}

void Cluster::terminateSlave(const std::string& name) {
  auto it = slaves_.find(name);
  if (it != slaves_.end() && it->second > 0) ::kill(it->second, SIGTERM);
}

bool Cluster::waitForSlaveExit(const std::string& name, std::chrono::milliseconds timeout,
                               int* status) {
  auto it = slaves_.find(name);
  if (it == slaves_.end() || it->second <= 0) return false;
  const pid_t pid = it->second;
  if (!waitFor([&] { return ::waitpid(pid, status, WNOHANG) == pid; }, timeout)) return false;
  it->second = -1;
  return true;
}

pid_t Cluster::slavePid(const std::string& name) const {
  auto it = slaves_.find(name);
  return it == slaves_.end() ? -1 : it->second;
}

std::string Cluster::slaveLog(const std::string& name) const {
  return readFile(dir() + "/" + name + ".log");
}

pid_t Cluster::startSlave(const std::string& name, const std::vector<std::string>& defines,
                          const std::vector<std::string>& wrapper) {
  std::vector<std::string> argv = wrapper;
  argv.insert(argv.end(), {binaryPath("polyrun-slave"), "--define=slave.token=" + options_.token,
                           "--define=slave.master.port=" + std::to_string(slave_port_),
                           "--define=slave.name=" + name,
                           "--define=slave.plugins.dir=" + std::string(POLYRUN_PLUGIN_DIR),
                           "--define=slave.jobs.max=" + std::to_string(options_.slave_capacity),
                           "--define=slave.work.dir=" + dir() + "/work-" + name,
                           // Precompiling headers costs each new slave seconds of CPU:
                           // only the tests of toolchains turn it on.
                           "--define=slave.toolchains=false"});
  for (const auto& d : options_.slave_defines) argv.push_back("--define=" + d);
  for (const auto& d : defines) argv.push_back("--define=" + d);
  const pid_t pid = spawnLogged(argv, dir() + "/" + name + ".log");
  slaves_[name] = pid;
  return pid;
}

nlohmann::json Cluster::snapshot() const {
  MasterClient client("127.0.0.1", static_cast<uint16_t>(client_port_));
  std::string error;
  if (!options_.tls_ca_file.empty() && !client.enableTls(options_.tls_ca_file, &error))
    return nullptr;
  if (!client.connect(&error, 2000)) return nullptr;
  if (!options_.client_token.empty() &&
      !client.request({{"type", "auth"}, {"token", options_.client_token}}, 5000, &error))
    return nullptr;
  auto reply = client.request({{"type", "cluster"}}, 5000, &error);
  return reply ? *reply : nlohmann::json();
}

bool Cluster::waitForSlaves(size_t count, std::string* error) const {
  const bool ok = waitFor(
      [&] {
        const auto c = snapshot();
        if (!c.is_object() || !c.contains("slaves")) return false;
        size_t ready = 0;
        for (const auto& s : c["slaves"])
          if (!s["languages"].empty()) ++ready;
        return ready >= count;
      },
      60s);
  if (!ok) *error = std::to_string(count) + " slaves did not register within 60 s:\n" + logs();
  return ok;
}

std::string Cluster::masterLog() const { return readFile(dir() + "/master.log"); }

std::string Cluster::logs() const {
  std::string all = "--- master.log\n" + masterLog();
  for (const auto& [name, pid] : slaves_)
    all += "--- " + name + ".log\n" + readFile(dir() + "/" + name + ".log");
  return all;
}

Cluster* startSuiteCluster(const Cluster::Options& options) {
  auto cluster = std::make_unique<Cluster>(options);
  std::string error;
  if (!cluster->start(&error)) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  return cluster.release();
}

}  // namespace polyrun::test
