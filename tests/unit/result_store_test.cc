// The master's memory of finished jobs: lookups by id within its time, count and byte bounds.
#include "result_store.h"

#include <gtest/gtest.h>

namespace polyrun::master {
namespace {
using nlohmann::json;
using Clock = FinishedJob::Clock;
using std::chrono::hours;
using std::chrono::milliseconds;

FinishedJob finished(Clock::time_point at, size_t bytes = 256) {
  FinishedJob f{JobState::kFinished, std::make_shared<const json>(json{{"verdict", "OK"}}), at};
  f.bytes = bytes;
  return f;
}

ResultStore::Bounds bounds(size_t max_results, size_t max_bytes = 1u << 30,
                           int64_t retention_ms = 3600'000) {
  return {retention_ms, max_results, max_bytes};
}

TEST(ResultStoreTest, FindsWhatItKeptByJobId) {
  ResultStore store(bounds(10));
  const auto now = Clock::now();
  store.put("j-1", finished(now));
  store.put("j-2", FinishedJob{JobState::kCancelled, nullptr, now});
  const FinishedJob* one = store.find("j-1");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->state, JobState::kFinished);
  ASSERT_TRUE(one->result);
  EXPECT_EQ((*one->result)["verdict"], "OK");
  const FinishedJob* two = store.find("j-2");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->state, JobState::kCancelled);
  EXPECT_FALSE(two->result);
  EXPECT_EQ(store.find("j-3"), nullptr);
  EXPECT_EQ(store.size(), 2u);
}

TEST(ResultStoreTest, ReplacingAnOutcomeKeepsOneEntryAndItsNewCost) {
  ResultStore store(bounds(10));
  const auto now = Clock::now();
  store.put("j-1", finished(now, 1000));
  store.put("j-1", finished(now, 300));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.bytes(), 300u);
}

TEST(ResultStoreTest, DropsTheOldestBeyondTheCount) {
  ResultStore store(bounds(3));
  const auto now = Clock::now();
  for (int i = 1; i <= 5; ++i) store.put("j-" + std::to_string(i), finished(now + milliseconds(i)));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.find("j-1"), nullptr);
  EXPECT_EQ(store.find("j-2"), nullptr);
  for (const char* kept : {"j-3", "j-4", "j-5"}) EXPECT_NE(store.find(kept), nullptr) << kept;
}

TEST(ResultStoreTest, DropsTheOldestBeyondTheByteBudget) {
  ResultStore store(bounds(100, 1000));
  const auto now = Clock::now();
  store.put("j-1", finished(now, 400));
  store.put("j-2", finished(now, 400));
  EXPECT_EQ(store.size(), 2u);
  store.put("j-3", finished(now, 400));
  EXPECT_EQ(store.find("j-1"), nullptr);
  EXPECT_NE(store.find("j-3"), nullptr);
  EXPECT_EQ(store.bytes(), 800u);
  store.put("j-big", finished(now, 5000));
  EXPECT_EQ(store.size(), 0u) << "an outcome over the whole budget is not kept either";
  EXPECT_EQ(store.bytes(), 0u);
}

TEST(ResultStoreTest, DropsOutcomesPastTheRetentionTime) {
  ResultStore store(bounds(100, 1u << 30, 60'000));
  const auto now = Clock::now();
  store.put("old", finished(now - hours(1)));
  store.put("new", finished(now));
  EXPECT_EQ(store.find("old"), nullptr) << "older than 60 s when `new` came";
  EXPECT_NE(store.find("new"), nullptr);
}

TEST(ResultStoreTest, KeepsNothingWithABoundOfZero) {
  ResultStore store(bounds(0));
  store.put("j-1", finished(Clock::now()));
  EXPECT_EQ(store.find("j-1"), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ResultStoreTest, AResultCostsItsOutputsAndMessage) {
  JobResult r;
  r.run = StageResult{};
  r.run->stdout_data = std::string(1000, 'o');
  r.run->stderr_data = std::string(100, 'e');
  r.compile = StageResult{};
  r.compile->stderr_data = std::string(10, 'c');
  r.message = "abc";
  const FinishedJob f = FinishedJob::ofResult(r, nullptr, Clock::now());
  EXPECT_EQ(f.state, JobState::kFinished);
  EXPECT_EQ(f.bytes, 256u + 1000 + 100 + 10 + 3);
}

}  // namespace
}  // namespace polyrun::master
