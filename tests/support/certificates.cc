#include "support/certificates.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace polyrun::test {

bool makeCertificates(const std::string& dir, std::string* error) {
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::ofstream(dir + "/san.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  const std::string script =
      "cd '" + dir +
      "' && "
      "openssl req -x509 -days 2" +
      key +
      " -keyout ca.key -out ca.pem -subj /CN=polyrun-test-ca && "
      "openssl req -x509 -days 2" +
      key +
      " -keyout other-ca.key -out other-ca.pem -subj /CN=other-ca && "
      "openssl req" +
      key +
      " -keyout server.key -out server.csr -subj /CN=127.0.0.1 && "
      "openssl x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-extfile san.cnf -out server.pem";
  const std::string command = "(" + script + ") > '" + dir + "/openssl.log' 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::ifstream in(dir + "/openssl.log");
    std::stringstream log;
    log << in.rdbuf();
    *error = "the openssl command failed (is it installed? scripts/setup-deps.sh): " + log.str();
    return false;
  }
  return true;
}

}  // namespace polyrun::test
