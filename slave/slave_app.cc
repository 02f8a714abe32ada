// polyrun-slave: loads runner plugins, registers with the master, runs the jobs it is given.
// Configuration keys are documented in docs/configuration.md.
#include <Poco/Environment.h>
#include <Poco/Path.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "master_link.h"
#include "plugin_check.h"
#include "plugin_watcher.h"
#include "polyrun/client_tls.h"
#include "polyrun/job_executor.h"
#include "polyrun/job_json.h"
#include "polyrun/language_definition.h"
#include "polyrun/service_app.h"
#include "runner_registry.h"
#include "slave_settings.h"

namespace polyrun::slave {
namespace {
namespace fs = std::filesystem;

// The running executable: exec'ing it starts the same binary as this process, whatever has
// happened to its path since.
constexpr const char* kSelfExe = "/proc/self/exe";

class SlaveApp final : public ServiceApp {
 public:
  SlaveApp() : ServiceApp("polyrun-slave: runs code-execution jobs for a polyrun master.") {
    setKeyTable(slaveKeyTable());
  }

 protected:
  int runService(const std::vector<std::string>&) override;

 private:
  std::string defaultPluginDir() const;
  PluginSettings pluginSettings(const std::string& plugin_name) const;
  void enterSystemdScopeIfNeeded(const SlaveSettings& settings) const;
};

// Moves the slave into a mount namespace of its own, still receiving the host's mounts: the
// jobs' tmpfs mounts then go with the slave, even one killed with SIGKILL, instead of staying
// on the host until the next start sweeps them. False when the kernel refuses (not root, or
// threads already share the slave's file system information).
bool privateMounts() {
  return ::geteuid() == 0 && ::unshare(CLONE_NEWNS) == 0 &&
         ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) == 0;
}

// Whether this slave may mount a job's tmpfs in `work_root` (root, not in a container that
// forbids it): tried once at start.
bool canMountTmpfs(const std::string& work_root) {
  if (::geteuid() != 0) return false;
  const std::string probe = (fs::path(work_root) / ".quota-probe").string();
  std::error_code ec;
  fs::create_directories(probe, ec);
  const bool mounted =
      ::mount("tmpfs", probe.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4096") == 0;
  if (mounted) ::umount2(probe.c_str(), MNT_DETACH);
  fs::remove(probe, ec);
  return mounted;
}

// "" when a root slave's stages can see `path`, shown read-only in each of them: the zygote
// that binds it (host root mapped to its namespace's root, so it bypasses the permissions of
// files whose owner and group are root or the stages') must reach it, and the stages (users
// uid..uid+count-1, groups gid..) must list it. Else the directory that stops them and why.
std::string unreachableBy(const std::string& path, unsigned uid, unsigned gid, unsigned count) {
  const auto mapped = [&](unsigned id, unsigned first) {
    return id == 0 || (id >= first && id < first + count);
  };
  fs::path at;
  for (const auto& part : fs::path(path)) {
    at /= part;
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) return at.string() + ": " + std::strerror(errno);
    const bool last = at == fs::path(path);
    const bool stage_owner = st.st_uid != 0 && mapped(st.st_uid, uid);
    const bool stage_group = st.st_gid != 0 && mapped(st.st_gid, gid);
    const mode_t granted = stage_owner   ? (st.st_mode >> 6) & 07
                           : stage_group ? (st.st_mode >> 3) & 07
                                         : st.st_mode & 07;
    const bool ok = last ? (granted & 05) == 05
                         : (mapped(st.st_uid, uid) && mapped(st.st_gid, gid)) || (granted & 01);
    if (!ok) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return at.string() + " is mode " + mode + ", owner uid " + std::to_string(st.st_uid);
    }
  }
  return {};
}

// Toolchains depend only on the tools and the plan, so every slave of a machine may share them;
// not under /tmp, which each stage's private /tmp hides.
std::string defaultToolchainDir() {
  if (::geteuid() == 0) return "/var/cache/polyrun/toolchains";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/var/tmp") + "/.cache/polyrun/toolchains";
}

// bin/../<libdir>/polyrun/plugins once installed (libdir is lib/x86_64-linux-gnu for the
// prefix /usr on Debian), bin/../lib/polyrun/plugins in the build tree.
std::string SlaveApp::defaultPluginDir() const {
  const fs::path bin = fs::path(config().getString("application.dir", "."));
  std::error_code ec;
#ifdef POLYRUN_INSTALL_LIBDIR
  const fs::path installed = bin / ".." / POLYRUN_INSTALL_LIBDIR / "polyrun" / "plugins";
  if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed, ec).string();
