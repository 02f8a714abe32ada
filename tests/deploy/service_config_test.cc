// The services as an operator starts them: --help, --config-file, --define, exit code 78 for a
// wrong configuration, unknown keys warned about, the token from a file, log lines with time,
// level and component, every key the code reads documented, and --daemon / --pidfile with a
// clean stop on SIGTERM.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "deploy/deploy_support.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSource = POLYRUN_SOURCE_DIR;

TEST(ServiceConfig, HelpListsTheOptions) {
  for (const std::string binary : {"polyrun-master", "polyrun-slave"}) {
    const auto r = runCommand({binaryPath(binary), "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const std::string option : {"--config-file", "--define", "--daemon", "--pidfile", "--help"})
      EXPECT_TRUE(contains(r.output, option)) << binary;
  }
}

TEST(ServiceConfig, MissingRequiredKeyStopsWithExitCode78NamingIt) {
  auto r = runCommand({binaryPath("polyrun-master"), "--define=master.client.port=0",
                       "--define=master.slave.port=0"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "master.slave.token is required"));
  r = runCommand({binaryPath("polyrun-slave"), "--define=slave.master.port=1"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "slave.token is required"));
}

TEST(ServiceConfig, InvalidValueStopsWithExitCode78NamingTheKey) {
  const auto r = runCommand({binaryPath("polyrun-master"), "--define=master.slave.token=t",
                             "--define=master.queue.max=lots"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "master.queue.max = \"lots\" is not an integer"));
}

TEST(ServiceConfig, MissingConfigFileStopsWithExitCode78) {
  const auto r = runCommand({binaryPath("polyrun-master"), "--config-file=/nonexistent/master.properties"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "/nonexistent/master.properties"));
}

TEST(ServiceConfig, UnreadableTokenFileStopsWithExitCode78) {
  const auto r = runCommand({binaryPath("polyrun-master"), "--define=master.slave.token.file=/nonexistent/token"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "master.slave.token.file = /nonexistent/token cannot be read"));
}

// A master and a slave started from the shipped example files, the token in a file, a
// misspelt key added: the cluster works, the misspelt key (only) is warned about, and every log
// line carries time, level and component.
TEST(ServiceConfig, ShippedFilesWorkAndUnknownKeysAreWarnedAbout) {
  TempDir dir;
  const std::string token_file = dir.path() + "/token";
  writeFile(token_file, "a-token-from-a-file\n");
  const std::string ready = dir.path() + "/ready.json";
  const pid_t master = spawnLogged(
      {binaryPath("polyrun-master"), "--config-file=" + kSource + "/config/master.properties",
       "--define=master.slave.token=", "--define=master.slave.token.file=" + token_file,
       "--define=master.client.port=0", "--define=master.slave.port=0",
       "--define=master.journal.path=" + dir.path() + "/journal", "--define=master.ready.file=" + ready,
       "--define=master.clinet.idle.ms=5"},
      dir.path() + "/master.log");
  int client_port = 0, slave_port = 0;
  ASSERT_TRUE(waitFor([&] { return readReadyFile(ready, &client_port, &slave_port); }, 20s))
      << readFile(dir.path() + "/master.log");
  const pid_t slave = spawnLogged(
      {binaryPath("polyrun-slave"), "--config-file=" + kSource + "/config/slave.properties",
       "--define=slave.token=", "--define=slave.token.file=" + token_file,
       "--define=slave.master.port=" + std::to_string(slave_port), "--define=slave.name=cfg-slave",
       "--define=slave.plugins.dir=" + std::string(POLYRUN_PLUGIN_DIR), "--define=slave.jobs.max=1",
       "--define=slave.work.dir=" + dir.path() + "/work"},
      dir.path() + "/slave.log");
  const bool registered = waitFor([&] { return readySlaves(clusterSnapshot(client_port)) == 1; }, 60s);
  ::kill(slave, SIGTERM);
  ::kill(master, SIGTERM);
  int status = 0;
  EXPECT_TRUE(waitFor([&] { return ::waitpid(slave, &status, WNOHANG) == slave; }, 20s));
  EXPECT_TRUE(waitFor([&] { return ::waitpid(master, &status, WNOHANG) == master; }, 20s));
  const std::string master_log = readFile(dir.path() + "/master.log");
  const std::string slave_log = readFile(dir.path() + "/slave.log");
  ASSERT_TRUE(registered) << master_log << slave_log;

  EXPECT_TRUE(contains(master_log,
                       "unknown configuration key master.clinet.idle.ms is ignored (did you mean "
                       "master.client.idle.ms?)"));
  // Exactly one warning: every key of the shipped files is known.
  EXPECT_EQ(master_log.find("unknown configuration key"), master_log.rfind("unknown configuration key"));
  EXPECT_EQ(slave_log.find("unknown configuration key"), std::string::npos) << slave_log;

  const std::regex line(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (Fatal|Critical|Error|Warning|Notice|Information|Debug|Trace) [A-Za-z0-9_.-]+: .+)");
  for (const std::string* log : {&master_log, &slave_log}) {
    std::istringstream lines(*log);
    int n = 0;
    for (std::string l; std::getline(lines, l); ++n) EXPECT_TRUE(std::regex_match(l, line)) << l;
    EXPECT_GT(n, 1);
  }
}

// Every key the code reads through the configuration accessors is in docs/configuration.md.
TEST(ServiceConfig, EveryKeyReadIsDocumented) {
  const std::string docs = readFile(kSource + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  const std::regex read_key(
      R"((?:getString|getInt|getBool|checkedInt|checkedBool|requiredString|requiredSecret|tokenList|has)\(\s*"((?:master|slave)\.[A-Za-z0-9_.]+)\")");
  std::set<std::string> keys;
  for (const std::string folder : {"master", "slave"}) {
    for (const auto& entry : fs::directory_iterator(kSource + "/" + folder)) {
      const std::string text = readFile(entry.path().string());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), read_key); it != std::sregex_iterator(); ++it)
        keys.insert((*it)[1]);
    }
  }
  EXPECT_GT(keys.size(), 20u);
  // A key is documented as `key`, or on a row with its sibling: `master.limits.processes` / `.max`.
  auto documented = [&](const std::string& key) {
    if (docs.find("`" + key + "`") != std::string::npos) return true;
    const auto dot = key.rfind('.');
    std::istringstream lines(docs);
    for (std::string line; std::getline(lines, line);)
      if (line.find("`" + key.substr(0, dot)) != std::string::npos &&
          line.find("`" + key.substr(dot) + "`") != std::string::npos)
        return true;
    return false;
  };
  for (const auto& key : keys) EXPECT_TRUE(documented(key)) << "undocumented key " << key;

  // And each is in the service's list of known keys (kMasterKeys, kSlaveKeys), or it would be
  // warned about as unknown.
  std::set<std::string> known;
  for (const std::string file : {"master/master_app.cc", "slave/slave_app.cc"}) {
    const std::string text = readFile(kSource + "/" + file);
    const auto begin = text.find("Keys = {");
    const auto end = text.find("};", begin);
    ASSERT_NE(begin, std::string::npos) << file;
    const std::string list = text.substr(begin, end - begin);
    const std::regex literal(R"re("([a-z][A-Za-z0-9_.]*)")re");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), literal); it != std::sregex_iterator(); ++it)
      known.insert((*it)[1]);
  }
  for (const auto& key : keys) {
    bool found = known.count(key) > 0;
    for (const auto& k : known) found |= k.back() == '.' && key.rfind(k, 0) == 0;
    EXPECT_TRUE(found) << key << " is read but missing from kMasterKeys / kSlaveKeys";
  }
}

