// Who is calling and what they may do. Callers present a bearer token (gRPC metadata
// "authorization: Bearer <token>") or a client certificate; a credentials file maps them
// to roles. Tokens are stored only as SHA-256 hex digests. Thread-safe after Load.
//
// Credentials file, one entry per line ('#' comments):
//   token  <sha256-hex-of-token>  <role>  <region scope or ->  <caller name>  [expires]
//   cert   <certificate name>  <role>  <region scope or ->  <caller name>  [expires]
// role: bureau | analyst | department | admin; scope: a GB/T 2260 prefix a bureau may push
// for ("3212" = 泰州's counties); expires: YYYY-MM-DD (valid through that day, UTC) or
// omitted. `clusterctl hash-token TOKEN` prints the digest of a token. A certificate name is
// matched against the certificate's subject alternative names (SAN), or against its common
// name (CN) only when it has no SAN. Each token digest and each certificate name may appear
// on one line only: a repeated one is refused at load (naming both lines) rather than
// letting the later line silently win.
#pragma once

#include "common/obs/sha256.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cw::security {

// kNone: a caller not (yet) admitted, e.g. one whose credentials were refused; it may make
// no call. Never read from a credentials file.
enum class Role { kNone, kBureau, kAnalyst, kDepartment, kAdmin };
// "none", "bureau", "analyst", "department" or "admin".
std::string_view RoleName(Role role);

// Until admitted, a caller is "anonymous" with no role: a refused call is audited as such,
// never as a role it was not given. With authentication switched off (development only)
// every caller is admitted as "anonymous" with the admin role, identified via "none".
struct Caller {
  std::string name = "anonymous";
  Role role = Role::kNone;
  std::string scope;  // region prefix for bureaus; "" = everywhere
  bool authenticated = false;  // false: authentication is switched off (development only)
  std::string via = {};  // what identified the caller: "token", "san", "cn"; "none" with
                         // authentication switched off; "" when not admitted
};

// What a verified client certificate names: its subject alternative names (as gRPC reports
// them: DNS names, URIs, e-mail addresses, IP addresses) in certificate order, and its
// subject common name.
struct CertificateNames {
  std::vector<std::string> sans;
  std::string common_name;
};

// The lowercase hex SHA-256 of `text` (credential files hold tokens as this).
using obs::Sha256Hex;

class Credentials {
 public:
  // Parses the file's text. kInvalidArgument naming the line and field on any bad entry, and
  // both lines for a repeated token digest or certificate name.
  static absl::StatusOr<Credentials> Parse(std::string_view text);
  // A credentials set that accepts every caller as `anonymous` analyst+admin (development
  // mode; must be asked for explicitly with --allow_unauthenticated).
  static Credentials AllowAll();

  // The caller for a bearer token at `now`: kUnauthenticated for an unknown or expired
  // credential (the message never echoes the token).
  absl::StatusOr<Caller> ByToken(std::string_view token, absl::Time now) const;
  // The caller for a certificate at `now`. With SANs, the first SAN (certificate order) that
  // the file lists identifies the caller (via "san") and the CN is not consulted; without
  // SANs, the CN (via "cn"). kUnauthenticated when none is listed, or the entry expired.
  absl::StatusOr<Caller> ByCertificate(const CertificateNames& names, absl::Time now) const;
  bool allow_all() const { return allow_all_; }

 private:
  struct Entry {
    Caller caller;
    std::optional<absl::Time> expires;  // first instant no longer valid
  };
  absl::StatusOr<Caller> Find(const std::map<std::string, Entry>& m, const std::string& key,
                              absl::Time now) const;
  std::map<std::string, Entry> tokens_;  // by digest
  std::map<std::string, Entry> certs_;   // by common name
  bool allow_all_ = false;
};

}  // namespace cw::security
