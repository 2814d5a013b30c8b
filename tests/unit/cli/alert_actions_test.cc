// Tests of the Alertmanager silence requests of `clusterctl alerts silence|ack`.
#include "cli/alert_actions.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cw::cli {
namespace {

using ::testing::HasSubstr;

SilenceRequest Valid() {
  return {.alert_id = "dependency|park:P1|2024-03",
          .starts = absl::FromUnixSeconds(1'700'000'000),
          .duration = absl::Hours(2),
          .created_by = "王工",
          .comment = "已电话核实"};
}

// A silence matches exactly the alert_id label the alerter sends, for the duration, with
// the author and the comment.
TEST(SilenceBodyTest, MatchesTheAlertId) {
  auto body = SilenceBody(Valid());
  ASSERT_TRUE(body.ok()) << body.status();
  google::protobuf::Struct s;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*body, &s).ok()) << *body;
  const auto& f = s.fields();
  EXPECT_EQ(f.at("startsAt").string_value(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(f.at("endsAt").string_value(), "2023-11-15T00:13:20.000Z");
  EXPECT_EQ(f.at("createdBy").string_value(), "王工");
  EXPECT_EQ(f.at("comment").string_value(), "已电话核实");
  ASSERT_EQ(f.at("matchers").list_value().values_size(), 1);
  const auto& m = f.at("matchers").list_value().values(0).struct_value().fields();
  EXPECT_EQ(m.at("name").string_value(), "alert_id");
  EXPECT_EQ(m.at("value").string_value(), "dependency|park:P1|2024-03");
  EXPECT_FALSE(m.at("isRegex").bool_value());
  EXPECT_TRUE(m.at("isEqual").bool_value());
}

// Bad input is refused naming the flag and what is expected.
TEST(SilenceBodyTest, RefusesBadInput) {
  SilenceRequest r = Valid();
  r.alert_id = "P1";
  EXPECT_THAT(std::string(SilenceBody(r).status().message()),
              HasSubstr("--id 'P1' is not an alert id (expected <rule>|<subject kind>"));
  r = Valid();
  r.duration = absl::ZeroDuration();
  EXPECT_THAT(std::string(SilenceBody(r).status().message()), HasSubstr("not positive"));
  r = Valid();
  r.created_by.clear();
  EXPECT_EQ(SilenceBody(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = Valid();
  r.comment.clear();
  EXPECT_THAT(std::string(SilenceBody(r).status().message()), HasSubstr("--comment is empty"));
}

TEST(SilenceIdOfTest, ReadsTheAnswer) {
  EXPECT_EQ(SilenceIdOf("{\"silenceID\":\"abc-123\"}").value(), "abc-123");
  EXPECT_THAT(std::string(SilenceIdOf("oops").status().message()),
              HasSubstr("no silenceID: oops"));
}

}  // namespace
}  // namespace cw::cli
