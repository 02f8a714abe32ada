// Every call the core makes into plugin code goes through callRunner(). The contract forbids a
// runner to throw (runner.h), but a faulty plugin must not take the slave down: an exception that
// escapes anyway becomes an error message naming the call.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace polyrun::detail {

/// Runs `call`; true when it returned. When it threw, false with *error = "<what> threw: ...".
template <typename Call>
bool callRunner(std::string_view what, Call&& call, std::string* error) {
  try {
    call();
    return true;
  } catch (const std::exception& e) {
    *error = std::string(what) + " threw: " + e.what();
  } catch (...) {
    *error = std::string(what) + " threw something that is not a std::exception";
  }
  return false;
}

}  // namespace polyrun::detail
