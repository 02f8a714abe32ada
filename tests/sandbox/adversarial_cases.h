// Hostile programs and what the sandbox must make of them. Shared by the direct sandbox suite
// (sandbox_test.cc) and the same cases through a real master and slave (sandbox_cluster_test.cc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "polyrun/job.h"

namespace polyrun::test {

struct AdversarialCase {
  std::string name;
  std::string language;  // "python" or "c"
  std::string file;
  std::string source;
  Limits limits;  // 0 = the defaults
  Verdict expected;
  /// Extra checks on the result; return a description of what is wrong, or "" when right.
  std::function<std::string(const JobResult&)> check;
  int64_t max_wall_ms;  // the stage must end within this (its limit plus a margin)
};

/// `secret_path`: a host file outside every work directory that no job may read.
/// `loopback_port`: a port the test listens on at the host's 127.0.0.1, which no job may reach.
std::vector<AdversarialCase> adversarialCases(const std::string& secret_path, int loopback_port);

/// Marks in the command lines of the processes the "setsid_daemon" case leaves behind; none may
/// be alive once the stage has ended. Unique to this test process (from its pid), so that other
/// test binaries running the same case at the same time are not counted.
std::vector<std::string> daemonMarks();

}  // namespace polyrun::test
