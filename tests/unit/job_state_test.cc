// Job states and their names on the wire (docs/protocol.md, "progress" and "job").
#include "job_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages.h"

namespace polyrun::master {
namespace {

TEST(JobStateTest, EveryStateHasItsProtocolNameAndBack) {
  const std::pair<JobState, std::string_view> names[] = {
      {JobState::kQueued, "queued"},       {JobState::kAssigned, "assigned"},
      {JobState::kCompiling, "compiling"}, {JobState::kRunning, "running"},
      {JobState::kFinished, "finished"},   {JobState::kCancelled, "cancelled"},
  };
  for (const auto& [state, name] : names) {
    EXPECT_EQ(jobStateName(state), name);
    EXPECT_EQ(parseJobState(name), state) << name;
  }
}

TEST(JobStateTest, UnknownNamesAreNoState) {
  EXPECT_EQ(parseJobState(""), std::nullopt);
  EXPECT_EQ(parseJobState("Running"), std::nullopt) << "names are case-sensitive";
  EXPECT_EQ(parseJobState("done"), std::nullopt);
}

TEST(JobStateTest, SlaveProgressDecodesToItsState) {
  SlaveMessage s;
  DecodeError e;
  ASSERT_TRUE(
      decodeSlaveMessage({{"type", "progress"}, {"job_id", "j"}, {"state", "compiling"}}, &s, &e));
  EXPECT_EQ(s.state, JobState::kCompiling);
  ASSERT_TRUE(
      decodeSlaveMessage({{"type", "progress"}, {"job_id", "j"}, {"state", "running"}}, &s, &e));
  EXPECT_EQ(s.state, JobState::kRunning);
  EXPECT_FALSE(
      decodeSlaveMessage({{"type", "progress"}, {"job_id", "j"}, {"state", "queued"}}, &s, &e))
      << "a slave reports only its own stages";
  EXPECT_NE(e.message.find("\"queued\""), std::string::npos) << e.message;
}

}  // namespace
}  // namespace polyrun::master
