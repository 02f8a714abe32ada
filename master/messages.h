// The master's side of the wire, apart from any socket. Decoding of what peers send: every field
// is checked for presence and type, and a failure is a value naming the field (never an
// exception); tests/fuzz/frame_fuzz.cc feeds the decoders arbitrary bytes. Encoding of what the
// master sends: one function per message, each returning the whole message.
// The wire format is docs/protocol.md; the names are polyrun/protocol.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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
  double load_avg = 0;  // 1-minute load average per core
  double cpu_busy = 0;  // fraction of CPU time busy since its previous heartbeat, 0..1
  int64_t memory_free_bytes = 0;
};

/// A decoding failure: the error code for the `error` reply (polyrun/protocol.h errc) and a
/// message naming what was wrong.
struct DecodeError {
  std::string_view code;
  std::string message;
};

struct ClientRequest {
  enum class Kind { kSubmit, kRuntimes, kCluster, kJob, kCancel, kAuth, kInput, kSignal };
  Kind kind = Kind::kRuntimes;
  nlohmann::json id;   // the client's request id; null when absent
  Job job;             // kSubmit
  std::string job_id;  // kJob, kCancel
  bool wait = false;   // kJob: answer when the job ends rather than now
  std::string token;   // kAuth
  std::string data;    // kInput: the bytes for the program's stdin
  bool eof = false;    // kInput: ends its stdin after `data`
  int signal = 0;      // kSignal: one of signalNumber()'s
};

/// Decodes one message from the client port. On failure returns false, fills *error and, when
/// the message had a usable "id", request->id (so the error can answer it).
bool decodeClientRequest(const nlohmann::json& message, ClientRequest* request, DecodeError* error);

struct SlaveMessage {
  enum class Kind {
    kRegister,
    kHeartbeat,
    kLanguages,
    kProgress,
    kResult,
    kCancelled,
    kDrain,
    kOutput
  };
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
  // kProgress of a judged job: the test case that just ended (its outputs are not sent).
  std::optional<CaseResult> test;
  size_t test_index = 0;
  // kResult. When the result itself is malformed but job_id is known, decoding succeeds with
  // result_error set: the job fails with INTERNAL_ERROR rather than waiting forever.
  JobResult result;
  std::string result_error;
  // kOutput: a live job's burst, checked (stream names, byte strings), forwarded as is; the
  // bytes it carries.
  nlohmann::json chunks;
  size_t output_bytes = 0;
};

/// Decodes one message from the slave port.
bool decodeSlaveMessage(const nlohmann::json& message, SlaveMessage* out, DecodeError* error);

// --- Encoding: master -> client (client port) ---
// `id` is the request id the message answers. It is left out of `error` when null (an error
// that answers no request); every other message carries it as given, null included.

nlohmann::json encodeError(const nlohmann::json& id, std::string_view code,
                           const std::string& message);
nlohmann::json encodeAuthenticated(const nlohmann::json& id);
/// `runtimes` is Scheduler::runtimes().
nlohmann::json encodeRuntimes(const nlohmann::json& id, nlohmann::json runtimes);
/// `snapshot` is Scheduler::cluster(): the reply is that object with type and id added.
nlohmann::json encodeCluster(const nlohmann::json& id, nlohmann::json snapshot);
nlohmann::json encodeAccepted(const nlohmann::json& id, const std::string& job_id);
/// `slave` names the slave holding the job; left out when nullopt.
nlohmann::json encodeProgress(const nlohmann::json& id, const std::string& job_id, JobState state,
                              std::optional<std::string_view> slave = std::nullopt,
                              const nlohmann::json* test = nullptr);
/// `result` is toJson(JobResult).
nlohmann::json encodeResult(const nlohmann::json& id, const std::string& job_id,
                            const nlohmann::json& result);
/// The answer to `job`: the state, the slave while one holds the job, the result once finished
/// (each left out when nullopt / null).
nlohmann::json encodeJobReply(const nlohmann::json& id, const std::string& job_id, JobState state,
                              std::optional<std::string_view> slave = std::nullopt,
                              const nlohmann::json* result = nullptr);
/// A job was cancelled; `state` is where it was (for a `job` watcher, JobState::kCancelled goes
/// in encodeJobReply instead).
nlohmann::json encodeCancelled(const nlohmann::json& id, const std::string& job_id, JobState state);
/// A live job's output burst (`chunks` as a slave sent them); `dropped` bytes left out before
/// it (omitted when 0).
nlohmann::json encodeOutput(const nlohmann::json& id, const std::string& job_id,
                            nlohmann::json chunks, size_t dropped);

// --- Encoding: master -> slave (slave port) ---

nlohmann::json encodeRegistered(int slave_id, int heartbeat_ms, size_t max_frame_bytes);
/// `job` is toJson(Job) with the canonical language and the chosen version.
nlohmann::json encodeAssign(const std::string& job_id, nlohmann::json job);
nlohmann::json encodeCancel(const std::string& job_id);
nlohmann::json encodeDraining();
/// A live job's input (`eof` ends its stdin) and signal, for its slave.
nlohmann::json encodeInput(const std::string& job_id, std::string data, bool eof);
nlohmann::json encodeSignal(const std::string& job_id, int signo);

/// Largest capacity a slave may announce (slave.jobs.max has the same bound).
inline constexpr int kMaxSlaveCapacity = 4096;

}  // namespace polyrun::master
