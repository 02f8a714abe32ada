#include "polyrun/tls.h"

#include <Poco/File.h>
#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <openssl/ssl.h>

#include <mutex>
#include <stdexcept>

namespace polyrun {
namespace {

// Poco's default handler for a certificate that fails verification asks on the console; a
// service must refuse instead. Installed once, before any context is used.
void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr reject(
        new Poco::Net::RejectCertificateHandler(false));
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
    Poco::Net::SSLManager::instance().initializeServer(nullptr, reject, nullptr);
  });
}

void requireFile(const std::string& path, const std::string& key) {
  if (path.empty()) throw std::runtime_error(key + " is not set: TLS needs it (a PEM file)");
  bool ok = false;
  try {
    Poco::File f(path);
    ok = f.exists() && f.isFile() && f.canRead();
  } catch (const Poco::Exception&) {
  }
  if (!ok) throw std::runtime_error(key + " = \"" + path + "\": no readable file there; give the path of a PEM file");
}

}  // namespace

Poco::Net::Context::Ptr makeTlsServerContext(const std::string& certificate, const std::string& key,
                                             const std::string& cert_key, const std::string& key_key) {
  initOnce();
  requireFile(certificate, cert_key);
  requireFile(key, key_key);
  Poco::Net::Context::Ptr ctx;
  try {
    Poco::Net::Context::Params p;
    p.certificateFile = certificate;
    p.privateKeyFile = key;
    p.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients authenticate by token
    p.loadDefaultCAs = false;
    ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot use " + cert_key + " = \"" + certificate + "\" with " + key_key +
                             " = \"" + key + "\": " + e.displayText() +
                             "; both must be PEM, the key must belong to the certificate");
  }
  SSL_CTX* raw = ctx->sslContext();
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_num_tickets(raw, 0);
  if (SSL_CTX_check_private_key(raw) != 1)
    throw std::runtime_error(key_key + " = \"" + key + "\" is not the private key of " + cert_key +
                             " = \"" + certificate + "\"; give the matching pair");
  return ctx;
}

Poco::Net::Context::Ptr makeTlsClientContext(const std::string& ca_file, bool verify,
                                             const std::string& ca_key) {
  initOnce();
  if (verify) requireFile(ca_file, ca_key);
  Poco::Net::Context::Ptr ctx;
  try {
    Poco::Net::Context::Params p;
    p.caLocation = verify ? ca_file : "";
    p.verificationMode = verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
    p.loadDefaultCAs = false;
    ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot load " + ca_key + " = \"" + ca_file + "\": " + e.displayText() +
                             "; give a PEM file holding the CA certificate that signed the master's");
  }
  ctx->enableExtendedCertificateVerification(verify);
  SSL_CTX_set_min_proto_version(ctx->sslContext(), TLS1_2_VERSION);
  // Readers poll() the socket and then ask available() (decrypted bytes): with read-ahead a whole
  // record could wait inside OpenSSL, seen by neither.
  SSL_CTX_set_read_ahead(ctx->sslContext(), 0);
  return ctx;
}

Poco::Net::StreamSocket connectTls(const std::string& host, uint16_t port,
                                   const Poco::Net::Context::Ptr& context, Poco::Timespan timeout,
                                   const std::string& ca_key) {
  Poco::Net::SecureStreamSocket socket(context);
  socket.setPeerHostName(host);
  // Plain TCP first, so that "connection refused" reads as such.
  socket.setLazyHandshake(true);
  socket.connect(Poco::Net::SocketAddress(host, port), timeout);
  try {
    socket.setReceiveTimeout(timeout);
    socket.setSendTimeout(timeout);
    socket.completeHandshake();
    socket.verifyPeerCertificate();
    socket.setReceiveTimeout(Poco::Timespan(0));
  } catch (const Poco::Exception& e) {
    throw Poco::Net::SSLException(
        "TLS handshake with " + host + ":" + std::to_string(port) + " failed (" +
        (e.message().empty() ? e.displayText() : e.message()) +
        "); check that the master has TLS on (master.tls.enabled) and that " + ca_key +
        " holds the CA that signed its certificate, issued for \"" + host + "\"");
  }
  return socket;
}

}  // namespace polyrun
