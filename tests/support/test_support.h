// Helpers shared by the tests: temporary directories, waiting on a condition with a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace polyrun::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Polls `condition` until it holds or `timeout` passes; true when it held. Waiting on a
/// condition with a deadline, never a fixed sleep.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

/// The message of the exception of type E that `f` throws; "" when it throws none.
template <typename E, typename F>
std::string thrownMessage(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace polyrun::test
