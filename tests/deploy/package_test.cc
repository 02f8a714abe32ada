// The Debian packages: built with CPack from the build tree, their contents, dependencies and
// maintainer scripts checked with dpkg-deb, then installed and started for real on a throwaway
// copy of this machine's root, so that the test changes nothing on the machine:
//
//   unshare (private mount, network and PID namespaces; everything in them dies with the test)
//   -> an overlay of / whose writable layer is a tmpfs -> pivot_root into it -> dpkg -i.
//
// There the postinst creates the user polyrun and /etc/polyrun/token and enables the units;
// without systemd running, the test then does what the units say: it creates the
// StateDirectory/LogsDirectory folders and starts each ExecStart line as User=polyrun. The
// master and the slave must come up with the installed configuration and run a job through
// the installed `polyrun` command; `dpkg --purge` must then remove the services' state.
// polyrun-languages (the toolchains of every language definition) is checked with dpkg-deb
// only: installing it would install every toolchain.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "deploy/deploy_support.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* kPackages[] = {"polyrun-common",  "polyrun-master",    "polyrun-slave",
                           "polyrun-plugins", "polyrun-languages", "polyrun-dev"};

// The language definitions in the sources: the stems of plugins/languages/*.toml.
std::vector<std::string> languageDefinitions() {
  std::vector<std::string> stems;
  const fs::path dir = fs::path(POLYRUN_SOURCE_DIR) / "plugins" / "languages";
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".toml") stems.push_back(e.path().stem().string());
  return stems;
}

class Packages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/usr/bin/dpkg-deb")) {
      skip_ = "dpkg-deb is not installed (not a Debian system)";
      return;
    }
    out_ = new TempDir;
    // POLYRUN_TEST_DEBS=DIR tests the packages already in DIR instead of building them.
    if (const char* debs = std::getenv("POLYRUN_TEST_DEBS")) {
      for (const auto& e : fs::directory_iterator(debs))
        if (e.path().extension() == ".deb")
          fs::copy_file(e.path(), out_->path() + "/" + e.path().filename().string());
      return;
    }
    const auto r =
        runShell(std::string("cd '") + POLYRUN_BUILD_DIR + "' && '" + POLYRUN_CPACK_COMMAND +
                     "' -G DEB -B '" + out_->path() + "' -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip",
                 600s);
    if (r.exit_code != 0) {
      // CPack first builds every target of the build tree ("preinstall"): say which failed.
      std::string build_errors;
      std::istringstream log(
          readFile(out_->path() + "/_CPack_Packages/Linux/DEB/PreinstallOutput.log"));
      for (std::string line; std::getline(log, line);)
        if (line.find("error") != std::string::npos) build_errors += line + "\n";
      error_ = "cpack failed:\n" + r.output +
               (build_errors.empty() ? "" : "the build tree does not build:\n" + build_errors);
    }
  }
  static void TearDownTestSuite() {
    delete out_;
    out_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
  }

  static std::string deb(const std::string& package) {
    for (const auto& e : fs::directory_iterator(out_->path()))
      if (e.path().filename().string().rfind(package + "_", 0) == 0 &&
          e.path().extension() == ".deb")
        return e.path().string();
    return "";
  }
  static std::string dpkgDeb(const std::string& option, const std::string& package,
                             const std::string& field = "") {
    std::vector<std::string> argv = {"/usr/bin/dpkg-deb", option, deb(package)};
    if (!field.empty()) argv.push_back(field);
    return runCommand(argv, 30s).output;
  }

  static TempDir* out_;
  static std::string skip_, error_;
};
TempDir* Packages::out_ = nullptr;
std::string Packages::skip_, Packages::error_;

