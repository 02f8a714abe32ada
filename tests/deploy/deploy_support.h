// Small helpers for the deployment tests: run a command and capture what it printed, read a
// file, find a free TCP port, wait for a process that is not our child.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/cluster.h"
#include "support/test_support.h"

namespace polyrun::test {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

struct CommandResult {
  int exit_code = -1;  // -1: did not exit normally within the timeout (then killed)
  std::string output;  // stdout and stderr together
};

/// Runs argv (no shell) with stdout and stderr captured; kills it after `timeout`.
inline CommandResult runCommand(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  TempDir dir;
  const std::string log = dir.path() + "/out";
  CommandResult r;
  const pid_t pid = spawnLogged(argv, log);
  if (pid < 0) {
    r.output = "cannot start " + argv[0];
    return r;
  }
  int status = 0;
  if (!waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.output = readFile(log) + "\n[killed after " + std::to_string(timeout.count()) + " ms]";
    return r;
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = readFile(log);
  return r;
}

/// Runs a shell command line (sh -c).
inline CommandResult runShell(const std::string& script,
                              std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  return runCommand({"/bin/sh", "-c", script}, timeout);
}

/// True while a process (not necessarily our child) exists and is not a zombie.
inline bool processAlive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

/// Does `text` contain `needle`? For EXPECT_TRUE with the text in the failure message.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& needle) {
  if (text.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << needle << "\" not found in:\n" << text;
}

}  // namespace polyrun::test

#include "master_client.h"

namespace polyrun::test {

/// The master's `cluster` reply at 127.0.0.1:port (or host:port), null when unreachable.
inline nlohmann::json clusterSnapshot(int port, const std::string& host = "127.0.0.1") {
  MasterClient client(host, static_cast<uint16_t>(port));
  std::string error;
  if (!client.connect(&error, 2000)) return nullptr;
  auto reply = client.request({{"type", "cluster"}}, 5000, &error);
  return reply ? *reply : nlohmann::json();
}

/// Number of registered slaves offering at least one language.
inline size_t readySlaves(const nlohmann::json& snapshot) {
  size_t n = 0;
  if (snapshot.is_object() && snapshot.contains("slaves"))
    for (const auto& s : snapshot["slaves"])
      if (!s["languages"].empty()) ++n;
  return n;
}

/// The master's ports from its master.ready.file, once it is there: {client_port, slave_port}.
inline bool readReadyFile(const std::string& path, int* client_port, int* slave_port) {
  std::ifstream in(path);
  if (!in) return false;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("client_port")) return false;
  *client_port = j["client_port"];
  *slave_port = j["slave_port"];
  return true;
}

}  // namespace polyrun::test
