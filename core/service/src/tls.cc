#include "polyrun/tls.h"

#include <Poco/File.h>
#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
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
  if (!ok)
    throw std::runtime_error(key + " = \"" + path +
                             "\": no readable file there; give the path of a PEM file");
}

}  // namespace

Poco::Net::Context::Ptr makeTlsServerContext(const std::string& certificate, const std::string& key,
                                             const std::string& cert_key,
                                             const std::string& key_key) {
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
    throw std::runtime_error("cannot use " + cert_key + " = \"" + certificate + "\" with " +
                             key_key + " = \"" + key + "\": " + e.displayText() +
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

}  // namespace polyrun
