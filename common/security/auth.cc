#include "common/security/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace cw::security {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone: return "none";
    case Role::kBureau: return "bureau";
    case Role::kAnalyst: return "analyst";
    case Role::kDepartment: return "department";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

absl::StatusOr<Credentials> Credentials::Parse(std::string_view text) {
  Credentials c;
  std::map<std::string, int> token_lines, cert_lines;  // key -> line it was first given on
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](const std::string& field, const std::string& why) {
      return absl::InvalidArgumentError(
          absl::StrCat("credentials line ", line_no, ", field ", field, ": ", why));
    };
    if (f.size() < 5 || f.size() > 6) {
      return bad("(line)", "expected: token|cert KEY ROLE SCOPE NAME [YYYY-MM-DD]");
    }
    Entry e;
    if (f[2] == "bureau") e.caller.role = Role::kBureau;
    else if (f[2] == "analyst") e.caller.role = Role::kAnalyst;
    else if (f[2] == "department") e.caller.role = Role::kDepartment;
    else if (f[2] == "admin") e.caller.role = Role::kAdmin;
    else return bad("role", absl::StrCat("'", f[2], "' is not bureau, analyst, department or admin"));
    e.caller.scope = f[3] == "-" ? "" : f[3];
    if (!e.caller.scope.empty() &&
        (e.caller.scope.size() > 6 || !std::all_of(e.caller.scope.begin(), e.caller.scope.end(),
                                                   [](char ch) { return ch >= '0' && ch <= '9'; }))) {
      return bad("scope", absl::StrCat("'", f[3], "' is not a GB/T 2260 prefix (1-6 digits) or -"));
    }
    if (e.caller.role == Role::kBureau && e.caller.scope.empty()) {
      return bad("scope", "a bureau needs a region scope");
    }
    e.caller.name = f[4];
    e.caller.authenticated = true;
    if (f.size() == 6) {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(f[5], &day)) {
        return bad("expires", absl::StrCat("'", f[5], "' is not YYYY-MM-DD"));
      }
      e.expires = absl::FromCivil(day + 1, absl::UTCTimeZone());
    }
    if (f[0] == "token") {
      if (f[1].size() != 64 || !std::all_of(f[1].begin(), f[1].end(), [](char ch) {
            return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
          })) {
        return bad("key", "expected the token's SHA-256 as 64 lowercase hex digits");
      }
      if (auto [it, fresh] = token_lines.emplace(f[1], line_no); !fresh) {
        return bad("key", absl::StrCat("the same token digest as line ", it->second,
                                       " (each token may be given once)"));
      }
      c.tokens_[f[1]] = e;
    } else if (f[0] == "cert") {
      if (auto [it, fresh] = cert_lines.emplace(f[1], line_no); !fresh) {
        return bad("key", absl::StrCat("certificate name '", f[1], "' is already given on line ",
                                       it->second, " (each name may be given once)"));
      }
      c.certs_[f[1]] = e;
    } else {
      return bad("kind", absl::StrCat("'", f[0], "' is not token or cert"));
    }
  }
  return c;
}

Credentials Credentials::AllowAll() {
  Credentials c;
  c.allow_all_ = true;
  return c;
}

absl::StatusOr<Caller> Credentials::Find(const std::map<std::string, Entry>& m,
                                         const std::string& key, absl::Time now) const {
  auto it = m.find(key);
  if (it == m.end()) return absl::UnauthenticatedError("unknown credentials");
  if (it->second.expires && now >= *it->second.expires) {
    return absl::UnauthenticatedError(
        absl::StrCat("credentials of '", it->second.caller.name, "' expired"));
  }
  return it->second.caller;
}

absl::StatusOr<Caller> Credentials::ByToken(std::string_view token, absl::Time now) const {
  if (allow_all_) return Caller{"anonymous", Role::kAdmin, "", false, "none"};
  if (token.empty()) return absl::UnauthenticatedError("no credentials: send authorization: Bearer <token>");
  auto caller = Find(tokens_, Sha256Hex(token), now);
  if (caller.ok()) caller->via = "token";
  return caller;
}

absl::StatusOr<Caller> Credentials::ByCertificate(const CertificateNames& names,
                                                  absl::Time now) const {
  if (allow_all_) return Caller{"anonymous", Role::kAdmin, "", false, "none"};
  if (names.sans.empty()) {
    auto caller = Find(certs_, names.common_name, now);
    if (caller.ok()) caller->via = "cn";
    return caller;
  }
  for (const auto& san : names.sans) {
    if (certs_.count(san) == 0) continue;
    auto caller = Find(certs_, san, now);
    if (caller.ok()) caller->via = "san";
    return caller;
  }
  return absl::UnauthenticatedError(
      "unknown credentials: no subject alternative name of the client certificate is in the "
      "credentials file (the common name is used only for certificates without one)");
}

}  // namespace cw::security
