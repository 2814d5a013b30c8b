// Tests of the alerter over a replica store: publication of state changes, idempotent
// re-evaluation, resolution after a revision, completeness gating, region and group
// subjects from the roll-ups, and the webhook.
#include "alerter/alerter.h"
#include "alerter/alertmanager.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "alerter/history.h"
#include "replica/materializer.h"

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

  // Sets the clock to 00:00 UTC of the day.
  void Today(int y, int m, int d) {
    clock_.Set(absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone())));
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
  replica::Materializer materializer_{store_, producer_, topics_};
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
  EXPECT_EQ(county.explanation_en().rfind(
                "Region 宝应县 (321023): output (year to date) fell by", 0),
            0u)
      << county.explanation_en();
  EXPECT_EQ(county.explanation_zh().rfind("地区宝应县（321023）", 0), 0u)
      << county.explanation_zh();
  EXPECT_EQ(county.subject_name(), "地区宝应县（321023）");
  EXPECT_EQ(county.latest_period().month(), 5);
  EXPECT_EQ(county.periods(), 1);
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

// The dependency rule only (one enterprise above 50% of output), for park P1 registered
// with one above-size enterprise: `Dependent` months have that one enterprise only (share
// 100%), `Shared` months two equal ones (50%, not above).
class EpisodeAlerterTest : public AlerterTest {
 protected:
  EpisodeAlerterTest() {
    alerts::Rule r = alerts::MakeRule("dependency", alerts::RuleKind::kDependency);
    r.threshold = 0.5;
    r.subjects = {alerts::SubjectKind::kPark};
    config_.rules = {r};
    Registry("P1", 1);
  }
  void Dependent(int year, int month) { Snapshot("P1", year, month, 1000 * month, 1); }
  void Shared(int year, int month) {
    Snapshot("P1", year, month, 1000 * month, 2, {"P1-e0", "P1-x"});
  }
};

// Months of one condition are one alert: it fires at the first month, each later month
// is a new version of the same firing alert (latest period, period count), and the month
// that ends it resolves it. Only the opening and the resolution are notified.
TEST_F(EpisodeAlerterTest, OneAlertPerCondition) {
  prometheus::Registry hook_registry;
  auto poster = std::make_unique<RecordingPoster>();
  RecordingPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook"}, std::move(poster), hook_registry);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, &sender);
  const std::string id = "dependency|park:P1|2024-03";
  for (int m = 3; m <= 5; ++m) {
    Dependent(2024, m);
    Today(2024, m + 1, 20);  // each month evaluated once its deadline has passed
    ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  }
  Shared(2024, 6);
  Today(2024, 7, 20);
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  const auto r = pb::ALERT_STATE_RESOLVED;
  EXPECT_EQ(PublishedStates(), (States{{id, f, 1}, {id, f, 2}, {id, f, 3}, {id, r, 4}}));
  const auto events = Published();
  EXPECT_EQ(events[2].latest_period().month(), 5);
  EXPECT_EQ(events[2].periods(), 3);
  EXPECT_EQ(events[2].period().month(), 3);
  EXPECT_NE(events[2].explanation_zh().find("自2024年3月起持续3期"), std::string::npos)
      << events[2].explanation_zh();
  EXPECT_NE(events[3].explanation_zh().find("已于2024年6月解除"), std::string::npos)
      << events[3].explanation_zh();
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  const auto bodies = raw->bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[0].find("FIRING"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[1].find("RESOLVED"), std::string::npos) << bodies[1];
  EXPECT_EQ(Gauge("cw_park_alerts", {{"park", "P1"}, {"state", "resolved"}}), 1);
}

