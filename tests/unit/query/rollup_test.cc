// Tests of the incremental region/group roll-ups and the park metrics assembly.
#include "clusterwatch/v1/registry.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "replica/park_metrics.h"
#include "query/query_service.h"
#include "replica/keys.h"
#include "replica/rollup.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

pb::ParkSnapshot Snap(const std::string& park, int64_t ytd_fen, const std::string& industry) {
  pb::ParkSnapshot s;
  s.set_park_id(park);
  s.mutable_period()->set_year(2024);
  s.mutable_period()->set_month(12);
  s.mutable_month()->mutable_gross_output()->set_fen(ytd_fen / 12);
  s.mutable_year_to_date()->mutable_gross_output()->set_fen(ytd_fen);
  auto* ind = s.add_industries();
  ind->set_industry(industry);
  ind->mutable_month()->mutable_gross_output()->set_fen(ytd_fen / 12);
  ind->mutable_year_to_date()->mutable_gross_output()->set_fen(ytd_fen);
  auto* f = s.add_firms();
  f->set_uscc(park + "-firm");
  f->set_industry(industry);
  f->mutable_gross_output_ytd()->set_fen(ytd_fen);
  return s;
}

// A park belongs to its county, prefecture, province, the whole system and its groups.
TEST(RollupTest, CodesOfAPark) {
  pb::Park p;
  p.set_county_code("222401");
  p.add_groups("延龙图核心");
  EXPECT_EQ(replica::RollupCodes(p), (std::vector<std::string>{"r:222401", "r:222400", "r:220000", "r:",
                                                      "g:延龙图核心"}));
}

class RollupStoreTest : public ::testing::Test {
 protected:
  kafka::Message Park(const std::string& id, const std::string& county) {
    pb::RegistryRecord r;
    r.mutable_park()->set_id(id);
    r.mutable_park()->set_county_code(county);
    return {topics_.registry, 0, offset_++, "", r.SerializeAsString(), 0};
  }
  kafka::Message Of(const pb::ParkSnapshot& s) {
    return {topics_.park_metrics, 0, offset_++, "", s.SerializeAsString(), 0};
  }
  pb::RollupAggregate Rollup(const std::string& code) {
    pb::RollupAggregate a;
    auto v = store_.Get(replica::keys::Rollup(code, "2024-12"));
    EXPECT_TRUE(v.ok());
    if (v->has_value()) a.ParseFromString(**v);
    return a;
  }
  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  kafka::Topics topics_;
  replica::Materializer materializer_{store_, producer_, topics_};
  int64_t offset_ = 0;
};

// A new snapshot replaces the park's previous one in every roll-up.
TEST_F(RollupStoreTest, NewSnapshotReplacesOldInRollups) {
  ASSERT_TRUE(materializer_.Apply({Park("A", "321282"), Park("B", "321023"),
                                   Of(Snap("A", 1200, "3731")), Of(Snap("B", 600, "3041"))})
                  .ok());
  EXPECT_EQ(Rollup("r:320000").year_to_date().gross_output().fen(), 1800);
  ASSERT_TRUE(materializer_.Apply({Of(Snap("A", 2400, "3731"))}).ok());
  auto prov = Rollup("r:320000");
  EXPECT_EQ(prov.year_to_date().gross_output().fen(), 3000);
  EXPECT_EQ(prov.parks(), 2);
  EXPECT_EQ(prov.establishments().at("3731"), 1);
  EXPECT_EQ(Rollup("r:321200").year_to_date().gross_output().fen(), 2400);
  EXPECT_EQ(Rollup("r:").year_to_date().gross_output().fen(), 3000);
}

// Snapshots that arrive before their park are rolled up once the park is known, and a park
// that changes county moves its figures.
TEST_F(RollupStoreTest, LateParkAndCountyChange) {
  ASSERT_TRUE(materializer_.Apply({Of(Snap("A", 1200, "3731"))}).ok());
  EXPECT_EQ(Rollup("r:").parks(), 0);
  ASSERT_TRUE(materializer_.Apply({Park("A", "321282")}).ok());
  EXPECT_EQ(Rollup("r:321282").year_to_date().gross_output().fen(), 1200);
  ASSERT_TRUE(materializer_.Apply({Park("A", "222401")}).ok());
  EXPECT_EQ(Rollup("r:321282").parks(), 0);
  EXPECT_EQ(Rollup("r:320000").parks(), 0);
  EXPECT_EQ(Rollup("r:222401").year_to_date().gross_output().fen(), 1200);
  EXPECT_EQ(Rollup("r:").parks(), 1);
}

