// Tests of the /metrics endpoint's basic authentication.
#include "common/obs/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, metrics_auth_file);

namespace cw::obs {
namespace {

// The status line and body of GET /metrics on 127.0.0.1:`port`, with basic auth when
// `user` is given.
std::string Get(int port, const std::string& user = "", const std::string& password = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!user.empty()) {
    absl::StrAppend(&req, "Authorization: Basic ", absl::Base64Escape(user + ":" + password),
                    "\r\n");
  }
  req += "\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

// An auth file parses to users and digests; bad lines are refused naming the line.
TEST(MetricsAuthTest, ParseAndRefuse) {
  const std::string d(64, 'a');
  auto auth = ParseMetricsAuth("# scrapers\nprometheus " + d + "\n\n");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->password_sha256, (std::map<std::string, std::string>{{"prometheus", d}}));
  EXPECT_EQ(ParseMetricsAuth("prometheus\n").status(),
            absl::InvalidArgumentError("metrics auth line 1: expected USER "
                                       "SHA256-HEX-OF-PASSWORD"));
  EXPECT_EQ(ParseMetricsAuth("p ABC\n").status(),
            absl::InvalidArgumentError("metrics auth line 1: the password's SHA-256 must be "
                                       "64 lowercase hex digits"));
  EXPECT_EQ(ParseMetricsAuth("p " + d + "\np " + d + "\n").status(),
            absl::InvalidArgumentError("metrics auth line 2: user 'p' is already given on "
                                       "line 1"));
}

// With users configured, /metrics answers 401 without or with wrong credentials and the
// metrics with a right one; without users it is open.
TEST(MetricsAuthTest, ExposerRequiresBasicAuth) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("cw_test_total").Help("t").Register(*registry).Add({});
  // SHA-256("s3cret"), as `clusterctl hash-token s3cret` prints it.
  MetricsAuth auth;
  auth.password_sha256["prometheus"] =
      "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";
  ASSERT_TRUE(MetricsAuthAccepts(auth, "prometheus", "s3cret"));
  EXPECT_FALSE(MetricsAuthAccepts(auth, "prometheus", "S3cret"));
  EXPECT_FALSE(MetricsAuthAccepts(auth, "other", "s3cret"));
  auto guarded = MetricsServer::Start("127.0.0.1:0", registry, auth);
  ASSERT_TRUE(guarded.ok()) << guarded.status();
  const int port = (*guarded)->port();
  EXPECT_EQ(Get(port).substr(0, 12), "HTTP/1.1 401");
  EXPECT_EQ(Get(port, "prometheus", "wrong").substr(0, 12), "HTTP/1.1 401");
  const std::string ok = Get(port, "prometheus", "s3cret");
  EXPECT_EQ(ok.substr(0, 12), "HTTP/1.1 200");
  EXPECT_NE(ok.find("cw_test_total"), std::string::npos);
  auto open = MetricsServer::Start("127.0.0.1:0", registry, MetricsAuth{});
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(Get((*open)->port()).substr(0, 12), "HTTP/1.1 200");
}

// --metrics_auth_file: a readable file turns authentication on; an unreadable or
// malformed one stops the start (never an open /metrics by mistake).
TEST(MetricsAuthTest, FlagFileOrRefusal) {
  auto registry = std::make_shared<prometheus::Registry>();
  const std::string path = ::testing::TempDir() + "metrics-auth-" + std::to_string(::getpid());
  std::ofstream(path) << "prometheus "
                      << "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0\n";
  absl::SetFlag(&FLAGS_metrics_auth_file, path);
  auto guarded = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(guarded.ok()) << guarded.status();
  EXPECT_EQ(Get((*guarded)->port()).substr(0, 12), "HTTP/1.1 401");
  EXPECT_EQ(Get((*guarded)->port(), "prometheus", "s3cret").substr(0, 12), "HTTP/1.1 200");
  std::ofstream(path) << "prometheus\n";
  EXPECT_EQ(MetricsServer::Start("127.0.0.1:0", registry).status(),
            absl::InvalidArgumentError("--metrics_auth_file=" + path +
                                       ": metrics auth line 1: expected USER "
                                       "SHA256-HEX-OF-PASSWORD"));
  absl::SetFlag(&FLAGS_metrics_auth_file, path + ".missing");
  EXPECT_EQ(MetricsServer::Start("127.0.0.1:0", registry).status(),
            absl::InvalidArgumentError("--metrics_auth_file=" + path +
                                       ".missing: cannot read the file"));
  absl::SetFlag(&FLAGS_metrics_auth_file, "");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace cw::obs
