// A polyrun cluster for the benchmark suite: a real polyrun-master and polyrun-slave processes on
// loopback, with the shipped defaults except what a private cluster needs (ports chosen by the
// kernel, a token, a journal and work directories in a temporary directory). The tests have
// their own launcher (tests/support/cluster.h); this one needs neither GoogleTest nor the test
// tree, so that the suite also builds with POLYRUN_BUILD_TESTS=OFF.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace polyrun::bench {

class LocalCluster {
 public:
  struct Options {
    std::string bin_dir;     // holds polyrun-master and polyrun-slave
    std::string plugin_dir;  // slave.plugins.dir
    int slaves = 2;
    int slave_capacity = 1;             // slave.jobs.max
    std::set<std::string> languages;    // start() waits until every slave offers these...
    int languages_timeout_ms = 120000;  // ...at most this long, then goes on with what it has
    bool keep_dir = false;              // leave logs and work directories behind
    /// When set, slave NAME keeps its compile cache and toolchains in CACHE_ROOT/NAME
    /// (slave.cache.dir) across runs, as a long-lived slave would; else in its work directory.
    std::string cache_root;
  };

  explicit LocalCluster(Options options);
  ~LocalCluster();  // stops every process it started, removes its directory unless kept
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  /// Starts the master, then the slaves, and waits until every slave offers the languages (or
  /// its set of languages has not changed for a while), then until the slaves are quiet: what
  /// they prepare in the background at start (toolchains) would otherwise be measured too.
  /// False with a message (and the logs' ends) in *error when the cluster did not come up.
  bool start(std::string* error);

  uint16_t clientPort() const { return client_port_; }
  std::string masterAddress() const { return "127.0.0.1:" + std::to_string(client_port_); }
  const std::string& dir() const { return dir_; }
  /// Languages every slave offered when start() returned.
  const std::set<std::string>& languages() const { return languages_; }
  /// The master's `cluster` reply, or null.
  nlohmann::json snapshot() const;
  /// CPU time used so far, in clock ticks (sysconf(_SC_CLK_TCK)): the master process, the slave
  /// processes themselves, and everything below the slaves (zygotes, stages' inits, programs),
  /// living or reaped.
  struct CpuTicks {
    long master = 0, slaves = 0, stages = 0;
  };
  CpuTicks cpuTicks() const;
  /// The last lines of every log, for a failure message.
  std::string logTails() const;
  /// The messages of the first slave's log lines that contain `needle`.
  std::vector<std::string> slaveLogLines(const std::string& needle) const;

 private:
  bool startMaster(std::string* error);
  void startSlave(const std::string& name);
  // Languages offered by every registered slave; empty until `slaves` slaves have registered.
  std::set<std::string> commonLanguages() const;
  // Waits until the slaves and their descendants use less than 5% of a core for a second.
  bool waitQuiet(double timeout_ms) const;

  Options options_;
  std::string dir_;
  pid_t master_pid_ = -1;
  std::map<std::string, pid_t> slaves_;
  uint16_t client_port_ = 0;
  uint16_t slave_port_ = 0;
  std::set<std::string> languages_;
};

}  // namespace polyrun::bench
