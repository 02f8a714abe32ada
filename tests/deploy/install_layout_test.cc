// `cmake --install` into a temporary prefix, then the installed tree run as a service would run
// it: the installed binaries with the installed configuration (only paths under /var and the
// ports overridden, so that the test changes nothing outside its folder), the slave finding
// the installed plugins on its own, a job through the installed CLI, a rotating log file with
// one line per event. Also the layout, the systemd units, and that a re-install keeps a
// configuration the operator changed. The Debian packages are tested in package_test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "deploy/deploy_support.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class InstallLayout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = new TempDir;
    for (const std::string component : {"common", "master", "slave", "plugins", "dev"}) {
      const auto r = runCommand({POLYRUN_CMAKE_COMMAND, "--install", POLYRUN_BUILD_DIR, "--prefix",
                                 prefix_->path(), "--component", component},
                                120s);
      if (r.exit_code != 0) {
        install_error_ = "cmake --install --component " + component + " failed:\n" + r.output;
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    delete prefix_;
    prefix_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(install_error_.empty()) << install_error_; }

  static std::string path(const std::string& rel) { return prefix_->path() + "/" + rel; }
  // CMAKE_INSTALL_LIBDIR: "lib", or "lib/<multiarch>" when the build was configured for /usr.
  static std::string libDir() {
    for (const auto& entry : fs::recursive_directory_iterator(path("lib")))
      if (entry.path().filename() == "libpolyrun_protocol.so.0")
        return entry.path().parent_path().string();
    return path("lib");
  }

  static TempDir* prefix_;
  static std::string install_error_;
};
TempDir* InstallLayout::prefix_ = nullptr;
std::string InstallLayout::install_error_;

// The SDK's headers (all a plugin author can include) pull in no Poco, OpenSSL or libseccomp,
// and the service library's Poco headers are not installed at all.
TEST_F(InstallLayout, InstalledHeadersNeedNoPocoOpenSslOrSeccomp) {
  int headers = 0;
  for (const auto& entry : fs::directory_iterator(path("include/polyrun"))) {
    ++headers;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      for (const std::string banned : {"<Poco/", "<openssl/", "<seccomp.h>"})
        EXPECT_EQ(line.find("#include " + banned), std::string::npos)
            << entry.path() << ": " << line;
    }
  }
  EXPECT_GT(headers, 10);
  EXPECT_FALSE(fs::exists(path("include/polyrun/service_app.h")));
}

TEST_F(InstallLayout, FilesAreWhereTheDocsSay) {
  for (const std::string f :
       {"bin/polyrun-master", "bin/polyrun-slave", "bin/polyrun", "etc/polyrun/master.properties",
        "etc/polyrun/slave.properties", "lib/systemd/system/polyrun-master.service",
        "lib/systemd/system/polyrun-slave.service", "share/doc/polyrun/install.md",
        "share/doc/polyrun/configuration.md", "share/doc/polyrun/README.md",
        "share/doc/polyrun/examples/master.properties", "include/polyrun/runner.h"})
    EXPECT_TRUE(fs::exists(path(f))) << f;
  const std::string lib = libDir();
  for (const std::string library : {"protocol", "runtime", "service"})
    EXPECT_TRUE(fs::exists(lib + "/libpolyrun_" + library + ".so.0")) << library;
  EXPECT_TRUE(fs::exists(lib + "/cmake/polyrun/polyrunConfig.cmake"));
  for (const std::string plugin : {"python", "c", "cpp", "java"})
    EXPECT_TRUE(fs::exists(lib + "/polyrun/plugins/polyrun_" + plugin + ".so")) << plugin;
}

TEST_F(InstallLayout, InstalledConfigurationIsForAService) {
  const std::string master = readFile(path("etc/polyrun/master.properties"));
  EXPECT_TRUE(contains(master, "master.slave.token.file = " + path("etc/polyrun/token")));
  EXPECT_TRUE(contains(master, "master.journal.path = /var/lib/polyrun/master.journal"));
  EXPECT_TRUE(contains(master, "logging.channels.file.class = FileChannel"));
  EXPECT_TRUE(contains(master, "logging.channels.file.path = /var/log/polyrun/master.log"));
  EXPECT_TRUE(contains(master, "logging.channels.file.rotation = 10 M"));
  EXPECT_TRUE(contains(master, "logging.loggers.root.channel = file"));
  EXPECT_EQ(master.find("change-me"), std::string::npos) << "no default token in an installed file";
  const std::string slave = readFile(path("etc/polyrun/slave.properties"));
  EXPECT_TRUE(contains(slave, "slave.token.file = " + path("etc/polyrun/token")));
  EXPECT_TRUE(contains(slave, "slave.work.dir = /var/lib/polyrun/slave"));
  EXPECT_TRUE(contains(slave, "\nslave.toolchains.dir = /var/cache/polyrun/toolchains\n"));
  EXPECT_TRUE(contains(slave, "logging.channels.file.path = /var/log/polyrun/slave.log"));
  EXPECT_EQ(slave.find("change-me"), std::string::npos);
}