TEST_F(Packages, EachPackageIsBuiltWithItsFiles) {
  const std::string version = POLYRUN_VERSION_STRING;
  for (const char* p : kPackages) {
    ASSERT_FALSE(deb(p).empty()) << p << " was not built";
    EXPECT_EQ(runCommand({"/usr/bin/dpkg-deb", "-f", deb(p), "Version"}).output, version + "\n")
        << p;
  }
  std::map<std::string, std::vector<std::string>> files = {
      {"polyrun-common",
       {"./usr/bin/polyrun", "libpolyrun_protocol.so.0", "libpolyrun_runtime.so.0",
        "libpolyrun_service.so.0", "./usr/share/doc/polyrun/install.md"}},
      {"polyrun-master",
       {"./usr/bin/polyrun-master", "./etc/polyrun/master.properties",
        "./usr/lib/systemd/system/polyrun-master.service"}},
      {"polyrun-slave",
       {"./usr/bin/polyrun-slave", "./etc/polyrun/slave.properties",
        "./usr/lib/systemd/system/polyrun-slave.service"}},
      {"polyrun-plugins",
       {"/polyrun/plugins/polyrun_python.so", "/polyrun/plugins/polyrun_c.so",
        "/polyrun/plugins/polyrun_cpp.so", "/polyrun/plugins/polyrun_java.so"}},
      {"polyrun-dev",
       {"./usr/include/polyrun/runner.h", "/cmake/polyrun/polyrunConfig.cmake",
        "libpolyrun_protocol.so -> libpolyrun_protocol.so.0",
        "libpolyrun_runtime.so -> libpolyrun_runtime.so.0"}},
      {"polyrun-languages", {"./usr/share/doc/polyrun-languages/languages.txt"}}};
  // Every definition is installed beside the runner plugins, by polyrun-plugins.
  for (const auto& stem : languageDefinitions())
    files["polyrun-plugins"].push_back("/polyrun/plugins/" + stem + ".toml\n");
  std::set<std::string> seen;
  for (const auto& [package, expected] : files) {
    const std::string listing = dpkgDeb("-c", package);
    for (const auto& f : expected) EXPECT_TRUE(contains(listing, f)) << package;
    if (package != "polyrun-dev") {
      EXPECT_EQ(listing.find("libpolyrun_protocol.so ->"), std::string::npos) << package;
    }
    // No regular file in two packages: dpkg would refuse to install the second.
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] != '-') continue;
      const std::string path = line.substr(line.rfind(' ') + 1);
      EXPECT_TRUE(seen.insert(path).second) << path << " is in two packages";
    }
  }
}

#ifdef POLYRUN_WITH_GUI
// Built with the GUI (the default): its package carries the client and needs Qt 6 and core.
TEST_F(Packages, TheGuiPackageHasTheClientAndItsQtDependencies) {
  ASSERT_FALSE(deb("polyrun-gui").empty()) << "polyrun-gui was not built";
  EXPECT_TRUE(contains(dpkgDeb("-c", "polyrun-gui"), "./usr/bin/polyrun-gui"));
  const std::string depends = dpkgDeb("-f", "polyrun-gui", "Depends");
  EXPECT_TRUE(contains(depends, "polyrun-common (= " + std::string(POLYRUN_VERSION_STRING) + ")"))
      << depends;
  EXPECT_TRUE(contains(depends, "libqt6widgets6")) << depends;
}
#endif

// polyrun-languages depends on exactly the packages the definitions name, as
// scripts/setup-deps.sh --list-languages reads them, and on polyrun-plugins.
TEST_F(Packages, TheLanguagesPackageDependsOnEveryDefinitionsToolchain) {
  const auto list = runCommand(
      {std::string(POLYRUN_SOURCE_DIR) + "/scripts/setup-deps.sh", "--list-languages"}, 30s);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  std::set<std::string> expected, languages;
  std::istringstream lines(list.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string language, package;
    words >> language;
    languages.insert(language);
    while (words >> package)
      if (package != "-") expected.insert(package);
  }
  const auto stems = languageDefinitions();
  EXPECT_EQ(languages, std::set<std::string>(stems.begin(), stems.end())) << list.output;

  const std::string depends = dpkgDeb("-f", "polyrun-languages", "Depends");
  std::set<std::string> toolchains;
  bool plugins = false;
  std::istringstream items(depends);
  for (std::string item; std::getline(items, item, ',');) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(" \n") + 1);
    if (item == "polyrun-plugins (= " + std::string(POLYRUN_VERSION_STRING) + ")")
      plugins = true;
    else
      toolchains.insert(item);
  }
  EXPECT_TRUE(plugins) << depends;
  EXPECT_EQ(toolchains, expected) << "Depends: " << depends << "\nsetup-deps:\n" << list.output;
  EXPECT_EQ(dpkgDeb("-f", "polyrun-languages", "Architecture"), "all\n");
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-plugins", "Suggests"), "polyrun-languages"));
}

