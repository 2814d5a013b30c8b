// Tests of the alerter over a replica store: publication of state changes, idempotent
// re-evaluation, resolution after a revision, completeness gating, region and group
// subjects from the roll-ups, and the webhook.
#include "alerter/alerter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "alerter/history.h"
#include "query/materializer.h"

namespace cw::alerter {
namespace {
namespace pb = clusterwatch::v1;

class AlerterTest : public ::testing::Test {
 protected:
  AlerterTest() {
    alerts::Rule rule = alerts::MakeRule("output_decline", alerts::RuleKind::kDeclineYoY);
    rule.basis = alerts::Basis::kYearToDate;
    rule.subjects = {alerts::SubjectKind::kPark};
    config_.rules.push_back(rule);
    clock_.Set(absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(2025, 1, 1),
                                                  absl::UTCTimeZone())));
  }

  void Registry(const std::string& park, int enterprises, const std::string& county = "321023",
                const std::vector<std::string>& groups = {}) {
    std::vector<kafka::Message> msgs;
    pb::RegistryRecord p;
    p.mutable_park()->set_id(park);
    p.mutable_park()->set_county_code(county);
    for (const auto& g : groups) p.mutable_park()->add_groups(g);
    msgs.push_back({topics_.registry, 0, offset_++, "", p.SerializeAsString(), 0});
    for (int i = 0; i < enterprises; ++i) {
      pb::RegistryRecord e;
      e.mutable_enterprise()->set_uscc(park + "-e" + std::to_string(i));
      e.mutable_enterprise()->set_park_id(park);
      e.mutable_enterprise()->set_above_size(true);
      msgs.push_back({topics_.registry, 0, offset_++, "", e.SerializeAsString(), 0});
    }
    ASSERT_TRUE(materializer_.Apply(msgs).ok());
  }

  // A snapshot whose year-to-date output is `ytd` from `reporters` enterprises (the
  // park's first ones, or `firms` when given).
  void Snapshot(const std::string& park, int year, int month, int64_t ytd, int reporters,
                std::vector<std::string> firms = {}) {
    if (firms.empty()) {
      for (int i = 0; i < reporters; ++i) firms.push_back(park + "-e" + std::to_string(i));
    }
    pb::ParkSnapshot s;
    s.set_park_id(park);
    s.mutable_period()->set_year(year);
    s.mutable_period()->set_month(month);
    s.mutable_month()->mutable_gross_output()->set_fen(ytd / month);
    s.mutable_month()->set_output_reporters(reporters);
    s.mutable_year_to_date()->mutable_gross_output()->set_fen(ytd);
    auto* ind = s.add_industries();
    ind->set_industry("3041");
    ind->mutable_month()->mutable_gross_output()->set_fen(ytd / month);
    ind->mutable_year_to_date()->mutable_gross_output()->set_fen(ytd);
    for (const auto& uscc : firms) {
      auto* f = s.add_firms();
      f->set_uscc(uscc);
      f->set_industry("3041");
      f->mutable_gross_output_ytd()->set_fen(ytd / reporters);
    }
    ASSERT_TRUE(materializer_
                    .Apply({{topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0}})
                    .ok());
  }

  // Only region and group subjects for the output decline rule.
  void RollupSubjectsOnly() {
    config_.rules[0].subjects = {alerts::SubjectKind::kRegion, alerts::SubjectKind::kGroup};
  }

  // Region and group rules only, over P1 and P2 (10 enterprises each) of county 321023 and
  // the group 宝应组团: output 1000·m in 2023-03..05, then `p1`·m and `p2`·m in 2024 (no
  // 2024 snapshot where 0).
  void TwoParksOfOneCounty(int64_t p1, int64_t p2) {
    RollupSubjectsOnly();
    Registry("P1", 10, "321023", {"宝应组团"});
    Registry("P2", 10, "321023", {"宝应组团"});
    for (int m = 3; m <= 5; ++m) {
      Snapshot("P1", 2023, m, 1000 * m, 10);
      Snapshot("P2", 2023, m, 1000 * m, 10);
      if (p1 > 0) Snapshot("P1", 2024, m, p1 * m, 10);
      if (p2 > 0) Snapshot("P2", 2024, m, p2 * m, 10);
    }
  }