TEST_F(InstallLayout, SystemdUnitsStartTheInstalledBinariesAsPolyrun) {
  const std::string master = readFile(path("lib/systemd/system/polyrun-master.service"));
  EXPECT_TRUE(contains(master, "ExecStart=" + path("bin/polyrun-master") + " --config-file=" +
                                   path("etc/polyrun/master.properties") + "\n"));
  EXPECT_TRUE(contains(master, "User=polyrun\n"));
  EXPECT_TRUE(contains(master, "RestartPreventExitStatus=78\n"));
  const std::string slave = readFile(path("lib/systemd/system/polyrun-slave.service"));
  EXPECT_TRUE(contains(slave, "ExecStart=" + path("bin/polyrun-slave") +
                                  " --config-file=" + path("etc/polyrun/slave.properties") + "\n"));
  EXPECT_TRUE(contains(slave, "User=polyrun\n"));
  EXPECT_TRUE(contains(slave, "Delegate=yes\n"));
  EXPECT_TRUE(contains(slave, "KillMode=mixed\n"));
  // Options that would keep the sandbox from creating namespaces or mounting /proc.
  for (const std::string forbidden :
       {"\nRestrictNamespaces", "\nPrivateUsers", "\nProtectProc", "\nProtectKernelTunables",
        "\nPrivateDevices", "\nSystemCallFilter", "\nProtectControlGroups"})
    EXPECT_EQ(slave.find(forbidden + "="), std::string::npos) << forbidden;
  if (fs::exists("/usr/bin/systemd-analyze")) {
    for (const std::string unit : {"polyrun-master.service", "polyrun-slave.service"}) {
      const auto r = runCommand(
          {"/usr/bin/systemd-analyze", "verify", "--man=no", path("lib/systemd/system/" + unit)},
          30s);
      EXPECT_EQ(r.exit_code, 0) << unit << ": " << r.output;
      EXPECT_EQ(r.output, "") << unit << ": systemd warns (an unknown or misspelt key?)";
    }
  }
}

// The installed tree as the services run it. Only what lies outside the prefix is redirected:
// /var/lib/polyrun, /var/cache/polyrun, /var/log/polyrun (which systemd would create) and the
// ports.
TEST_F(InstallLayout, InstalledServicesRunAJob) {
  TempDir var;
  const std::string token = path("etc/polyrun/token");
  writeFile(token, "installed-token\n");  // what the package's postinst generates
  const std::string ready = var.path() + "/ready.json";
  const std::string master_log = var.path() + "/master.log";
  const std::string slave_log = var.path() + "/slave.log";
  const pid_t master = spawnLogged(
      {path("bin/polyrun-master"), "--config-file=" + path("etc/polyrun/master.properties"),
       "--define=master.client.port=0", "--define=master.slave.port=0",
       "--define=master.journal.path=" + var.path() + "/master.journal",
       "--define=master.ready.file=" + ready, "--define=logging.channels.file.path=" + master_log},
      var.path() + "/master.stderr");
  int client_port = 0, slave_port = 0;
  ASSERT_TRUE(waitFor([&] { return readReadyFile(ready, &client_port, &slave_port); }, 20s))
      << readFile(master_log) << readFile(var.path() + "/master.stderr");
  const pid_t slave = spawnLogged(
      {path("bin/polyrun-slave"), "--config-file=" + path("etc/polyrun/slave.properties"),
       "--define=slave.master.port=" + std::to_string(slave_port), "--define=slave.jobs.max=1",
       "--define=slave.work.dir=" + var.path() + "/work",
       "--define=slave.toolchains.dir=" + var.path() + "/toolchains",
       "--define=logging.channels.file.path=" + slave_log},
      var.path() + "/slave.stderr");
  const bool registered =
      waitFor([&] { return readySlaves(clusterSnapshot(client_port)) == 1; }, 60s);
  CommandResult run;
  if (registered) {
    writeFile(var.path() + "/hello.py", "print('hello from the installed tree')\n");
    run = runCommand({path("bin/polyrun"), "run", var.path() + "/hello.py", "--master",
                      "127.0.0.1:" + std::to_string(client_port)},
                     60s);
  }
  ::kill(slave, SIGTERM);
  ::kill(master, SIGTERM);
  int status = 0;
  EXPECT_TRUE(waitFor([&] { return ::waitpid(slave, &status, WNOHANG) == slave; }, 20s));
  EXPECT_TRUE(waitFor([&] { return ::waitpid(master, &status, WNOHANG) == master; }, 20s));
  const std::string mlog = readFile(master_log), slog = readFile(slave_log);
  ASSERT_TRUE(registered) << mlog << slog << readFile(var.path() + "/slave.stderr");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "hello from the installed tree\n");
  // The slave found the installed plugins without being told where.
  EXPECT_TRUE(contains(slog, libDir() + "/polyrun/plugins"));
  // The log files: one line per event with time, level, component; nothing on stderr.
  const std::regex line(
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [A-Z][a-z]+ [A-Za-z0-9_.-]+: .+)");
  for (const std::string* log : {&mlog, &slog}) {
    std::istringstream lines(*log);
    int n = 0;
    for (std::string l; std::getline(lines, l); ++n) EXPECT_TRUE(std::regex_match(l, line)) << l;
    EXPECT_GT(n, 1);
  }
  EXPECT_TRUE(contains(mlog, "polyrun-master stopped"));
  EXPECT_EQ(readFile(var.path() + "/master.stderr"), "");
  EXPECT_EQ(readFile(var.path() + "/slave.stderr"), "");
  fs::remove(token);
}

TEST_F(InstallLayout, ReinstallKeepsAChangedConfiguration) {
  const std::string conf = path("etc/polyrun/master.properties");
  const std::string original = readFile(conf);
  writeFile(conf, original + "master.queue.max = 7\n");
  const auto r = runCommand({POLYRUN_CMAKE_COMMAND, "--install", POLYRUN_BUILD_DIR, "--prefix",
                             prefix_->path(), "--component", "master"},
                            120s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(readFile(conf), "master.queue.max = 7"));
  EXPECT_EQ(readFile(conf + ".dist"), original);
  EXPECT_TRUE(contains(r.output, "Keeping the existing " + conf));
}

}  // namespace
}  // namespace polyrun::test
