// Pure helpers of the `polyrun` command: exit codes, verdict messages, language from a file
// extension, UTF-8 checks, the master address. No I/O here, so every rule is unit-testable.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "polyrun/wire_bytes.h"

namespace polyrun::cli {

// Exit codes (sysexits.h where one fits). Documented in `polyrun --help` and docs/cli.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // COMPILE_ERROR, MEMORY_LIMIT, OUTPUT_LIMIT
inline constexpr int kExitUsage = 64;        // EX_USAGE: bad command line
inline constexpr int kExitRefused = 65;      // EX_DATAERR: the master refused the job
inline constexpr int kExitNoInput = 66;      // EX_NOINPUT: a file or stdin unreadable
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: master unreachable, lost, silent
inline constexpr int kExitInternal = 70;     // EX_SOFTWARE: INTERNAL_ERROR, master `internal`
inline constexpr int kExitTimeLimit = 124;   // as timeout(1)
inline constexpr int kExitCancelled =
    130;  // the job was cancelled (as a shell reports an interrupt)
inline constexpr int kExitSignalBase = 128;  // SIGNALED: 128 + signal number, as a shell does

inline constexpr const char* kMasterEnvVar = "POLYRUN_MASTER";
/// The client token (master.client.tokens) when --token is not given.
inline constexpr const char* kTokenEnvVar = "POLYRUN_TOKEN";

/// True when `bytes` is well-formed UTF-8 (no overlong forms, surrogates or code points above
/// U+10FFFF): exactly what a JSON string may carry unchanged.
inline bool isValidUtf8(std::string_view bytes) { return isUtf8(bytes); }

/// The master address to use and where it came from ("--master", "POLYRUN_MASTER" or
/// "default"), for error messages.
struct MasterAddress {
  std::string text;
  std::string source;
};
/// --master wins, then a non-empty $POLYRUN_MASTER (`env_value`, may be nullptr), then
/// 127.0.0.1:7400.
MasterAddress resolveMasterAddress(const std::optional<std::string>& flag, const char* env_value);

/// The file extensions the runtimes offer (".c", ".py", ...), sorted, without duplicates.
/// `runtimes` is the array of a `runtimes` reply.
std::vector<std::string> knownExtensions(const nlohmann::json& runtimes);

/// Picks the canonical language for `file_name` from the `extensions` lists of a `runtimes`
/// reply's array: the longest matching suffix wins (".tar.gz" over ".gz"); an exact-case match
/// is preferred, otherwise case is ignored. When no language or several match, returns false and
/// *error lists the known extensions and suggests --lang.
bool languageForFile(const nlohmann::json& runtimes, std::string_view file_name,
                     std::string* language, std::string* error);

/// The language `file_name` most likely is before the master was asked: its extension without
/// the dot, lower-cased ("hello.PY" -> "py"), which names or aliases each shipped language.
/// "" when the name has no extension. Only a guess: languageForFile() decides.
std::string languageGuess(std::string_view file_name);

/// Whether the master, offering `runtimes`, resolves the language `name` to `language`: it is
/// that language's name, or an alias of it and of no other language, and no language's name.
bool namesLanguage(const nlohmann::json& runtimes, const std::string& name,
                   const std::string& language);

/// The process exit code for a result object (the "result" field of a `result` message):
/// OK 0, RUNTIME_ERROR the program's exit code, SIGNALED 128+signal, TIME_LIMIT 124,
/// COMPILE_ERROR / MEMORY_LIMIT / OUTPUT_LIMIT 1, INTERNAL_ERROR (or anything unknown) 70.
int exitCodeForResult(const nlohmann::json& result);
/// `polyrun test`'s exit code for a judged job's result: 0 when every case passed, 1 when one
/// did not or compilation failed, otherwise as exitCodeForResult (70 for INTERNAL_ERROR).
int testExitCode(const nlohmann::json& result);

/// The one line for a verdict other than OK ("polyrun: RUNTIME_ERROR: program exited with
/// code 3"), without a newline; empty for OK.
std::string verdictLine(const nlohmann::json& result);

/// Exit code for an `error` reply from the master: `internal` 70, anything else 65.
int exitCodeForError(const nlohmann::json& error_message);

/// "SIGSEGV" for 11, "signal 77" for numbers without a name.
std::string signalName(int signal);

/// What a progress or accepted message means for a person ("running on slave-a"); `slave`
/// remembers the slave named by "assigned" for the later states.
std::string progressText(const nlohmann::json& event, std::string* slave);

}  // namespace polyrun::cli