// A backfill of two years evaluated at once publishes the history (each past condition a
// resolved alert, version 1) and the open condition (firing), and notifies only the open
// one. Explanations name the park by its registry name.
TEST_F(EpisodeAlerterTest, BackfillNotifiesOnlyWhatIsOpen) {
  pb::RegistryRecord named;
  named.mutable_park()->set_id("P1");
  named.mutable_park()->set_name("宝应玻璃产业园");
  named.mutable_park()->set_county_code("321023");
  ASSERT_TRUE(materializer_
                  .Apply({{topics_.registry, 0, offset_++, "", named.SerializeAsString(), 0}})
                  .ok());
  for (int year : {2023, 2024}) {
    for (int m = 3; m <= 12; ++m) {
      // Dependent in 2023-03..06, 2023-09..12 and 2024-10..12.
      const bool dependent = year == 2023 ? (m <= 6 || m >= 9) : m >= 10;
      if (dependent) {
        Dependent(year, m);
      } else {
        Shared(year, m);
      }
    }
  }
  prometheus::Registry hook_registry;
  auto poster = std::make_unique<RecordingPoster>();
  RecordingPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook"}, std::move(poster), hook_registry);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, &sender);
  Today(2025, 1, 20);  // December 2024 is the latest month judged
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  const auto f = pb::ALERT_STATE_FIRING;
  const auto r = pb::ALERT_STATE_RESOLVED;
  EXPECT_EQ(PublishedStates(), (States{{"dependency|park:P1|2023-03", r, 1},
                                       {"dependency|park:P1|2023-09", r, 1},
                                       {"dependency|park:P1|2024-10", f, 1}}));
  const auto events = Published();
  EXPECT_EQ(events[1].periods(), 4);
  EXPECT_EQ(events[1].latest_period().year(), 2023);
  EXPECT_EQ(events[1].latest_period().month(), 12);
  EXPECT_EQ(events[2].subject_name(), "园区宝应玻璃产业园（P1）");
  EXPECT_EQ(events[2].explanation_zh().rfind("园区宝应玻璃产业园（P1）", 0), 0u)
      << events[2].explanation_zh();
  EXPECT_EQ(events[2].explanation_en().rfind("Park 宝应玻璃产业园 (P1): ", 0), 0u)
      << events[2].explanation_en();
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  const auto bodies = raw->bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_NE(bodies[0].find("dependency|park:P1|2024-10"), std::string::npos) << bodies[0];
  // Evaluating again changes nothing.
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_EQ(Published().size(), 3u);
}

// A condition open at a park whose latest complete month is behind the others' (its
// reports stopped) is stored and published but not notified: it is not open now.
TEST_F(EpisodeAlerterTest, ConditionBehindLatestCompletePeriodIsNotNotified) {
  Registry("P2", 1);
  Dependent(2024, 3);
  Snapshot("P2", 2024, 3, 3000, 2, {"P2-e0", "P2-x"});
  Snapshot("P2", 2024, 4, 4000, 2, {"P2-e0", "P2-x"});
  prometheus::Registry hook_registry;
  auto poster = std::make_unique<RecordingPoster>();
  RecordingPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook"}, std::move(poster), hook_registry);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, &sender);
  Today(2024, 5, 20);  // April is the latest month judged; March is recent by the clock
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_EQ(PublishedStates(),
            (States{{"dependency|park:P1|2024-03", pb::ALERT_STATE_FIRING, 1}}));
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  EXPECT_TRUE(raw->bodies().empty());
}

// The same open condition evaluated long after its latest month (the clock says December
// 2025 is judged) is published but not notified: a backfill of old history notifies nothing.
TEST_F(EpisodeAlerterTest, OpenConditionOfOldHistoryIsNotNotified) {
  Dependent(2024, 3);
  prometheus::Registry hook_registry;
  auto poster = std::make_unique<RecordingPoster>();
  RecordingPoster* raw = poster.get();
  WebhookSender sender({.url = "http://127.0.0.1:1/hook"}, std::move(poster), hook_registry);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, &sender);
  Today(2026, 1, 20);
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  EXPECT_EQ(PublishedStates(),
            (States{{"dependency|park:P1|2024-03", pb::ALERT_STATE_FIRING, 1}}));
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  EXPECT_TRUE(raw->bodies().empty());
}

