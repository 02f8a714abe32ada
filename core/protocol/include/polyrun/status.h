// The outcome of an operation at a module boundary: OK, or an error whose message names what was
// wrong and what to do (leveldb's `Status`, reduced to what polyrun needs). The public functions
// of the protocol, runtime and transport libraries return a Status and write results through
// out-parameters, `Status connect(Foo* out)`. Other conventions remain where they fit better:
// - the plugin SDK (core/sdk: runner_support.h's findTool, Prepared::error): plugin authors
//   include runner.h only and never need this header;
// - the GUI's Qt side (QString errors, signals), which speaks Qt to Qt;
// - outcomes that are data rather than errors: StageResult/JobResult messages and verdicts,
//   PluginLoadResult::error (a partial load), ProcessResult::error;
// - code private to one file (namespace_sandbox.cc's init, job_executor.cc's mountQuota) and the
//   services' (master/, slave/) own classes, which bridge with report() or message() as they meet
//   a Status; CompileCache::store's `why` (nothing stored is not a failure) and the cgroup
//   detection's `why` (no cgroup is a mode, not an error) stay explanations.
//
// Errors are values: nothing here throws, and a Status is cheap to copy when OK.
#pragma once

#include <cstring>
#include <string>
#include <utility>

namespace polyrun {

class Status {
 public:
  /// What kind of failure, for callers that act on it (retry, exit code, HTTP status). The
  /// message, not the code, is what a person reads.
  enum class Code {
    kOk,
    kInvalidArgument,  // the caller's input is wrong: fix it and try again
    kNotFound,         // a named thing (file, job, language) does not exist
    kUnavailable,      // a peer or resource is not there now: retrying later may work
    kTimedOut,         // a deadline passed
    kIoError,          // the OS refused (errno turned into words)
    kProtocolError,    // a peer sent something the protocol does not allow
    kInternal,         // a bug or broken invariant
  };

  /// OK.
  Status() = default;
  static Status ok() { return Status(); }
  static Status invalidArgument(std::string message) {
    return Status(Code::kInvalidArgument, std::move(message));
  }
  static Status notFound(std::string message) {
    return Status(Code::kNotFound, std::move(message));
  }
  static Status unavailable(std::string message) {
    return Status(Code::kUnavailable, std::move(message));
  }
  static Status timedOut(std::string message) {
    return Status(Code::kTimedOut, std::move(message));
  }
  static Status ioError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status protocolError(std::string message) {
    return Status(Code::kProtocolError, std::move(message));
  }
  static Status internal(std::string message) {
    return Status(Code::kInternal, std::move(message));
  }
  /// errno turned into words once: "<what>: <strerror(err)>" (leveldb's PosixError).
  static Status fromErrno(const std::string& what, int err) {
    return Status(Code::kIoError, what + ": " + std::strerror(err));
  }

  bool isOk() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  /// Empty when OK; otherwise a sentence for a person ("cannot connect to 127.0.0.1:7400: ...").
  const std::string& message() const { return message_; }

  /// Stores the message in *error when this is an error and error is not null; returns isOk().
  /// For callers that still use the bool + std::string* convention.
  bool report(std::string* error) const {
    if (!isOk() && error != nullptr) *error = message_;
    return isOk();
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace polyrun
