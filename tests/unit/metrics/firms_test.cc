#include "common/metrics/firms.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

constexpr int64_t Yuan(int64_t yuan) { return yuan * kFenPerYuan; }
constexpr int64_t Wan(int64_t wan) { return wan * kFenPerWan; }

// CR1/CR3 and leading enterprises of 50/30/15/5.
TEST(FirmConcentrationTest, HandComputed) {
  const std::vector<FirmValue> firms = {
      {"d", "丁", 5}, {"a", "甲", 50}, {"c", "丙", 15}, {"b", "乙", 30}};
  FirmConfig config;
  config.leading_count = 2;
  const absl::StatusOr<FirmConcentration> c = ComputeFirmConcentration(firms, config);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->total_fen, 100);
  EXPECT_EQ(c->firms, 4);
  EXPECT_EQ(c->firms_with_output, 4);
  EXPECT_DOUBLE_EQ(*c->cr1, 0.5);
  EXPECT_DOUBLE_EQ(*c->cr3, 0.95);
  ASSERT_EQ(c->leading.size(), 2u);
  EXPECT_EQ(c->leading[0].id, "a");
  EXPECT_EQ(c->leading[0].name, "甲");
  EXPECT_DOUBLE_EQ(c->leading[0].share, 0.5);
  EXPECT_EQ(c->leading[1].id, "b");
  EXPECT_DOUBLE_EQ(c->leading[1].share, 0.3);
}

// 宝应 glass: 200 firms, 80 at or above 100万, 30 above 500万, 20 above 1000万, 4 above
// 5000万 (default thresholds).
TEST(FirmConcentrationTest, BaoyingGlassSeedCounts) {
  std::vector<FirmValue> firms;
  auto add = [&firms](int n, int64_t fen) {
    for (int i = 0; i < n; ++i) {
      firms.push_back(FirmValue{absl::StrFormat("F%03d", static_cast<int>(firms.size())),
                                "", fen});
    }
  };
  add(4, Wan(6000));    // >= 5000万
  add(16, Wan(2000));   // >= 1000万
  add(10, Wan(700));    // >= 500万
  add(50, Wan(200));    // >= 100万
  add(120, Wan(50));    // below
  const absl::StatusOr<FirmConcentration> c = ComputeFirmConcentration(firms, FirmConfig{});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->firms, 200);
  EXPECT_EQ(c->over_thresholds,
            (std::vector<ThresholdCount>{
                {Wan(100), 80}, {Wan(500), 30}, {Wan(1000), 20}, {Wan(5000), 4}}));
  // Total 4×6000 + 16×2000 + 10×700 + 50×200 + 120×50 = 79,000万; the top firm 6000万.
  EXPECT_EQ(c->total_fen, Wan(79000));
  EXPECT_DOUBLE_EQ(*c->cr1, 6000.0 / 79000.0);
  EXPECT_DOUBLE_EQ(*c->cr3, 18000.0 / 79000.0);
  EXPECT_EQ(c->leading.size(), 5u);
  EXPECT_EQ(c->leading[0].id, "F000");  // equal outputs rank by id
  EXPECT_EQ(c->leading[4].id, "F004");
}

// A threshold counts enterprises at it ("100万元以上" includes 100万元).
TEST(FirmConcentrationTest, ThresholdIsInclusive) {
  const absl::StatusOr<std::vector<ThresholdCount>> c =
      CountAtOrAbove({{"a", "", Yuan(1'000'000)}, {"b", "", Yuan(1'000'000) - 1}}, {Wan(100)});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].count, 1);
}

// Year-to-date output is annualised before comparing with annual thresholds.
TEST(FirmConcentrationTest, AnnualisesYearToDate) {
  const std::vector<FirmValue> firms = {{"a", "", Wan(60)}};  // six months
  EXPECT_EQ((*CountAtOrAbove(firms, {Wan(100)}, 6))[0].count, 1);   // 120万 a year
  EXPECT_EQ((*CountAtOrAbove(firms, {Wan(100)}, 12))[0].count, 0);  // 60万 a year
}

// No output: concentration undefined, counts zero, no leaders; zero firms count as given.
TEST(FirmConcentrationTest, NoOutput) {
  const absl::StatusOr<FirmConcentration> c =
      ComputeFirmConcentration({{"a", "", 0}, {"b", "", 0}}, FirmConfig{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->firms, 2);
  EXPECT_EQ(c->firms_with_output, 0);
  EXPECT_EQ(c->cr1, std::nullopt);
  EXPECT_EQ(c->cr3, std::nullopt);
  EXPECT_TRUE(c->leading.empty());
  for (const ThresholdCount& t : c->over_thresholds) EXPECT_EQ(t.count, 0);
}

// Repeated ids, negative output and months outside 1..12 are refused.
TEST(FirmConcentrationTest, InvalidInput) {
  EXPECT_EQ(ComputeFirmConcentration({{"a", "", 1}, {"a", "", 2}}, FirmConfig{})
                .status()
                .message(),
            "enterprise a appears more than once (expected one figure per enterprise)");
  EXPECT_EQ(ComputeFirmConcentration({{"a", "", -1}}, FirmConfig{}).status().message(),
            "enterprise a has a negative output -1 fen (expected a figure >= 0)");
  EXPECT_EQ(ComputeFirmConcentration({{"a", "", 1}}, FirmConfig{}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cw::metrics
