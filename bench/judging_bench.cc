// Judging, side by side in one run (docs/performance.md, "Judging"): a C++ solution judged on N
// cases as one job, against the same N runs as N separate jobs, against the same N runs by hand
// (the compiled binary started N times by this process). A master and one slave with one slot,
// so that the cases and the separate jobs both run one at a time, on the same slot. Rounds
// interleave the variants, so the machine's noise falls on all of them alike.
//
//   build/bin/judging_bench [--cases=N] [--rounds=R]
//
// Rows (medians over the rounds, each the time for all N cases as the client sees it):
//   by hand             N × posix_spawn/waitpid of the binary, stdin from a file
//   judged, cached      one job of N cases whose compile is a cache hit
//   judged, compiled    one job of N cases with a new source each round (a real compile)
//   separate jobs       N jobs of the same (cached) source, all submitted at once
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "master_client.h"
#include "polyrun/job_json.h"
#include "suite/local_cluster.h"
#include "suite/process.h"
#include "suite/stats.h"

namespace {
namespace fs = std::filesystem;
using namespace polyrun;
using namespace polyrun::bench;
using nlohmann::json;

// Doubles its input; `%d` is replaced by the round for a new source (a compile-cache miss).
constexpr const char* kSolution = R"(#include <cstdio>
int main() {
  long n;
  if (std::scanf("%ld", &n) != 1) return 1;
  std::printf("%ld\n", 2 * n + 0 * %d);
}
)";

std::string solution(int variant) {
  std::string s = kSolution;
  s.replace(s.find("%d"), 2, std::to_string(variant));
  return s;
}

Job judgedJob(const std::string& source, int cases) {
  Job job;
  job.language = "c++";
  job.files.push_back({"main.cpp", source, Encoding::kUtf8});
  for (int i = 0; i < cases; ++i) {
    TestCase t;
    t.name = std::to_string(i + 1);
    t.stdin_data = std::to_string(i) + "\n";
    t.expected_stdout = std::to_string(2 * i) + "\n";
    job.tests.push_back(std::move(t));
  }
  return job;
}

Job separateJob(const std::string& source, int i) {
  Job job;
  job.language = "c++";
  job.files.push_back({"main.cpp", source, Encoding::kUtf8});
  job.stdin_data = std::to_string(i) + "\n";
  return job;
}

