// A multi-host cluster on one machine: the master and two slaves each in a network namespace
// of its own, joined by veth pairs to a bridge, each with its own address; the test talks to the
// master from the host through the bridge. Jobs are routed across the hosts; then one slave's
// link is cut (ip link set down) while it runs a job, and that job, and the next ones, run on
// the other slave.
//
// Needs root and the `ip` command (iproute2); skipped otherwise. Every namespace, link and
// process is named uniquely per run and removed at the end, also when an assertion fails.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "deploy/deploy_support.h"
#include "polyrun/job_json.h"

namespace polyrun::test {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

// The namespaces, the bridge and the veth pairs of one test run, removed on destruction.
class NetnsLab {
 public:
  struct Host {
    std::string netns;    // ip netns name
    std::string link;     // the host side of its veth pair, on the bridge
    std::string address;  // its address inside the namespace
  };

  bool create(std::string* error) {
    std::random_device rd;
    const unsigned id = rd() & 0xfffff;
    char tag[8];
    std::snprintf(tag, sizeof tag, "%05x", id);
    prefix_ = std::string("pr") + tag;  // interface names must stay under 16 characters
    // A /24 no interface of this machine uses yet.
    const std::string addresses = runShell("ip -o -4 addr show").output;
    for (int attempt = 0; attempt < 50 && subnet_.empty(); ++attempt) {
      const std::string candidate =
          "10." + std::to_string(200 + rd() % 50) + "." + std::to_string(rd() % 256) + ".";
      if (addresses.find(" " + candidate) == std::string::npos) subnet_ = candidate;
    }
    bridge_ = prefix_ + "br";
    std::string script = "set -e\nip link add " + bridge_ + " type bridge\nip addr add " + subnet_ +
                         "1/24 dev " + bridge_ + "\nip link set " + bridge_ + " up\n";
    const char* roles[] = {"m", "s1", "s2"};
    for (int i = 0; i < 3; ++i) {
      Host h{"polyrun-" + std::string(tag) + "-" + roles[i], prefix_ + roles[i],
             subnet_ + std::to_string(i + 2)};
      script += "ip netns add " + h.netns + "\n" + "ip link add " + h.link +
                " type veth peer name eth0 netns " + h.netns + "\n" + "ip link set " + h.link +
                " master " + bridge_ + " up\n" + "ip -n " + h.netns + " addr add " + h.address +
                "/24 dev eth0\n" + "ip -n " + h.netns + " link set eth0 up\n" + "ip -n " + h.netns +
                " link set lo up\n";
      hosts_.push_back(h);
    }
    const auto r = runShell(script, 30s);
    if (r.exit_code != 0) {
      *error = "setting up the namespaces failed:\n" + script + "\n" + r.output;
      return false;
    }
    return true;
  }

  ~NetnsLab() {
    for (const pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    std::string script;
    for (const auto& h : hosts_)
      script +=
          "ip link del " + h.link + " 2>/dev/null; ip netns del " + h.netns + " 2>/dev/null; ";
    if (!bridge_.empty()) script += "ip link del " + bridge_ + " 2>/dev/null; ";
    runShell(script + "true", 30s);
  }

  /// Starts argv inside host i's network namespace (only the network: nsenter, unlike
  /// `ip netns exec`, leaves /sys and so the cgroup mounts as they are).
  pid_t spawn(size_t i, std::vector<std::string> argv, const std::string& log) {
    argv.insert(argv.begin(), {"/usr/bin/nsenter", "--net=/run/netns/" + hosts_[i].netns, "--"});
    const pid_t pid = spawnLogged(argv, log);
    if (pid > 0) pids_.push_back(pid);
    return pid;
  }

  bool setLink(size_t i, bool up) {
    return runShell("ip link set " + hosts_[i].link + (up ? " up" : " down")).exit_code == 0;
  }

  const Host& host(size_t i) const { return hosts_[i]; }
  std::string names() const {
    std::string s = "bridge " + bridge_;
    for (const auto& h : hosts_) s += ", " + h.netns + " (" + h.address + " via " + h.link + ")";
    return s;
  }

 private:
  std::string prefix_, subnet_, bridge_;
  std::vector<Host> hosts_;
  std::vector<pid_t> pids_;
};

Job sleepyJob(const std::string& tag, int ms) {
  Job job;
  job.language = "python";
  job.files.push_back({"main.py",
                       "import socket, time\ntime.sleep(" + std::to_string(ms / 1000.0) +
                           ")\nprint('" + tag + "')\n",
                       Encoding::kUtf8});
  job.limits.run.wall_ms = 20000;
  return job;
}

// Submits `job` to the master at host:port; returns the final message (or an `error` object
// holding the client's error). `assigned` receives the slave's name when the job is assigned.
json submitTo(const std::string& host, int port, const Job& job,
              const std::function<void(const std::string&)>& assigned = {}) {
  MasterClient client(host, static_cast<uint16_t>(port));
  std::string error;
  if (!client.connect(&error, 5000)) return {{"type", "error"}, {"message", error}};
  auto m = client.submit(job, 60000, &error, [&](const json& event) {
    if (assigned && event.value("type", "") == "progress" && event.value("state", "") == "assigned")
      assigned(event.value("slave", ""));
  });
  return m ? *m : json{{"type", "error"}, {"message", error}};
}

TEST(MultiHost, JobsCrossNamespacesAndMoveWhenALinkIsCut) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to create network namespaces (ip netns, veth, bridge)";
  if (!std::filesystem::exists("/usr/sbin/ip") && !std::filesystem::exists("/sbin/ip") &&
      !std::filesystem::exists("/usr/bin/ip"))
    GTEST_SKIP() << "needs the ip command (Debian package iproute2)";
  if (!std::filesystem::exists("/usr/bin/nsenter"))
    GTEST_SKIP() << "needs nsenter (Debian package util-linux)";

