// Job ids that nobody can guess, and that name who may see the job: "j-" + 32 hex digits from
// the kernel's CSPRNG (128 bits) + "-" + 16 hex digits of SHA-256(owner, those digits). The
// master checks a lookup or cancel against the requester's own name, so an id that leaked (a log,
// a shared monitoring view) still answers only to the client that submitted the job; and the
// check needs no record of the job, so it holds for results read back from the journal after a
// restart (docs/http-api.md, "Who sees which jobs").
#pragma once

#include <string>

namespace polyrun::master {

/// A new id for a job submitted by `owner`. Thread-safe; aborts only if the kernel has no
/// randomness to give (getrandom blocks until it does).
std::string newJobId(const std::string& owner);

/// True when `job_id` was made by newJobId(owner). Ids of any other shape (e.g. those of an
/// older master still in its journal) belong to nobody: only an operator sees them.
bool jobIdOwnedBy(const std::string& job_id, const std::string& owner);

}  // namespace polyrun::master
