#include "common/metrics/values.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// A ratio over zero is not defined rather than NaN.
TEST(RatioTest, ZeroDenominatorIsUndefined) {
  EXPECT_DOUBLE_EQ(*Ratio(1, 4), 0.25);
  EXPECT_EQ(Ratio(1, 0), std::nullopt);
  EXPECT_EQ(Ratio(0, 0), std::nullopt);
}

// Annualising scales year-to-date by 12 / months, rounding half away from zero.
TEST(AnnualiseTest, ScalesAndRounds) {
  EXPECT_EQ(Annualise(300, 3), 1200);
  EXPECT_EQ(Annualise(100, 7), 171);  // 1200 / 7 = 171.43
  EXPECT_EQ(Annualise(5, 8), 8);      // 60 / 8 = 7.5
  EXPECT_EQ(Annualise(-5, 8), -8);
  EXPECT_EQ(Annualise(123456789, 12), 123456789);
  EXPECT_EQ(Annualise(200, 2), 1200);  // 1-2月
}

// Months outside 1..12 and overflow are not defined.
TEST(AnnualiseTest, UndefinedOutsideRange) {
  EXPECT_EQ(Annualise(100, 0), std::nullopt);
  EXPECT_EQ(Annualise(100, 13), std::nullopt);
  EXPECT_EQ(Annualise(std::numeric_limits<int64_t>::max(), 1), std::nullopt);
}

// The top share of n units rounds up, without floating-point surprises.
TEST(TopCountTest, CeilingOfShare) {
  EXPECT_EQ(TopCount(0.2, 10), 2);
  EXPECT_EQ(TopCount(0.6, 10), 6);
  EXPECT_EQ(TopCount(0.95, 10), 10);
  EXPECT_EQ(TopCount(0.95, 20), 19);
  EXPECT_EQ(TopCount(0.1, 5), 1);
  EXPECT_EQ(TopCount(0.1, 25), 3);
  EXPECT_EQ(TopCount(1.0, 5), 5);
  EXPECT_EQ(TopCount(0.0, 5), 0);
  EXPECT_EQ(TopCount(0.1, 0), 0);
}

// Percentages and money print as the explanations show them.
TEST(FormatTest, PercentAndMoney) {
  EXPECT_EQ(FormatPercent(0.1234), "12.3%");
  EXPECT_EQ(FormatPercent(0.2), "20.0%");
  EXPECT_EQ(FormatMoneyZh(352'000'000'000), "35.20亿元");
  EXPECT_EQ(FormatMoneyZh(10 * kFenPerYi), "10.00亿元");
  EXPECT_EQ(FormatMoneyZh(5'000 * kFenPerWan), "5000.00万元");
  EXPECT_EQ(FormatMoneyZh(0), "0.00万元");
  EXPECT_EQ(FormatMoneyEn(352'000'000'000), "CNY 3.52 bn");
  EXPECT_EQ(FormatMoneyEn(kFenPerYi), "CNY 100.00 m");
}

}  // namespace
}  // namespace cw::metrics
