// Where a job is, as the master tracks it: in flight (queued to running) or over (finished,
// cancelled). On the wire and in the journal a state is its name (polyrun/protocol.h, state::).
#pragma once

#include <optional>
#include <string_view>

#include "polyrun/protocol.h"

namespace polyrun::master {

enum class JobState {
  kQueued,     // waiting in its language's queue
  kAssigned,   // sent to a slave, which has not reported progress yet
  kCompiling,  // the slave reported its compile stage
  kRunning,    // the slave reported its run stage
  kFinished,   // over, with a result
  kCancelled,  // over, cancelled by a client
};

/// The state's name on the wire (`progress`, `job`, `cancelled`) and in the journal.
constexpr std::string_view jobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return state::kQueued;
    case JobState::kAssigned:
      return state::kAssigned;
    case JobState::kCompiling:
      return state::kCompiling;
    case JobState::kRunning:
      return state::kRunning;
    case JobState::kFinished:
      return state::kFinished;
    case JobState::kCancelled:
      return state::kCancelled;
  }
  return "?";
}

/// The state a name stands for; nullopt for a name that is none of them.
constexpr std::optional<JobState> parseJobState(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kAssigned, JobState::kCompiling,
                     JobState::kRunning, JobState::kFinished, JobState::kCancelled})
    if (jobStateName(s) == name) return s;
  return std::nullopt;
}

}  // namespace polyrun::master