// Submits `jobs` at once on `client` and waits for every result; wall ms, or NaN on a failure
// (printed). *compile_ms gets the first result's compile stage wall time.
double timeJobs(MasterClient& client, const std::vector<Job>& jobs, double* compile_ms = nullptr,
                std::string* verdict = nullptr) {
  const double start = nowMs();
  std::vector<std::string> ids;
  std::string error;
  for (const Job& job : jobs) {
    ids.push_back(client.sendSubmit(job, &error));
    if (ids.back().empty()) {
      std::fprintf(stderr, "submit failed: %s\n", error.c_str());
      return NAN;
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto reply = client.awaitJob(ids[i], 600000, &error);
    if (!reply || reply->value("type", "") != "result") {
      std::fprintf(stderr, "job failed: %s\n",
                   reply ? reply->dump().substr(0, 300).c_str() : error.c_str());
      return NAN;
    }
    const json& r = (*reply)["result"];
    if (i == 0 && verdict) *verdict = r.value("verdict", "");
    if (i == 0 && compile_ms && r.contains("compile"))
      *compile_ms = r["compile"].value("wall_ms", 0.0);
  }
  return nowMs() - start;
}

// Runs `bin` by hand with stdin from `input` and stdout to /dev/null; true when it exited 0.
bool runByHand(const std::string& bin, const std::string& input) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  char* const argv[] = {const_cast<char*>(bin.c_str()), nullptr};
  char* const envp[] = {nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  int status = -1;
  return rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int cases = 100, rounds = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--cases=", 0) == 0)
      cases = std::max(1, std::atoi(a.c_str() + 8));
    else if (a.rfind("--rounds=", 0) == 0)
      rounds = std::max(1, std::atoi(a.c_str() + 9));
    else {
      std::fprintf(stderr, "usage: judging_bench [--cases=N] [--rounds=R]\n");
      return 64;
    }
  }

  LocalCluster::Options co;
  co.bin_dir = POLYRUN_BIN_DIR;
  co.plugin_dir = POLYRUN_PLUGIN_DIR;
  co.slaves = 1;
  co.slave_capacity = 1;
  co.languages = {"c++"};
  LocalCluster cluster(co);
  std::string error;
  if (!cluster.start(&error)) {
    std::fprintf(stderr, "judging_bench: the cluster did not start: %s\n", error.c_str());
    return 69;
  }
  MasterClient client("127.0.0.1", cluster.clientPort());
  if (!client.connect(&error)) {
    std::fprintf(stderr, "judging_bench: %s\n", error.c_str());
    return 69;
  }

  // The binary by hand, and its inputs.
  const fs::path dir = fs::path(cluster.dir()) / "by-hand";
  fs::create_directories(dir);
  std::ofstream(dir / "main.cpp") << solution(0);
  const ProcessRun built = runProcess(
      {"/usr/bin/g++", "-O2", "-o", (dir / "main").string(), (dir / "main.cpp").string()},
      dir.string());
  if (!built.exitedZero()) {
    std::fprintf(stderr, "g++ failed: %s\n%s", built.describe().c_str(), built.output.c_str());
    return 1;
  }
  for (int i = 0; i < cases; ++i) std::ofstream(dir / ("in" + std::to_string(i))) << i << "\n";

  // The cached source is compiled once before the rounds, so its rows are cache hits.
  const std::string cached = solution(0);
  std::vector<Job> separate;
  for (int i = 0; i < cases; ++i) separate.push_back(separateJob(cached, i));
  timeJobs(client, {judgedJob(cached, 1)});

  std::vector<double> hand, judged_cached, judged_compiled, compile, separate_ms;
  std::vector<double> judged_net;  // judged_compiled less its own compile stage, per round
  std::string verdict;
  for (int round = 0; round < rounds; ++round) {
    double start = nowMs();
    bool ok = true;
    for (int i = 0; i < cases && ok; ++i)
      ok = runByHand((dir / "main").string(), (dir / ("in" + std::to_string(i))).string());
    hand.push_back(ok ? nowMs() - start : NAN);
    judged_cached.push_back(timeJobs(client, {judgedJob(cached, cases)}, nullptr, &verdict));
    double compile_ms = NAN;
    judged_compiled.push_back(timeJobs(
        client, {judgedJob(solution(1000 + round + 100 * ::getpid()), cases)}, &compile_ms));
    compile.push_back(compile_ms);
    judged_net.push_back(judged_compiled.back() - compile_ms);
    separate_ms.push_back(timeJobs(client, separate));
    std::fprintf(stderr,
                 "round %d: by hand %.0f, judged cached %.0f, judged compiled %.0f "
                 "(compile %.0f), separate %.0f ms\n",
                 round + 1, hand.back(), judged_cached.back(), judged_compiled.back(), compile_ms,
                 separate_ms.back());
  }

  const double per_case_hand = median(hand) / cases;
  std::string load;
  std::getline(std::ifstream("/proc/loadavg"), load);
  std::printf("judging_bench: %d cases of a C++ solution, %d rounds; load at the end: %s\n\n",
              cases, rounds, load.c_str());
  std::printf("| what | all %d cases (median) | per case | vs by hand, per case |\n", cases);
  std::printf("|---|---|---|---|\n");
  const auto row = [&](const char* what, const std::vector<double>& v) {
    const double m = median(v);
    std::printf("| %s | %s | %s | %s |\n", what, ms(m).c_str(), ms(m / cases).c_str(),
                signedMs(m / cases - per_case_hand).c_str());
  };
  row("by hand (posix_spawn + waitpid, stdin from a file)", hand);
  row("one judged job, compile cached", judged_cached);
  row("one judged job, compiled", judged_compiled);
  row("the same, less its compile stage", judged_net);
  row("separate jobs, compile cached, all submitted at once", separate_ms);
  std::printf("\ncompile stage of the compiled rows: median %s; judged job's verdict: %s\n",
              ms(median(compile)).c_str(), verdict.c_str());
  std::printf("separate jobs / one judged job (both cached): %sx\n",
              fixed(ratioOf(separate_ms, judged_cached), 2).c_str());
  return verdict == "OK" ? 0 : 1;
}