#endif
  return fs::weakly_canonical(bin / ".." / "lib" / "polyrun" / "plugins", ec).string();
}

PluginSettings SlaveApp::pluginSettings(const std::string& plugin_name) const {
  PluginSettings settings;
  const std::string prefix = "slave.plugin." + plugin_name;
  // Walk the key tree under the prefix: "cflags", "jdk.home", ...
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    const std::string rel = stack.back();
    stack.pop_back();
    const std::string full = rel.empty() ? prefix : prefix + "." + rel;
    Poco::Util::AbstractConfiguration::Keys keys;
    config().keys(full, keys);
    for (const auto& k : keys) {
      const std::string child = rel.empty() ? k : rel + "." + k;
      if (config().hasProperty(prefix + "." + child))
        settings[child] = config().getString(prefix + "." + child);
      stack.push_back(child);
    }
  }
  return settings;
}

// Memory and process limits as weak as per-process rlimits (a job's processes together, or its
// page cache and /tmp, can then take more than its limit) only when the operator said so.
void checkLimitsMode(const Sandbox& sandbox, const SlaveSettings& settings) {
  const std::string& wanted = settings.limits_mode;
  if (sandbox.limitsMode() == LimitsMode::kCgroup) return;
  const std::string problem = sandbox.limitsProblem();
  if (wanted == "cgroup" && settings.sandbox.use_cgroups)
    throw ConfigError(
        "memory and process limits need a cgroup the slave can write, and there is none (" +
        problem +
        "). Start the slave with a delegated cgroup: the packaged systemd unit (Delegate=yes), "
        "systemd-run --scope -p Delegate=yes polyrun-slave ..., a cgroup made for it "
        "(slave.sandbox.cgroup_root), or as root on a cgroup v1 host (docs/install.md, "
        "\"Hosts\"). Or set slave.sandbox.limits=rlimits to run jobs with "
        "per-process rlimits only: a job's processes together can then use more memory and "
        "processes than its limits");
  Poco::Logger::get("slave.sandbox")
      .warning(
          "limits: rlimits only (%s): a job's processes together can use more memory and processes "
          "than its limits (slave.sandbox.limits = %s)",
          problem, wanted);
}

// slave.sandbox = namespaces (the default) isolates every stage; without the kernel's support
// the slave refuses to start, unless configuration asks for plain processes, loudly.
// `toolchain_root` is cleared when the stages could not reach it and the operator did not name it.
// `*shown_paths` gets the host paths the sandbox shows besides its own (none for plain processes,
// which see everything), among them the `[sandbox] paths` of the definitions in the plugin folder.
std::unique_ptr<Sandbox> makeSandbox(const SlaveSettings& settings, std::string& toolchain_root,
                                     std::optional<std::vector<std::string>>* shown_paths) {
  Poco::Logger& log = Poco::Logger::get("slave.sandbox");
  if (settings.sandbox_mode == SandboxMode::kProcess) {
    log.warning(
        "slave.sandbox = process: jobs run WITHOUT isolation (no namespaces, no seccomp, "
        "no cgroups). Anyone who can submit a job can read and change this machine as "
        "the slave's user. Use this only for trusted code.");
    return makeProcessSandbox();
  }
  SandboxOptions so = settings.sandbox;
  so.state_dir = (fs::path(settings.work_root) / ".sandbox").string();
  // A root slave's stages run as other users, who must be able to reach the toolchains (the
  // packaged unit's /var/cache/polyrun used to be mode 0750, owned by polyrun).
  if (!toolchain_root.empty() && ::geteuid() == 0) {
    const std::string blocked = unreachableBy(toolchain_root, so.uid, so.gid, so.stages);
    if (!blocked.empty()) {
      const std::string problem = "slave.toolchains.dir = " + toolchain_root +
                                  " cannot be read by the stages' users (uid " +
                                  std::to_string(so.uid) + " and up): " + blocked;
      if (settings.toolchain_dir_given)
        throw ConfigError(problem +
                          "; make it readable to them (chmod o+rx), choose another "
                          "directory or set slave.toolchains=false");
      log.warning("%s; running without toolchains (chmod o+rx it, or set slave.toolchains.dir)",
                  problem);
      toolchain_root.clear();
    }
  }
  // Toolchains (precompiled headers, class-data archives) are read by jobs, never written.
  if (!toolchain_root.empty()) so.readonly_paths.push_back(toolchain_root);
  // What language definitions' toolchains read outside /usr (their configuration in /etc).
  const std::vector<std::string> defined = definitionSandboxPaths(settings.plugins_dir);
  if (!defined.empty())
    log.information("read-only paths for language definitions: %s", [&] {
      std::string all;
      for (const auto& p : defined) all += (all.empty() ? "" : " ") + p;
      return all;
    }());
  so.readonly_paths.insert(so.readonly_paths.end(), defined.begin(), defined.end());
  *shown_paths = so.readonly_paths;
  std::unique_ptr<Sandbox> sandbox;
  if (Status made = makeNamespaceSandbox(so, &sandbox); !made.isOk())
    throw ConfigError(made.message() +
                      ". The slave will not run untrusted code without isolation: fix the "
                      "kernel or container settings (user namespaces must be allowed), or set "
                      "slave.sandbox=process to run without isolation, at your own risk");
  log.information("sandbox: %s", sandbox->describe());
  checkLimitsMode(*sandbox, settings);
  return sandbox;
}

