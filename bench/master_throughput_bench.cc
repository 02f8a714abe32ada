// The master's throughput of trivial jobs through the real protocol (docs/performance.md,
// "Routing and master throughput"):
//
//   build/bin/master_throughput_bench --benchmark_min_time=1
//
// A real polyrun-master process on loopback; fake slaves in this process answer every `assign`
// at once with a canned result; clients pipeline `submit`s, keeping `window` jobs in flight.
// The fakes only split frames and look for the few fields they need, so that nearly all the CPU
// measured goes to the master. Arguments: journal on/off, client connections.
#include <Poco/Net/SocketImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "polyrun/frame.h"

extern char** environ;

namespace {
using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kSlaves = 4;
constexpr int kSlaveCapacity = 256;
constexpr int kWindow = 2048;  // jobs in flight per client

// Splits a byte stream into frame payloads without parsing the JSON.
class FrameSplitter {
 public:
  template <typename Fn>
  void feed(const char* data, size_t n, Fn&& on_payload) {
    buffer_.append(data, n);
    size_t pos = 0;
    while (buffer_.size() - pos >= 4) {
      const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
      const size_t len = (size_t{h[0]} << 24) | (size_t{h[1]} << 16) | (size_t{h[2]} << 8) | h[3];
      if (buffer_.size() - pos - 4 < len) break;
      on_payload(std::string_view(buffer_.data() + pos + 4, len));
      pos += 4 + len;
    }
    buffer_.erase(0, pos);
  }

