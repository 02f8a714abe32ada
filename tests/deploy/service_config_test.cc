// The services as an operator starts them: --help, --config-file, --define, exit code 78 for a
// wrong configuration, unknown keys warned about, the token from a file, log lines with time,
// level and component, every key of the services' key tables documented with its default, and
// --daemon / --pidfile with a clean stop on SIGTERM.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "deploy/deploy_support.h"
#include "master_settings.h"
#include "slave_settings.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSource = POLYRUN_SOURCE_DIR;

TEST(ServiceConfig, HelpListsTheOptions) {
  for (const std::string binary : {"polyrun-master", "polyrun-slave"}) {
    const auto r = runCommand({binaryPath(binary), "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const std::string option :
         {"--config-file", "--define", "--daemon", "--pidfile", "--help"})
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
  const auto r =
      runCommand({binaryPath("polyrun-master"), "--config-file=/nonexistent/master.properties"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(r.output, "/nonexistent/master.properties"));
}

TEST(ServiceConfig, UnreadableTokenFileStopsWithExitCode78) {
  const auto r = runCommand(
      {binaryPath("polyrun-master"), "--define=master.slave.token.file=/nonexistent/token"});
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
       "--define=master.journal.path=" + dir.path() + "/journal",
       "--define=master.ready.file=" + ready, "--define=master.clinet.idle.ms=5"},
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
  const bool registered =
      waitFor([&] { return readySlaves(clusterSnapshot(client_port)) == 1; }, 60s);
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
  EXPECT_EQ(master_log.find("unknown configuration key"),
            master_log.rfind("unknown configuration key"));
  EXPECT_EQ(slave_log.find("unknown configuration key"), std::string::npos) << slave_log;

  const std::regex line(
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (Fatal|Critical|Error|Warning|Notice|Information|Debug|Trace) [A-Za-z0-9_.-]+: .+)");
  for (const std::string* log : {&master_log, &slave_log}) {
    std::istringstream lines(*log);
    int n = 0;
    for (std::string l; std::getline(lines, l); ++n) EXPECT_TRUE(std::regex_match(l, line)) << l;
    EXPECT_GT(n, 1);
  }
}

// A row of a key table of docs/configuration.md: its keys and the default it documents for each.
struct DocumentedKey {
  std::string key;
  std::string def;  // backticks and bold removed; "" for "—" and "(none)"
};

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" "));
  s.erase(s.find_last_not_of(" ") + 1);
  return s;
}

std::vector<std::string> splitOn(const std::string& text, const std::string& sep) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t at; (at = text.find(sep, from)) != std::string::npos; from = at + sep.size())
    parts.push_back(text.substr(from, at - from));
  parts.push_back(text.substr(from));
  return parts;
}

// Rows "| `key` | default | meaning |", and "| `key` / `.max` | `1` / `2` | ... |" for a key and
// its sibling (a suffix starting with '.' is appended to the first key).
std::vector<DocumentedKey> documentedKeys(const std::string& docs) {
  std::vector<DocumentedKey> keys;
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `master.", 0) != 0 && line.rfind("| `slave.", 0) != 0) continue;
    const auto cells = splitOn(line, " | ");
    if (cells.size() < 3) {
      ADD_FAILURE() << "a key row without a default: " << line;
      continue;
    }
    std::vector<std::string> names;
    for (std::string name : splitOn(cells[0].substr(2), " / ")) {
      name = trimmed(name);
      name = name.substr(1, name.size() - 2);  // the backticks
      names.push_back(name[0] == '.' ? names.front() + name : name);
    }
    std::string def_cell = cells[1];
    for (const std::string mark : {"`", "**"})
      for (size_t at; (at = def_cell.find(mark)) != std::string::npos;)
        def_cell.erase(at, mark.size());
    auto defs = names.size() > 1 ? splitOn(def_cell, " / ") : std::vector<std::string>{def_cell};
    if (defs.size() != names.size()) {
      ADD_FAILURE() << "one default per key: " << line;
      continue;
    }
    for (size_t i = 0; i < names.size(); ++i) {
      std::string def = trimmed(defs[i]);
      if (def == "—" || def == "(none)") def.clear();
      keys.push_back({names[i], def});
    }
  }
  return keys;
}

// How the docs may write a key's default: an integer also in MiB or GiB.
std::set<std::string> documentedForms(const KeySpec& spec) {
  std::set<std::string> forms{spec.def};
  if (spec.type == KeyType::kInt && !spec.computed) {
    const int64_t n = std::stoll(spec.def);
    if (n > 0 && n % (1ll << 30) == 0) forms.insert(std::to_string(n >> 30) + " GiB");
    if (n > 0 && n % (1ll << 20) == 0) forms.insert(std::to_string(n >> 20) + " MiB");
  }
  return forms;
}

