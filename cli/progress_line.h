// A transient status line on stderr ("running on slave-a") for people watching a terminal.
// It is erased before anything else is printed, and on SIGINT/SIGTERM, so it never mixes with
// the program's output. When stderr is not a terminal it prints nothing at all.
#pragma once

#include <string>

namespace polyrun::cli {

class ProgressLine {
 public:
  /// Enabled only when `wanted` and stderr is a terminal.
  explicit ProgressLine(bool wanted);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  /// Replaces the line with "polyrun: <text>", cut to the terminal's width so it never wraps
  /// (a wrapped line could not be erased).
  void show(const std::string& text);
  /// Erases the line if one is shown.
  void clear();

 private:
  bool enabled_;
};

}  // namespace polyrun::cli