TEST_F(Packages, DependenciesAndMaintainerScripts) {
  const std::string v = std::string("(= ") + POLYRUN_VERSION_STRING + ")";
  const std::string master = dpkgDeb("-f", "polyrun-master", "Depends");
  EXPECT_TRUE(contains(master, "polyrun-common " + v));
  EXPECT_TRUE(contains(master, "libpoco"));  // from dpkg-shlibdeps
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-common", "Depends"), "libseccomp2"));
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-slave", "Depends"), "polyrun-common " + v));
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-slave", "Recommends"), "polyrun-plugins"));
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-plugins", "Recommends"), "python3"));
  EXPECT_TRUE(contains(dpkgDeb("-f", "polyrun-dev", "Depends"), "libpoco-dev"));
  for (const std::string role : {"master", "slave"}) {
    TempDir control;
    ASSERT_EQ(
        runCommand({"/usr/bin/dpkg-deb", "-e", deb("polyrun-" + role), control.path()}).exit_code,
        0);
    EXPECT_EQ(readFile(control.path() + "/conffiles"), "/etc/polyrun/" + role + ".properties\n");
    const std::string postinst = readFile(control.path() + "/postinst");
    EXPECT_TRUE(contains(postinst, "useradd --system"));
    EXPECT_TRUE(contains(postinst, "deb-systemd-helper enable polyrun-" + role + ".service"));
    for (const std::string script : {"postinst", "prerm", "postrm"}) {
      EXPECT_TRUE(fs::status(control.path() + "/" + script).permissions() ==
                  static_cast<fs::perms>(0755))
          << script;
      const auto r = runCommand({"/bin/sh", "-n", control.path() + "/" + script});
      EXPECT_EQ(r.exit_code, 0) << role << " " << script << ": " << r.output;
    }
  }
}

// The script run inside the throwaway root (see the comment at the top).
const char* kInside = R"SH(
set -eu
DEBS=$1
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
PIDS=""
GROUPS_MADE=""
trap 'kill $PIDS 2>/dev/null || true; wait 2>/dev/null || true; for g in $GROUPS_MADE; do rmdir "$g"/stage-* "$g" 2>/dev/null || true; done' EXIT
echo "== dpkg -i"
dpkg -i "$DEBS"/polyrun-common_*.deb "$DEBS"/polyrun-master_*.deb "$DEBS"/polyrun-slave_*.deb \
        "$DEBS"/polyrun-plugins_*.deb "$DEBS"/polyrun-dev_*.deb
echo "installed: $(dpkg-query -W -f '${Status} ' polyrun-master polyrun-slave)"
echo "user: $(getent passwd polyrun | cut -d: -f1,7)"
echo "token: $(stat -c '%U:%G %a' /etc/polyrun/token) $(wc -c </etc/polyrun/token)"
for u in master slave; do
  [ -L /etc/systemd/system/multi-user.target.wants/polyrun-$u.service ] && echo "enabled: polyrun-$u"
