#include "job_ids.h"

#include <Poco/SHA2Engine.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace polyrun::master {
namespace {
constexpr size_t kNonceBytes = 16;  // 128 bits
constexpr size_t kTagBytes = 8;
constexpr char kHex[] = "0123456789abcdef";

std::string hex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

// Binds the owner to the nonce; the NUL keeps ("ab", "c...") apart from ("a", "bc...").
std::string ownerTag(const std::string& owner, const std::string& nonce_hex) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(owner);
  sha.update('\0');
  sha.update(nonce_hex);
  const Poco::DigestEngine::Digest& d = sha.digest();
  return hex(d.data(), kTagBytes);
}
}  // namespace

std::string newJobId(const std::string& owner) {
  unsigned char nonce[kNonceBytes];
  for (size_t got = 0; got < sizeof nonce;) {
    const ssize_t n = ::getrandom(nonce + got, sizeof nonce - got, 0);
    if (n < 0 && errno != EINTR) std::abort();  // only without the syscall: a kernel before 3.17
    if (n > 0) got += static_cast<size_t>(n);
  }
  const std::string nonce_hex = hex(nonce, sizeof nonce);
  return "j-" + nonce_hex + "-" + ownerTag(owner, nonce_hex);
}

bool jobIdOwnedBy(const std::string& job_id, const std::string& owner) {
  constexpr size_t nonce_at = 2, tag_at = nonce_at + 2 * kNonceBytes + 1;
  if (job_id.size() != tag_at + 2 * kTagBytes || job_id.compare(0, nonce_at, "j-") != 0 ||
      job_id[tag_at - 1] != '-')
    return false;
  return job_id.compare(tag_at, std::string::npos,
                        ownerTag(owner, job_id.substr(nonce_at, 2 * kNonceBytes))) == 0;
}

}  // namespace polyrun::master