  NetnsLab lab;
  std::string error;
  ASSERT_TRUE(lab.create(&error)) << error;
  TempDir dir;
  const std::string ready = dir.path() + "/ready.json";
  const auto& m = lab.host(0);
  lab.spawn(0,
            {binaryPath("polyrun-master"), "--define=master.bind=" + m.address,
             "--define=master.slave.token=netns-token", "--define=master.client.port=0",
             "--define=master.slave.port=0", "--define=master.heartbeat.ms=200",
             "--define=master.heartbeat.timeout.ms=1000", "--define=master.ready.file=" + ready},
            dir.path() + "/master.log");
  int client_port = 0, slave_port = 0;
  auto logs = [&] {
    std::string all = lab.names() + "\n";
    for (const std::string f : {"master", "host-1", "host-2"})
      all += "--- " + f + "\n" + readFile(dir.path() + "/" + f + ".log");
    return all;
  };
  ASSERT_TRUE(waitFor([&] { return readReadyFile(ready, &client_port, &slave_port); }, 20s))
      << logs();
  for (size_t i = 1; i <= 2; ++i) {
    const std::string name = "host-" + std::to_string(i);
    lab.spawn(i,
              {binaryPath("polyrun-slave"), "--define=slave.master.host=" + m.address,
               "--define=slave.master.port=" + std::to_string(slave_port),
               "--define=slave.token=netns-token", "--define=slave.name=" + name,
               "--define=slave.jobs.max=1",
               "--define=slave.plugins.dir=" + std::string(POLYRUN_PLUGIN_DIR),
               "--define=slave.work.dir=" + dir.path() + "/work-" + name},
              dir.path() + "/" + name + ".log");
  }
  // The host reaches the master only through the bridge: its address is not on loopback.
  ASSERT_TRUE(
      waitFor([&] { return readySlaves(clusterSnapshot(client_port, m.address)) == 2; }, 60s))
      << logs();
  const json snapshot = clusterSnapshot(client_port, m.address);
  // Each slave reached the master from its own namespace's address.
  std::set<std::string> from;
  for (const auto& s : snapshot["slaves"]) {
    const std::string address = s.value("address", std::string());
    from.insert(address.substr(0, address.rfind(':')));
  }
  EXPECT_EQ(from, (std::set<std::string>{lab.host(1).address, lab.host(2).address}))
      << snapshot.dump();

  // Two jobs at once, one place each: one runs on each host.
  json first, second;
  {
    std::thread a([&] { first = submitTo(m.address, client_port, sleepyJob("a", 800)); });
    std::thread b([&] { second = submitTo(m.address, client_port, sleepyJob("b", 800)); });
    a.join();
    b.join();
  }
  ASSERT_EQ(first["type"], "result") << first.dump() << logs();
  ASSERT_EQ(second["type"], "result") << second.dump() << logs();
  EXPECT_EQ(first["result"]["run"]["stdout"], "a\n");
  EXPECT_EQ(second["result"]["run"]["stdout"], "b\n");
  EXPECT_NE(first["result"]["slave"], second["result"]["slave"]) << "both jobs ran on one host";

  // A job runs on one host; its link goes down; the job runs again on the other host.
  std::mutex mutex;
  std::string assigned_to;
  json moved;
  std::thread runner([&] {
    moved =
        submitTo(m.address, client_port, sleepyJob("moved", 1500), [&](const std::string& slave) {
          std::lock_guard<std::mutex> lock(mutex);
          if (assigned_to.empty()) assigned_to = slave;
        });
  });
  const bool was_assigned = waitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return !assigned_to.empty();
      },
      30s);
  const size_t cut = assigned_to == "host-1" ? 1 : 2;
  if (was_assigned) {
    EXPECT_TRUE(lab.setLink(cut, false));
  }
  runner.join();
  ASSERT_TRUE(was_assigned) << logs();
  const std::string survivor = cut == 1 ? "host-2" : "host-1";
  ASSERT_EQ(moved["type"], "result") << moved.dump() << logs();
  EXPECT_EQ(moved["result"]["run"]["stdout"], "moved\n");
  EXPECT_EQ(moved["result"]["slave"], survivor) << logs();
  // The master dropped the unreachable host; new jobs go to the other one.
  EXPECT_TRUE(
      waitFor([&] { return clusterSnapshot(client_port, m.address)["slaves"].size() == 1; }, 10s))
      << logs();
  for (int i = 0; i < 3; ++i) {
    const json r = submitTo(m.address, client_port, sleepyJob("after", 0));
    ASSERT_EQ(r["type"], "result") << r.dump();
    EXPECT_EQ(r["result"]["slave"], survivor);
  }
  // The link back up: the host registers again.
  EXPECT_TRUE(lab.setLink(cut, true));
  EXPECT_TRUE(
      waitFor([&] { return readySlaves(clusterSnapshot(client_port, m.address)) == 2; }, 30s))
      << logs();
}

}  // namespace
}  // namespace polyrun::test