  // (id, state, version) of the published events, in order.
  std::vector<std::tuple<std::string, pb::AlertState, int64_t>> PublishedStates() {
    std::vector<std::tuple<std::string, pb::AlertState, int64_t>> out;
    for (const auto& e : Published()) out.emplace_back(e.id(), e.state(), e.version());
    return out;
  }

  // The value of a gauge with the given labels, or NaN when there is no such series.
  double Gauge(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : m.label) got[l.name] = l.value;
        if (got == labels) return m.gauge.value;
      }
    }
    return std::nan("");
  }

  std::vector<pb::AlertEvent> Published() {
    std::vector<pb::AlertEvent> out;
    for (const auto& r : producer_.sent_ForTest()) {
      if (r.topic != topics_.alerts) continue;
      out.emplace_back().ParseFromString(r.value);
      EXPECT_EQ(r.key, out.back().id());
    }
    return out;
  }

  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  kafka::Topics topics_;
  query::Materializer materializer_{store_, producer_, topics_};
  obs::FakeClock clock_;
  alerts::AlertConfig config_;
  prometheus::Registry registry_;
  int64_t offset_ = 0;
};

// Three periods of decline fire one alert; evaluating again publishes nothing new; a
// revision that removes a decline resolves it (version 2).
TEST_F(AlerterTest, FiresOnceAndResolvesAfterRevision) {
  Registry("P1", 10);
  for (int m = 3; m <= 5; ++m) {
    Snapshot("P1", 2023, m, 1000 * m, 10);
    Snapshot("P1", 2024, m, 800 * m, 10);  // -20% year on year
  }
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  auto events = Published();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id(), "output_decline|park:P1|2024-05");
  EXPECT_EQ(events[0].state(), pb::ALERT_STATE_FIRING);
  EXPECT_EQ(events[0].version(), 1);
  EXPECT_EQ(events[0].park_id(), "P1");
  EXPECT_FALSE(events[0].explanation_zh().empty());
  EXPECT_FALSE(events[0].explanation_en().empty());

  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_EQ(Published().size(), 1u);

  Snapshot("P1", 2024, 4, 4000, 10);  // revised: April no longer declines
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  events = Published();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].id(), "output_decline|park:P1|2024-05");
  EXPECT_EQ(events[1].state(), pb::ALERT_STATE_RESOLVED);
  EXPECT_EQ(events[1].version(), 2);
}

// A decline that only reflects missing reports (completeness 50%) raises nothing.
TEST_F(AlerterTest, IncompletePeriodsDoNotFire) {
  Registry("P2", 10);
  for (int m = 3; m <= 5; ++m) {
    Snapshot("P2", 2023, m, 1000 * m, 10);
    Snapshot("P2", 2024, m, 500 * m, 5);
  }
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P2"}).ok());
  EXPECT_TRUE(Published().empty());
}

// When Kafka refuses the events nothing is stored, and the retry publishes version 1.
TEST_F(AlerterTest, FailedPublicationIsRetriedWithSameVersion) {
  Registry("P1", 10);
  for (int m = 3; m <= 5; ++m) {
    Snapshot("P1", 2023, m, 1000 * m, 10);
    Snapshot("P1", 2024, m, 800 * m, 10);
  }
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  producer_.SetFaultForTest(absl::UnavailableError("broker down"));
  EXPECT_EQ(alerter.EvaluateParks({"P1"}).code(), absl::StatusCode::kUnavailable);
  producer_.SetFaultForTest(absl::OkStatus());
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  auto events = Published();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].version(), 1);
}

using States = std::vector<std::tuple<std::string, pb::AlertState, int64_t>>;

