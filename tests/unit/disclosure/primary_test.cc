#include "common/disclosure/primary.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::disclosure {
namespace {

// A cell whose enterprises are "<id>#1", "<id>#2", ... with `values`.
CellInput Cell(const std::string& id, const std::vector<int64_t>& values) {
  CellInput cell{id, {}};
  for (size_t i = 0; i < values.size(); ++i) {
    cell.contributors.push_back({id + "#" + std::to_string(i + 1), values[i]});
  }
  return cell;
}

CellStatus Status(const CellInput& cell, const Rules& rules = Rules{}) {
  absl::StatusOr<CellStatus> s = PrimaryStatus(cell, rules);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : CellStatus{};
}

// Threshold boundary: 2 enterprises are confidential, 3 are not.
TEST(PrimaryStatusTest, ThresholdBoundary) {
  const CellStatus two = Status(Cell("c", {100, 100}));
  EXPECT_EQ(two, (CellStatus{.id = "c",
                             .confidential = true,
                             .reason = Reason::kThreshold,
                             .explanation_zh = "2 家企业，少于 3 家（门槛规则）",
                             .explanation_en = "2 enterprises, fewer than 3 (threshold rule)"}));
  const CellStatus three = Status(Cell("c", {100, 100, 100}));
  EXPECT_EQ(three, (CellStatus{.id = "c",
                               .confidential = false,
                               .reason = Reason::kNone,
                               .explanation_zh = "可公布",
                               .explanation_en = "publishable"}));
  EXPECT_EQ(Status(Cell("c", {7})).explanation_en, "1 enterprise, fewer than 3 (threshold rule)");
  EXPECT_FALSE(Status(Cell("c", {7}), Rules{.n_min = 1, .dominance_k = 1, .p = 0}).confidential);
}

// Entries of one enterprise count once: 3 entries of 2 enterprises fail the threshold rule.
TEST(PrimaryStatusTest, ThresholdCountsEnterprisesNotEntries) {
  const CellInput cell{"c", {{"a", 10}, {"b", 30}, {"a", 20}}};
  EXPECT_EQ(Status(cell).reason, Reason::kThreshold);
  EXPECT_EQ(Status(cell).explanation_en, "2 enterprises, fewer than 3 (threshold rule)");
}

// Dominance boundary: the 2 largest holding exactly 85% is publishable, 86% is not.
TEST(PrimaryStatusTest, DominanceBoundary) {
  EXPECT_FALSE(Status(Cell("c", {50, 35, 5, 5, 5})).confidential);
  const CellStatus above = Status(Cell("c", {50, 36, 5, 5, 4}));
  EXPECT_TRUE(above.confidential);
  EXPECT_EQ(above.reason, Reason::kDominance);
  EXPECT_EQ(above.explanation_en,
            "the 2 largest enterprises hold more than 85% of the total (dominance rule)");
  EXPECT_EQ(above.explanation_zh, "最大的 2 家企业合计超过总量的 85%（支配规则）");
  // Large fen values: exactly 85% of 1e16 is still exact.
  EXPECT_FALSE(Status(Cell("c", {5'000'000'000'000'000, 3'500'000'000'000'000,
                                 1'500'000'000'000'000}))
                   .confidential);
  EXPECT_EQ(Status(Cell("c", {5'000'000'000'000'000, 3'500'000'000'000'001,
                              1'499'999'999'999'999}))
                .reason,
            Reason::kDominance);
}

// The boundary is exact where floating point is not (0.57 * 100 < 57 in double).
TEST(PrimaryStatusTest, DominanceBoundaryIsExactInteger) {
  const Rules rules{.dominance_k = 0.57};
  EXPECT_FALSE(Status(Cell("c", {30, 27, 15, 14, 14}), rules).confidential);
  EXPECT_EQ(Status(Cell("c", {30, 28, 14, 14, 14}), rules).reason, Reason::kDominance);
}

// dominance_n = 1 and n larger than the number of enterprises.
TEST(PrimaryStatusTest, DominanceN) {
  const Rules one{.dominance_n = 1, .dominance_k = 0.6};
  EXPECT_FALSE(Status(Cell("c", {60, 20, 20}), one).confidential);
  const CellStatus s = Status(Cell("c", {61, 20, 19}), one);
  EXPECT_EQ(s.reason, Reason::kDominance);
  EXPECT_EQ(s.explanation_en,
            "the largest enterprise holds more than 60% of the total (dominance rule)");
  // All 3 enterprises are "the 5 largest": 100% > 85%.
  EXPECT_EQ(Status(Cell("c", {10, 10, 10}), Rules{.dominance_n = 5}).reason,
            Reason::kDominance);
}

// p% boundary (dominance off, since with the defaults dominance fires first): a remainder of
// exactly 10% of the largest is publishable, less is not.
TEST(PrimaryStatusTest, PPercentBoundary) {
  const Rules rules{.dominance_k = 1.0};
  EXPECT_FALSE(Status(Cell("c", {100, 50, 5, 5}), rules).confidential);
  const CellStatus below = Status(Cell("c", {100, 50, 5, 4}), rules);
  EXPECT_TRUE(below.confidential);
  EXPECT_EQ(below.reason, Reason::kPPercent);
  EXPECT_EQ(below.explanation_en,
            "the enterprises other than the largest two hold less than 10% of the largest (p% "
            "rule)");
  EXPECT_EQ(below.explanation_zh, "除最大 2 家外其余企业合计不足最大企业的 10%（p% 规则）");
  // p = 12.5%: remainder 25 of x1 = 200 is exactly 12.5%.
  const Rules p125{.dominance_k = 1.0, .p = 0.125};
  EXPECT_FALSE(Status(Cell("c", {200, 100, 20, 5}), p125).confidential);
  EXPECT_EQ(Status(Cell("c", {200, 100, 20, 4}), p125).reason, Reason::kPPercent);
}

// No contributors is a structural zero: published as 0, not confidential.
TEST(PrimaryStatusTest, StructuralZero) {
  EXPECT_EQ(Status(CellInput{"c", {}}),
            (CellStatus{.id = "c",
                        .confidential = false,
                        .reason = Reason::kNone,
                        .structural_zero = true,
                        .explanation_zh = "无企业：结构性零值，公布为 0",
                        .explanation_en = "no enterprises: structural zero, published as 0"}));
  // Zero values reported by enterprises are not structural zeros: the rules apply.
  EXPECT_EQ(Status(Cell("c", {0, 0})).reason, Reason::kThreshold);
  EXPECT_FALSE(Status(Cell("c", {0, 0, 0})).confidential);
  EXPECT_FALSE(Status(Cell("c", {0, 0, 0})).structural_zero);
}

// When several rules fire, the reason is the first in the order threshold, dominance, p%.
TEST(PrimaryStatusTest, ReasonOrder) {
  EXPECT_EQ(Status(Cell("c", {1000, 1})).reason, Reason::kThreshold);
  EXPECT_EQ(Status(Cell("c", {1000, 1, 1})).reason, Reason::kDominance);
}

// Contributors in any order give the same status.
TEST(PrimaryStatusTest, OrderIndependent) {
  EXPECT_EQ(Status(CellInput{"c", {{"a", 5}, {"b", 36}, {"c", 50}, {"d", 5}, {"e", 4}}}),
            Status(CellInput{"c", {{"c", 50}, {"e", 4}, {"b", 36}, {"a", 5}, {"d", 5}}}));
}

// Bad input is rejected naming the cell and the contributor, never the value.
TEST(PrimaryStatusTest, InvalidInput) {
  absl::StatusOr<CellStatus> s = PrimaryStatus(CellInput{"p1/C13", {{"a", 5}, {"b", -1}}}, {});
  EXPECT_EQ(s.status(),
            absl::InvalidArgumentError(
                "cell 'p1/C13': contributor 'b' has a negative value (expected >= 0)"));
  s = PrimaryStatus(CellInput{"p1/C13", {{"a", 5}, {"", 1}}}, {});
  EXPECT_EQ(s.status(), absl::InvalidArgumentError(
                            "cell 'p1/C13': contributor 2 has no id (expected the enterprise's "
                            "USCC)"));
  s = PrimaryStatus(CellInput{"c", {{"a", INT64_MAX}, {"b", 1}}}, {});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrimaryStatus(Cell("c", {1, 2, 3}), Rules{.n_min = 0}).status(),
            absl::InvalidArgumentError(
                "n_min = 0 is out of range (expected a count in 1..1000000)"));
}

// Merging sums entries of one enterprise and orders largest first, ties by id.
TEST(MergeContributorsTest, MergesAndOrders) {
  const absl::StatusOr<std::vector<Contributor>> m =
      MergeContributors("c", {{"b", 5}, {"a", 5}, {"c", 1}, {"c", 9}});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (std::vector<Contributor>{{"c", 10}, {"a", 5}, {"b", 5}}));
}

// Protection level: p · x1 rounded up, at least 1.
TEST(ProtectionLevelTest, CeilingAndFloor) {
  EXPECT_EQ(ProtectionLevel(1000, Rules{}), 100);
  EXPECT_EQ(ProtectionLevel(1001, Rules{}), 101);
  EXPECT_EQ(ProtectionLevel(0, Rules{}), 1);
  EXPECT_EQ(ProtectionLevel(1000, Rules{.p = 0}), 1);
  EXPECT_EQ(ProtectionLevel(INT64_MAX, Rules{.p = 1}), INT64_MAX);
}

// Reason names and the secondary status.
TEST(ReasonTest, NamesAndSecondary) {
  EXPECT_EQ(ReasonName(Reason::kNone), "none");
  EXPECT_EQ(ReasonName(Reason::kThreshold), "threshold");
  EXPECT_EQ(ReasonName(Reason::kDominance), "dominance");
  EXPECT_EQ(ReasonName(Reason::kPPercent), "p_percent");
  EXPECT_EQ(ReasonName(Reason::kSecondary), "secondary");
  const CellStatus s = SecondaryStatus("x");
  EXPECT_EQ(s.id, "x");
  EXPECT_TRUE(s.confidential);
  EXPECT_EQ(s.reason, Reason::kSecondary);
  EXPECT_EQ(s.explanation_zh, "为防止由合计推算出保密数据而一并隐藏（二次保密）");
}

}  // namespace
}  // namespace cw::disclosure
