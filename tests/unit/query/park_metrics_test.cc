// Tests of park metrics at the division level, and of strong-cluster flags and stars over
// the query service (hand-computed; the same three parks as tests/unit/metrics/levels_test).
#include "replica/park_metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/totals.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "query/query_service.h"
#include "replica/redact.h"
#include "tests/unit/query/replica_fixture.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

// Park, county, then (class, enterprises) cells; every enterprise has output 10 fen.
struct ParkSpec {
  std::string id;
  std::string county;
  std::vector<std::pair<std::string, int>> cells;
};

const std::vector<ParkSpec>& Parks() {
  static const auto* const kParks = new std::vector<ParkSpec>{
      {"P1", "321282", {{"3311", 3}, {"3312", 2}, {"3811", 5}}},
      {"P2", "321023", {{"3311", 1}, {"3811", 9}}},
      {"P3", "222401", {{"3312", 4}, {"3040", 6}}},
  };
  return *kParks;
}

class IndustryLevelMetricsTest : public ReplicaFixture {
 protected:
  void SetUp() override {
    std::vector<kafka::Message> messages;
    int firm = 0;
    for (const ParkSpec& p : Parks()) {
      pb::RegistryRecord r;
      r.mutable_park()->set_id(p.id);
      r.mutable_park()->set_name("园区 " + p.id);
      r.mutable_park()->set_county_code(p.county);
      r.mutable_park()->add_leading_industries("3311");
      messages.push_back({topics_.registry, 0, offset_++, "park|" + p.id, r.SerializeAsString(), 0});
      pb::ParkAggregate agg;
      for (const auto& [code, n] : p.cells) {
        for (int i = 0; i < n; ++i) {
          pb::Contribution c;
          c.set_uscc("F" + std::to_string(++firm));
          c.set_park_id(p.id);
          c.set_industry(code);
          for (pb::Totals* t : {c.mutable_month(), c.mutable_year_to_date()}) {
            t->mutable_gross_output()->set_fen(10);
            t->set_output_reporters(1);
          }
          domain::ApplyContribution(agg, c, 1);
        }
      }
      pb::ParkSnapshot s = domain::BuildSnapshot(p.id, domain::Period{2024, 12, false}, agg, 1);
      messages.push_back(
          {topics_.park_metrics, 0, offset_++, p.id + "|2024-12", s.SerializeAsString(), 0});
    }
    ASSERT_TRUE(materializer_.Apply(messages).ok());
  }

