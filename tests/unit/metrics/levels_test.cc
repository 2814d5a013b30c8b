#include "common/metrics/levels.h"

#include <numeric>
#include <string>
#include <vector>

#include "common/metrics/specialisation.h"
#include "common/metrics/structure.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// A class maps to its first two digits at the division level, to itself at the class level.
TEST(IndustryLevelTest, CodeAtLevel) {
  EXPECT_EQ(IndustryAtLevel("3311", IndustryLevel::kDivision), "33");
  EXPECT_EQ(IndustryAtLevel("33", IndustryLevel::kDivision), "33");
  EXPECT_EQ(IndustryAtLevel("3311", IndustryLevel::kClass), "3311");
  EXPECT_EQ(IndustryLevelName(IndustryLevel::kDivision), "division");
  EXPECT_EQ(IndustryLevelName(IndustryLevel::kClass), "class");
}

// 3311 + 3312 merge into 33, 3811 + 3812 into 38: class HHI = .09 + .04 + .16 + .01 = 0.30,
// division HHI = .25 + .25 = 0.5; shares still sum to 1 and HHI stays in [1/n, 1].
TEST(RollUpIndustriesTest, ClassesMergeIntoDivisions) {
  const std::vector<IndustryValue> classes = {
      {"3311", 30}, {"3312", 20}, {"3811", 40}, {"3812", 10}};
  auto divisions = RollUpIndustries(classes, IndustryLevel::kDivision);
  ASSERT_TRUE(divisions.ok()) << divisions.status();
  ASSERT_EQ(divisions->size(), 2u);
  EXPECT_EQ((*divisions)[0].industry, "33");
  EXPECT_EQ((*divisions)[0].value_fen, 50);
  EXPECT_EQ((*divisions)[1].industry, "38");
  EXPECT_EQ((*divisions)[1].value_fen, 50);

  auto by_class = ComputeStructure(classes, {});
  auto by_division = ComputeStructure(*divisions, {"3811"});
  ASSERT_TRUE(by_class.ok() && by_division.ok());
  EXPECT_DOUBLE_EQ(*by_class->hhi, 0.30);
  EXPECT_DOUBLE_EQ(*by_division->hhi, 0.5);
  EXPECT_EQ(by_division->n_industries, 2);
  EXPECT_DOUBLE_EQ(*by_division->cr1, 0.5);
  EXPECT_EQ(by_division->dominant->industry, "33");  // tie: the smaller code
  double sum = 0;
  for (const auto& s : by_division->shares) sum += s.share;
  EXPECT_DOUBLE_EQ(sum, 1.0);
  EXPECT_GE(*by_division->hhi, 1.0 / by_division->n_industries);
  EXPECT_LE(*by_division->hhi, 1.0);
  EXPECT_EQ(by_division->total_fen, by_class->total_fen);
}

// A park with one class has one division and HHI 1; the class level keeps codes as given.
TEST(RollUpIndustriesTest, OneIndustryAndClassLevel) {
  auto one = RollUpIndustries({{"3041", 7}}, IndustryLevel::kDivision);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].industry, "30");
  EXPECT_DOUBLE_EQ(*ComputeStructure(*one, {})->hhi, 1.0);
  auto same = RollUpIndustries({{"3812", 1}, {"3311", 2}}, IndustryLevel::kClass);
  ASSERT_TRUE(same.ok());
  ASSERT_EQ(same->size(), 2u);
  EXPECT_EQ((*same)[0].industry, "3311");
  EXPECT_EQ((*same)[1].industry, "3812");
}