// Two parks of one county: P1 -20%, P2 -5% year on year; combined -12.5% over three
// periods fires for the county, its prefecture and province and the parks' group, and for
// no park (the rule is not for parks). The per-park gauges do not count them.
TEST_F(AlerterTest, RegionAndGroupDeclineFires) {
  TwoParksOfOneCounty(800, 950);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  EXPECT_EQ(PublishedStates(), (States{{"output_decline|region:320000|2024-05", f, 1},
                                       {"output_decline|region:321000|2024-05", f, 1},
                                       {"output_decline|region:321023|2024-05", f, 1},
                                       {"output_decline|group:宝应组团|2024-05", f, 1}}));
  const auto county = Published()[2];
  EXPECT_EQ(county.subject_kind(), "region");
  EXPECT_EQ(county.subject_id(), "321023");
  EXPECT_EQ(county.park_id(), "");
  ASSERT_EQ(county.figures_size(), 3);
  for (const auto& fig : county.figures()) EXPECT_NEAR(fig.value(), -0.125, 1e-12);
  EXPECT_EQ(county.figures(0).period(), "2024-03");
  EXPECT_EQ(county.explanation_en().rfind("Region 321023: output (year to date) fell by", 0),
            0u)
      << county.explanation_en();
  EXPECT_EQ(county.explanation_zh().rfind("地区321023", 0), 0u) << county.explanation_zh();
  EXPECT_EQ(Gauge("cw_park_alerts", {{"park", "P1"}, {"state", "firing"}}), 0);

  // Evaluating both parks again (each region and group once) publishes nothing new.
  ASSERT_TRUE(alerter.EvaluateParks({"P1", "P2"}).ok());
  EXPECT_EQ(Published().size(), 4u);
}

// A revision that removes April's decline (P1 April back to last year's level: the county
// -2.5%) resolves every region and group alert.
TEST_F(AlerterTest, RevisionResolvesRegionAndGroupAlerts) {
  TwoParksOfOneCounty(800, 950);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P1", "P2"}).ok());
  ASSERT_EQ(Published().size(), 4u);
  Snapshot("P1", 2024, 4, 4000, 10);  // revised
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  const auto r = pb::ALERT_STATE_RESOLVED;
  EXPECT_EQ(PublishedStates(), (States{{"output_decline|region:320000|2024-05", f, 1},
                                       {"output_decline|region:321000|2024-05", f, 1},
                                       {"output_decline|region:321023|2024-05", f, 1},
                                       {"output_decline|group:宝应组团|2024-05", f, 1},
                                       {"output_decline|region:320000|2024-05", r, 2},
                                       {"output_decline|region:321000|2024-05", r, 2},
                                       {"output_decline|region:321023|2024-05", r, 2},
                                       {"output_decline|group:宝应组团|2024-05", r, 2}}));
}

// The county's output falls 50% only because P2 sent no reports in 2024: completeness is
// 10 of the 20 expected enterprises (P2's count although it has no snapshot), below 90%,
// so nothing fires for the region or the group.
TEST_F(AlerterTest, RegionDeclineFromMissingReportsDoesNotFire) {
  TwoParksOfOneCounty(1000, 0);  // P2 reported nothing in 2024
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_TRUE(Published().empty());

  auto rollups = RollupHistories::Load(store_);
  ASSERT_TRUE(rollups.ok());
  auto h = rollups->History("r:321023", false);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->subject, (alerts::Subject{alerts::SubjectKind::kRegion, "321023"}));
  ASSERT_EQ(h->points.size(), 6u);
  const auto& may = h->points.back();
  EXPECT_EQ(may.period.Key(), "2024-05");
  EXPECT_EQ(may.output_ytd_fen, 5000);
  EXPECT_EQ(may.reporters, 10);
  EXPECT_EQ(may.completeness, 0.5);
  EXPECT_EQ(h->points.front().completeness, 1.0);  // 2023-03: 20 of 20
}

// A group spans regions: G1 = P1 (宝应, -20%) + P3 (延吉, flat) declines -10% and fires;
// G2 = P4 + P5 declines only because 9 of P5's 10 enterprises did not report (11 of 20)
// and does not; G3 = P6 (-20%) fires, but only once it is evaluated: evaluating P1
// re-evaluates P1's regions and groups (G1), EvaluateAll every subject.
TEST_F(AlerterTest, GroupDeclineFiresOnlyWhenComplete) {
  config_.rules[0].subjects = {alerts::SubjectKind::kGroup};
  Registry("P1", 10, "321023", {"G1"});
  Registry("P3", 10, "222401", {"G1"});
  Registry("P4", 10, "421003", {"G2"});
  Registry("P5", 10, "321282", {"G2"});
  Registry("P6", 10, "222402", {"G3"});
  for (int m = 3; m <= 5; ++m) {
    for (const char* p : {"P1", "P3", "P4", "P5", "P6"}) Snapshot(p, 2023, m, 1000 * m, 10);
    Snapshot("P1", 2024, m, 800 * m, 10);
    Snapshot("P3", 2024, m, 1000 * m, 10);
    Snapshot("P4", 2024, m, 800 * m, 10);
    Snapshot("P5", 2024, m, 100 * m, 1);
    Snapshot("P6", 2024, m, 800 * m, 10);
  }
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  EXPECT_EQ(PublishedStates(), (States{{"output_decline|group:G1|2024-05", f, 1}}));
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_EQ(PublishedStates(), (States{{"output_decline|group:G1|2024-05", f, 1},
                                       {"output_decline|group:G3|2024-05", f, 1}}));
}