// docs/configuration.md and the services' key tables (master/master_settings.cc,
// slave/slave_settings.cc) list the same keys with the same defaults.
TEST(ServiceConfig, EveryKeyOfTheTablesIsDocumentedWithItsDefault) {
  const std::string docs = readFile(kSource + "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  const std::vector<DocumentedKey> documented = documentedKeys(docs);
  EXPECT_GT(documented.size(), 60u);
  for (const ConfigTable* table : {&master::masterKeyTable(), &slave::slaveKeyTable()}) {
    for (const KeySpec& spec : table->keys) {
      bool found = false;
      for (const auto& d : documented) {
        if (spec.type == KeyType::kPrefix ? d.key.rfind(spec.key, 0) != 0 : d.key != spec.key)
          continue;
        found = true;
        if (spec.type == KeyType::kPrefix) continue;
        const auto forms = documentedForms(spec);
        EXPECT_TRUE(forms.count(d.def)) << spec.key << ": the docs say the default is \"" << d.def
                                        << "\", the table \"" << spec.def << "\"";
      }
      EXPECT_TRUE(found) << spec.key << " is not documented in docs/configuration.md";
    }
  }
  for (const auto& d : documented) {
    const ConfigTable& table =
        d.key.rfind("master.", 0) == 0 ? master::masterKeyTable() : slave::slaveKeyTable();
    EXPECT_NE(table.find(d.key), nullptr) << d.key << " is documented but no service reads it";
  }
}

// The messages of a bad value, as an operator sees them: exit code 78, the key, the value and
// what is allowed (a bad boolean for the slave used to exit 70 naming no key).
TEST(ServiceConfig, BadValuesOfEachTypeStopWithExitCode78NamingKeyValueAndWhatIsAllowed) {
  auto r = runCommand({binaryPath("polyrun-slave"), "--define=slave.token=t",
                       "--define=slave.sandbox.cgroups=maybe"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(
      r.output, "slave.sandbox.cgroups = \"maybe\" is not a boolean; allowed: true or false"))
      << r.output;
  r = runCommand({binaryPath("polyrun-slave"), "--define=slave.token=t",
                  "--define=slave.sandbox.limits=loose"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(
      r.output,
      "slave.sandbox.limits = \"loose\" is not one of the choices; allowed: cgroup or rlimits"))
      << r.output;
  r = runCommand({binaryPath("polyrun-master"), "--define=master.slave.token=t",
                  "--define=master.slave.port=70000"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_TRUE(contains(
      r.output,
      "master.slave.port = \"70000\" is out of range; allowed: an integer from 0 to 65535"))
      << r.output;
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
      binaryPath("polyrun-master"),         "--daemon",
      "--pidfile=" + master_pidfile,        "--define=master.slave.token=t",
      "--define=master.client.port=0",      "--define=master.slave.port=0",
      "--define=master.ready.file=" + ready};
  for (const auto& d : file_logging(master_log)) master_argv.push_back(d);
  // The command returns once the daemon is detached.
  auto r = runCommand(master_argv, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int client_port = 0, slave_port = 0;
  ASSERT_TRUE(waitFor([&] { return readReadyFile(ready, &client_port, &slave_port); }, 20s))
      << readFile(master_log);
  ASSERT_TRUE(waitFor([&] { return !readFile(master_pidfile).empty(); }, 5s));
  const pid_t master = std::stoi(readFile(master_pidfile));
  EXPECT_TRUE(processAlive(master));
  EXPECT_EQ(nlohmann::json::parse(readFile(ready))["pid"].get<int>(), master)
      << "the pid file names the daemon";

  std::vector<std::string> slave_argv = {
      binaryPath("polyrun-slave"),
      "--daemon",
      "--pidfile=" + slave_pidfile,
      "--define=slave.token=t",
      "--define=slave.master.port=" + std::to_string(slave_port),
      "--define=slave.name=daemon-slave",
      "--define=slave.plugins.dir=" + std::string(POLYRUN_PLUGIN_DIR),
      "--define=slave.jobs.max=1",
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
  const auto r = runCommand({binaryPath("polyrun-master"), "--daemon",
                             "--config-file=relative/master.properties",
                             "--define=logging.channels.file.class=FileChannel",
                             "--define=logging.channels.file.path=" + log,
                             "--define=logging.channels.file.formatter=polyrun",
                             "--define=logging.loggers.root.channel=file"});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // the parent returns once the daemon is detached
  EXPECT_TRUE(
      waitFor([&] { return readFile(log).find("configuration error") != std::string::npos; }, 10s));
  EXPECT_TRUE(
      contains(readFile(log), "(--daemon changes the working folder to /: give an absolute path)"));
}

}  // namespace
}  // namespace polyrun::test
