// Tests of alert materialisation, listing and the resumable watch stream.
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "query/query_service.h"
#include "tests/unit/query/replica_fixture.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

const security::Caller kAdmin{"admin", security::Role::kAdmin, "", true};

class AlertsTest : public ReplicaFixture {
 protected:
  kafka::Message Event(int64_t offset, const std::string& id, pb::AlertState state,
                       int64_t version, const std::string& park = "P1") {
    pb::AlertEvent e;
    e.set_id(id);
    e.set_rule("decline");
    e.set_park_id(park);
    e.set_state(state);
    e.set_version(version);
    return {topics_.alerts, 0, offset, id, e.SerializeAsString(), 0};
  }
  // Collects what a watch from `token` delivers until nothing more arrives.
  std::vector<std::pair<std::string, int64_t>> Watch(const std::string& token,
                                                     pb::AlertFilter filter = {}) {
    std::vector<std::pair<std::string, int64_t>> got;
    pb::WatchAlertsRequest req;
    req.set_resume_token(token);
    *req.mutable_filter() = filter;
    int rounds = 0;
    auto s = service_.StreamAlerts(
        req, kAdmin,
        [&](const pb::AlertUpdate& u) {
          got.emplace_back(u.event().id(), u.event().version());
          last_token_ = u.resume_token();
          return true;
        },
        [&] { return rounds++ < 1; });
    EXPECT_TRUE(s.ok()) << s.error_message();
    return got;
  }

  std::string last_token_;
};

// A republished (same or older) version is ignored; a reconnect resumes after its token.
TEST_F(AlertsTest, WatchResumesWithoutGapsOrRepeats) {
  ASSERT_TRUE(materializer_.Apply({Event(0, "a", pb::ALERT_STATE_PENDING, 1),
                                   Event(1, "a", pb::ALERT_STATE_FIRING, 2),
                                   Event(2, "a", pb::ALERT_STATE_FIRING, 2),  // republished
                                   Event(3, "b", pb::ALERT_STATE_FIRING, 1)})
                  .ok());
  auto first = Watch("");
  EXPECT_EQ(first, (std::vector<std::pair<std::string, int64_t>>{{"a", 1}, {"a", 2}, {"b", 1}}));
  const std::string token = last_token_;
  EXPECT_EQ(token, "3");
  ASSERT_TRUE(materializer_.Apply({Event(4, "a", pb::ALERT_STATE_RESOLVED, 3),
                                   Event(5, "b", pb::ALERT_STATE_FIRING, 1)})
                  .ok());
  EXPECT_EQ(Watch(token), (std::vector<std::pair<std::string, int64_t>>{{"a", 3}}));
  EXPECT_EQ(Watch("1"), (std::vector<std::pair<std::string, int64_t>>{{"b", 1}, {"a", 3}}));
}

// ListAlerts gives each alert's current state, filtered by state.
TEST_F(AlertsTest, ListFiltersByState) {
  ASSERT_TRUE(materializer_.Apply({Event(0, "a", pb::ALERT_STATE_FIRING, 1),
                                   Event(1, "b", pb::ALERT_STATE_FIRING, 1),
                                   Event(2, "b", pb::ALERT_STATE_RESOLVED, 2)})
                  .ok());
  pb::ListAlertsRequest req;
  req.mutable_filter()->set_state(pb::ALERT_STATE_FIRING);
  pb::ListAlertsResponse resp;
  ASSERT_TRUE(service_.ListAlerts(nullptr, &req, &resp).ok());
  ASSERT_EQ(resp.alerts_size(), 1);
  EXPECT_EQ(resp.alerts(0).id(), "a");
}

// Region and group alerts carry no park: filters by subject kind and id select them, and a
// region prefix selects the regions within it as well as the parks there (never groups).
TEST_F(AlertsTest, ListFiltersBySubjectAndRegion) {
  pb::RegistryRecord park;
  park.mutable_park()->set_id("P1");
  park.mutable_park()->set_county_code("222401");
  auto subject = [&](int64_t offset, const std::string& kind, const std::string& id,
                     const std::string& park_id) {
    pb::AlertEvent e;
    e.set_id(absl::StrCat("decline|", kind, ":", id, "|2024-05"));
    e.set_rule("decline");
    e.set_subject_kind(kind);
    e.set_subject_id(id);
    e.set_park_id(park_id);
    e.set_state(pb::ALERT_STATE_FIRING);
    e.set_version(1);
    return kafka::Message{topics_.alerts, 0, offset, e.id(), e.SerializeAsString(), 0};
  };
  ASSERT_TRUE(materializer_
                  .Apply({{topics_.registry, 0, 0, "", park.SerializeAsString(), 0},
                          subject(0, "park", "P1", "P1"), subject(1, "region", "222401", ""),
                          subject(2, "region", "222400", ""), subject(3, "region", "220000", ""),
                          subject(4, "group", "延龙图核心", "")})
                  .ok());
  auto ids = [&](pb::AlertFilter filter) {
    pb::ListAlertsRequest req;
    *req.mutable_filter() = filter;
    pb::ListAlertsResponse resp;
    EXPECT_TRUE(service_.ListAlerts(nullptr, &req, &resp).ok());
    std::vector<std::string> out;
    for (const auto& a : resp.alerts()) out.push_back(a.id());
    return out;
  };
  pb::AlertFilter regions;
  regions.set_subject_kind("region");
  EXPECT_EQ(ids(regions), (std::vector<std::string>{"decline|region:220000|2024-05",
                                                    "decline|region:222400|2024-05",
                                                    "decline|region:222401|2024-05"}));
  pb::AlertFilter prefix;
  prefix.set_region_prefix("2224");
  EXPECT_EQ(ids(prefix), (std::vector<std::string>{"decline|park:P1|2024-05",
                                                   "decline|region:222400|2024-05",
                                                   "decline|region:222401|2024-05"}));
  pb::AlertFilter group;
  group.set_subject_kind("group");
  group.set_subject_id("延龙图核心");
  EXPECT_EQ(ids(group), (std::vector<std::string>{"decline|group:延龙图核心|2024-05"}));
  // The watch stream uses the same filter.
  EXPECT_EQ(Watch("", regions),
            (std::vector<std::pair<std::string, int64_t>>{{"decline|region:222401|2024-05", 1},
                                                          {"decline|region:222400|2024-05", 1},
                                                          {"decline|region:220000|2024-05", 1}}));
}

// A token that is not a number is refused.
TEST_F(AlertsTest, BadResumeToken) {
  pb::WatchAlertsRequest req;
  req.set_resume_token("yesterday");
  auto s = service_.StreamAlerts(req, kAdmin, [](const pb::AlertUpdate&) { return true; },
                                 [] { return true; });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace cw::query
