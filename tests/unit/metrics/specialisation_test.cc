#include "common/metrics/specialisation.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// LQ = (30 / 100) / (60 / 1000) = 5.
TEST(LocationQuotientTest, HandComputed) {
  EXPECT_DOUBLE_EQ(*LocationQuotient(30, 100, 60, 1000), 5.0);
  EXPECT_DOUBLE_EQ(*LocationQuotient(0, 100, 60, 1000), 0.0);
  EXPECT_DOUBLE_EQ(*LocationQuotient(10, 100, 100, 1000), 1.0);
}

// Zero park, reference or reference-industry totals leave LQ undefined.
TEST(LocationQuotientTest, ZeroDenominators) {
  EXPECT_EQ(LocationQuotient(0, 0, 60, 1000), std::nullopt);
  EXPECT_EQ(LocationQuotient(30, 100, 0, 1000), std::nullopt);
  EXPECT_EQ(LocationQuotient(30, 100, 60, 0), std::nullopt);
}

// Percentiles interpolate linearly between order statistics.
TEST(PercentileTest, LinearInterpolation) {
  EXPECT_DOUBLE_EQ(*Percentile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(*Percentile({4, 1, 3, 2}, 0.75), 3.25);
  EXPECT_DOUBLE_EQ(*Percentile({4, 1, 3, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(*Percentile({4, 1, 3, 2}, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(*Percentile({5}, 0.25), 5.0);
  EXPECT_EQ(Percentile({}, 0.5), std::nullopt);
  EXPECT_EQ(Percentile({1, 2}, 1.5), std::nullopt);
}

// Three parks: P1 and P3 in prefecture 3212 (靖江 321282), P2 in 3210 (宝应 321023).
std::vector<ParkIndustryCell> ThreeParks() {
  return {
      {"P1", "321282", "37", 80, 800, 8},  {"P1", "321282", "38", 20, 100, 4},
      {"P2", "321023", "3051", 90, 900, 9}, {"P2", "321023", "38", 10, 100, 2},
      {"P3", "321281", "37", 20, 100, 2},  {"P3", "321281", "38", 80, 900, 6},
  };
}

const LqRow& Find(const std::vector<LqRow>& rows, const std::string& park,
                  const std::string& industry) {
  for (const LqRow& r : rows) {
    if (r.park_id == park && r.industry == industry) return r;
  }
  static const LqRow kNone;
  ADD_FAILURE() << "no row " << park << " " << industry;
  return kNone;
}

// Against the whole system: P1 ships = 0.8 / (100 / 300) = 2.4.
TEST(LocationQuotientsTest, SystemReference) {
  const absl::StatusOr<std::vector<LqRow>> rows =
      LocationQuotients(ThreeParks(), ReferenceScope::kSystem);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);
  EXPECT_EQ((*rows)[0].industry, "3051");  // sorted by industry then park
  EXPECT_DOUBLE_EQ(*Find(*rows, "P1", "37").lq_output, 2.4);
  EXPECT_DOUBLE_EQ(*Find(*rows, "P1", "38").lq_output, 0.2 / (110.0 / 300.0));
  EXPECT_DOUBLE_EQ(*Find(*rows, "P2", "3051").lq_output, 0.9 / 0.3);
  // By employees: P1 ships 800/900 of the park against 900/2900 of the system.
  EXPECT_DOUBLE_EQ(*Find(*rows, "P1", "37").lq_employees, (800.0 / 900.0) / (900.0 / 2900.0));
}

// Against the prefecture: P1 ships = 0.8 / (100 / 200); a park alone in its prefecture is
// its own reference, so all its LQs are 1.
TEST(LocationQuotientsTest, PrefectureReference) {
  const absl::StatusOr<std::vector<LqRow>> rows =
      LocationQuotients(ThreeParks(), ReferenceScope::kPrefecture);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_DOUBLE_EQ(*Find(*rows, "P1", "37").lq_output, 1.6);
  EXPECT_DOUBLE_EQ(*Find(*rows, "P3", "38").lq_output, 1.6);
  EXPECT_DOUBLE_EQ(*Find(*rows, "P2", "3051").lq_output, 1.0);
  EXPECT_DOUBLE_EQ(*Find(*rows, "P2", "38").lq_output, 1.0);
  EXPECT_DOUBLE_EQ(*Find(*rows, "P2", "38").lq_employees, 1.0);
}

// A reference against itself has LQ 1 in every industry.
TEST(LocationQuotientsTest, ReferenceAgainstItselfIsOne) {
  const std::vector<ParkIndustryCell> one = {
      {"P", "222401", "1711", 123, 7, 1}, {"P", "222401", "2710", 4567, 70, 2},
      {"P", "222401", "3911", 89, 700, 3}};
  for (ReferenceScope scope :
       {ReferenceScope::kSystem, ReferenceScope::kProvince, ReferenceScope::kPrefecture}) {
    const absl::StatusOr<std::vector<LqRow>> rows = LocationQuotients(one, scope);
    ASSERT_TRUE(rows.ok());
    for (const LqRow& r : *rows) {
      EXPECT_DOUBLE_EQ(*r.lq_output, 1.0) << r.industry;
      EXPECT_DOUBLE_EQ(*r.lq_employees, 1.0) << r.industry;
    }
  }
}

// A park without employees reported has no employee LQ.
TEST(LocationQuotientsTest, NoEmployeesIsUndefined) {
  const absl::StatusOr<std::vector<LqRow>> rows = LocationQuotients(
      {{"P", "321282", "37", 10, 0, 1}, {"Q", "321282", "37", 10, 5, 1}},
      ReferenceScope::kSystem);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Find(*rows, "P", "37").lq_employees, std::nullopt);
  EXPECT_DOUBLE_EQ(*Find(*rows, "Q", "37").lq_employees, 1.0);
}

// Repeated cells, negative figures, two county codes and short codes are refused.
TEST(LocationQuotientsTest, InvalidInput) {
  EXPECT_EQ(LocationQuotients({{"P", "321282", "37", 1, 1, 1}, {"P", "321282", "37", 2, 1, 1}},
                              ReferenceScope::kSystem)
                .status()
                .message(),
            "park P industry 37 appears more than once (expected one cell per park and "
            "industry)");
  EXPECT_EQ(LocationQuotients({{"P", "321282", "37", 1, 1, 1}, {"P", "321023", "38", 2, 1, 1}},
                              ReferenceScope::kSystem)
                .status()
                .message(),
            "park P has two county codes, 321282 and 321023 (expected one per park)");
  EXPECT_EQ(
      LocationQuotients({{"P", "32", "37", 1, 1, 1}}, ReferenceScope::kPrefecture).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(LocationQuotients({{"P", "32", "37", 1, 1, 1}}, ReferenceScope::kProvince).ok());
  EXPECT_EQ(LocationQuotients({{"P", "321282", "37", -1, 1, 1}}, ReferenceScope::kSystem)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// LQ >= p75 (2.25), LQ >= 1, size > p25 (17.5), establishments > p25 (4): only D.
TEST(StrongClusterTest, HandComputed) {
  const std::vector<ClusterCandidate> c = {{"D", 3.0, 40, 8},
                                           {"A", 0.5, 10, 1},
                                           {"C", 2.0, 30, 6},
                                           {"B", 1.2, 20, 5},
                                           {"E", std::nullopt, 1000, 100}};
  const std::vector<StrongCluster> s = EvaluateStrongClusters(c, SpecialisationConfig{});
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].park_id, "A");  // sorted by park
  EXPECT_DOUBLE_EQ(*s[0].lq_cut, 2.25);
  EXPECT_DOUBLE_EQ(*s[0].size_cut, 17.5);
  EXPECT_DOUBLE_EQ(*s[0].count_cut, 4.0);
  EXPECT_FALSE(s[0].strong);
  EXPECT_FALSE(s[1].strong);
  EXPECT_FALSE(s[2].strong);
  EXPECT_TRUE(s[3].strong);   // D
  EXPECT_FALSE(s[4].strong);  // E: no LQ, not compared
}

// The highest LQ is not strong below LQ 1, nor when the park is among the smallest.
TEST(StrongClusterTest, FloorAndSize) {
  const std::vector<StrongCluster> low = EvaluateStrongClusters(
      {{"A", 0.2, 10, 1}, {"B", 0.4, 20, 2}, {"C", 0.6, 30, 3}, {"D", 0.8, 40, 4}},
      SpecialisationConfig{});
  for (const StrongCluster& s : low) EXPECT_FALSE(s.strong) << s.park_id;
  const std::vector<StrongCluster> small = EvaluateStrongClusters(
      {{"A", 0.5, 20, 2}, {"B", 1.2, 30, 3}, {"C", 2.0, 40, 4}, {"D", 3.0, 10, 8}},
      SpecialisationConfig{});
  EXPECT_FALSE(small[3].strong);  // D: size 10 is not above p25 = 17.5
  // A lone park is its own percentile, so never above it.
  EXPECT_FALSE(EvaluateStrongClusters({{"A", 3.0, 10, 5}}, SpecialisationConfig{})[0].strong);
}

// Ten parks: the specialisation star at LQ >= 2, the size and focus stars for the top 10%.
TEST(StarsTest, HandComputed) {
  std::vector<StarCandidate> c;
  for (int i = 1; i <= 10; ++i) {
    c.push_back(StarCandidate{absl::StrFormat("P%02d", i), 0.2 * i, 10 * i, 0.01 * (11 - i)});
  }
  const std::vector<Stars> s = EvaluateStars(c, SpecialisationConfig{});
  ASSERT_EQ(s.size(), 10u);
  EXPECT_TRUE(s[0].focus);  // P01 has the highest focus, 0.10
  EXPECT_FALSE(s[0].size);
  EXPECT_FALSE(s[0].specialisation);
  EXPECT_EQ(s[0].count, 1);
  EXPECT_FALSE(s[8].specialisation);  // P09: LQ 1.8
  EXPECT_TRUE(s[9].specialisation);   // P10: LQ 2.0
  EXPECT_TRUE(s[9].size);             // P10: size 100, the top 1 of 10
  EXPECT_FALSE(s[8].size);
  EXPECT_EQ(s[9].count, 2);
  EXPECT_EQ(s[9].size_cut, 100);
  EXPECT_DOUBLE_EQ(*s[9].focus_cut, 0.10);
  int size_stars = 0;
  for (const Stars& x : s) size_stars += x.size;
  EXPECT_EQ(size_stars, 1);
}

// Ties at the cut all get the star; zero size and undefined focus get none.
TEST(StarsTest, TiesAndZeros) {
  const std::vector<Stars> s = EvaluateStars(
      {{"A", std::nullopt, 100, 0.5}, {"B", 1.0, 100, std::nullopt}, {"C", 1.0, 50, 0.1},
       {"D", 1.0, 0, 0.0}},
      SpecialisationConfig{});
  EXPECT_TRUE(s[0].size);
  EXPECT_TRUE(s[1].size);
  EXPECT_FALSE(s[2].size);
  EXPECT_FALSE(s[3].size);
  EXPECT_TRUE(s[0].focus);
  EXPECT_FALSE(s[1].focus);
  EXPECT_FALSE(s[3].focus);
  EXPECT_FALSE(s[0].specialisation);
}

// The whole assessment on output, per industry across the parks given.
TEST(AssessSpecialisationTest, ThreeParksByOutput) {
  const absl::StatusOr<std::vector<SpecialisationRow>> rows =
      AssessSpecialisation(ThreeParks(), ReferenceScope::kSystem, SpecialisationConfig{});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);
  const SpecialisationRow& p1_ships = (*rows)[1];  // 3051/P2, then 37/P1
  EXPECT_EQ(p1_ships.park_id, "P1");
  EXPECT_EQ(p1_ships.industry, "37");
  EXPECT_DOUBLE_EQ(*p1_ships.lq, 2.4);
  EXPECT_EQ(p1_ships.size, 80);
  EXPECT_DOUBLE_EQ(*p1_ships.focus, 0.8);
  EXPECT_TRUE(p1_ships.stars.specialisation);
  EXPECT_TRUE(p1_ships.stars.size);
  EXPECT_TRUE(p1_ships.stars.focus);
  EXPECT_EQ(p1_ships.stars.count, 3);
  // Two parks in ships: LQ p75 = 0.6 + 0.75 × 1.8 = 1.95; size p25 = 35; count p25 = 3.5.
  EXPECT_DOUBLE_EQ(*p1_ships.strong.lq_cut, 1.95);
  EXPECT_TRUE(p1_ships.strong.strong);
  const SpecialisationRow& p3_ships = (*rows)[2];
  EXPECT_EQ(p3_ships.park_id, "P3");
  EXPECT_FALSE(p3_ships.strong.strong);
  EXPECT_EQ(p3_ships.stars.count, 0);
}

// On employees the size and LQ switch to employee figures.
TEST(AssessSpecialisationTest, ByEmployees) {
  SpecialisationConfig config;
  config.basis = Basis::kEmployees;
  const absl::StatusOr<std::vector<SpecialisationRow>> rows =
      AssessSpecialisation(ThreeParks(), ReferenceScope::kSystem, config);
  ASSERT_TRUE(rows.ok());
  const SpecialisationRow& p1_ships = (*rows)[1];
  EXPECT_EQ(p1_ships.size, 800);
  EXPECT_DOUBLE_EQ(*p1_ships.lq, *p1_ships.lq_employees);
  EXPECT_DOUBLE_EQ(*p1_ships.focus, 800.0 / 900.0);
}

}  // namespace
}  // namespace cw::metrics
