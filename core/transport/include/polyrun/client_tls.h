// The client side of TLS to the master (docs/install.md, "TLS"): which CAs to trust and whether
// to check the master's certificate at all. Built on OpenSSL (libssl) directly; this header does
// not include OpenSSL's.
#pragma once

#include <memory>
#include <string>

#include "polyrun/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace polyrun {

/// An OpenSSL client context: TLS 1.2 or later, trusting only the CA certificate(s) of one PEM
/// file (not the system's). Immutable once made, so connections on any thread may share it.
class ClientTls {
 public:
  /// With verify=true the master's certificate must be signed by a CA in `ca_file` and issued
  /// for the host name (or IP address) connected to; with verify=false it is not checked
  /// (encryption without authentication) and `ca_file` is not read. `ca_key` names where the
  /// file came from ("--ca-file", "slave.tls.ca_file") in every message about it. Fails with
  /// kInvalidArgument when the file is missing, unreadable or holds no certificate.
  static Status create(const std::string& ca_file, bool verify, const std::string& ca_key,
                       std::shared_ptr<const ClientTls>* out);
  ~ClientTls();
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;

  bool verifies() const { return verify_; }
  const std::string& caKey() const { return ca_key_; }
  ssl_ctx_st* context() const { return context_; }

 private:
  ClientTls(ssl_ctx_st* context, bool verify, std::string ca_key)
      : context_(context), verify_(verify), ca_key_(std::move(ca_key)) {}

  ssl_ctx_st* context_;
  bool verify_;
  std::string ca_key_;
};

}  // namespace polyrun
