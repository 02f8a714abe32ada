// polyrun-slave: loads runner plugins, registers with the master, runs the jobs it is given.
// Configuration keys are documented in docs/configuration.md.
#include <Poco/Environment.h>
#include <Poco/Path.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "master_link.h"
#include "polyrun/job_executor.h"
#include "polyrun/service_app.h"
#include "runner_registry.h"

namespace polyrun::slave {
namespace {
namespace fs = std::filesystem;

class SlaveApp final : public ServiceApp {
 public:
  SlaveApp() : ServiceApp("polyrun-slave: runs code-execution jobs for a polyrun master.") {}

 protected:
  int runService(const std::vector<std::string>&) override;

 private:
  std::string defaultPluginDir() const;
  PluginSettings pluginSettings(const std::string& plugin_name) const;
};

// bin/../lib/polyrun/plugins: the same place in the build tree and once installed.
std::string SlaveApp::defaultPluginDir() const {
  const fs::path bin = fs::path(config().getString("application.dir", "."));
  std::error_code ec;
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

int SlaveApp::runService(const std::vector<std::string>&) {
  Poco::Logger& log = Poco::Logger::get("slave");
  LinkConfig link;
  link.token = requiredString("slave.token");
  link.master_host = config().getString("slave.master.host", "127.0.0.1");
  link.master_port = static_cast<int>(checkedInt("slave.master.port", 7401, 1, 65535));
  link.name = config().getString("slave.name", Poco::Environment::nodeName());
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  link.capacity = static_cast<int>(checkedInt("slave.jobs.max", cores, 1, 4096));
  link.reconnect_max_ms = static_cast<int>(checkedInt("slave.reconnect.max_ms", 5000, 10, 600000));
  link.reconnect_min_ms = std::min(link.reconnect_min_ms, link.reconnect_max_ms);
  const std::string plugins_dir = config().getString("slave.plugins.dir", defaultPluginDir());
  ExecutorOptions options;
  options.work_root = config().getString("slave.work.dir", "/tmp/polyrun-slave-" + link.name);
  options.fallback = defaultLimits();

  std::error_code ec;
  fs::create_directories(options.work_root, ec);
  if (ec) throw ConfigError("slave.work.dir = " + options.work_root + " cannot be created: " + ec.message());
  if (!fs::is_directory(plugins_dir, ec))
    throw ConfigError("slave.plugins.dir = " + plugins_dir + " is not a directory; point it at the folder of runner plugins");

  auto sandbox = makeProcessSandbox();
  RunnerRegistry registry;
  registry.loadDirectory(plugins_dir, [this](const std::string& n) { return pluginSettings(n); },
                         *sandbox, options);
  if (registry.advertised().empty())
    log.warning("no runner is ready (plugins in %s): this slave will offer no language", plugins_dir);

  const std::string name = link.name;
  MasterLink master(link, registry, [&](const Job& job, const std::function<void(const std::string&)>& on_stage) {
    auto runner = registry.find(job.language, job.version);
    JobResult result;
    if (!runner) {
      result.verdict = Verdict::kInternalError;
      result.message = "slave " + name + " has no ready runner for " + job.language + " " + job.version;
    } else {
      result = executeJob(*runner, *sandbox, job, options, [&](StageEvent e) {
        on_stage(e == StageEvent::kCompiling ? "compiling" : "running");
      });
      result.version = job.version;
    }
    result.slave = name;
    return result;
  });
  std::thread link_thread([&master] { master.run(); });
  waitForTerminationRequest();
  log.information("polyrun-slave %s stopping", name);
  master.stop();
  link_thread.join();
  return EXIT_OK;
}

}  // namespace
}  // namespace polyrun::slave

POCO_SERVER_MAIN(polyrun::slave::SlaveApp)
