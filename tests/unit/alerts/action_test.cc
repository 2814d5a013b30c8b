#include "common/alerts/action.h"

#include "gtest/gtest.h"

namespace cw::alerts {
namespace {
namespace pb = clusterwatch::v1;

constexpr int64_t kNow = 1'800'000'000'000;

pb::RecordAlertActionRequest Silence() {
  pb::RecordAlertActionRequest r;
  r.set_alert_id("dependency|park:P1|2024-01/02");
  r.set_kind(pb::ALERT_ACTION_KIND_SILENCE);
  r.set_comment("known: the plant is under maintenance");
  r.set_until_unix_ms(kNow + 7'200'000);
  r.set_silence_id("3f1c2e9a-0000-4000-8000-000000000001");
  return r;
}

std::string Refusal(const pb::RecordAlertActionRequest& r) {
  auto a = NewAlertAction(r, "lin", kNow);
  EXPECT_FALSE(a.ok());
  return std::string(a.status().message());
}

TEST(AlertActionTest, AValidSilenceIsStampedWithCallerAndTime) {
  auto a = NewAlertAction(Silence(), "lin", kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->alert_id(), "dependency|park:P1|2024-01/02");
  EXPECT_EQ(a->kind(), pb::ALERT_ACTION_KIND_SILENCE);
  EXPECT_EQ(a->by(), "lin");
  EXPECT_EQ(a->at_unix_ms(), kNow);
  EXPECT_EQ(a->until_unix_ms(), kNow + 7'200'000);
  EXPECT_EQ(a->silence_id(), "3f1c2e9a-0000-4000-8000-000000000001");
}

TEST(AlertActionTest, EachFieldIsCheckedAndNamed) {
  auto r = Silence();
  r.set_alert_id("");
  EXPECT_EQ(Refusal(r), "alert_id: required");
  r.set_alert_id("P1");
  EXPECT_EQ(Refusal(r),
            "alert_id: 'P1' is not <rule>|<subject kind>:<subject id>|<first period> (as "
            "ListAlerts gives it)");
  r.set_alert_id("dependency|P1|2024-01");  // no subject kind
  EXPECT_NE(Refusal(r).find("alert_id: "), std::string::npos);
  r = Silence();
  r.set_kind(pb::ALERT_ACTION_KIND_UNSPECIFIED);
  EXPECT_EQ(Refusal(r), "kind: expected ACKNOWLEDGE, SILENCE or COMMENT");
  r = Silence();
  r.set_comment(std::string(kMaxActionCommentBytes + 1, 'x'));
  EXPECT_EQ(Refusal(r), "comment: 2001 bytes; at most 2000");
  r.set_comment("\xe5\xb9");  // part of a 年
  EXPECT_EQ(Refusal(r), "comment: not UTF-8");
  r = Silence();
  r.set_until_unix_ms(kNow - 1);
  EXPECT_EQ(Refusal(r), "until_unix_ms: 1799999999999 is not after now (1800000000000)");
  r.set_until_unix_ms(kNow + kMaxActionMillis + 1);
  EXPECT_EQ(Refusal(r), "until_unix_ms: more than 90 days ahead");
  r = Silence();
  r.set_silence_id("a b");
  EXPECT_EQ(Refusal(r), "silence_id: at most 100 bytes, no spaces");
}

TEST(AlertActionTest, ACommentHasNoEndAndNoSilence) {
  pb::RecordAlertActionRequest r;
  r.set_alert_id("tax_decline|region:321023|2024-05");
  r.set_kind(pb::ALERT_ACTION_KIND_COMMENT);
  r.set_comment("税务局核实中");
  auto a = NewAlertAction(r, "lin", kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->until_unix_ms(), 0);
  r.set_until_unix_ms(kNow + 1);
  EXPECT_EQ(Refusal(r), "until_unix_ms: a comment has no end: 0");
  r.set_until_unix_ms(0);
  r.set_silence_id("x");
  EXPECT_EQ(Refusal(r), "silence_id: a comment has no silence");
}

TEST(AlertActionTest, Verbs) {
  EXPECT_EQ(ActionVerb(pb::ALERT_ACTION_KIND_ACKNOWLEDGE), "acknowledged");
  EXPECT_EQ(ActionVerb(pb::ALERT_ACTION_KIND_SILENCE), "silenced");
  EXPECT_EQ(ActionVerb(pb::ALERT_ACTION_KIND_COMMENT), "commented");
}

}  // namespace
}  // namespace cw::alerts
