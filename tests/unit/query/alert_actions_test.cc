// RecordAlertAction over gRPC with the real guard: who may act on an alert, what is refused
// and why, what reaches the alert-actions topic, what the audit log records, and how
// ListAlerts shows the actions (to analysts and admins, never to departments).
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "common/obs/clock.h"
#include "common/security/guard.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "query/query_service.h"
#include "tests/unit/query/replica_fixture.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kAlertId[] = "output_decline|park:P1|2024-03";
constexpr int64_t kNow = 1'800'000'000'000;

class AlertActionsTest : public ReplicaFixture {
 protected:
  void SetUp() override {
    pb::AlertEvent e;
    e.set_id(kAlertId);
    e.set_rule("output_decline");
    e.set_subject_kind("region");  // no park cell: nothing else to protect in this test
    e.set_subject_id("321282");
    e.set_state(pb::ALERT_STATE_FIRING);
    e.set_version(1);
    ASSERT_TRUE(materializer_.Apply({{topics_.alerts, 0, 0, kAlertId, e.SerializeAsString(), 0}})
                    .ok());
    // One file per test: ctest runs the tests of this binary as parallel processes.
    audit_path_ = absl::StrCat(::testing::TempDir(), "/alert_actions_audit.",
                               ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                               ".log");
    std::remove(audit_path_.c_str());
    guard_ = std::make_unique<security::Guard>(
        RoleCredentials({"bureau", "analyst", "department", "admin"}),
        security::GuardOptions{.requests_per_second = 0, .audit_path = audit_path_}, clock_,
        guard_prom_);
    guarded_ = std::make_unique<QueryService>(store_, materializer_, metrics_,
                                              metrics::MetricsConfig{}, guard_.get());
    guarded_->EnableAlertActions(actions_, topics_.alert_actions, clock_);
    server_ = std::make_unique<LoopbackServer>(guarded_.get());
    ASSERT_NE(server_->server, nullptr);
  }

  static pb::RecordAlertActionRequest Ack(const std::string& comment = "on it") {
    pb::RecordAlertActionRequest r;
    r.set_alert_id(kAlertId);
    r.set_kind(pb::ALERT_ACTION_KIND_ACKNOWLEDGE);
    r.set_comment(comment);
    r.set_until_unix_ms(kNow + 3'600'000);
    return r;
  }

  grpc::Status Record(const std::string& role, const pb::RecordAlertActionRequest& req,
                      pb::RecordAlertActionResponse* resp) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer tok-" + role);
    return server_->stub->RecordAlertAction(&ctx, req, resp);
  }

  pb::ListAlertsResponse List(const std::string& role) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer tok-" + role);
    pb::ListAlertsResponse resp;
    auto s = server_->stub->ListAlerts(&ctx, pb::ListAlertsRequest(), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // Applies what RecordAlertAction produced, as the replica's follower would.
  void MaterializeActions() {
    std::vector<kafka::Message> messages;
    for (const auto& r : actions_.sent_ForTest()) {
      messages.push_back({r.topic, 0, next_action_offset_++, r.key, r.value, 0});
    }
    actions_.Clear_ForTest();
    ASSERT_TRUE(materializer_.Apply(messages).ok());
  }

  std::string AuditLog() {
    std::ifstream in(audit_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  obs::FakeClock clock_{kNow};
  prometheus::Registry guard_prom_;
  kafka::FakeProducer actions_;
  std::string audit_path_;
  std::unique_ptr<security::Guard> guard_;
  std::unique_ptr<QueryService> guarded_;
  std::unique_ptr<LoopbackServer> server_;
  int64_t next_action_offset_ = 0;
};

TEST_F(AlertActionsTest, AnalystRecordsStampedWithCallerAndTimeAndAudited) {
  pb::RecordAlertActionResponse resp;
  ASSERT_TRUE(Record("analyst", Ack("县局已联系企业"), &resp).ok());
  EXPECT_EQ(resp.action().by(), "analyst-caller");  // the authenticated caller, not a claim
  EXPECT_EQ(resp.action().at_unix_ms(), kNow);
  EXPECT_EQ(resp.action().kind(), pb::ALERT_ACTION_KIND_ACKNOWLEDGE);
  const auto sent = actions_.sent_ForTest();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].topic, "cw.alert-actions.v1");
  EXPECT_EQ(sent[0].key, kAlertId);
  pb::AlertAction stored;
  ASSERT_TRUE(stored.ParseFromString(sent[0].value));
  EXPECT_EQ(stored.SerializeAsString(), resp.action().SerializeAsString());
  const std::string audit = AuditLog();
  EXPECT_TRUE(absl::StrContains(audit, "RecordAlertAction")) << audit;
  EXPECT_TRUE(absl::StrContains(audit, "analyst-caller")) << audit;
  EXPECT_TRUE(absl::StrContains(audit, kAlertId)) << audit;
}

