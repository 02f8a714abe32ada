// Every call the core makes into plugin code goes through callRunner(). The contract forbids a
// runner to throw (runner.h), but a faulty plugin must not take the slave down: an exception that
// escapes anyway becomes an error message naming the call.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "polyrun/status.h"

namespace polyrun::detail {

/// Runs `call`; OK when it returned. When it threw, kInternal (the plugin broke its contract)
/// with the message "<what> threw: ...".
template <typename Call>
Status callRunner(std::string_view what, Call&& call) {
  try {
    call();
    return Status::ok();
  } catch (const std::exception& e) {
    return Status::internal(std::string(what) + " threw: " + e.what());
  } catch (...) {
    return Status::internal(std::string(what) + " threw something that is not a std::exception");
  }
}

}  // namespace polyrun::detail