// On a cgroup v2 host run by systemd, a slave started from a login shell sits in the session's
// scope, which other processes share and which therefore cannot be delegated to its stages. It
// starts itself again, with the same pid and arguments, in a transient scope with Delegate=yes:
// what `systemd-run --scope -p Delegate=yes polyrun-slave ...` does (docs/install.md, "Hosts").
// Done first, before the slave opens anything that the new image would inherit.
void SlaveApp::enterSystemdScopeIfNeeded(const SlaveSettings& settings) const {
  if (settings.sandbox_mode != SandboxMode::kNamespaces || !settings.sandbox.use_cgroups ||
      !settings.sandbox.cgroup_root.empty() || !settings.systemd_scope ||
      std::getenv("POLYRUN_SYSTEMD_SCOPE") != nullptr)  // started in one already
    return;
  const std::string why = cgroupScopeNeeded();
  if (why.empty()) return;
  Poco::Logger& log = Poco::Logger::get("slave.sandbox");
  // The manager's own socket: root's system manager, or this user's manager when it runs.
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  const std::string manager = ::geteuid() == 0 ? "/run/systemd/private"
                              : runtime_dir    ? std::string(runtime_dir) + "/systemd/private"
                                               : std::string();
  std::string systemd_run;
  for (const char* path : {"/usr/bin/systemd-run", "/bin/systemd-run"})
    if (::access(path, X_OK) == 0) systemd_run = path;
  std::error_code ec;
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  if (systemd_run.empty() || manager.empty() || !fs::exists(manager, ec) || self.empty()) {
    log.warning("%s, and no systemd manager to ask for a delegated scope", why);
    return;
  }
  const std::string unit = "polyrun-slave-" + std::to_string(::getpid()) + ".scope";
  std::vector<std::string> args{systemd_run,
                                "--scope",
                                "--quiet",
                                "--collect",
                                "--unit=" + unit,
                                "--property=Delegate=yes",
                                "--description=polyrun slave (a delegated cgroup for its stages)"};
  if (::geteuid() != 0) args.push_back("--user");
  args.push_back("--");
  args.push_back(self);
  for (size_t i = 1; i < argv().size(); ++i) args.push_back(argv()[i]);
  log.information("%s: starting again in the transient systemd scope %s (Delegate=yes)", why, unit);
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  ::setenv("POLYRUN_SYSTEMD_SCOPE", unit.c_str(), 1);
  ::execv(c_args[0], c_args.data());
  ::unsetenv("POLYRUN_SYSTEMD_SCOPE");
  log.warning("cannot run %s: %s", systemd_run, std::string(std::strerror(errno)));
}