// Repeated, empty and negative inputs are refused, naming the industry.
TEST(RollUpIndustriesTest, InvalidInput) {
  auto repeated = RollUpIndustries({{"3311", 1}, {"3311", 2}}, IndustryLevel::kDivision);
  EXPECT_EQ(repeated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(repeated.status().message().find("3311"), std::string::npos);
  EXPECT_EQ(RollUpIndustries({{"", 1}}, IndustryLevel::kDivision).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RollUpIndustries({{"3311", -1}}, IndustryLevel::kDivision).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Three parks of 100 each (output, employees, establishments per class).
std::vector<ParkIndustryCell> ClassCells() {
  return {
      {"P1", "321282", "3311", 30, 300, 3}, {"P1", "321282", "3312", 20, 100, 2},
      {"P1", "321282", "3811", 50, 100, 5}, {"P2", "321023", "3311", 10, 50, 1},
      {"P2", "321023", "3811", 90, 450, 9}, {"P3", "222401", "3312", 40, 200, 4},
      {"P3", "222401", "3040", 60, 300, 6},
  };
}

// Division cells add output, employees and establishments of their classes.
TEST(RollUpCellsTest, AddsFiguresPerParkAndDivision) {
  auto cells = RollUpCells(ClassCells(), IndustryLevel::kDivision);
  ASSERT_TRUE(cells.ok()) << cells.status();
  ASSERT_EQ(cells->size(), 6u);
  const ParkIndustryCell& p1_metal = (*cells)[0];
  EXPECT_EQ(p1_metal.park_id, "P1");
  EXPECT_EQ(p1_metal.industry, "33");
  EXPECT_EQ(p1_metal.county_code, "321282");
  EXPECT_EQ(p1_metal.output_fen, 50);
  EXPECT_EQ(p1_metal.employees, 400);
  EXPECT_EQ(p1_metal.establishments, 5);
  EXPECT_EQ((*cells)[4].park_id, "P3");
  EXPECT_EQ((*cells)[4].industry, "30");
  EXPECT_EQ((*cells)[5].industry, "33");
  EXPECT_EQ((*cells)[5].output_fen, 40);
}

// Repeated cells, negative figures and two county codes for a park are refused.
TEST(RollUpCellsTest, InvalidInput) {
  auto cells = ClassCells();
  cells.push_back({"P1", "321282", "3311", 1, 1, 1});
  EXPECT_EQ(RollUpCells(cells, IndustryLevel::kDivision).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RollUpCells({{"P1", "321282", "3311", -1, 0, 0}}, IndustryLevel::kDivision)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto moved = RollUpCells({{"P1", "321282", "3311", 1, 0, 0}, {"P1", "321023", "3312", 1, 0, 0}},
                           IndustryLevel::kDivision);
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(moved.status().message().find("two county codes"), std::string::npos);
}

// Province 32 holds P1 and P2; prefecture 3212 only P1; the system all three.
TEST(CellsInScopeTest, SelectsTheReferenceParks) {
  const auto cells = ClassCells();
  EXPECT_EQ(CellsInScope(cells, "321282", ReferenceScope::kSystem).size(), 7u);
  auto province = CellsInScope(cells, "321282", ReferenceScope::kProvince);
  ASSERT_EQ(province.size(), 5u);
  EXPECT_EQ(province.back().park_id, "P2");
  auto prefecture = CellsInScope(cells, "321282", ReferenceScope::kPrefecture);
  ASSERT_EQ(prefecture.size(), 3u);
  EXPECT_EQ(prefecture.front().park_id, "P1");
  EXPECT_EQ(CellsInScope(cells, "22", ReferenceScope::kPrefecture).size(), 0u);
}

// On division cells (system 300: 33 = 100, 38 = 140, 30 = 60):
//   LQ P1/33 = 0.5 / (100/300) = 1.5, P2/33 = 0.3, P3/33 = 1.2, P3/30 = 0.6 / 0.2 = 3;
//   33: LQ p75 of {0.3, 1.2, 1.5} = 1.2 + 0.5 × 0.3 = 1.35, size p25 of {10, 40, 50} = 25,
//   count p25 of {1, 4, 5} = 2.5: P1 strong, P3 not (1.2 < 1.35);
//   size and focus stars (top 10% of 3 = 1 park): P1 (50, 0.5); P3's lone 30 gets all
//   three stars (LQ 3 >= 2) but is not strong (size 60 is not above its own p25).
TEST(RollUpCellsTest, SpecialisationOnDivisionCells) {
  auto cells = RollUpCells(ClassCells(), IndustryLevel::kDivision);
  ASSERT_TRUE(cells.ok());
  auto rows = AssessSpecialisation(*cells, ReferenceScope::kSystem, SpecialisationConfig{});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);  // 30/P3, 33/P1, 33/P2, 33/P3, 38/P1, 38/P2
  const SpecialisationRow& p3_glass = (*rows)[0];
  EXPECT_EQ(p3_glass.industry, "30");
  EXPECT_DOUBLE_EQ(*p3_glass.lq, 3.0);
  EXPECT_EQ(p3_glass.stars.count, 3);
  EXPECT_FALSE(p3_glass.strong.strong);
  const SpecialisationRow& p1_metal = (*rows)[1];
  EXPECT_EQ(p1_metal.park_id, "P1");
  EXPECT_EQ(p1_metal.industry, "33");
  EXPECT_DOUBLE_EQ(*p1_metal.lq, 1.5);
  EXPECT_DOUBLE_EQ(*p1_metal.strong.lq_cut, 1.35);
  EXPECT_DOUBLE_EQ(*p1_metal.strong.size_cut, 25.0);
  EXPECT_DOUBLE_EQ(*p1_metal.strong.count_cut, 2.5);
  EXPECT_TRUE(p1_metal.strong.strong);
  EXPECT_TRUE(p1_metal.stars.size);
  EXPECT_TRUE(p1_metal.stars.focus);
  EXPECT_FALSE(p1_metal.stars.specialisation);
  EXPECT_EQ(p1_metal.stars.count, 2);
  EXPECT_EQ(*p1_metal.stars.size_cut, 50);
  EXPECT_DOUBLE_EQ(*p1_metal.stars.focus_cut, 0.5);
  EXPECT_DOUBLE_EQ(*(*rows)[2].lq, 0.1 / (100.0 / 300.0));
  EXPECT_FALSE((*rows)[2].strong.strong);
  const SpecialisationRow& p3_metal = (*rows)[3];
  EXPECT_DOUBLE_EQ(*p3_metal.lq, 0.4 / (100.0 / 300.0));
  EXPECT_FALSE(p3_metal.strong.strong);
  EXPECT_EQ(p3_metal.stars.count, 0);
  // Σ LQ × reference share = Σ the park's shares = 1 (reference shares 100/300, 140/300).
  double weighted = 0;
  for (const auto& r : *rows) {
    if (r.park_id == "P1") weighted += *r.lq * (r.industry == "33" ? 100.0 : 140.0) / 300.0;
  }
  EXPECT_DOUBLE_EQ(weighted, 1.0);
}

}  // namespace
}  // namespace cw::metrics
