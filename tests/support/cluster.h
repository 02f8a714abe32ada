// A real polyrun cluster for integration tests: a master and slaves started as processes on
// loopback, ports chosen by the kernel (port 0), logs in a temporary directory. Readiness is a
// condition waited on with a deadline: the master's ready file, then the slaves in `cluster`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace polyrun::test {

/// Starts a program with stdout and stderr appended to `log_path`; returns its pid or -1.
pid_t spawnLogged(const std::vector<std::string>& argv, const std::string& log_path);

/// Path of a built binary ("polyrun-master") in the build tree.
std::string binaryPath(const std::string& name);

/// A folder under `parent` holding copies of the named plugins only (e.g. {"polyrun_python.so"}):
/// slaves that offer a chosen set of languages, and start fast.
std::string pluginDir(const std::string& parent, const std::vector<std::string>& plugins);

/// The `slaves` entry named `name` in a cluster snapshot, or null.
nlohmann::json slaveEntry(const nlohmann::json& snapshot, const std::string& name);

class Cluster {
 public:
  struct Options {
    int slaves = 2;
    int slave_capacity = 2;
    std::string token = "test-token";
    std::vector<std::string> master_defines;  // extra KEY=VALUE
    std::vector<std::string> slave_defines;   // extra KEY=VALUE for every slave
    bool journal = true;  // master.journal.path in the cluster's directory (kept across restarts)
    std::string client_token;  // sent in `auth` by snapshot() when the master wants client tokens
    std::string tls_ca_file;   // set: snapshot() connects with TLS, trusting this CA (PEM)
  };

  explicit Cluster(Options options);
  Cluster() : Cluster(Options{}) {}
  ~Cluster();  // stops every process it started
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Starts the master and the slaves and waits until every slave offers its languages.
  bool start(std::string* error);

  /// Starts one more slave; `defines` override its configuration (e.g. a wrong token);
  /// `wrapper` runs it (e.g. {"setpriv", "--reuid=65534", ...}).
  pid_t startSlave(const std::string& name, const std::vector<std::string>& defines = {},
                   const std::vector<std::string>& wrapper = {});

  /// Starts the master and waits for its ready file; after the first start it reuses the same
  /// ports and journal (a restart).
  bool startMaster(std::string* error);
  /// kill -9 of the master (reaped); nothing of it survives but its journal.
  void killMaster();
  /// SIGTERM to the master; waits up to `timeout` for it to exit. Its exit status, or -1.
  int stopMaster(std::chrono::milliseconds timeout);
  /// kill -9 of a slave started here (reaped).
  void killSlave(const std::string& name);
  /// SIGTERM to a slave, without waiting (see waitForSlaveExit).
  void terminateSlave(const std::string& name);
  /// Waits until the slave exits; true with its wait status in *status when it did in time.
  bool waitForSlaveExit(const std::string& name, std::chrono::milliseconds timeout, int* status);
  pid_t masterPid() const { return master_pid_; }
  pid_t slavePid(const std::string& name) const;
  std::string slaveLog(const std::string& name) const;
  std::string journalPath() const { return dir() + "/master.journal"; }
  /// The `cluster` reply, or null on failure.
  nlohmann::json snapshot() const;
  /// Waits until `count` slaves are registered, each offering at least one language.
  bool waitForSlaves(size_t count, std::string* error) const;

  int clientPort() const { return client_port_; }
  int slavePort() const { return slave_port_; }
  /// The master's HTTP API port (master.http.port), kept across restarts.
  int httpPort() const { return http_port_; }
  std::string masterAddress() const { return "127.0.0.1:" + std::to_string(client_port_); }
  const std::string& dir() const { return dir_.path(); }
  std::string masterLog() const;
  /// Every log, for a failure message.
  std::string logs() const;

 private:
  Options options_;
  TempDir dir_;
  pid_t master_pid_ = -1;
  std::map<std::string, pid_t> slaves_;
  int client_port_ = 0;
  int slave_port_ = 0;
  int http_port_ = 0;
};

/// For a suite's SetUpTestSuite: a started cluster the suite owns, or null after recording a
/// test failure with every log.
Cluster* startSuiteCluster(const Cluster::Options& options);

}  // namespace polyrun::test