int SlaveApp::runService(const std::vector<std::string>&) {
  Poco::Logger& log = Poco::Logger::get("slave");
  SlaveEnvironment env;
  env.plugins_dir = defaultPluginDir();
  env.host_name = Poco::Environment::nodeName();
  env.cores = std::max(1u, std::thread::hardware_concurrency());
  env.toolchain_dir = defaultToolchainDir();
  const SlaveSettings cfg = readSlaveSettings(settings(), env);
  enterSystemdScopeIfNeeded(cfg);
  LinkConfig link = cfg.link;
  if (cfg.tls_enabled) {
    const Status s =
        ClientTls::create(cfg.tls_ca_file, cfg.tls_verify, "slave.tls.ca_file", &link.tls);
    if (!s.isOk()) throw ConfigError(s.message() + " (slave.tls.enabled is true)");
  }
  const std::string& plugins_dir = cfg.plugins_dir;
  ExecutorOptions options;
  options.work_root = cfg.work_root;
  options.fallback = defaultLimits();

  std::error_code ec;
  fs::create_directories(options.work_root, ec);
  if (ec)
    throw ConfigError("slave.work.dir = " + options.work_root +
                      " cannot be created: " + ec.message());
  // What a slave killed earlier left behind (docs/sandbox.md, "Disk").
  for (const auto& why : removeLeftoverWorkDirs(options.work_root))
    log.warning("cannot remove a leftover work directory: %s", why);
  // Each job's files in a tmpfs of this size; mounting one needs root.
  options.work_quota_bytes = cfg.work_quota_bytes;
  if (options.work_quota_bytes > 0 && ::geteuid() == 0 && !privateMounts())
    log.warning(
        "the slave shares the host's mount namespace: if it is killed, its running jobs' "
        "tmpfs stay mounted until it starts again");
  if (options.work_quota_bytes > 0 && !canMountTmpfs(options.work_root)) {
    log.warning(
        "slave.work.quota_bytes needs a slave that may mount (root, with CAP_SYS_ADMIN): "
        "the total size of a job's files is not limited (each file is, to 256 MiB)");
    options.work_quota_bytes = 0;
  }
  if (!fs::is_directory(plugins_dir, ec))
    throw ConfigError("slave.plugins.dir = " + plugins_dir +
                      " is not a directory; point it at the folder of runner plugins");

  // The compile cache and the toolchains (docs/architecture.md, "Compile cache and toolchains").
  const int64_t cache_bytes = cfg.cache_max_bytes;
  std::unique_ptr<CompileCache> cache;
  if (cache_bytes > 0) {
    if (Status opened = CompileCache::open(
            {(fs::path(cfg.cache_dir) / "compile").string(), cache_bytes}, &cache);
        !opened.isOk())
      throw ConfigError(opened.message());
    const CompileCacheStats st = cache->stats();
    log.information("compile cache in %s: %s entries, %s of %s bytes", cache->dir(),
                    std::to_string(st.entries), std::to_string(st.bytes),
                    std::to_string(cache_bytes));
  }
  std::string toolchain_root;
  if (cfg.toolchains) {
    toolchain_root = cfg.toolchain_dir;
    fs::create_directories(toolchain_root, ec);
    if (ec)
      throw ConfigError("slave.toolchains.dir = " + toolchain_root +
                        " cannot be created: " + ec.message() +
                        "; point it at a writable directory or set slave.toolchains=false");
  }
  options.cache = cache.get();
  // Jobs' work directories are removed after their results are sent (docs/performance.md,
  // "Throughput"); declared before everything that runs jobs, so it outlives them and removes
  // what is left when the slave stops.
  DirReaper reaper(64, [](const std::string& why) {
    Poco::Logger::get("slave").warning("cannot remove a finished job's work directory: %s", why);
  });
  options.reaper = &reaper;

  std::optional<std::vector<std::string>> shown_paths;
  auto sandbox = makeSandbox(cfg, toolchain_root, &shown_paths);
  link.limits = limitsModeName(sandbox->limitsMode());
  RunnerRegistry::Options registry_options;
  registry_options.executor = options;
  registry_options.selftest_wall_ms = cfg.selftest_wall_ms;
  registry_options.copy_dir = (fs::path(options.work_root) / ".plugins").string();
  registry_options.toolchain_root = toolchain_root;
  registry_options.sandbox_paths = shown_paths;
  // A new library is loaded in a child first (plugin_check.h): this very executable, even once
  // an upgrade has replaced or removed its file.
  if (::access(kSelfExe, X_OK) == 0)
    registry_options.check_command = {kSelfExe, kCheckPluginFlag};
  else
    log.warning(
        "%s cannot be executed: plugins are loaded without checking them in a child process "
        "first, so one that crashes while loading takes the slave down (mount /proc)",
        std::string(kSelfExe));
  RunnerRegistry registry(*sandbox, registry_options,
                          [this](const std::string& n) { return pluginSettings(n); });

  const std::string name = link.name;
  MasterLink master(
      link, registry,
      [&](const Job& job, const std::function<void(nlohmann::json)>& on_progress,
          const CancelToken& cancel, StageStream* stream) {
        const auto [runner, toolchain_dir] = registry.findForJob(job.language, job.version);
        // A checker program's runner, held as long as the job runs (the master routes such a job
        // only to a slave offering both languages).
        RunnerRegistry::JobRunner checker;
        if (!job.tests.empty() && job.checker.kind == CheckerKind::kProgram)
          checker = registry.findForJob(job.checker.language, job.checker.version);
        JobResult result;
        if (!runner) {
          result.verdict = Verdict::kInternalError;
          result.message =
              "slave " + name + " has no ready runner for " + job.language + " " + job.version;
        } else {
          ExecutorOptions job_options = options;
          job_options.cancel = &cancel;  // the master's `cancel` kills the running stage
          job_options.stream = stream;   // a live job's output, input and signals
          job_options.toolchain_dir = toolchain_dir;
          job_options.checker_runner = checker.runner.get();
          job_options.checker_toolchain_dir = checker.toolchain_dir;
          // A judged job's outputs are bounded by what its result frame can carry.
          job_options.result_output_bytes = static_cast<int64_t>(master.maxFrameBytes());
          result = executeJob(
              *runner, *sandbox, job, job_options,
              [&](StageEvent e) {
                on_progress({{"state", e == StageEvent::kCompiling ? "compiling" : "running"}});
              },
              [&](size_t index, const CaseResult& c) {
                on_progress({{"state", "running"}, {"test", caseProgressJson(index, c)}});
              });
          result.version = job.version;
        }
        result.slave = name;
        return result;
      });
  // A toolchain made ready changes the plugin report ("toolchain": "ready"): advertised too.
  // The guard stops the toolchain thread before `master` goes away, also on an exception.
  registry.setOnToolchainChange([&master] { master.advertise(); });
  struct StopToolchains {
    RunnerRegistry& registry;
    ~StopToolchains() { registry.stopToolchains(); }
  } stop_toolchains{registry};
  // Loads what the folder holds before registering, then follows it: every change is
  // advertised to the master at once.
  PluginWatcher watcher(
      plugins_dir, registry, [&master] { master.advertise(); },
      std::chrono::milliseconds(cfg.plugins_recheck_ms));
  std::string watch_error;
  if (!watcher.start(&watch_error)) log.error("%s", watch_error);
  if (registry.advertised().empty())
    log.warning(
        "no runner is ready (plugins in %s): this slave offers no language until one is "
        "added there",
        plugins_dir);
  std::thread link_thread([&master] { master.run(); });
  waitForTerminationRequest();
  log.information("polyrun-slave %s stopping", name);
  watcher.stop();
  // Graceful drain: no new job, the running ones finish and their results reach the master.
  master.drain();
  registry.stopToolchains();  // before `master`, which its callback uses, goes away
  master.stop();
  link_thread.join();
  return EXIT_OK;
}

}  // namespace
}  // namespace polyrun::slave

// `polyrun-slave --check-plugin FILE` is the child that loads a new plugin before the slave does
// (plugin_check.h): no application object, configuration, logging or thread; the plugin's
// settings arrive on stdin.
int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], polyrun::slave::kCheckPluginFlag) == 0) {
    if (argc != 3) {
      std::cerr << "usage: " << argv[0] << " " << polyrun::slave::kCheckPluginFlag
                << " PLUGIN.so < {\"settings\": {...}} (the slave runs this itself)\n";
      return Poco::Util::Application::EXIT_USAGE;
    }
    // The child needs stdin, stdout and stderr only: what else the slave had open (the master
    // connection, the sandbox's sockets) is closed before any plugin code runs.
    if (::close_range(3, ~0U, 0) != 0)
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    return polyrun::slave::runPluginCheck(argv[2], std::cin, std::cout);
  }
  try {
    polyrun::slave::SlaveApp app;
    return app.run(argc, argv);
  } catch (Poco::Exception& exc) {
    std::cerr << exc.displayText() << std::endl;
    return Poco::Util::Application::EXIT_SOFTWARE;
  }
}
