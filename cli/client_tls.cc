#include "cli/client_tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cw::cli {
namespace {

// The PEM text of `path` given as `flag`.
absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": cannot read the file (expected a PEM file)"));
  }
  std::string text = ss.str();
  if (!absl::StrContains(text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", path, ": ", text.empty() ? "the file is empty" : "no PEM block",
        " (expected a PEM file starting with -----BEGIN)"));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::optional<ClientTls>> LoadClientTls(const std::string& ca_path,
                                                       const std::string& cert_path,
                                                       const std::string& key_path) {
  if (ca_path.empty() && cert_path.empty() && key_path.empty()) return std::nullopt;
  if (ca_path.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert/--tls_key need --tls_ca (the servers' CA): without it the call would "
        "be made in plaintext");
  }
  if (cert_path.empty() != key_path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mutual TLS needs both --tls_cert and --tls_key; only --",
        cert_path.empty() ? "tls_key" : "tls_cert", " was given"));
  }
  ClientTls tls;
  auto ca = ReadPem("tls_ca", ca_path);
  if (!ca.ok()) return ca.status();
  tls.root_certs = std::move(*ca);
  if (!cert_path.empty()) {
    auto cert = ReadPem("tls_cert", cert_path);
    if (!cert.ok()) return cert.status();
    auto key = ReadPem("tls_key", key_path);
    if (!key.ok()) return key.status();
    tls.cert_chain = std::move(*cert);
    tls.private_key = std::move(*key);
  }
  return std::optional<ClientTls>(std::move(tls));
}

}  // namespace cw::cli
