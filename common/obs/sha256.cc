#include "common/obs/sha256.h"

#include <openssl/evp.h>

#include "absl/strings/str_format.h"

namespace cw::obs {

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) absl::StrAppendFormat(&out, "%02x", digest[i]);
  return out;
}

}  // namespace cw::obs
