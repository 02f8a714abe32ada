#include "openssl_api.h"

#include <dlfcn.h>

#include <mutex>

namespace polyrun::transport {
namespace {

// libssl's soname for the OpenSSL major version the transport was compiled against; dlsym on
// its handle also finds libcrypto's functions (its dependency).
constexpr const char* kLibrary = "libssl.so.3";

OpenSsl table;
Status outcome;

void load() {
  void* handle = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    outcome = Status::unavailable(std::string("TLS needs OpenSSL 3 (") + kLibrary +
                                  "), which cannot be loaded: " + (why ? why : "?") +
                                  "; install it (apt install libssl3)");
    return;
  }
  std::string missing;
#define POLYRUN_OPENSSL_LOAD(name)                                             \
  table.name = reinterpret_cast<decltype(table.name)>(::dlsym(handle, #name)); \
  if (table.name == nullptr) missing += std::string(missing.empty() ? "" : ", ") + #name;
  POLYRUN_OPENSSL_FUNCTIONS(POLYRUN_OPENSSL_LOAD)
#undef POLYRUN_OPENSSL_LOAD
  if (!missing.empty())
    outcome = Status::unavailable(std::string(kLibrary) + " lacks " + missing +
                                  ": it is not the OpenSSL 3 polyrun was built for");
}

}  // namespace

Status loadOpenSsl() {
  static std::once_flag once;
  std::call_once(once, load);
  return outcome;
}

const OpenSsl& ossl() { return table; }

}  // namespace polyrun::transport
