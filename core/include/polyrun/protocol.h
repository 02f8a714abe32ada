// Names on the wire: message types, progress states and error codes. The prose, with an example
// of every message, is docs/protocol.md; keep the two in step.
#pragma once

#include <string_view>

namespace polyrun::msg {

// Client port: client -> master.
inline constexpr std::string_view kSubmit = "submit";      // {id, job}
inline constexpr std::string_view kRuntimes = "runtimes";  // {id} -> {id, runtimes}
inline constexpr std::string_view kCluster = "cluster";    // {id} -> {id, slaves, queues, ...}
// Client port: master -> client.
inline constexpr std::string_view kAccepted = "accepted";  // {id, job_id}
inline constexpr std::string_view kProgress = "progress";  // {id, job_id, state, slave?}
inline constexpr std::string_view kResult = "result";      // {id, job_id, result}
inline constexpr std::string_view kError = "error";        // {id?, code, message}

// Slave port: slave -> master.
inline constexpr std::string_view kRegister = "register";    // {token, name, capacity, languages, load}
inline constexpr std::string_view kHeartbeat = "heartbeat";  // {load}
inline constexpr std::string_view kLanguages = "languages";  // {languages}
// kProgress {job_id, state} and kResult {job_id, result} also flow slave -> master.
// Slave port: master -> slave.
inline constexpr std::string_view kRegistered = "registered";  // {slave_id, heartbeat_ms}
inline constexpr std::string_view kAssign = "assign";          // {job_id, job}

}  // namespace polyrun::msg

namespace polyrun::state {
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kAssigned = "assigned";
inline constexpr std::string_view kCompiling = "compiling";
inline constexpr std::string_view kRunning = "running";
}  // namespace polyrun::state

namespace polyrun::errc {
inline constexpr std::string_view kBadFrame = "bad_frame";          // oversized, truncated, not JSON
inline constexpr std::string_view kBadMessage = "bad_message";      // missing or wrong fields
inline constexpr std::string_view kUnknownType = "unknown_type";
inline constexpr std::string_view kUnknownLanguage = "unknown_language";
inline constexpr std::string_view kBadLimits = "bad_limits";        // over a maximum, negative
inline constexpr std::string_view kUnauthorized = "unauthorized";
inline constexpr std::string_view kQueueFull = "queue_full";
inline constexpr std::string_view kInternal = "internal";
}  // namespace polyrun::errc
