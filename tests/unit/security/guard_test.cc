// Tests of the per-call guard: identification, the steady-clock rate limit, credential
// reloads (also on SIGHUP) and the audit record.
#include "common/security/guard.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/obs/signals.h"
#include "gtest/gtest.h"

namespace cw::security {
namespace {

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("cw-guard-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "credentials").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteCredentials(const std::string& text) { std::ofstream(path_) << text; }
  static std::string Token(const std::string& token, const std::string& name) {
    return absl::StrCat("token ", Sha256Hex(token), " analyst - ", name, "\n");
  }
  std::unique_ptr<Guard> Make(GuardOptions options) {
    options.credentials_path = path_;
    auto creds = LoadCredentials(path_, false);
    EXPECT_TRUE(creds.ok()) << creds.status();
    return std::make_unique<Guard>(*creds, options, wall_, steady_, registry_);
  }
  grpc::StatusCode AdmitToken(Guard& guard, const std::string& token, Caller* caller = nullptr) {
    Caller c;
    auto s = guard.AdmitPresented({token, std::nullopt}, &c);
    if (caller != nullptr) *caller = c;
    return s.error_code();
  }
  double Reloads(const std::string& result) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != "cw_credentials_reloads_total") continue;
      for (const auto& m : family.metric) {
        if (m.label.size() == 1 && m.label[0].value == result) return m.counter.value;
      }
    }
    return 0;
  }

  std::filesystem::path dir_;
  std::string path_;
  obs::FakeClock wall_;
  obs::FakeSteadyClock steady_;
  prometheus::Registry registry_;
};

