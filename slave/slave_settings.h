// The slave's configuration: its key table (every key, type, default, range and meaning;
// docs/configuration.md documents each) and the settings read from it in one place, which
// SlaveApp::runService wires into objects.
#pragma once

#include <cstdint>
#include <string>

#include "master_link.h"
#include "polyrun/config_table.h"
#include "polyrun/sandbox.h"

namespace polyrun::slave {

/// Every key the slave reads.
const ConfigTable& slaveKeyTable();

/// The defaults that depend on the machine the slave runs on.
struct SlaveEnvironment {
  std::string plugins_dir;  // beside the binary
  std::string host_name;
  unsigned cores = 1;
  std::string toolchain_dir;  // shared by the slaves of a machine
};

enum class SandboxMode { kNamespaces, kProcess };

struct SlaveSettings {
  LinkConfig link;  // all but `tls_context` and `limits`, which the app sets
  bool tls_enabled = false;
  std::string tls_ca_file;
  bool tls_verify = true;
  std::string plugins_dir;
  std::string work_root;
  int64_t work_quota_bytes = 0;  // 0: no tmpfs per job
  std::string cache_dir;
  int64_t cache_max_bytes = 0;  // 0: no compile cache
  bool toolchains = true;
  std::string toolchain_dir;
  bool toolchain_dir_given = false;  // named by the operator, not the default
  int64_t selftest_wall_ms = 15000;
  int64_t plugins_recheck_ms = 30000;
  SandboxMode sandbox_mode = SandboxMode::kNamespaces;
  SandboxOptions sandbox;  // all but `state_dir`; `stages` is the job slots plus the slave's probes
  std::string limits_mode;    // slave.sandbox.limits: "cgroup" or "rlimits"
  bool systemd_scope = true;  // slave.sandbox.systemd_scope (slave_app.cc)
};

/// Reads and checks every key; ConfigError naming the key on a bad value. Reads the token file.
SlaveSettings readSlaveSettings(const ConfigReader& config, const SlaveEnvironment& env);

}  // namespace polyrun::slave
