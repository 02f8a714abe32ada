// A folder of test cases (NAME.in / NAME.out, docs/judging.md): which files make which case, in
// which order. Pure functions over file names, so that the rules are tested without a disk; the
// CLI's `polyrun test` and the GUI's Tests panel read folders with them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "polyrun/export.h"

namespace polyrun {

/// One case of a test folder: NAME.in is its stdin, NAME.out the stdout it must print.
struct CaseFiles {
  std::string name;
  std::optional<std::string> input;     // file name of NAME.in; absent: empty stdin
  std::optional<std::string> expected;  // file name of NAME.out; absent: run, not checked
};

/// Orders names as people number cases: runs of digits compare as numbers ("2" < "10",
/// "case9" < "case10"), the rest byte by byte; equal numbers with more leading zeros first.
POLYRUN_API bool naturalLess(std::string_view a, std::string_view b);

/// The cases the files of a folder make, in naturalLess order of NAME: every NAME.in and every
/// NAME.out (a pair is one case). Other files are ignored.
POLYRUN_API std::vector<CaseFiles> pairCaseFiles(const std::vector<std::string>& file_names);

}  // namespace polyrun
