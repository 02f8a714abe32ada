// OpenSSL, loaded when the first TLS context is made instead of when the program starts:
// libssl and libcrypto are most of what a `polyrun` process would otherwise load (5,800 of its
// 5,850 relocations, about half its start-up time), and a client without --tls never uses them.
// Only the functions the transport calls, each typed from OpenSSL's own declaration; OpenSSL's
// macros over SSL_CTX_ctrl, SSL_ctrl and BIO_set_flags are spelled out at their call sites.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "polyrun/status.h"

namespace polyrun::transport {

// One function per line: clang-format 14 lays a denser list out differently on each pass.
// clang-format off
#define POLYRUN_OPENSSL_FUNCTIONS(X) \
  X(TLS_client_method) \
  X(SSL_CTX_new) \
  X(SSL_CTX_free) \
  X(SSL_CTX_ctrl) \
  X(SSL_CTX_load_verify_locations) \
  X(SSL_CTX_set_verify) \
  X(SSL_new) \
  X(SSL_free) \
  X(SSL_set_bio) \
  X(SSL_ctrl) \
  X(SSL_set1_host) \
  X(SSL_get0_param) \
  X(SSL_connect) \
  X(SSL_get_error) \
  X(SSL_get_verify_result) \
  X(SSL_read) \
  X(SSL_write) \
  X(SSL_shutdown) \
  X(X509_VERIFY_PARAM_set1_ip_asc) \
  X(X509_verify_cert_error_string) \
  X(ERR_peek_last_error) \
  X(ERR_clear_error) \
  X(ERR_reason_error_string) \
  X(ERR_error_string_n) \
  X(BIO_meth_new) \
  X(BIO_meth_set_write) \
  X(BIO_meth_set_read) \
  X(BIO_meth_set_ctrl) \
  X(BIO_meth_set_create) \
  X(BIO_get_new_index) \
  X(BIO_new) \
  X(BIO_set_data) \
  X(BIO_get_data) \
  X(BIO_set_init) \
  X(BIO_set_flags) \
  X(BIO_clear_flags)
// clang-format on

struct OpenSsl {
#define POLYRUN_OPENSSL_MEMBER(name) decltype(&::name) name = nullptr;
  POLYRUN_OPENSSL_FUNCTIONS(POLYRUN_OPENSSL_MEMBER)
#undef POLYRUN_OPENSSL_MEMBER
};

/// Loads libssl (OpenSSL 3) once, thread-safe; later calls return the first outcome. Fails with
/// kUnavailable naming the library and the package to install.
Status loadOpenSsl();
/// The functions, once loadOpenSsl() has succeeded (every ClientTls is made after it).
const OpenSsl& ossl();

}  // namespace polyrun::transport
