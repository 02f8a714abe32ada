// TLS for the master's ports (docs/install.md, "TLS"): contexts made from configuration and
// client connections that verify the master's certificate. Built on Poco NetSSL (OpenSSL).
// Errors are ConfigError-style messages naming the key and what to do; nothing here prompts.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

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

/// A client context trusting the CAs in `ca_file` (PEM). With verify=false the server's
/// certificate is not checked (encryption without authentication). Throws std::runtime_error
/// naming `ca_key` (the key or flag that gave the file) on failure.
POLYRUN_API Poco::Net::Context::Ptr makeTlsClientContext(const std::string& ca_file, bool verify,
                                                         const std::string& ca_key);

/// Connects to host:port and completes the TLS handshake, verifying the certificate (signed by
/// the context's CA, issued for `host`). Throws Poco::Exception whose text says what failed and
/// what to check (`ca_key`).
POLYRUN_API Poco::Net::StreamSocket connectTls(const std::string& host, uint16_t port,
                                               const Poco::Net::Context::Ptr& context,
                                               Poco::Timespan timeout, const std::string& ca_key);

}  // namespace polyrun
