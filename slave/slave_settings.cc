#include "slave_settings.h"

#include <filesystem>

namespace polyrun::slave {
namespace {
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kLastId = 4294967294ll;  // uid_t and gid_t, without (uid_t)-1

ConfigTable makeTable() {
  return ConfigTable{
      "slave.",
      {
          stringKey("slave.master.host", "127.0.0.1", "the master's address"),
          intKey("slave.master.port", 7401, 1, 65535, "the master's slave port"),
          secretKey("slave.token", "required (or the next key)",
                    "the token the slave registers with"),
          pathKey("slave.token.file", "", "file whose first line is slave.token"),
          computedKey("slave.name", KeyType::kString, "host name",
                      "how the slave appears in status and results"),
          computedKey("slave.plugins.dir", KeyType::kPath, "<binary dir>/../lib/polyrun/plugins",
                      "folder of runner plugins, followed while the slave runs"),
          computedIntKey("slave.jobs.max", "number of cores", 1, 4096, "jobs run at once"),
          computedKey("slave.work.dir", KeyType::kPath, "/tmp/polyrun-slave-<name>",
                      "parent of each job's work directory"),
          intKey("slave.work.quota_bytes", 256 * kMiB, 0, int64_t{1} << 40,
                 "total size of a job's files"),
          intKey("slave.reconnect.max_ms", 5000, 10, 600000,
                 "longest wait between reconnection attempts"),
          intKey("slave.selftest.wall_ms", 15000, 100, 600000,
                 "time limit of each self-test stage"),
          intKey("slave.plugins.recheck_ms", 30000, 0, 86400000,
                 "how often a language definition whose toolchain is missing is looked at again"),
          enumKey("slave.sandbox", "namespaces", {"namespaces", "process"},
                  "namespaces: every stage isolated; process: no isolation"),
          intKey("slave.sandbox.uid", 65534, 1, kLastId, "first host user of the stages"),
          intKey("slave.sandbox.gid", 65534, 1, kLastId, "first host group of the stages"),
          intKey("slave.sandbox.tmp_bytes", 64 * kMiB, kMiB, int64_t{1} << 40,
                 "size of each stage's /tmp"),
          listKey("slave.sandbox.readonly_paths", "host paths shown read-only inside"),
          boolKey("slave.sandbox.cgroups", true, "use a writable cgroup hierarchy for limits"),
          pathKey("slave.sandbox.cgroup_root", "",
                  "a cgroup v2 directory made for the stage groups"),
          boolKey("slave.sandbox.systemd_scope", true,
                  "ask systemd for a delegated scope when needed"),
          enumKey("slave.sandbox.limits", "cgroup", {"cgroup", "rlimits"},
                  "rlimits: accept per-process limits where no cgroup is usable"),
          computedKey("slave.cache.dir", KeyType::kPath, "<slave.work.dir>/cache",
                      "where the compile cache lives"),
          intKey("slave.cache.max_bytes", int64_t{1} << 30, 0, int64_t{1} << 50,
                 "size bound of the compile cache; 0: none"),
          boolKey("slave.toolchains", true, "prepare each runner's toolchain in the background"),
          computedKey("slave.toolchains.dir", KeyType::kPath,
                      "/var/cache/polyrun/toolchains (root), else ~/.cache/polyrun/toolchains",
                      "where toolchains are kept"),
          boolKey("slave.tls.enabled", false, "connect to the master with TLS"),
          pathKey("slave.tls.ca_file", "",
                  "PEM file of the CA the master's certificate is signed by"),
          boolKey("slave.tls.verify", true, "false: do not check the master's certificate"),
          prefixKey("slave.plugin.", "settings passed to one plugin: slave.plugin.<plugin>.<key>"),
      }};
}
}  // namespace

const ConfigTable& slaveKeyTable() {
  static const ConfigTable table = makeTable();
  return table;
}

SlaveSettings readSlaveSettings(const ConfigReader& config, const SlaveEnvironment& env) {
  namespace fs = std::filesystem;
  SlaveSettings s;
  LinkConfig& link = s.link;
  link.token = config.requiredSecret("slave.token");
  link.master_host = config.string("slave.master.host");
  link.master_port = static_cast<int>(config.integer("slave.master.port"));
  link.name = config.string("slave.name", env.host_name);
  link.capacity =
      static_cast<int>(config.integer("slave.jobs.max", {.def = env.cores, .min = {}, .max = {}}));
  link.reconnect_max_ms = static_cast<int>(config.integer("slave.reconnect.max_ms"));
  link.reconnect_min_ms = std::min(link.reconnect_min_ms, link.reconnect_max_ms);
  s.tls_enabled = config.boolean("slave.tls.enabled");
  s.tls_ca_file = config.string("slave.tls.ca_file");
  s.tls_verify = config.boolean("slave.tls.verify");

  s.plugins_dir = config.string("slave.plugins.dir", env.plugins_dir);
  s.work_root = config.string("slave.work.dir", "/tmp/polyrun-slave-" + link.name);
  s.work_quota_bytes = config.integer("slave.work.quota_bytes");
  s.cache_dir = config.string("slave.cache.dir", (fs::path(s.work_root) / "cache").string());
  s.cache_max_bytes = config.integer("slave.cache.max_bytes");
  s.toolchains = config.boolean("slave.toolchains");
  s.toolchain_dir = config.string("slave.toolchains.dir", env.toolchain_dir);
  s.toolchain_dir_given = config.isSet("slave.toolchains.dir");
  s.selftest_wall_ms = config.integer("slave.selftest.wall_ms");
  s.plugins_recheck_ms = config.integer("slave.plugins.recheck_ms");

  s.sandbox_mode = config.choice("slave.sandbox") == "process" ? SandboxMode::kProcess
                                                               : SandboxMode::kNamespaces;
  SandboxOptions& so = s.sandbox;
  // Jobs, and beside them the registry's self-tests, version probes and toolchain builds; each
  // concurrent stage runs as a host uid and gid of its own: uid .. uid + stages - 1.
  so.stages = static_cast<unsigned>(link.capacity) + 2;
  const IntBounds ids{.def = {}, .min = {}, .max = kLastId - so.stages};
  so.uid = static_cast<unsigned>(config.integer("slave.sandbox.uid", ids));
  so.gid = static_cast<unsigned>(config.integer("slave.sandbox.gid", ids));
  so.tmp_bytes = config.integer("slave.sandbox.tmp_bytes");
  so.use_cgroups = config.boolean("slave.sandbox.cgroups");
  so.cgroup_root = config.string("slave.sandbox.cgroup_root");
  s.systemd_scope = config.boolean("slave.sandbox.systemd_scope");
  so.readonly_paths = config.list("slave.sandbox.readonly_paths");
  s.limits_mode = config.choice("slave.sandbox.limits");
  return s;
}

}  // namespace polyrun::slave
