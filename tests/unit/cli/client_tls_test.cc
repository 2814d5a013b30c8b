// Tests of clusterctl's TLS material: what would silently weaken the connection is refused.
#include "cli/client_tls.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace cw::cli {
namespace {

class ClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cw-client-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    Write("ca.pem", kPem);
    Write("cert.pem", kPem);
    Write("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Write("empty.pem", "");
    Write("text.pem", "not a certificate\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  static constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  std::filesystem::path dir_;
};

// No TLS flag at all: plaintext (nullopt); a CA alone: server-authenticated TLS; with a
// certificate and key: mutual TLS with the files' contents.
TEST_F(ClientTlsTest, PlaintextServerTlsAndMutualTls) {
  auto none = LoadClientTls("", "", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto server = LoadClientTls(P("ca.pem"), "", "");
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->root_certs, kPem);
  EXPECT_EQ((*server)->cert_chain, "");
  auto mutual = LoadClientTls(P("ca.pem"), P("cert.pem"), P("key.pem"));
  ASSERT_TRUE(mutual.ok()) << mutual.status();
  EXPECT_EQ((*mutual)->cert_chain, kPem);
  EXPECT_EQ((*mutual)->private_key.substr(0, 27), "-----BEGIN PRIVATE KEY-----");
}

// An unreadable, empty or non-PEM CA is refused naming the flag and the path (gRPC would
// otherwise trust the public roots).
TEST_F(ClientTlsTest, UnreadableEmptyOrNonPemCaIsRefused) {
  auto missing = LoadClientTls(P("nope.pem"), "", "");
  EXPECT_EQ(missing.status(),
            absl::InvalidArgumentError("--tls_ca=" + P("nope.pem") +
                                       ": cannot read the file (expected a PEM file)"));
  auto empty = LoadClientTls(P("empty.pem"), "", "");
  EXPECT_EQ(empty.status(),
            absl::InvalidArgumentError("--tls_ca=" + P("empty.pem") +
                                       ": the file is empty (expected a PEM file starting "
                                       "with -----BEGIN)"));
  auto text = LoadClientTls(P("text.pem"), "", "");
  EXPECT_EQ(text.status(),
            absl::InvalidArgumentError("--tls_ca=" + P("text.pem") +
                                       ": no PEM block (expected a PEM file starting with "
                                       "-----BEGIN)"));
}

// A client certificate or key that cannot be read, or one without the other, or either
// without a CA, is refused rather than dropped.
TEST_F(ClientTlsTest, ClientCertificateProblemsAreRefused) {
  auto cert = LoadClientTls(P("ca.pem"), P("nope.pem"), P("key.pem"));
  EXPECT_EQ(cert.status(),
            absl::InvalidArgumentError("--tls_cert=" + P("nope.pem") +
                                       ": cannot read the file (expected a PEM file)"));
  auto key = LoadClientTls(P("ca.pem"), P("cert.pem"), P("nope.pem"));
  EXPECT_EQ(key.status(),
            absl::InvalidArgumentError("--tls_key=" + P("nope.pem") +
                                       ": cannot read the file (expected a PEM file)"));
  auto only_cert = LoadClientTls(P("ca.pem"), P("cert.pem"), "");
  EXPECT_EQ(only_cert.status(),
            absl::InvalidArgumentError(
                "mutual TLS needs both --tls_cert and --tls_key; only --tls_cert was given"));
  auto no_ca = LoadClientTls("", P("cert.pem"), P("key.pem"));
  EXPECT_EQ(no_ca.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(no_ca.status().message(),
            "--tls_cert/--tls_key need --tls_ca (the servers' CA): without it the call would "
            "be made in plaintext");
}

}  // namespace
}  // namespace cw::cli