// An exit rule for regions counts the enterprises of all member parks: P1-e9 moving from
// P1 to P2 is no exit of the county; P2-e9 stopping is (and of the prefecture and
// province).
TEST_F(AlerterTest, RegionExitsAreOverAllMemberParks) {
  alerts::Rule exit = alerts::MakeRule("exit", alerts::RuleKind::kEnterpriseExit);
  exit.subjects = {alerts::SubjectKind::kRegion};
  config_.rules = {exit};
  Registry("P1", 10);
  Registry("P2", 10);
  std::vector<std::string> p1, p2;
  for (int i = 0; i < 10; ++i) {
    p1.push_back("P1-e" + std::to_string(i));
    p2.push_back("P2-e" + std::to_string(i));
  }
  Snapshot("P1", 2023, 5, 5000, 10, p1);
  Snapshot("P2", 2023, 5, 5000, 10, p2);
  auto moved = p2;
  moved.push_back(p1.back());
  p1.pop_back();
  Snapshot("P1", 2024, 5, 4500, 9, p1);
  Snapshot("P2", 2024, 5, 5500, 11, moved);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_TRUE(Published().empty());

  moved.erase(std::find(moved.begin(), moved.end(), "P2-e9"));
  Snapshot("P2", 2024, 5, 5000, 10, moved);
  ASSERT_TRUE(alerter.EvaluateParks({"P2"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  EXPECT_EQ(PublishedStates(), (States{{"exit|region:320000|2024-05", f, 1},
                                       {"exit|region:321000|2024-05", f, 1},
                                       {"exit|region:321023|2024-05", f, 1}}));
  EXPECT_NE(Published()[2].explanation_en().find("P2-e9"), std::string::npos)
      << Published()[2].explanation_en();
}

// Every request the webhook receiver got.
class RecordingPoster : public HttpPoster {
 public:
  int Post(const std::string&, const std::string& body) override {
    absl::MutexLock lock(&mu_);
    bodies_.push_back(body);
    return 200;
  }
  std::vector<std::string> bodies() {
    absl::MutexLock lock(&mu_);
    return bodies_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> bodies_ ABSL_GUARDED_BY(mu_);
};

// Notifications name no enterprise and carry no figure of an unpublished cell: P1's exit
// alert reaches the webhook without "P1-e9" (the alerts topic, which the query service
// redacts per caller, keeps it); the region declines lose their figures (a region has no
// published cell of its own); P1's decline keeps them (ten equal firms: published). No
// park figure is exported as a gauge.
TEST_F(AlerterTest, NotificationsFollowDisclosurePolicy) {
  config_.rules[0].subjects = {alerts::SubjectKind::kPark, alerts::SubjectKind::kRegion};
  alerts::Rule exit = alerts::MakeRule("exit", alerts::RuleKind::kEnterpriseExit);
  exit.subjects = {alerts::SubjectKind::kPark};
  config_.rules.push_back(exit);
  Registry("P1", 10);
  std::vector<std::string> firms;
  for (int i = 0; i < 10; ++i) firms.push_back("P1-e" + std::to_string(i));
  for (int m = 3; m <= 5; ++m) Snapshot("P1", 2023, m, 1000 * m, 10, firms);
  firms.back() = "P1-e10";  // P1-e9 stops reporting, another firm starts
  for (int m = 3; m <= 5; ++m) Snapshot("P1", 2024, m, 800 * m, 10, firms);
  prometheus::Registry hook_registry;
  auto poster = std::make_unique<RecordingPoster>();
  RecordingPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook"}, std::move(poster), hook_registry);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, &sender);
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  std::map<std::string, pb::AlertEvent> topic;
  for (const auto& e : Published()) topic[e.id()] = e;
  ASSERT_EQ(topic.count("exit|park:P1|2024-05"), 1u);
  EXPECT_NE(topic["exit|park:P1|2024-05"].explanation_en().find("P1-e9"), std::string::npos);
  std::map<std::string, std::string> hook;  // id -> body
  for (const auto& body : raw->bodies()) {
    EXPECT_EQ(body.find("P1-e"), std::string::npos) << body;
    for (const auto& [id, e] : topic) {
      if (body.find("\"id\":\"" + id + "\"") != std::string::npos) hook[id] = body;
    }
  }
  ASSERT_EQ(hook.size(), topic.size());
  EXPECT_NE(hook["output_decline|park:P1|2024-05"].find("\"figures\""), std::string::npos);
  for (const char* region : {"320000", "321000", "321023"}) {
    const std::string id = absl::StrCat("output_decline|region:", region, "|2024-05");
    ASSERT_EQ(hook.count(id), 1u) << id;
    EXPECT_EQ(hook[id].find("\"figures\""), std::string::npos) << hook[id];
    EXPECT_NE(hook[id].find("the alert's figures are withheld"), std::string::npos) << hook[id];
  }
  EXPECT_NE(hook["exit|park:P1|2024-05"].find("the enterprises are confidential"),
            std::string::npos);
  for (const auto& family : registry_.Collect()) {
    EXPECT_NE(family.name, "cw_park_output_ytd_yoy");
  }
}

// Only park and park × industry alert ids belong to a park.
TEST(ParkOfAlertIdTest, RegionAndGroupIdsHaveNoPark) {
  EXPECT_EQ(ParkOfAlertId("output_decline|park:P1|2024-05"), "P1");
  EXPECT_EQ(ParkOfAlertId("stage_downgrade|park_industry:P1|3041|2024-05"), "P1");
  EXPECT_EQ(ParkOfAlertId("output_decline|region:321023|2024-05"), std::nullopt);
  EXPECT_EQ(ParkOfAlertId("output_decline|group:P1|2024-05"), std::nullopt);
  EXPECT_EQ(ParkOfAlertId("garbage"), std::nullopt);
}

// Roll-up codes name region and group subjects; the whole system and '|' names do not.
TEST(RollupSubjectTest, Codes) {
  EXPECT_EQ(RollupSubject("r:222400"), (alerts::Subject{alerts::SubjectKind::kRegion, "222400"}));
  EXPECT_EQ(RollupSubject("g:延龙图核心"),
            (alerts::Subject{alerts::SubjectKind::kGroup, "延龙图核心"}));
  EXPECT_EQ(RollupSubject("r:"), std::nullopt);
  EXPECT_EQ(RollupSubject("g:a|b"), std::nullopt);
  EXPECT_EQ(RollupSubject("x:1"), std::nullopt);
}

class FlakyPoster : public HttpPoster {
 public:
  explicit FlakyPoster(int failures) : failures_(failures) {}
  int Post(const std::string& url, const std::string& body) override {
    ++calls;
    last_body = body;
    return calls <= failures_ ? 503 : 200;
  }
  int calls = 0;
  std::string last_body;

 private:
  int failures_;
};

// The webhook retries with backoff until the receiver accepts, and sends JSON.
TEST(WebhookTest, RetriesUntilDelivered) {
  prometheus::Registry registry;
  auto poster = std::make_unique<FlakyPoster>(2);
  FlakyPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook",
                        .first_backoff = absl::Milliseconds(1),
                        .max_backoff = absl::Milliseconds(4)},
                       std::move(poster), registry);
  pb::AlertEvent ev;
  ev.set_id("r|park:P1|2024-05");
  ev.set_state(pb::ALERT_STATE_FIRING);
  sender.Enqueue(ev);
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  EXPECT_EQ(raw->calls, 3);
  EXPECT_NE(raw->last_body.find("\"id\":\"r|park:P1|2024-05\""), std::string::npos)
      << raw->last_body;
  EXPECT_NE(raw->last_body.find("ALERT_STATE_FIRING"), std::string::npos);
}

}  // namespace
}  // namespace cw::alerter