// --daemon detaches, --pidfile holds the daemon's pid; SIGTERM stops it cleanly (exit after the
// drain) and the pid file goes with it.
TEST(ServiceDaemon, DaemonWritesPidFileAndStopsCleanlyOnSigterm) {
  TempDir dir;
  const std::string ready = dir.path() + "/ready.json";
  const std::string master_pidfile = dir.path() + "/master.pid";
  const std::string slave_pidfile = dir.path() + "/slave.pid";
  const std::string master_log = dir.path() + "/master.log";
  const std::string slave_log = dir.path() + "/slave.log";
  auto file_logging = [](const std::string& path) {
    return std::vector<std::string>{"--define=logging.channels.file.class=FileChannel",
                                    "--define=logging.channels.file.path=" + path,
                                    "--define=logging.channels.file.formatter=polyrun",
                                    "--define=logging.loggers.root.channel=file"};
  };
  std::vector<std::string> master_argv = {
      binaryPath("polyrun-master"), "--daemon", "--pidfile=" + master_pidfile,
      "--define=master.slave.token=t", "--define=master.client.port=0", "--define=master.slave.port=0",
      "--define=master.ready.file=" + ready};
  for (const auto& d : file_logging(master_log)) master_argv.push_back(d);
  // The command returns once the daemon is detached.
  auto r = runCommand(master_argv, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int client_port = 0, slave_port = 0;
  ASSERT_TRUE(waitFor([&] { return readReadyFile(ready, &client_port, &slave_port); }, 20s)) << readFile(master_log);
  ASSERT_TRUE(waitFor([&] { return !readFile(master_pidfile).empty(); }, 5s));
  const pid_t master = std::stoi(readFile(master_pidfile));
  EXPECT_TRUE(processAlive(master));
  EXPECT_EQ(nlohmann::json::parse(readFile(ready))["pid"].get<int>(), master) << "the pid file names the daemon";

  std::vector<std::string> slave_argv = {
      binaryPath("polyrun-slave"), "--daemon", "--pidfile=" + slave_pidfile, "--define=slave.token=t",
      "--define=slave.master.port=" + std::to_string(slave_port), "--define=slave.name=daemon-slave",
      "--define=slave.plugins.dir=" + std::string(POLYRUN_PLUGIN_DIR), "--define=slave.jobs.max=1",
      "--define=slave.work.dir=" + dir.path() + "/work"};
  for (const auto& d : file_logging(slave_log)) slave_argv.push_back(d);
  r = runCommand(slave_argv, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(waitFor([&] { return !readFile(slave_pidfile).empty(); }, 5s));
  const pid_t slave = std::stoi(readFile(slave_pidfile));
  EXPECT_TRUE(waitFor([&] { return readySlaves(clusterSnapshot(client_port)) == 1; }, 60s))
      << readFile(master_log) << readFile(slave_log);

  ::kill(slave, SIGTERM);
  EXPECT_TRUE(waitFor([&] { return !processAlive(slave); }, 20s)) << readFile(slave_log);
  EXPECT_FALSE(fs::exists(slave_pidfile)) << "the slave's pid file outlived it";
  EXPECT_TRUE(contains(readFile(slave_log), "drained"));
  ::kill(master, SIGTERM);
  EXPECT_TRUE(waitFor([&] { return !processAlive(master); }, 20s)) << readFile(master_log);
  EXPECT_FALSE(fs::exists(master_pidfile)) << "the master's pid file outlived it";
  EXPECT_TRUE(contains(readFile(master_log), "polyrun-master stopped"));
  if (processAlive(slave)) ::kill(slave, SIGKILL);
  if (processAlive(master)) ::kill(master, SIGKILL);
}

// A daemon works in /, so a relative configuration path cannot be found: the message says why.
TEST(ServiceDaemon, RelativeConfigFileWithDaemonIsExplained) {
  TempDir dir;
  const std::string log = dir.path() + "/master.log";
  const auto r = runCommand({binaryPath("polyrun-master"), "--daemon", "--config-file=relative/master.properties",
                             "--define=logging.channels.file.class=FileChannel",
                             "--define=logging.channels.file.path=" + log,
                             "--define=logging.channels.file.formatter=polyrun",
                             "--define=logging.loggers.root.channel=file"});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // the parent returns once the daemon is detached
  EXPECT_TRUE(waitFor([&] { return readFile(log).find("configuration error") != std::string::npos; }, 10s));
  EXPECT_TRUE(contains(readFile(log), "(--daemon changes the working folder to /: give an absolute path)"));
}

}  // namespace
}  // namespace polyrun::test
