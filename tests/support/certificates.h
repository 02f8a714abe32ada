// Certificates made for one test run by the openssl command, for the TLS tests.
#pragma once

#include <string>

namespace polyrun::test {

/// Writes into `dir`: ca.pem/ca.key (a CA), server.pem/server.key (a certificate that CA signed
/// for 127.0.0.1 and localhost) and other-ca.pem/other-ca.key (an unrelated CA). EC keys, valid
/// two days. False with the openssl command's output in *error when it fails.
bool makeCertificates(const std::string& dir, std::string* error);

}  // namespace polyrun::test