  pb::GetParkMetricsResponse Metrics(const std::string& park, pb::IndustryLevel level,
                                     pb::ReferenceScope scope = pb::REFERENCE_SCOPE_SYSTEM) {
    pb::GetParkMetricsRequest req;
    req.set_park_id(park);
    req.mutable_period()->set_year(2024);
    req.mutable_period()->set_month(12);
    req.set_level(level);
    req.set_reference(scope);
    pb::GetParkMetricsResponse resp;
    auto s = service_.GetParkMetrics(nullptr, &req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static const pb::IndustryMetrics& Find(const pb::ParkMetrics& m, const std::string& code) {
    for (const auto& im : m.industry_metrics()) {
      if (im.industry() == code) return im;
    }
    ADD_FAILURE() << "no industry " << code;
    return pb::IndustryMetrics::default_instance();
  }

  int64_t offset_ = 0;
};

// P1 at the division level: 3311 + 3312 = 33 (50), 3811 = 38 (50). HHI 0.5 in [1/2, 1];
// system 300 with 33 = 100: LQ 1.5; 33 across P1, P2, P3: LQ p75 1.35, size p25 25, count
// p25 2.5 -> strong; size and focus stars (top 1 of 3: 50, 0.5).
TEST_F(IndustryLevelMetricsTest, DivisionLevelWithStrongClusterAndStars) {
  const pb::ParkMetrics m = Metrics("P1", pb::INDUSTRY_LEVEL_DIVISION).metrics();
  EXPECT_EQ(m.level(), pb::INDUSTRY_LEVEL_DIVISION);
  EXPECT_EQ(m.industries(), 2);
  ASSERT_EQ(m.industry_metrics_size(), 2);
  EXPECT_EQ(m.industry_metrics(0).industry(), "33");  // tie on output: the smaller code
  EXPECT_DOUBLE_EQ(m.hhi(), 0.5);
  EXPECT_DOUBLE_EQ(m.industry_cr1(), 0.5);
  EXPECT_EQ(m.dominant_industry(), "33");
  EXPECT_DOUBLE_EQ(m.leading_industry_share(), 0.3);  // declared 3311: on the classes
  EXPECT_DOUBLE_EQ(m.industry_metrics(0).share() + m.industry_metrics(1).share(), 1.0);
  EXPECT_EQ(m.snapshot().industries_size(), 3);  // the published snapshot stays by class
  const pb::IndustryMetrics& metal = Find(m, "33");
  EXPECT_EQ(metal.division_name(), "金属制品业");
  EXPECT_EQ(metal.ytd_output().fen(), 50);
  EXPECT_EQ(metal.enterprises(), 5);
  EXPECT_DOUBLE_EQ(metal.lq(), 1.5);
  EXPECT_EQ(metal.stage().stage(), "concentration");
  const pb::StrongClusterFlag& sc = metal.strong_cluster();
  EXPECT_TRUE(sc.strong());
  EXPECT_EQ(sc.basis(), "output");
  EXPECT_EQ(sc.size(), 50);
  EXPECT_EQ(sc.establishments(), 5);
  EXPECT_DOUBLE_EQ(sc.lq_cut(), 1.35);
  EXPECT_DOUBLE_EQ(sc.lq_percentile(), 0.75);
  EXPECT_DOUBLE_EQ(sc.lq_floor(), 1.0);
  EXPECT_DOUBLE_EQ(sc.size_cut(), 25.0);
  EXPECT_DOUBLE_EQ(sc.count_cut(), 2.5);
  EXPECT_EQ(sc.parks_compared(), 3);
  const pb::ClusterStars& st = metal.stars();
  EXPECT_EQ(st.count(), 2);
  EXPECT_FALSE(st.specialisation());
  EXPECT_TRUE(st.size());
  EXPECT_TRUE(st.focus());
  EXPECT_EQ(st.size_cut(), 50);
  EXPECT_DOUBLE_EQ(st.focus_share(), 0.5);
  EXPECT_DOUBLE_EQ(st.focus_cut(), 0.5);
  EXPECT_DOUBLE_EQ(st.specialisation_lq(), 2.0);
  // 38 across P1 (LQ 0.5 / (140/300)) and P2: P1 below the LQ cut.
  const pb::IndustryMetrics& electric = Find(m, "38");
  EXPECT_DOUBLE_EQ(electric.lq(), 0.5 / (140.0 / 300.0));
  EXPECT_FALSE(electric.strong_cluster().strong());
  EXPECT_EQ(electric.strong_cluster().parks_compared(), 2);
}

// At the class level (the default) P1's 3311 is compared with P2's only: LQ 0.3 / (40/300)
// = 2.25 (against 0.75) gives the specialisation star, and size and focus are the top.
TEST_F(IndustryLevelMetricsTest, ClassLevelIsTheDefault) {
  const pb::ParkMetrics m = Metrics("P1", pb::INDUSTRY_LEVEL_UNSPECIFIED).metrics();
  EXPECT_EQ(m.level(), pb::INDUSTRY_LEVEL_CLASS);
  EXPECT_EQ(m.industries(), 3);
  EXPECT_DOUBLE_EQ(m.hhi(), 0.09 + 0.04 + 0.25);
  const pb::IndustryMetrics& c3311 = Find(m, "3311");
  EXPECT_DOUBLE_EQ(c3311.lq(), 2.25);
  EXPECT_TRUE(c3311.stars().specialisation());
  EXPECT_EQ(c3311.strong_cluster().parks_compared(), 2);
  // p75 of {0.75, 2.25} = 1.875; size p25 of {10, 30} = 15; count p25 of {1, 3} = 1.5.
  EXPECT_DOUBLE_EQ(c3311.strong_cluster().lq_cut(), 1.875);
  EXPECT_TRUE(c3311.strong_cluster().strong());
  EXPECT_EQ(c3311.stars().count(), 3);
}

// Against the province (P1 and P2 in 32): 33 = 60 of 200, LQ P1 = 0.5 / 0.3; p75 of
// {1/3, 5/3} = 4/3; size p25 of {10, 50} = 20; count p25 of {1, 5} = 2.
TEST_F(IndustryLevelMetricsTest, ProvinceReferenceComparesTheProvincesParks) {
  const pb::ParkMetrics m =
      Metrics("P1", pb::INDUSTRY_LEVEL_DIVISION, pb::REFERENCE_SCOPE_PROVINCE).metrics();
  const pb::IndustryMetrics& metal = Find(m, "33");
  EXPECT_DOUBLE_EQ(metal.lq(), 0.5 / 0.3);
  EXPECT_EQ(metal.strong_cluster().parks_compared(), 2);
  EXPECT_DOUBLE_EQ(metal.strong_cluster().lq_cut(), 1.0 / 3.0 + 0.75 * (0.5 / 0.3 - 1.0 / 3.0));
  EXPECT_DOUBLE_EQ(metal.strong_cluster().size_cut(), 20.0);
  EXPECT_DOUBLE_EQ(metal.strong_cluster().count_cut(), 2.0);
  EXPECT_TRUE(metal.strong_cluster().strong());
}

// The industry map at the division level lists division cells with flags and stars; a
// class at the division level is refused.
TEST_F(IndustryLevelMetricsTest, IndustryMapAtDivisionLevel) {
  pb::GetIndustryMapRequest req;
  req.set_industry("33");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(12);
  req.set_level(pb::INDUSTRY_LEVEL_DIVISION);
  pb::GetIndustryMapResponse resp;
  auto s = service_.GetIndustryMap(nullptr, &req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.entries_size(), 3);
  EXPECT_EQ(resp.entries(0).park_id(), "P1");
  EXPECT_EQ(resp.entries(0).industry(), "33");
  EXPECT_EQ(resp.entries(0).ytd_output().fen(), 50);
  EXPECT_EQ(resp.entries(0).enterprises(), 5);
  EXPECT_TRUE(resp.entries(0).strong_cluster().strong());
  EXPECT_EQ(resp.entries(0).stars().count(), 2);
  EXPECT_EQ(resp.entries(1).park_id(), "P3");
  EXPECT_FALSE(resp.entries(1).strong_cluster().strong());
  EXPECT_EQ(resp.entries(2).park_id(), "P2");
  EXPECT_EQ(resp.entries(2).stars().count(), 0);

  req.set_industry("3311");
  pb::GetIndustryMapResponse refused;
  s = service_.GetIndustryMap(nullptr, &req, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("'33'"), std::string::npos) << s.error_message();
}

// Rankings by a structure metric follow the level: P1's HHI is 0.38 by class, 0.5 by
// division.
TEST_F(IndustryLevelMetricsTest, RankingsFollowTheLevel) {
  pb::RankParksRequest req;
  req.set_metric("hhi");
  req.set_region_prefix("321282");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(12);
  pb::RankParksResponse by_class, by_division;
  ASSERT_TRUE(service_.RankParks(nullptr, &req, &by_class).ok());
  req.set_level(pb::INDUSTRY_LEVEL_DIVISION);
  ASSERT_TRUE(service_.RankParks(nullptr, &req, &by_division).ok());
  ASSERT_EQ(by_class.parks_size(), 1);
  EXPECT_DOUBLE_EQ(by_class.parks(0).value(), 0.38);
  EXPECT_DOUBLE_EQ(by_division.parks(0).value(), 0.5);
}

// A division is confidential when any class cell of the park in it is.
TEST(PeriodProtectionTest, DivisionConfidentialWhenAClassIs) {
  replica::PeriodProtection p;
  p.status.cells[{"P1", "3311"}].confidential = false;
  p.status.cells[{"P1", "3312"}].confidential = true;
  p.status.cells[{"P1", "3312"}].reason = disclosure::Reason::kThreshold;
  p.status.cells[{"P1", "3811"}].confidential = false;
  p.status.cells[{"P2", "3311"}].confidential = true;
  EXPECT_TRUE(p.CellConfidential("P1", "33"));
  EXPECT_EQ(p.CellReason("P1", "33"), p.CellReason("P1", "3312"));
  EXPECT_NE(p.CellReason("P1", "33"), "");
  EXPECT_FALSE(p.CellConfidential("P1", "38"));
  EXPECT_FALSE(p.CellConfidential("P1", "3311"));
  EXPECT_TRUE(p.CellConfidential("P2", "33"));
  EXPECT_FALSE(p.CellConfidential("P3", "33"));
}

// Department callers keep flags and stars but not the cuts (other parks' order statistics),
// nor a withheld cell's own figures.
TEST(RedactSpecialisationTest, CutsAndFiguresAreRemoved) {
  pb::StrongClusterFlag f;
  f.set_strong(true);
  f.set_size(50);
  f.set_establishments(5);
  f.set_lq_cut(1.35);
  f.set_size_cut(25);
  f.set_count_cut(2.5);
  f.set_lq_floor(1.0);
  pb::ClusterStars s;
  s.set_count(2);
  s.set_size_cut(50);
  s.set_focus_cut(0.5);
  s.set_focus_share(0.5);
  replica::RedactSpecialisationCuts(&f, &s);
  EXPECT_TRUE(f.strong());
  EXPECT_FALSE(f.has_lq_cut() || f.has_size_cut() || f.has_count_cut());
  EXPECT_FALSE(s.has_size_cut() || s.has_focus_cut());
  EXPECT_EQ(f.size(), 50);
  EXPECT_DOUBLE_EQ(f.lq_floor(), 1.0);
  replica::RedactSpecialisationFigures(&f, &s);
  EXPECT_EQ(f.size(), 0);
  EXPECT_EQ(f.establishments(), 0);
  EXPECT_FALSE(s.has_focus_share());
  EXPECT_EQ(s.count(), 2);
}

}  // namespace
}  // namespace cw::query
