// Tests of the server TLS settings: what cannot serve TLS is refused at start, naming the
// flag or the file (the rotation itself runs against cw-query in
// tests/system/test_security.py).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/security/guard.h"
#include "gtest/gtest.h"

namespace cw::security {
namespace {

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("cw-server-tls-", ::getpid());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "cert.pem") << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    std::ofstream(dir_ / "key.pem") << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    std::ofstream(dir_ / "text.pem") << "not a certificate\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  ServerTlsOptions Tls() const {
    ServerTlsOptions o;
    o.cert = P("cert.pem");
    o.key = P("key.pem");
    return o;
  }
  std::filesystem::path dir_;
};

TEST_F(ServerTlsTest, NeitherTlsNorPlaintextIsRefused) {
  auto none = ServerCredentials(ServerTlsOptions{});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("give --tls_cert and --tls_key"), std::string::npos);
  ServerTlsOptions plain;
  plain.plaintext = true;
  auto insecure = ServerCredentials(plain);
  ASSERT_TRUE(insecure.ok()) << insecure.status();
  EXPECT_NE(*insecure, nullptr);
}

TEST_F(ServerTlsTest, OnlyOneOfCertAndKeyIsRefused) {
  auto o = Tls();
  o.key.clear();
  EXPECT_EQ(ServerCredentials(o).status(),
            absl::InvalidArgumentError(
                "only --tls_cert was given: a TLS server needs both --tls_cert and --tls_key"));
  o = Tls();
  o.cert.clear();
  EXPECT_EQ(ServerCredentials(o).status(),
            absl::InvalidArgumentError(
                "only --tls_key was given: a TLS server needs both --tls_cert and --tls_key"));
}

TEST_F(ServerTlsTest, UnreadableOrNonPemFilesAreRefusedByName) {
  auto o = Tls();
  o.client_ca = P("missing.pem");
  auto missing = ServerCredentials(o);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find(P("missing.pem")), std::string::npos)
      << missing.status();
  o = Tls();
  o.key = P("text.pem");
  EXPECT_EQ(ServerCredentials(o).status(),
            absl::InvalidArgumentError(P("text.pem") + ": not a PEM file (no -----BEGIN line)"));
}

TEST_F(ServerTlsTest, ReloadIntervalUnderASecondIsRefused) {
  auto o = Tls();
  o.reload_interval = absl::ZeroDuration();
  EXPECT_EQ(ServerCredentials(o).status(),
            absl::InvalidArgumentError("--tls_reload_interval_s must be 1 or more"));
  o.reload_interval = absl::Seconds(1);
  auto ok = ServerCredentials(o);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_NE(*ok, nullptr);
}

}  // namespace
}  // namespace cw::security
