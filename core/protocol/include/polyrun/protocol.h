// Names on the wire: message types, progress states and error codes. The prose, with an example
// of every message, is docs/protocol.md; keep the two in step.
#pragma once

#include <string_view>

namespace polyrun::msg {

// Client port: client -> master.
inline constexpr std::string_view kSubmit = "submit";      // {id, job}
inline constexpr std::string_view kRuntimes = "runtimes";  // {id} -> {id, runtimes}
inline constexpr std::string_view kCluster = "cluster";    // {id} -> {id, slaves, queues, ...}
inline constexpr std::string_view kJob =
    "job";  // {id, job_id, wait?} -> {id, job_id, state, result?}
inline constexpr std::string_view kCancel =
    "cancel";  // {id, job_id} -> kCancelled; also master -> slave {job_id}
inline constexpr std::string_view kAuth =
    "auth";  // {id, token} -> kAuthenticated (master.client.tokens)
// {id, after?} -> kSubscribed {id, newest}, then kEvent {id, event} as they happen.
inline constexpr std::string_view kSubscribe = "subscribe";
// Interactive and streamed jobs (client -> master -> slave), docs/protocol.md.
inline constexpr std::string_view kInput = "input";    // {id?, job_id, data, eof?}
inline constexpr std::string_view kSignal = "signal";  // {id?, job_id, signal: "SIGINT"...}
// Client port: master -> client.
inline constexpr std::string_view kAccepted = "accepted";  // {id, job_id}
inline constexpr std::string_view kProgress = "progress";  // {id, job_id, state, slave?}
inline constexpr std::string_view kResult = "result";      // {id, job_id, result}
// {id, job_id, chunks: [{stream, data}], dropped?}; also slave -> master {job_id, chunks}
inline constexpr std::string_view kOutput = "output";
inline constexpr std::string_view kError = "error";  // {id?, code, message}
inline constexpr std::string_view kCancelled =
    "cancelled";  // {id, job_id, state}; also slave -> master {job_id}
inline constexpr std::string_view kAuthenticated = "authenticated";  // {id}
inline constexpr std::string_view kSubscribed = "subscribed";        // {id, newest}
inline constexpr std::string_view kEvent = "event";                  // {id, event: {...}}

// Slave port: slave -> master.
// {token, name, capacity, limits?, languages, load, jobs?, draining?}
inline constexpr std::string_view kRegister = "register";
inline constexpr std::string_view kHeartbeat = "heartbeat";  // {load}
inline constexpr std::string_view kLanguages = "languages";  // {languages}
inline constexpr std::string_view kDrain = "drain";          // {}: take no new job from now on
// kProgress {job_id, state}, kResult {job_id, result} and kCancelled {job_id} (a cancelled job
// stopped; its slot is free) also flow slave -> master.
// Slave port: master -> slave.
inline constexpr std::string_view kRegistered = "registered";  // {slave_id, heartbeat_ms}
inline constexpr std::string_view kAssign = "assign";          // {job_id, job}
inline constexpr std::string_view kDraining = "draining";  // {}: answers kDrain; no assign follows
// kCancel {job_id} also flows master -> slave: stop that job, answer kCancelled.
// kInput {job_id, data, eof?} and kSignal {job_id, signal} flow master -> slave too.

}  // namespace polyrun::msg

namespace polyrun::state {
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kAssigned = "assigned";
inline constexpr std::string_view kCompiling = "compiling";
inline constexpr std::string_view kRunning = "running";
// Only in `job` replies: the job's result is final, or it was cancelled.
inline constexpr std::string_view kFinished = "finished";
inline constexpr std::string_view kCancelled = "cancelled";
}  // namespace polyrun::state

namespace polyrun::errc {
inline constexpr std::string_view kBadFrame = "bad_frame";      // oversized, truncated, not JSON
inline constexpr std::string_view kBadMessage = "bad_message";  // missing or wrong fields
inline constexpr std::string_view kUnknownType = "unknown_type";
inline constexpr std::string_view kUnknownLanguage = "unknown_language";
inline constexpr std::string_view kBadLimits =
    "bad_limits";  // over a maximum, negative, memory < 8 MiB
inline constexpr std::string_view kUnauthorized = "unauthorized";
inline constexpr std::string_view kQueueFull = "queue_full";
inline constexpr std::string_view kInternal = "internal";
inline constexpr std::string_view kUnknownJob = "unknown_job";  // no such job id, or expired
inline constexpr std::string_view kAlreadyFinished =
    "already_finished";                                             // cancel of a finished job
inline constexpr std::string_view kShuttingDown = "shutting_down";  // the master is stopping
inline constexpr std::string_view kTimeout = "timeout";             // idle or slow connection
inline constexpr std::string_view kTooManyConnections = "too_many_connections";  // per-port limit
}  // namespace polyrun::errc