// One park with one industry: HHI 1, CR1 1, LQ against itself 1, no growth without a base.
TEST(ParkMetricsTest, SingleIndustryParkAgainstItself) {
  replica::ParkMetricsInputs in;
  in.park.set_id("A");
  in.park.set_county_code("321282");
  in.park.set_area_mu(1000);
  in.snapshot = Snap("A", 1200'000'000'00, "3731");  // 12 亿元 for the year
  replica::ApplySnapshot(in.reference, in.snapshot, +1);
  auto m = replica::ComputeParkMetrics(in, metrics::MetricsConfig{});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->hhi(), 1.0);
  EXPECT_DOUBLE_EQ(m->industry_cr1(), 1.0);
  ASSERT_EQ(m->industry_metrics_size(), 1);
  EXPECT_DOUBLE_EQ(m->industry_metrics(0).lq(), 1.0);
  EXPECT_FALSE(m->has_output_ytd_yoy());
  EXPECT_DOUBLE_EQ(m->output_per_mu(), 1'200'000.0);  // 12 亿元 / 1000 mu, in yuan
  // LQ 1.0 < 1.2 and one enterprise: co-location only.
  EXPECT_EQ(m->industry_metrics(0).stage().stage(), "concentration");
}

// Same-scope growth compares only the enterprises present in both years.
TEST(ParkMetricsTest, SameScopeGrowthIgnoresEntrants) {
  replica::ParkMetricsInputs in;
  in.park.set_id("A");
  in.snapshot = Snap("A", 1100, "3731");
  auto* entrant = in.snapshot.add_firms();
  entrant->set_uscc("new");
  entrant->mutable_gross_output_ytd()->set_fen(900);
  in.snapshot.mutable_year_to_date()->mutable_gross_output()->set_fen(2000);
  in.last_year = Snap("A", 1000, "3731");
  in.last_year->mutable_period()->set_year(2023);
  auto m = replica::ComputeParkMetrics(in, metrics::MetricsConfig{});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->output_ytd_yoy(), 1.0);              // 2000 vs 1000
  EXPECT_NEAR(m->output_ytd_yoy_same_scope(), 0.1, 1e-12);  // 1100 vs 1000
}

// Unknown ranking metrics are refused with the list of known ones.
TEST(ParkMetricsTest, UnknownMetricName) {
  auto v = replica::MetricValue(pb::ParkMetrics(), "nonsense");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("output_per_mu"), std::string::npos);
}

}  // namespace
}  // namespace cw::query

namespace cw::query {
namespace {

// A metric series gives one point per period in range, undefined where there is no base.
TEST_F(RollupStoreTest, MetricSeriesOverPeriods) {
  pb::ParkSnapshot a = Snap("A", 1000, "3731");
  a.mutable_period()->set_year(2023);
  pb::ParkSnapshot b = Snap("A", 1100, "3731");
  ASSERT_TRUE(materializer_.Apply({Park("A", "321282"), Of(a), Of(b)}).ok());
  prometheus::Registry prom;
  QueryMetrics qm(prom);
  QueryService service(store_, materializer_, qm);
  pb::GetMetricSeriesRequest req;
  req.set_park_id("A");
  req.set_metric("output_ytd_yoy");
  req.mutable_from()->set_year(2023);
  req.mutable_from()->set_month(1);
  req.mutable_to()->set_year(2024);
  req.mutable_to()->set_month(12);
  pb::GetMetricSeriesResponse resp;
  auto s = service.GetMetricSeries(nullptr, &req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.points_size(), 2);
  EXPECT_FALSE(resp.points(0).has_value());  // 2023: no 2022 to compare with
  EXPECT_NEAR(resp.points(1).value(), 0.1, 1e-12);
  req.set_metric("bogus");
  EXPECT_EQ(service.GetMetricSeries(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace cw::query

namespace cw::query {
namespace {

// A republished older state of a park (lower source offset) does not replace a newer one.
TEST_F(RollupStoreTest, OlderSnapshotDoesNotReplaceNewer) {
  pb::ParkSnapshot newer = Snap("A", 2400, "3731");
  newer.set_source_offset(10);
  pb::ParkSnapshot older = Snap("A", 1200, "3731");
  older.set_source_offset(5);
  ASSERT_TRUE(materializer_.Apply({Park("A", "321282"), Of(newer), Of(older)}).ok());
  EXPECT_EQ(Rollup("r:321282").year_to_date().gross_output().fen(), 2400);
  auto v = store_.Get("s|A|2024-12");
  ASSERT_TRUE(v.ok() && v->has_value());
  pb::ParkSnapshot stored;
  stored.ParseFromString(**v);
  EXPECT_EQ(stored.source_offset(), 10);
}

}  // namespace
}  // namespace cw::query
