// Clients of a test cluster (support/cluster.h), and the jobs they send: one job at a time
// (runJob), or many in flight (PipelineClient).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "master_client.h"
#include "polyrun/job.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "support/cluster.h"

namespace polyrun::test {

/// A job of one source file `name` in `language`.
Job sourceJob(const std::string& language, const std::string& name, const std::string& source,
              const std::string& stdin_data = "", const std::vector<std::string>& args = {});
/// A Python job; `wall_ms` 0 leaves the master's default.
Job pythonJob(const std::string& source, const std::string& stdin_data = "", int64_t wall_ms = 0);
/// A job that runs until cancelled (or its 20 s wall limit).
Job foreverJob();

/// A client connected to `cluster`'s client port; null, with a test failure naming why, when it
/// cannot connect.
std::unique_ptr<MasterClient> connectTo(const Cluster& cluster);

/// Submits `job` and waits up to 60 s for its final message: its result. Anything else (an
/// error, no answer) is a test failure naming it, with `cluster`'s logs, and an empty result.
JobResult runJob(MasterClient& client, const Job& job, const Cluster& cluster);

/// A suite's fixture on a cluster of its own, started once for the suite with
/// `Suite::options()` (to hide, or the default options), and a client connected for each test.
template <typename Suite>
class ClusterSuite : public ::testing::Test {
 protected:
  static Cluster::Options options() { return {}; }
  static void SetUpTestSuite() { cluster_ = startSuiteCluster(Suite::options()); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << "the cluster did not start";
    client_ = connectTo(*cluster_);
    ASSERT_NE(client_, nullptr);
  }
  /// The job's result (runJob).
  JobResult run(const Job& job) { return runJob(*client_, job, *cluster_); }

  static inline Cluster* cluster_ = nullptr;
  std::unique_ptr<MasterClient> client_;
};

/// A client with many jobs in flight: submit() sends and returns the request id; the messages
/// that arrive are sorted by request id; final() is the one message that ends a request
/// (result, error, cancelled, or a `job` reply).
class PipelineClient {
 public:
  explicit PipelineClient(int port) : client_("127.0.0.1", static_cast<uint16_t>(port)) {}

  bool connect(std::string* error) { return client_.connect(error, 5000); }
  MasterClient& raw() { return client_; }

  std::string send(nlohmann::json message) {
    const std::string id = client_.nextId();
    message["id"] = id;
    std::string error;
    EXPECT_TRUE(client_.send(message, &error)) << error;
    return id;
  }
  std::string submit(const Job& job) { return send({{"type", "submit"}, {"job", toJson(job)}}); }

  /// Receives until `done()` holds or `timeout` passes; false on timeout or disconnect.
  bool pumpUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return false;
      std::string error;
      auto m = client_.receive(static_cast<int>(left), &error);
      if (!m) {
        last_error_ = error;
        return done();
      }
      take(*m);
    }
    return true;
  }
  /// Waits for the final message of every id in `ids`.
  bool waitFinal(const std::vector<std::string>& ids, std::chrono::milliseconds timeout) {
    return pumpUntil(
        [&] {
          return std::all_of(ids.begin(), ids.end(),
                             [&](const std::string& id) { return finals_.count(id) > 0; });
        },
        timeout);
  }
  /// Waits for the `accepted` of request `id`; its job id, or empty.
  std::string waitAccepted(const std::string& id, std::chrono::milliseconds timeout) {
    pumpUntil([&] { return job_ids_.count(id) > 0 || finals_.count(id) > 0; }, timeout);
    return job_ids_.count(id) ? job_ids_[id] : std::string();
  }
  /// Waits until request `id` reached progress `state` or a later one (queued, assigned,
  /// compiling, running: a journaling master reports only the state a job is in when it is
  /// acknowledged); that progress message, or null.
  nlohmann::json waitProgress(const std::string& id, const std::string& state,
                              std::chrono::milliseconds timeout) {
    static const std::vector<std::string> order = {"queued", "assigned", "compiling", "running"};
    auto rank = [&](const std::string& st) {
      return std::find(order.begin(), order.end(), st) - order.begin();
    };
    nlohmann::json found;
    pumpUntil(
        [&] {
          for (const auto& p : progress_[id])
            if (found.is_null() && rank(p.value("state", "")) >= rank(state)) found = p;
          return !found.is_null() || finals_.count(id) > 0;
        },
        timeout);
    return found;
  }

  const std::map<std::string, nlohmann::json>& finals() const { return finals_; }
  std::map<std::string, std::string>& jobIds() { return job_ids_; }
  /// How many final messages arrived per request id (exactly one each, always).
  const std::map<std::string, int>& finalCounts() const { return final_counts_; }
  const std::vector<nlohmann::json>& unsolicited() const { return unsolicited_; }
  const std::string& lastError() const { return last_error_; }

 private:
  void take(const nlohmann::json& m) {
    const std::string type = m.value("type", "");
    if (!m.contains("id")) {
      unsolicited_.push_back(m);
      return;
    }
    const std::string id = m["id"].is_string() ? m["id"].get<std::string>() : m["id"].dump();
    if (type == msg::kAccepted) {
      job_ids_[id] = m.value("job_id", "");
    } else if (type == msg::kProgress) {
      progress_[id].push_back(m);
    } else {
      ++final_counts_[id];
      finals_[id] = m;
    }
  }

  MasterClient client_;
  std::map<std::string, std::string> job_ids_;
  std::map<std::string, std::vector<nlohmann::json>> progress_;
  std::map<std::string, nlohmann::json> finals_;
  std::map<std::string, int> final_counts_;
  std::vector<nlohmann::json> unsolicited_;
  std::string last_error_;
};

}  // namespace polyrun::test