 private:
  std::string buffer_;
};

// The string value of "key":"..." in a payload (the master writes JSON without spaces).
std::string_view field(std::string_view payload, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  const size_t at = payload.find(needle);
  if (at == std::string_view::npos) return {};
  const size_t start = at + needle.size();
  return payload.substr(start, payload.find('"', start) - start);
}

bool sendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

class Master {
 public:
  explicit Master(bool journal) {
    dir_ = fs::temp_directory_path() / ("polyrun-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string ready = (dir_ / "ready.json").string();
    std::vector<std::string> argv = {
        std::string(POLYRUN_BIN_DIR) + "/polyrun-master", "--define=master.slave.token=bench",
        "--define=master.client.port=0", "--define=master.slave.port=0",
        "--define=master.queue.max=1000000", "--define=master.ready.file=" + ready,
        // One log line per job would measure the console instead.
        "--define=logging.loggers.root.level=warning"};
    if (journal)
      argv.push_back("--define=master.journal.path=" + (dir_ / "master.journal").string());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "master.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 2000 && !fs::exists(ready); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::ifstream in(ready);
    const json ports = json::parse(in, nullptr, false);
    if (ports.is_object()) {
      client_port_ = ports["client_port"];
      slave_port_ = ports["slave_port"];
    }
  }
  ~Master() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    std::error_code ec;
    if (!getenv("KEEP")) fs::remove_all(dir_, ec);
  }
  int clientPort() const { return client_port_; }
  int slavePort() const { return slave_port_; }
  pid_t pid() const { return pid_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int client_port_ = 0;
  int slave_port_ = 0;
};

// CPU time (user + system) the process has used so far, in microseconds.
double cpuMicros(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Poco::Net::StreamSocket connectTo(int port) {
  Poco::Net::StreamSocket s;
  s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  s.setNoDelay(true);
  return s;
}

// A slave that answers every assignment at once with an OK result.
class FakeSlave {
 public:
  FakeSlave(int port, int index) : socket_(connectTo(port)) {
    const json reg = {
        {"type", "register"},
        {"token", "bench"},
        {"name", "fake-" + std::to_string(index)},
        {"capacity", kSlaveCapacity},
        {"languages", {{{"language", "python"}, {"version", "3.11.2"}, {"aliases", {"py"}}}}}};
    sendAll(fd(), polyrun::encodeFrame(reg));
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeSlave() {
    stop_ = true;
    socket_.shutdown();
    thread_.join();
  }

 private:
  int fd() { return static_cast<int>(socket_.impl()->sockfd()); }
  void loop() {
    FrameSplitter splitter;
    char buf[1 << 16];
    while (!stop_) {
      const ssize_t n = ::recv(fd(), buf, sizeof buf, 0);
      if (n <= 0) return;
      std::string out;
      splitter.feed(buf, static_cast<size_t>(n), [&](std::string_view payload) {
        if (field(payload, "type") != "assign") return;
        const std::string job_id(field(payload, "job_id"));
        const json result = {{"type", "result"},
                             {"job_id", job_id},
                             {"result",
                              {{"job_id", job_id},
                               {"verdict", "OK"},
                               {"run", {{"verdict", "OK"}, {"stdout", "1\n"}, {"exit_code", 0}}}}}};
        out += polyrun::encodeFrame(result);
      });
      if (!out.empty() && !sendAll(fd(), out)) return;
    }
  }
  Poco::Net::StreamSocket socket_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Submits `total` jobs with `kWindow` in flight; returns how many results came back.
int64_t runClient(int port, int64_t total) {
  Poco::Net::StreamSocket socket = connectTo(port);
  const int fd = static_cast<int>(socket.impl()->sockfd());
  const std::string submit = polyrun::encodeFrame(
      {{"type", "submit"},
       {"id", 1},
       {"job",
        {{"language", "python"}, {"files", {{{"name", "main.py"}, {"content", "print(1)"}}}}}}});
  int64_t sent = 0, done = 0;
  auto top_up = [&] {
    std::string out;
    while (sent < total && sent - done < kWindow) {
      out += submit;
      ++sent;
    }
    return out.empty() || sendAll(fd, out);
  };
  if (!top_up()) return done;
  FrameSplitter splitter;
  char buf[1 << 16];
  while (done < total) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    splitter.feed(buf, static_cast<size_t>(n), [&](std::string_view payload) {
      const auto type = field(payload, "type");
      if (type == "result" || type == "error") ++done;
    });
    if (!top_up()) break;
  }
  return done;
}

void BM_MasterThroughput(benchmark::State& state) {
  const bool journal = state.range(0) != 0;
  const int clients = static_cast<int>(state.range(1));
  Master master(journal);
  if (master.clientPort() == 0) {
    state.SkipWithError("the master did not start");
    return;
  }
  std::vector<std::unique_ptr<FakeSlave>> slaves;
  for (int i = 0; i < kSlaves; ++i)
    slaves.push_back(std::make_unique<FakeSlave>(master.slavePort(), i));
  runClient(master.clientPort(), 2000);  // warm up, and proves the slaves are registered
  // Jobs per iteration (POLYRUN_BENCH_JOBS overrides, e.g. for a profiler's longer look).
  const char* jobs_env = std::getenv("POLYRUN_BENCH_JOBS");
  const int64_t per_client = (jobs_env ? std::atoll(jobs_env) : 20000) / clients;
  int64_t total = 0;
  const double cpu_before = cpuMicros(master.pid());
  for (auto _ : state) {
    std::vector<std::thread> threads;
    std::atomic<int64_t> done{0};
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&] { done += runClient(master.clientPort(), per_client); });
    for (auto& t : threads) t.join();
    total += done;
    if (done != per_client * clients) state.SkipWithError("results went missing");
  }
  state.SetItemsProcessed(total);
  state.counters["jobs_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  // What a job costs the master in CPU, whatever else the machine was doing meanwhile.
  if (total > 0)
    state.counters["master_cpu_us_per_job"] = (cpuMicros(master.pid()) - cpu_before) / total;
}
BENCHMARK(BM_MasterThroughput)
    ->ArgNames({"journal", "clients"})
    ->Args({0, 1})
    ->Args({0, 4})
    ->Args({1, 1})
    ->Args({1, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
