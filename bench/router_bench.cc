// Routing decision time with many slaves (docs/performance.md, "Routing and master throughput").
//
//   build/bin/router_bench --benchmark_min_time=1
//
// - BM_RouterDecision: Router::pick for a job, then the bookkeeping of the assignment and of the
//   job's end (Router::assigned, Router::setRunning): one full decision cycle, over N slaves.
// - BM_RouterAffinityDecision: the same for a compiled language with a cache affinity.
// - BM_ReferencePickSlave: the reference pickSlave() scanning every snapshot, for comparison.
// - BM_SchedulerSubmitToAssign: the scheduler's whole path for one job (validation, queue,
//   routing, the `assign` message built) and its result, with N fake slaves.
#include <benchmark/benchmark.h>

#include <random>

#include "router.h"
#include "scheduler.h"

namespace polyrun::master {
namespace {

RunnerInfo lang(const std::string& name, const std::string& version) {
  RunnerInfo info;
  info.language = name;
  info.version = version;
  return info;
}

const std::vector<RunnerInfo>& catalogue() {
  static const std::vector<RunnerInfo> c = {lang("python", "3.11.2"), lang("c", "12.2.0"),
                                            lang("c++", "12.2.0"), lang("java", "17.0.15")};
  return c;
}

// N slaves of 4 to 16 slots, each offering python and a random half of the other languages,
// with random load and some jobs running: a busy, uneven cluster.
std::vector<SlaveSnapshot> cluster(int n) {
  std::mt19937 rng(1);
  std::vector<SlaveSnapshot> slaves;
  for (int id = 1; id <= n; ++id) {
    SlaveSnapshot s;
    s.id = id;
    s.capacity = 4 + int(rng() % 13);
    s.running = int(rng() % s.capacity);
    s.load_avg = (rng() % 200) / 100.0;
    s.cpu_busy = (rng() % 100) / 100.0;
    s.last_assigned = rng() % 1000;
    s.languages.push_back(catalogue()[0]);
    for (size_t l = 1; l < catalogue().size(); ++l)
      if (rng() % 2) s.languages.push_back(catalogue()[l]);
    slaves.push_back(std::move(s));
  }
  return slaves;
}

void BM_RouterDecision(benchmark::State& state) {
  Router router;
  for (const auto& s : cluster(static_cast<int>(state.range(0)))) router.update(s);
  uint64_t seq = 1000;
  const std::string language = "python", version = "3.11.2";
  for (auto _ : state) {
    auto id = router.pick(language, version);
    benchmark::DoNotOptimize(id);
    const int running = router.find(*id)->running;
    router.assigned(*id, ++seq);
    router.setRunning(*id, running);  // the job ends: the cluster stays as loaded as it was
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouterDecision)->Arg(100)->Arg(1000)->Arg(10000);

// The same cycle for a compiled language with a cache affinity, on idle identical slaves: the
// worst case, where every slave is within the margin and kAffinityCandidates are weighed.
void BM_RouterAffinityDecision(benchmark::State& state) {
  RunnerInfo cpp = lang("c++", "12.2.0");
  cpp.compiled = true;
  Router router;
  for (int id = 1; id <= state.range(0); ++id) {
    SlaveSnapshot s;
    s.id = id;
    s.capacity = 8;
    s.languages = {cpp};
    router.update(s);
  }
  uint64_t seq = 1000, affinity = 0x9e3779b97f4a7c15ull;
  for (auto _ : state) {
    auto id = router.pick("c++", "12.2.0", affinity += 0x632be59bd9b4e019ull);
    benchmark::DoNotOptimize(id);
    router.assigned(*id, ++seq);
    router.setRunning(*id, 0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouterAffinityDecision)->Arg(100)->Arg(1000)->Arg(10000);

void BM_ReferencePickSlave(benchmark::State& state) {
  const auto slaves = cluster(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(pickSlave(slaves, "python", "3.11.2"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferencePickSlave)->Arg(100)->Arg(1000)->Arg(10000);

class NullPeer final : public Peer {
 public:
  void send(const nlohmann::json&) override {}
  void close() override {}
  std::string address() const override { return "bench"; }
};

// Where the last assignment went, so that the benchmark can finish that job.
struct LastAssignment {
  size_t slave = 0;
  std::string job_id;
};

class AssignPeer final : public Peer {
 public:
  AssignPeer(size_t index, LastAssignment* last) : index_(index), last_(last) {}
  void send(const nlohmann::json& m) override {
    if (m.value("type", "") != "assign") return;
    last_->slave = index_;
    last_->job_id = m["job_id"].get<std::string>();
  }
  void close() override {}
  std::string address() const override { return "bench"; }

 private:
  size_t index_;
  LastAssignment* last_;
};

void BM_SchedulerSubmitToAssign(benchmark::State& state) {
  SchedulerConfig config;
  config.defaults =
      config.maxima = {{60000, 60000, 1ll << 30}, {60000, 60000, 1ll << 30}, 1 << 20, 64};
  config.queue_max = 1u << 30;
  config.results_in_memory = 1000;
  Scheduler scheduler(config);
  LastAssignment last;
  std::vector<int> ids;
  for (const auto& s : cluster(static_cast<int>(state.range(0)))) {
    SlaveRegistration r;
    r.name = "s" + std::to_string(s.id);
    r.capacity = s.capacity;
    r.languages = s.languages;
    r.load.load_avg = s.load_avg;
    r.load.cpu_busy = s.cpu_busy;
    ids.push_back(
        scheduler.addSlave(std::make_shared<AssignPeer>(ids.size(), &last), std::move(r)));
  }
  auto client = std::make_shared<NullPeer>();
  scheduler.addClient(client);
  Job job;
  job.language = "python";
  job.files.push_back({"main.py", "print(1)", Encoding::kUtf8});
  const nlohmann::json request_id = "r";
  for (auto _ : state) {
    scheduler.submit(client, request_id, job);
    JobResult result;
    result.job_id = last.job_id;
    scheduler.slaveResult(ids[last.slave], std::move(result));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SchedulerSubmitToAssign)->Arg(100)->Arg(10000);

}  // namespace
}  // namespace polyrun::master

BENCHMARK_MAIN();