// A revision that makes the condition start earlier moves the alert: the old id is
// resolved naming the new one, which fires.
TEST_F(EpisodeAlerterTest, RevisionThatMovesTheStartSupersedes) {
  Shared(2024, 3);
  Dependent(2024, 4);
  Dependent(2024, 5);
  Alerter alerter(store_, producer_, clock_, config_, {}, topics_, registry_, nullptr);
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  Dependent(2024, 3);  // revised
  ASSERT_TRUE(alerter.EvaluateParks({"P1"}).ok());
  const auto f = pb::ALERT_STATE_FIRING;
  const auto r = pb::ALERT_STATE_RESOLVED;
  EXPECT_EQ(PublishedStates(), (States{{"dependency|park:P1|2024-04", f, 1},
                                       {"dependency|park:P1|2024-03", f, 1},
                                       {"dependency|park:P1|2024-04", r, 2}}));
  EXPECT_NE(Published()[2].explanation_en().find("dependency|park:P1|2024-03"),
            std::string::npos)
      << Published()[2].explanation_en();
}

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
  Today(2024, 7, 20);  // May 2024 is among the latest months judged: notified
  ASSERT_TRUE(alerter.EvaluateAll().ok());
  ASSERT_TRUE(sender.Drain(absl::Seconds(10)));
  std::map<std::string, pb::AlertEvent> topic;
  for (const auto& e : Published()) topic[e.id()] = e;
  // P1-e9 has not reported since March: one exit alert since March.
  ASSERT_EQ(topic.count("exit|park:P1|2024-03"), 1u);
  EXPECT_NE(topic["exit|park:P1|2024-03"].explanation_en().find("P1-e9"), std::string::npos);
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
  EXPECT_NE(hook["exit|park:P1|2024-03"].find("the enterprises are confidential"),
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

namespace cw::alerter {
namespace {

// An Alertmanager API v2 body: one postable alert whose labels identify the alert and
// whose annotations carry the texts; a firing alert ends `ttl` after now (re-sent before
// then), a resolved one at the time it resolved.
TEST(AlertmanagerBodyTest, FiringAndResolved) {
  clusterwatch::v1::AlertEvent e;
  e.set_id("dependency|park:P1|2024-10");
  e.set_rule("dependency");
  e.set_kind("dependency");
  e.set_subject_kind("park");
  e.set_subject_id("P1");
  e.set_park_id("P1");
  e.set_subject_name("园区宝应玻璃产业园（P1）");
  e.mutable_period()->set_year(2024);
  e.mutable_period()->set_month(10);
  e.set_state(clusterwatch::v1::ALERT_STATE_FIRING);
  e.set_changed_unix_ms(1'700'000'000'000);
  e.set_explanation_zh("园区宝应玻璃产业园（P1）单一企业占工业总产值比重超过50.0%");
  e.set_explanation_en("Park 宝应玻璃产业园 (P1): one enterprise had more than 50.0% of output");
  const absl::Time now = absl::FromUnixSeconds(1'700'000'100);
  auto parse = [](const std::string& json) {
    google::protobuf::ListValue list;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &list).ok()) << json;
    EXPECT_EQ(list.values_size(), 1);
    std::map<std::string, std::string> out;  // "labels.x", "annotations.x", "endsAt", ...
    for (const auto& [k, v] : list.values(0).struct_value().fields()) {
      if (v.has_struct_value()) {
        for (const auto& [k2, v2] : v.struct_value().fields()) {
          out[k + "." + k2] = v2.string_value();
        }
      } else {
        out[k] = v.string_value();
      }
    }
    return out;
  };
  EXPECT_EQ(parse(AlertmanagerBody(e, now, absl::Minutes(4))),
            (std::map<std::string, std::string>{
                {"labels.alertname", "dependency"},
                {"labels.alert_id", "dependency|park:P1|2024-10"},
                {"labels.kind", "dependency"},
                {"labels.subject_kind", "park"},
                {"labels.subject_id", "P1"},
                {"labels.park", "P1"},
                {"labels.severity", "warning"},
                {"labels.service", "clusterwatch"},
                {"annotations.summary", e.explanation_zh()},
                {"annotations.description", e.explanation_en()},
                {"annotations.subject", "园区宝应玻璃产业园（P1）"},
                {"annotations.period", "2024-10"},
                {"startsAt", "2023-11-14T22:13:20.000Z"},
                {"endsAt", "2023-11-14T22:19:00.000Z"}}));
  e.set_state(clusterwatch::v1::ALERT_STATE_RESOLVED);
  const auto resolved = parse(AlertmanagerBody(e, now, absl::Minutes(4)));
  EXPECT_EQ(resolved.at("startsAt"), "2023-11-14T22:13:19.000Z");
  EXPECT_EQ(resolved.at("endsAt"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(AlertmanagerAlertsUrl("http://127.0.0.1:9093/"),
            "http://127.0.0.1:9093/api/v2/alerts");
}

}  // namespace
}  // namespace cw::alerter
