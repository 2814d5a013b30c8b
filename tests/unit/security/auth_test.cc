// Tests of the credentials file and of how callers are identified (common/security/auth.h).
#include "common/security/auth.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace cw::security {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'780'000'000);  // 2026-05-28

std::string TokenLine(const std::string& token, const std::string& rest) {
  return absl::StrCat("token ", Sha256Hex(token), " ", rest, "\n");
}

// Each role parses with its scope; a token identifies its caller "via token".
TEST(CredentialsTest, TokensMapToRolesAndScopes) {
  auto c = Credentials::Parse(TokenLine("b", "bureau 3212 bureau-taizhou") +
                              "# a comment\n\n" + TokenLine("d", "department - ndrc"));
  ASSERT_TRUE(c.ok()) << c.status();
  auto bureau = c->ByToken("b", kNow);
  ASSERT_TRUE(bureau.ok());
  EXPECT_EQ(bureau->name, "bureau-taizhou");
  EXPECT_EQ(bureau->role, Role::kBureau);
  EXPECT_EQ(bureau->scope, "3212");
  EXPECT_EQ(bureau->via, "token");
  EXPECT_EQ(c->ByToken("d", kNow)->role, Role::kDepartment);
  EXPECT_EQ(c->ByToken("x", kNow).status(), absl::UnauthenticatedError("unknown credentials"));
  EXPECT_EQ(c->ByToken("", kNow).status().code(), absl::StatusCode::kUnauthenticated);
}

// A repeated token digest is refused at load, naming both lines (it used to override the
// earlier line silently).
TEST(CredentialsTest, DuplicateTokenRefusedWithBothLines) {
  auto c = Credentials::Parse(TokenLine("t", "analyst - first") + "\n" +
                              TokenLine("t", "admin - second"));
  EXPECT_EQ(c.status(),
            absl::InvalidArgumentError("credentials line 3, field key: the same token digest "
                                       "as line 1 (each token may be given once)"));
}

// A repeated certificate name too; the same name as a token digest is another kind and
// allowed.
TEST(CredentialsTest, DuplicateCertificateNameRefusedWithBothLines) {
  auto c = Credentials::Parse(
      "cert ndrc-client department - ndrc\ncert ndrc-client admin - root\n");
  EXPECT_EQ(c.status(),
            absl::InvalidArgumentError("credentials line 2, field key: certificate name "
                                       "'ndrc-client' is already given on line 1 (each name "
                                       "may be given once)"));
}

// Bad lines name the line and field.
TEST(CredentialsTest, BadLinesNameLineAndField) {
  EXPECT_EQ(Credentials::Parse("cert a chief - x\n").status(),
            absl::InvalidArgumentError("credentials line 1, field role: 'chief' is not "
                                       "bureau, analyst, department or admin"));
  EXPECT_EQ(Credentials::Parse("\ntoken abc analyst - x\n").status(),
            absl::InvalidArgumentError("credentials line 2, field key: expected the token's "
                                       "SHA-256 as 64 lowercase hex digits"));
  EXPECT_EQ(Credentials::Parse("cert a bureau - x\n").status(),
            absl::InvalidArgumentError("credentials line 1, field scope: a bureau needs a "
                                       "region scope"));
}

// A certificate with SANs is identified by the first SAN the file lists; its CN is not
// consulted, even when the CN is listed.
TEST(CredentialsTest, CertificateIdentityFromSan) {
  auto c = Credentials::Parse("cert ndrc-client department - ndrc\n"
                              "cert spiffe://cw/analyst analyst - stats\n");
  ASSERT_TRUE(c.ok()) << c.status();
  auto by_san = c->ByCertificate({{"other.example", "spiffe://cw/analyst"}, "ndrc-client"}, kNow);
  ASSERT_TRUE(by_san.ok()) << by_san.status();
  EXPECT_EQ(by_san->name, "stats");
  EXPECT_EQ(by_san->via, "san");
  auto cn_only_listed = c->ByCertificate({{"other.example"}, "ndrc-client"}, kNow);
  EXPECT_EQ(cn_only_listed.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(cn_only_listed.status().message(),
            "unknown credentials: no subject alternative name of the client certificate is "
            "in the credentials file (the common name is used only for certificates without "
            "one)");
}

// Without any SAN the CN identifies the caller, and the caller says so ("via cn").
TEST(CredentialsTest, CommonNameOnlyWithoutSan) {
  auto c = Credentials::Parse("cert ndrc-client department - ndrc\n");
  ASSERT_TRUE(c.ok());
  auto by_cn = c->ByCertificate({{}, "ndrc-client"}, kNow);
  ASSERT_TRUE(by_cn.ok());
  EXPECT_EQ(by_cn->name, "ndrc");
  EXPECT_EQ(by_cn->via, "cn");
  EXPECT_EQ(c->ByCertificate({{}, "someone"}, kNow).status(),
            absl::UnauthenticatedError("unknown credentials"));
}

// An entry is valid through its expiry day (UTC) and refused from the next day.
TEST(CredentialsTest, ExpiryIsInclusiveOfTheDay) {
  auto c = Credentials::Parse(TokenLine("t", "analyst - temp 2026-05-28"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->ByToken("t", kNow).ok());
  const absl::Time next_day = absl::FromCivil(absl::CivilDay(2026, 5, 29), absl::UTCTimeZone());
  EXPECT_EQ(c->ByToken("t", next_day).status(),
            absl::UnauthenticatedError("credentials of 'temp' expired"));
}

}  // namespace
}  // namespace cw::security
