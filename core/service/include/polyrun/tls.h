// TLS for the master's ports (docs/install.md, "TLS"): the server context made from
// configuration. Built on Poco NetSSL (OpenSSL). The client side (the CLI and the slave, which
// verify the master's certificate) is polyrun/client_tls.h, on OpenSSL alone.
// Errors are ConfigError-style messages naming the key and what to do; nothing here prompts.
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "polyrun/export.h"

namespace polyrun {

/// A server context from a PEM certificate (chain) and its private key. Throws
/// std::runtime_error naming `cert_key` / `key_key` (the configuration keys) on failure.
/// Sessions tickets are off: peers then see no records after the handshake but application data.
POLYRUN_API Poco::Net::Context::Ptr makeTlsServerContext(const std::string& certificate,
                                                         const std::string& key,
                                                         const std::string& cert_key,
                                                         const std::string& key_key);

}  // namespace polyrun