TEST_F(AlertActionsTest, OnlyAnalystsAndAdminsMayAct) {
  pb::RecordAlertActionResponse resp;
  EXPECT_EQ(Record("department", Ack(), &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Record("bureau", Ack(), &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(actions_.sent_ForTest().empty());
  EXPECT_TRUE(Record("admin", Ack(), &resp).ok());
  EXPECT_EQ(actions_.sent_ForTest().size(), 1u);
  const std::string audit = AuditLog();
  EXPECT_TRUE(absl::StrContains(audit, "department-caller")) << audit;  // refusals audited too
}

TEST_F(AlertActionsTest, RefusalsNameTheFieldAndStoreNothing) {
  pb::RecordAlertActionResponse resp;
  auto unknown = Ack();
  unknown.set_alert_id("output_decline|park:P9|2024-03");
  auto s = Record("analyst", unknown, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(),
            "alert_id: no alert 'output_decline|park:P9|2024-03' (ListAlerts lists the ids)");
  auto past = Ack();
  past.set_until_unix_ms(kNow);
  s = Record("analyst", past, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("until_unix_ms: ", kNow, " is not after now (", kNow, ")"));
  auto no_comment = Ack("");
  s = Record("analyst", no_comment, &resp);
  EXPECT_EQ(s.error_message(), "comment: required: what was done and why");
  pb::RecordAlertActionRequest no_kind;
  no_kind.set_alert_id(kAlertId);
  no_kind.set_comment("x");
  s = Record("analyst", no_kind, &resp);
  EXPECT_EQ(s.error_message(), "kind: expected ACKNOWLEDGE, SILENCE or COMMENT");
  EXPECT_TRUE(actions_.sent_ForTest().empty());
}

TEST_F(AlertActionsTest, ValidateOnlyAnswersWithoutStoring) {
  auto req = Ack();
  req.set_validate_only(true);
  pb::RecordAlertActionResponse resp;
  ASSERT_TRUE(Record("analyst", req, &resp).ok());
  EXPECT_EQ(resp.action().by(), "analyst-caller");
  EXPECT_TRUE(actions_.sent_ForTest().empty());
}

TEST_F(AlertActionsTest, KafkaFailureIsUnavailableAndNothingIsListed) {
  actions_.SetFaultForTest(absl::UnavailableError("broker down"));
  pb::RecordAlertActionResponse resp;
  auto s = Record("analyst", Ack(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(),
            "Kafka did not store the action (broker down); nothing was recorded — retry");
  actions_.SetFaultForTest(absl::OkStatus());
  MaterializeActions();
  EXPECT_EQ(List("analyst").alerts(0).actions_size(), 0);
}

TEST_F(AlertActionsTest, ListShowsActionsOldestFirstButNotToDepartments) {
  pb::RecordAlertActionResponse resp;
  ASSERT_TRUE(Record("analyst", Ack("on it"), &resp).ok());
  clock_.Advance(60'000);
  pb::RecordAlertActionRequest comment;
  comment.set_alert_id(kAlertId);
  comment.set_kind(pb::ALERT_ACTION_KIND_COMMENT);
  comment.set_comment("企业已说明：检修停产两周");
  ASSERT_TRUE(Record("admin", comment, &resp).ok());
  MaterializeActions();
  const auto analyst = List("analyst");
  ASSERT_EQ(analyst.alerts_size(), 1);
  ASSERT_EQ(analyst.alerts(0).actions_size(), 2);
  EXPECT_EQ(analyst.alerts(0).actions(0).by(), "analyst-caller");
  EXPECT_EQ(analyst.alerts(0).actions(0).comment(), "on it");
  EXPECT_EQ(analyst.alerts(0).actions(1).by(), "admin-caller");
  EXPECT_EQ(analyst.alerts(0).actions(1).at_unix_ms(), kNow + 60'000);
  const auto department = List("department");
  ASSERT_EQ(department.alerts_size(), 1);
  EXPECT_EQ(department.alerts(0).actions_size(), 0);
  // A record that is not an action goes to the dead letters, not into the list.
  ASSERT_TRUE(materializer_.Apply({{topics_.alert_actions, 0, 99, kAlertId, "not a proto", 0}})
                  .ok());
  EXPECT_EQ(List("analyst").alerts(0).actions_size(), 2);
}

}  // namespace
}  // namespace cw::query
