#include "common/metrics/land.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// Six months of 30亿 output and 1.5亿 tax on 1000 mu: 600万 and 30万 yuan per mu a year.
TEST(LandEfficiencyTest, AnnualisedPerMu) {
  const LandEfficiency e =
      ComputeLandEfficiency(LandInput{"P", 1000, 30 * kFenPerYi, 15 * kFenPerYi / 10, 6});
  EXPECT_EQ(e.annual_output_fen, 60 * kFenPerYi);
  EXPECT_EQ(e.annual_tax_fen, 3 * kFenPerYi);
  EXPECT_DOUBLE_EQ(*e.output_per_mu_yuan, 6'000'000.0);
  EXPECT_DOUBLE_EQ(*e.tax_per_mu_yuan, 300'000.0);
}

// 1-2月 covers two months: a year is six times its figure.
TEST(LandEfficiencyTest, JanFebAnnualised) {
  const LandEfficiency e = ComputeLandEfficiency(LandInput{"P", 1500, 15'000'000, 0, 2});
  EXPECT_EQ(e.annual_output_fen, 90'000'000);
  EXPECT_DOUBLE_EQ(*e.output_per_mu_yuan, 600.0);
  EXPECT_DOUBLE_EQ(*e.tax_per_mu_yuan, 0.0);
}

// No land area or months outside 1..12: per-mu figures are not defined.
TEST(LandEfficiencyTest, Undefined) {
  const LandEfficiency no_land = ComputeLandEfficiency(LandInput{"P", 0, 100, 10, 12});
  EXPECT_EQ(no_land.output_per_mu_yuan, std::nullopt);
  EXPECT_EQ(no_land.tax_per_mu_yuan, std::nullopt);
  EXPECT_EQ(no_land.annual_output_fen, 100);
  const LandEfficiency no_months = ComputeLandEfficiency(LandInput{"P", 10, 100, 10, 0});
  EXPECT_EQ(no_months.annual_output_fen, std::nullopt);
  EXPECT_EQ(no_months.output_per_mu_yuan, std::nullopt);
}

std::vector<ScoredUnit> Units(int n) {
  std::vector<ScoredUnit> units;
  for (int i = 0; i < n; ++i) units.push_back({absl::StrFormat("U%03d", i), 1000.0 - i});
  return units;
}

std::map<Grade, int> Counts(const std::vector<GradedUnit>& graded) {
  std::map<Grade, int> counts;
  for (const GradedUnit& g : graded) ++counts[g.grade];
  return counts;
}

// Default cut points on 100 units: 20 A, 40 B, 35 C, 5 D, best first.
TEST(GradeByRankTest, BandCountsOfHundred) {
  const absl::StatusOr<std::vector<GradedUnit>> g = GradeByRank(Units(100), LandGradeConfig{});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(Counts(*g), (std::map<Grade, int>{
                            {Grade::kA, 20}, {Grade::kB, 40}, {Grade::kC, 35}, {Grade::kD, 5}}));
  EXPECT_EQ((*g)[0].id, "U000");
  EXPECT_EQ((*g)[0].rank, 1);
  EXPECT_EQ((*g)[19].grade, Grade::kA);
  EXPECT_EQ((*g)[20].grade, Grade::kB);
  EXPECT_EQ((*g)[94].grade, Grade::kC);
  EXPECT_EQ((*g)[95].grade, Grade::kD);
  EXPECT_EQ((*g)[99].rank, 100);
}

// Small populations: 20 units give 4/8/7/1; 10 units give 2/4/4 and no D.
TEST(GradeByRankTest, BandCountsOfFewUnits) {
  EXPECT_EQ(Counts(*GradeByRank(Units(20), LandGradeConfig{})),
            (std::map<Grade, int>{
                {Grade::kA, 4}, {Grade::kB, 8}, {Grade::kC, 7}, {Grade::kD, 1}}));
  EXPECT_EQ(Counts(*GradeByRank(Units(10), LandGradeConfig{})),
            (std::map<Grade, int>{{Grade::kA, 2}, {Grade::kB, 4}, {Grade::kC, 4}}));
  EXPECT_EQ(Counts(*GradeByRank(Units(1), LandGradeConfig{})),
            (std::map<Grade, int>{{Grade::kA, 1}}));
}

// Configured cut points 10/50/90% on 10 units: 1/4/4/1.
TEST(GradeByRankTest, ConfiguredCutPoints) {
  EXPECT_EQ(Counts(*GradeByRank(Units(10), LandGradeConfig{0.1, 0.5, 0.9})),
            (std::map<Grade, int>{
                {Grade::kA, 1}, {Grade::kB, 4}, {Grade::kC, 4}, {Grade::kD, 1}}));
}

// Equal scores rank by id; unscored (missing or NaN) units come last without a grade.
TEST(GradeByRankTest, TiesAndUnscored) {
  const absl::StatusOr<std::vector<GradedUnit>> g = GradeByRank(
      {{"z", std::nullopt}, {"c", 5.0}, {"b", 5.0}, {"y", std::nan("")}, {"a", 1.0}},
      LandGradeConfig{});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 5u);
  EXPECT_EQ((*g)[0].id, "b");
  EXPECT_EQ((*g)[0].grade, Grade::kA);  // ⌈0.2 × 3⌉ = 1
  EXPECT_EQ((*g)[1].id, "c");
  EXPECT_EQ((*g)[1].grade, Grade::kB);  // ⌈0.6 × 3⌉ = 2
  EXPECT_EQ((*g)[2].id, "a");
  EXPECT_EQ((*g)[2].grade, Grade::kC);  // ⌈0.95 × 3⌉ = 3
  EXPECT_EQ((*g)[3].id, "y");
  EXPECT_EQ((*g)[3].grade, Grade::kNone);
  EXPECT_EQ((*g)[3].rank, 0);
  EXPECT_EQ((*g)[4].id, "z");
  EXPECT_EQ(GradeName((*g)[4].grade), "-");
  EXPECT_EQ(GradeName(Grade::kA), "A");
}

// Cut points out of order and repeated ids are refused.
TEST(GradeByRankTest, InvalidInput) {
  EXPECT_EQ(GradeByRank(Units(3), LandGradeConfig{0.6, 0.2, 0.95}).status().message(),
            "grade cut points 0.6, 0.2, 0.95 are invalid (expected 0 < a < b < c <= 1)");
  EXPECT_EQ(GradeByRank({{"a", 1.0}, {"a", 2.0}}, LandGradeConfig{}).status().message(),
            "unit a appears more than once (expected one score per unit)");
}

}  // namespace
}  // namespace cw::metrics
