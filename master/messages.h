// Decoding of what peers send the master, apart from any socket: every field is checked for
// presence and type, and a failure is a value naming the field (never an exception). The
// connections call these; tests/fuzz/frame_fuzz.cc feeds them arbitrary bytes.
// The wire format is docs/protocol.md; the names are polyrun/protocol.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "job_state.h"
#include "polyrun/job.h"
#include "polyrun/runner.h"

namespace polyrun::master {

/// What a slave reports about itself in `register` and every `heartbeat`.
struct SlaveLoad {
  int running = 0;        // jobs it is running now (slave-side counter)
  int assigned = 0;       // jobs it holds now, running or waiting for a worker
  int peak_assigned = 0;  // most jobs it held at once since it started: never over capacity
  int capacity = 0;
  double load_avg = 0;    // 1-minute load average per core
  double cpu_busy = 0;    // fraction of CPU time busy since its previous heartbeat, 0..1
  int64_t memory_free_bytes = 0;
};

/// A decoding failure: the error code for the `error` reply (polyrun/protocol.h errc) and a
/// message naming what was wrong.
struct DecodeError {
  std::string_view code;
  std::string message;
};

struct ClientRequest {
  enum class Kind { kSubmit, kRuntimes, kCluster, kJob, kCancel, kAuth };
  Kind kind = Kind::kRuntimes;
  nlohmann::json id;     // the client's request id; null when absent
  Job job;               // kSubmit
  std::string job_id;    // kJob, kCancel
  bool wait = false;     // kJob: answer when the job ends rather than now
  std::string token;     // kAuth
};

/// Decodes one message from the client port. On failure returns false, fills *error and, when
/// the message had a usable "id", request->id (so the error can answer it).
bool decodeClientRequest(const nlohmann::json& message, ClientRequest* request, DecodeError* error);

struct SlaveMessage {
  enum class Kind { kRegister, kHeartbeat, kLanguages, kProgress, kResult, kCancelled, kDrain };
  Kind kind = Kind::kHeartbeat;
  // kRegister
  std::string token;
  std::string name;
  int capacity = 1;
  std::vector<std::string> jobs;  // job ids the slave holds (queued, running or finished unsent)
  bool draining = false;
  std::string limits = "unknown";  // how it holds stages to their limits: cgroup, rlimits, none
  // kRegister, kLanguages
  std::vector<RunnerInfo> languages;
  nlohmann::json plugins;  // shown as is in `cluster`; null when absent
  // kRegister, kHeartbeat
  SlaveLoad load;
  // kProgress, kResult, kCancelled
  std::string job_id;
  JobState state = JobState::kRunning;  // kProgress: kCompiling or kRunning
  // kResult. When the result itself is malformed but job_id is known, decoding succeeds with
  // result_error set: the job fails with INTERNAL_ERROR rather than waiting forever.
  JobResult result;
  std::string result_error;
};

/// Decodes one message from the slave port.
bool decodeSlaveMessage(const nlohmann::json& message, SlaveMessage* out, DecodeError* error);

/// Largest capacity a slave may announce (slave.jobs.max has the same bound).
inline constexpr int kMaxSlaveCapacity = 4096;

}  // namespace polyrun::master
