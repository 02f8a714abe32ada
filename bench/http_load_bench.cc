// The HTTP API under load (docs/performance.md, "HTTP API under load"):
//
//   build/bin/http_load_bench [--requests=200] [--slaves=2] [--capacity=2] [--rounds=3]
//
// A real polyrun-master and real slaves (every plugin) on loopback. Each round fires `requests`
// concurrent `POST /api/v2/execute` of a Python hello world, one connection and one thread per
// request, all released at once; then the same jobs through the native client port, so that the
// two paths are compared side by side in one run. Prints latency percentiles and jobs/s per
// round and path; exits non-zero if any answer is wrong or refused.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "master_client.h"

extern char** environ;

namespace {
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const char* kHello = "print('Hello, world!')";

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

struct Http {
  int status = -1;
  json body;
};

Http httpRequest(int port, const std::string& method, const std::string& path,
                 const std::string& body = "") {
  Http out;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (method == "POST") req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    out.status = res.getStatus();
    out.body = json::parse(text.str(), nullptr, false);
  } catch (const std::exception&) {
  }
  return out;
}

struct Round {
  std::vector<double> latencies_ms;  // of correct answers
  int wrong = 0;
  double seconds = 0;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Runs `one` on `n` threads released together; each returns whether its answer was right.
Round concurrently(int n, const std::function<bool()>& one) {
  Round round;
  std::mutex mutex;
  std::condition_variable go;
  bool started = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&] {
      {
        std::unique_lock<std::mutex> lock(mutex);
        go.wait(lock, [&] { return started; });
      }
      const auto t0 = Clock::now();
      const bool ok = one();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::lock_guard<std::mutex> lock(mutex);
      if (ok)
        round.latencies_ms.push_back(ms);
      else
        ++round.wrong;
    });
  }
  const auto t0 = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex);
    started = true;
  }
  go.notify_all();
  for (auto& t : threads) t.join();
  round.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return round;
}

void report(const char* path, int round_no, int requests, const Round& r) {
  std::printf(
      "%-7s round %d: %d requests, %zu correct, %d wrong/refused, p50 %.0f ms, p90 %.0f ms, "
      "max %.0f ms, %.1f jobs/s\n",
      path, round_no, requests, r.latencies_ms.size(), r.wrong, percentile(r.latencies_ms, 0.5),
      percentile(r.latencies_ms, 0.9), percentile(r.latencies_ms, 1.0),
      static_cast<double>(r.latencies_ms.size()) / r.seconds);
  std::fflush(stdout);
}

int intFlag(int argc, char** argv, const std::string& name, int def) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0)
      return std::atoi(argv[i] + prefix.size());
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = intFlag(argc, argv, "requests", 200);
  const int slaves = intFlag(argc, argv, "slaves", 2);
  const int capacity = intFlag(argc, argv, "capacity", 2);
  const int rounds = intFlag(argc, argv, "rounds", 3);
  const fs::path dir =
      fs::temp_directory_path() / ("polyrun-http-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bin = POLYRUN_BIN_DIR;
  const std::string ready = (dir / "master.ready").string();

  std::vector<pid_t> pids;
  auto stopAll = [&] {
    for (auto it = pids.rbegin(); it != pids.rend(); ++it) ::kill(*it, SIGTERM);
    for (pid_t p : pids) ::waitpid(p, nullptr, 0);
    fs::remove_all(dir);
  };
  pids.push_back(spawn({bin + "/polyrun-master", "--define=master.slave.token=bench",
                        "--define=master.client.port=0", "--define=master.slave.port=0",
                        "--define=master.http.port=0", "--define=master.ready.file=" + ready,
                        "--define=logging.loggers.root.level=warning"},
                       (dir / "master.log").string()));
  json ports;
  if (!waitUntil(
          [&] {
            std::ifstream in(ready);
            ports = json::parse(in, nullptr, false);
            return ports.is_object() && ports.contains("http_port");
          },
          std::chrono::seconds(20))) {
    std::fprintf(stderr, "the master did not start; see %s\n", (dir / "master.log").c_str());
    stopAll();
    return 1;
  }
  const int http_port = ports["http_port"];
  const int client_port = ports["client_port"];
  for (int i = 0; i < slaves; ++i) {
    const std::string name = "bench-" + std::to_string(i + 1);
    pids.push_back(
        spawn({bin + "/polyrun-slave", "--define=slave.token=bench",
               "--define=slave.master.port=" + std::to_string(ports["slave_port"].get<int>()),
               "--define=slave.name=" + name, "--define=slave.plugins.dir=" POLYRUN_PLUGIN_DIR,
               "--define=slave.jobs.max=" + std::to_string(capacity),
               "--define=slave.work.dir=" + (dir / ("work-" + name)).string(),
               "--define=logging.loggers.root.level=warning"},
              (dir / (name + ".log")).string()));
  }
  const bool up = waitUntil(
      [&] {
        const Http c = httpRequest(http_port, "GET", "/api/v1/cluster");
        if (c.status != 200) return false;
        int ready_slaves = 0;
        for (const auto& s : c.body["slaves"])
          for (const auto& l : s["languages"]) ready_slaves += l["language"] == "python";
        return ready_slaves == slaves;
      },
      std::chrono::seconds(60));
  if (!up) {
    std::fprintf(stderr, "%d slaves did not offer python within 60 s\n", slaves);
    stopAll();
    return 1;
  }
  std::printf("master + %d slaves x %d slots, %d concurrent Python hello jobs per round\n", slaves,
              capacity, requests);

  const std::string body =
      json{{"language", "python"}, {"version", "*"}, {"files", {{{"content", kHello}}}}}.dump();
  auto http_one = [&] {
    const Http r = httpRequest(http_port, "POST", "/api/v2/execute", body);
    return r.status == 200 && r.body["run"]["stdout"] == "Hello, world!\n";
  };
  polyrun::Job job;
  job.language = "python";
  job.files.push_back({"main.py", kHello, polyrun::Encoding::kUtf8});
  auto native_one = [&] {
    polyrun::MasterClient client("127.0.0.1", static_cast<uint16_t>(client_port));
    std::string error;
    if (!client.connect(&error, 10000)) return false;
    auto reply = client.submit(job, 120000, &error);
    return reply && reply->value("type", "") == "result" &&
           (*reply)["result"]["run"]["stdout"] == "Hello, world!\n";
  };
  for (int i = 0; i < 4; ++i) http_one();  // warm-up: page cache, first sandboxes

  int wrong = 0;
  for (int round = 1; round <= rounds; ++round) {
    const Round h = concurrently(requests, http_one);
    report("http", round, requests, h);
    const Round n = concurrently(requests, native_one);
    report("native", round, requests, n);
    wrong += h.wrong + n.wrong;
  }
  stopAll();
  return wrong == 0 ? 0 : 1;
}
