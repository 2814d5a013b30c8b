// Tests of the alerter over a replica store: publication of state changes, idempotent
// re-evaluation, resolution after a revision, completeness gating, and the webhook.
#include "alerter/alerter.h"

#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
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

  void Registry(const std::string& park, int enterprises) {
    std::vector<kafka::Message> msgs;
    pb::RegistryRecord p;
    p.mutable_park()->set_id(park);
    p.mutable_park()->set_county_code("321023");
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

  // A snapshot whose year-to-date output is `ytd` from `reporters` enterprises.
  void Snapshot(const std::string& park, int year, int month, int64_t ytd, int reporters) {
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
    for (int i = 0; i < reporters; ++i) {
      auto* f = s.add_firms();
      f->set_uscc(park + "-e" + std::to_string(i));
      f->set_industry("3041");
      f->mutable_gross_output_ytd()->set_fen(ytd / reporters);
    }
    ASSERT_TRUE(materializer_
                    .Apply({{topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0}})
                    .ok());
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
