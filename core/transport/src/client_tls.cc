#include "polyrun/client_tls.h"

#include <unistd.h>

#include <filesystem>

#include "openssl_api.h"

namespace polyrun {
namespace {

using transport::ossl;

// The reason of the last OpenSSL error queued on this thread, or `fallback`.
std::string lastSslError(const std::string& fallback) {
  const unsigned long code = ossl().ERR_peek_last_error();
  ossl().ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ossl().ERR_error_string_n(code, text, sizeof text);
  const char* reason = ossl().ERR_reason_error_string(code);
  return reason != nullptr ? reason : text;
}

Status requireFile(const std::string& path, const std::string& key) {
  if (path.empty()) return Status::invalidArgument(key + " is not set: TLS needs it (a PEM file)");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || ::access(path.c_str(), R_OK) != 0)
    return Status::invalidArgument(key + " = \"" + path +
                                   "\": no readable file there; give the path of a PEM file");
  return Status::ok();
}

}  // namespace

Status ClientTls::create(const std::string& ca_file, bool verify, const std::string& ca_key,
                         std::shared_ptr<const ClientTls>* out) {
  if (verify) {
    if (Status s = requireFile(ca_file, ca_key); !s.isOk()) return s;
  }
  if (Status s = transport::loadOpenSsl(); !s.isOk()) return s;
  ossl().ERR_clear_error();
  SSL_CTX* context = ossl().SSL_CTX_new(ossl().TLS_client_method());
  if (context == nullptr)
    return Status::internal("cannot make a TLS context: " + lastSslError("out of memory"));
  ossl().SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
  // Partial writes let a sender give up on a peer that stopped reading; the buffer of a
  // retried write may move (the caller's std::string is the same, its address need not be).
  ossl().SSL_CTX_ctrl(context, SSL_CTRL_MODE,
                      SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, nullptr);
  // No read-ahead: what OpenSSL holds beyond the record it returns would be invisible to poll().
  // (Readers also call SSL_read before they poll.)
  ossl().SSL_CTX_ctrl(context, SSL_CTRL_SET_READ_AHEAD, 0, nullptr);
  if (verify) {
    // Only the given CAs: not the system's, which would accept any public certificate.
    if (ossl().SSL_CTX_load_verify_locations(context, ca_file.c_str(), nullptr) != 1) {
      const std::string why = lastSslError("no certificate in it");
      ossl().SSL_CTX_free(context);
      return Status::invalidArgument(
          "cannot load " + ca_key + " = \"" + ca_file + "\": " + why +
          "; give a PEM file holding the CA certificate that signed the master's");
    }
    ossl().SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  } else {
    ossl().SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  }
  out->reset(new ClientTls(context, verify, ca_key));
  return Status::ok();
}

ClientTls::~ClientTls() { ossl().SSL_CTX_free(context_); }

}  // namespace polyrun