// The rate limit runs on the steady clock: the wall clock stepping back a day neither locks
// a caller out nor refills its bucket; steady time does.
TEST_F(GuardTest, RateLimitIgnoresWallClockSteps) {
  WriteCredentials(Token("t", "stats"));
  auto guard = Make({.requests_per_second = 1, .burst = 2, .audit_path = "/dev/null"});
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::OK);
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::OK);
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  wall_.Advance(absl::ToInt64Milliseconds(absl::Hours(24)));  // forward: no refill
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  wall_.Advance(-2 * absl::ToInt64Milliseconds(absl::Hours(24)));  // back a day
  steady_.Advance(absl::Seconds(1));
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::OK);
  EXPECT_EQ(AdmitToken(*guard, "t"), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// Tokens win over certificates; a certificate alone is identified by its SAN.
TEST_F(GuardTest, TokenOrCertificate) {
  WriteCredentials(Token("t", "stats") + "cert ndrc.example department - ndrc\n");
  auto guard = Make({.requests_per_second = 0, .audit_path = "/dev/null"});
  Caller c;
  ASSERT_TRUE(guard->AdmitPresented({"", CertificateNames{{"ndrc.example"}, "x"}}, &c).ok());
  EXPECT_EQ(c.name, "ndrc");
  EXPECT_EQ(c.via, "san");
  ASSERT_TRUE(guard->AdmitPresented({"t", CertificateNames{{"ndrc.example"}, "x"}}, &c).ok());
  EXPECT_EQ(c.name, "stats");
  EXPECT_EQ(guard->AdmitPresented({"", std::nullopt}, &c).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(guard->Admit(nullptr, &c).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// A reload replaces the credentials: a revoked token is refused, a new one admitted; a
// broken file (here a duplicate) is refused and the previous credentials stay in force.
TEST_F(GuardTest, ReloadRevokesAndKeepsOldSetOnError) {
  WriteCredentials(Token("old", "stats"));
  auto guard = Make({.requests_per_second = 0, .audit_path = "/dev/null"});
  EXPECT_EQ(AdmitToken(*guard, "old"), grpc::StatusCode::OK);
  WriteCredentials(Token("new", "stats"));
  ASSERT_TRUE(guard->ReloadCredentials().ok());
  EXPECT_EQ(AdmitToken(*guard, "old"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(AdmitToken(*guard, "new"), grpc::StatusCode::OK);
  WriteCredentials(Token("other", "a") + Token("other", "b"));
  EXPECT_EQ(guard->ReloadCredentials(),
            absl::InvalidArgumentError("credentials line 2, field key: the same token digest "
                                       "as line 1 (each token may be given once)"));
  EXPECT_EQ(AdmitToken(*guard, "new"), grpc::StatusCode::OK);
  EXPECT_EQ(AdmitToken(*guard, "other"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reloads("ok"), 1);
  EXPECT_EQ(Reloads("error"), 1);
}

// With reload_on_hangup, a SIGHUP to the process reloads the file.
TEST_F(GuardTest, SighupReloads) {
  obs::BlockTerminationSignals();  // as main does, before any thread starts
  WriteCredentials(Token("old", "stats"));
  auto guard = Make({.requests_per_second = 0, .audit_path = "/dev/null",
                     .reload_on_hangup = true});
  WriteCredentials(Token("new", "stats"));
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  for (int i = 0; i < 500 && Reloads("ok") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Reloads("ok"), 1);
  EXPECT_EQ(AdmitToken(*guard, "new"), grpc::StatusCode::OK);
  EXPECT_EQ(AdmitToken(*guard, "old"), grpc::StatusCode::UNAUTHENTICATED);
}

// One audit line per call, with what identified the caller.
TEST_F(GuardTest, AuditLineNamesCallerAndIdentification) {
  WriteCredentials(Token("t", "stats"));
  const std::string audit = (dir_ / "audit.log").string();
  auto guard = Make({.requests_per_second = 0, .audit_path = audit});
  Caller c;
  ASSERT_TRUE(guard->AdmitPresented({"t", std::nullopt}, &c).ok());
  guard->Audit(c, "GetParkSnapshot", "park_id: \"P1\"", grpc::Status::OK, 2);
  std::ifstream in(audit);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "{\"time\":\"2023-11-14T22:13:20.000Z\",\"caller\":\"stats\",\"role\":\"analyst\","
            "\"method\":\"GetParkSnapshot\",\"request\":\"park_id: \\\"P1\\\"\",\"code\":0,"
            "\"message\":\"\",\"suppressed_cells\":2,\"via\":\"token\"}\n");
}

// A refused caller is audited as "anonymous" with no role, never as a role it was not
// given; with authentication switched off, as "anonymous" admin identified via "none".
TEST_F(GuardTest, UnauthenticatedCallersAreAnonymous) {
  WriteCredentials(Token("t", "stats"));
  const std::string audit = (dir_ / "audit.log").string();
  auto guard = Make({.requests_per_second = 0, .audit_path = audit});
  Caller refused;
  auto status = guard->AdmitPresented({"wrong", std::nullopt}, &refused);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  guard->Audit(refused, "ListParks", "", status);
  auto dev = Credentials::AllowAll().ByToken("", absl::UnixEpoch());
  ASSERT_TRUE(dev.ok()) << dev.status();
  guard->Audit(*dev, "ListParks", "", grpc::Status::OK);
  std::ifstream in(audit);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "{\"time\":\"2023-11-14T22:13:20.000Z\",\"caller\":\"anonymous\",\"role\":\"none\","
            "\"method\":\"ListParks\",\"request\":\"\",\"code\":16,"
            "\"message\":\"unknown credentials\",\"suppressed_cells\":0,\"via\":\"\"}\n"
            "{\"time\":\"2023-11-14T22:13:20.000Z\",\"caller\":\"anonymous\",\"role\":\"admin\","
            "\"method\":\"ListParks\",\"request\":\"\",\"code\":0,"
            "\"message\":\"\",\"suppressed_cells\":0,\"via\":\"none\"}\n");
  EXPECT_EQ(RoleName(Role::kNone), "none");
}

// The audit log rotates when a record would take it past the size: FILE.1 is the newest
// rotated file, and only audit_keep of them are kept.
TEST_F(GuardTest, AuditLogRotatesAndKeepsConfiguredFiles) {
  WriteCredentials(Token("t", "stats"));
  const std::string audit = (dir_ / "audit.log").string();
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  Caller c;
  {
    auto probe = Make({.requests_per_second = 0, .audit_path = audit});
    ASSERT_TRUE(probe->AdmitPresented({"t", std::nullopt}, &c).ok());
    probe->Audit(c, "M", "r0", grpc::Status::OK);
  }
  const int64_t line = static_cast<int64_t>(read(audit).size());
  std::filesystem::remove(audit);
  auto guard = Make({.requests_per_second = 0, .audit_path = audit,
                     .audit_max_bytes = line + 10, .audit_keep = 2});
  for (int i = 1; i <= 4; ++i) guard->Audit(c, "M", absl::StrCat("r", i), grpc::Status::OK);
  EXPECT_NE(read(audit).find("\"request\":\"r4\""), std::string::npos) << read(audit);
  EXPECT_NE(read(audit + ".1").find("\"request\":\"r3\""), std::string::npos);
  EXPECT_NE(read(audit + ".2").find("\"request\":\"r2\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(audit + ".3"));
  EXPECT_EQ(static_cast<int64_t>(read(audit).size()), line);
}

}  // namespace
}  // namespace cw::security