done
# What systemd does for the units: StateDirectory=, CacheDirectory=, LogsDirectory= (owned by
# User=), and the environment of User= (HOME, USER, ...: setpriv --reset-env).
install -d -o polyrun -g polyrun -m 0750 /var/lib/polyrun /var/lib/polyrun/slave /var/cache/polyrun /var/log/polyrun
ip link set lo up
# Delegate=yes: the unit gets a cgroup its user may write. On this cgroup v1 (hybrid) machine: a
# group of its own under this test's groups (memory, pids, cpuacct), handed to the user.
delegate() {
  for c in memory pids cpuacct; do
    rel=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
    g=/sys/fs/cgroup/$c${rel%/}/polyrun-package-test-$$
    mkdir "$g"
    chown -R "$1" "$g"
    echo "$g"
  done
}
start() {
  unit=/usr/lib/systemd/system/polyrun-$1.service
  user=$(sed -n 's/^User=//p' "$unit")
  cmd=$(sed -n 's/^ExecStart=//p' "$unit")
  into=""
  if grep -q '^Delegate=yes' "$unit"; then
    into=$(delegate "$user")
    GROUPS_MADE="$into $GROUPS_MADE"
  fi
  sh -c 'for g in $1; do echo $$ >"$g/cgroup.procs"; done; shift; exec "$@"' sh "$into" \
    setpriv --reuid="$user" --regid="$user" --init-groups --reset-env $cmd </dev/null >>/tmp/$1.stderr 2>&1 &
  PIDS="$PIDS $!"
}
start master
start slave
# Wait (with a deadline) until the slave offers python.
deadline=$(( $(date +%s) + 60 ))
until polyrun runtimes 2>/dev/null | grep -q python; do
  if [ "$(date +%s)" -ge $deadline ]; then
    echo "== no slave offered python within 60 s"; polyrun status || true
    cat /tmp/master.stderr /tmp/slave.stderr /var/log/polyrun/*.log; exit 1
  fi
  sleep 0.2
done
printf 'print(6 * 7)\n' >/tmp/job.py
echo "job: $(polyrun run /tmp/job.py)"
echo "processes: $(ps -o user= -C polyrun-master,polyrun-slave | sort -u | tr '\n' ' ')"
kill -TERM $PIDS
wait || true
echo "== master.log"; cat /var/log/polyrun/master.log
echo "== slave.log"; cat /var/log/polyrun/slave.log
echo "== stderr"; cat /tmp/master.stderr /tmp/slave.stderr
echo "== purge"
dpkg --purge polyrun-dev polyrun-plugins polyrun-slave polyrun-master >/dev/null
[ -e /var/lib/polyrun/master.journal ] || echo "purged: journal"
[ -e /var/lib/polyrun/slave ] || [ -e /var/cache/polyrun ] || echo "purged: work"
ls /var/log/polyrun/*.log >/dev/null 2>&1 || echo "purged: logs"
echo "== done"
)SH";

// Makes the throwaway root and runs kInside in it.
const char* kOutside = R"SH(
set -eu
T=$1 DEBS=$2
mount -t tmpfs tmpfs "$T/ov"
mkdir -p "$T/ov/upper" "$T/ov/work" "$T/ov/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/ov/upper,workdir=$T/ov/work" "$T/ov/root"
R=$T/ov/root
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mkdir -p "$R/tmp/debs" "$R/old"
cp "$DEBS"/*.deb "$R/tmp/debs/"
cp "$T/inside.sh" "$R/tmp/inside.sh"
cd "$R"
pivot_root . old
umount -l /old
cd /
exec /bin/sh /tmp/inside.sh /tmp/debs
)SH";

TEST_F(Packages, InstallAndStartOnAThrowawayRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for the overlay root and dpkg -i";
  TempDir t;
  fs::create_directories(t.path() + "/ov");
  writeFile(t.path() + "/inside.sh", kInside);
  writeFile(t.path() + "/outside.sh", kOutside);
  // --kill-child: if the test dies, everything in the namespaces dies with it.
  const auto r = runCommand(
      {"/usr/bin/unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--propagation",
       "private", "/bin/sh", t.path() + "/outside.sh", t.path(), out_->path()},
      240s);
  const std::string& o = r.output;
  if (o.find("overlay") != std::string::npos && o.find("== dpkg -i") == std::string::npos &&
      (o.find("permission denied") != std::string::npos ||
       o.find("unknown filesystem") != std::string::npos))
    GTEST_SKIP() << "cannot build an overlay root here: " << o;
  ASSERT_EQ(r.exit_code, 0) << o;
  EXPECT_TRUE(contains(o, "installed: install ok installed install ok installed"));
  EXPECT_TRUE(contains(o, "user: polyrun:/usr/sbin/nologin"));
  EXPECT_TRUE(contains(o, "token: root:polyrun 640 41"));  // 40 characters and a newline
  EXPECT_TRUE(contains(o, "enabled: polyrun-master"));
  EXPECT_TRUE(contains(o, "enabled: polyrun-slave"));
  EXPECT_TRUE(contains(o, "job: 42\n"));
  EXPECT_TRUE(contains(o, "processes: polyrun \n")) << "both services run as polyrun";
  EXPECT_TRUE(contains(o, "registered with the master 127.0.0.1:7401"));
  EXPECT_TRUE(contains(o, "polyrun-master stopped"));
  EXPECT_TRUE(
      contains(o, "== stderr\n== purge"));  // nothing on stderr: everything in the log files
  EXPECT_TRUE(contains(o, "purged: journal"));
  EXPECT_TRUE(contains(o, "purged: work"));
  EXPECT_TRUE(contains(o, "purged: logs"));
  EXPECT_TRUE(contains(o, "== done"));
}

}  // namespace
}  // namespace polyrun::test
