#include "common/metrics/growth.h"

#include <vector>

#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

using domain::Period;

Period M(int year, int month) { return Period{year, month, false}; }
Period JF(int year) { return Period{year, 2, true}; }

// Growth is current / base − 1.
TEST(GrowthRateTest, HandComputed) {
  EXPECT_DOUBLE_EQ(*GrowthRate(110, 100), 0.1);
  EXPECT_DOUBLE_EQ(*GrowthRate(0, 100), -1.0);
  EXPECT_DOUBLE_EQ(*GrowthRate(75, 100), -0.25);
}

// Zero (or negative) prior-year output leaves growth undefined.
TEST(GrowthRateTest, ZeroBaseIsUndefined) {
  EXPECT_EQ(GrowthRate(5, 0), std::nullopt);
  EXPECT_EQ(GrowthRate(5, -1), std::nullopt);
}

// CAGR: 100 → 121 over two years is 10% a year.
TEST(CagrTest, HandComputed) {
  EXPECT_NEAR(*Cagr(100, 121, 2), 0.1, 1e-12);
  EXPECT_NEAR(*Cagr(1000, 1331, 3), 0.1, 1e-12);
  EXPECT_NEAR(*Cagr(100, 50, 1), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(*Cagr(100, 0, 2), -1.0);
}

// CAGR is undefined from zero, to a negative figure, or over no years.
TEST(CagrTest, Undefined) {
  EXPECT_EQ(Cagr(0, 10, 3), std::nullopt);
  EXPECT_EQ(Cagr(10, -1, 3), std::nullopt);
  EXPECT_EQ(Cagr(10, 20, 0), std::nullopt);
}

// CAGR between two years of an annual series; a missing year is undefined.
TEST(CagrTest, BetweenYears) {
  const std::vector<YearValue> annual = {{2020, 1000}, {2021, 1100}, {2023, 1331}};
  EXPECT_NEAR(*CagrBetween(annual, 2020, 2023), 0.1, 1e-12);
  EXPECT_NEAR(*CagrBetween(annual, 2020, 2021), 0.1, 1e-12);
  EXPECT_EQ(CagrBetween(annual, 2020, 2022), std::nullopt);
  EXPECT_EQ(CagrBetween(annual, 2023, 2020), std::nullopt);
}

// 1-2月 covers two months; year to date covers months 1..month.
TEST(PeriodMonthsTest, CoveredAndToDate) {
  EXPECT_EQ(MonthsCovered(JF(2024)), 2);
  EXPECT_EQ(MonthsCovered(M(2024, 2)), 1);
  EXPECT_EQ(MonthsToDate(JF(2024)), 2);
  EXPECT_EQ(MonthsToDate(M(2024, 1)), 1);
  EXPECT_EQ(MonthsToDate(M(2024, 7)), 7);
}

// A 1-2月 value is its own entry, or January plus February when both are reported.
TEST(MonthValueTest, JanFebCombinedOrSummed) {
  const std::vector<PeriodValue> combined = {{JF(2024), 200}, {M(2024, 3), 120}};
  EXPECT_EQ(MonthValue(combined, JF(2024)), 200);
  EXPECT_EQ(MonthValue(combined, M(2024, 3)), 120);
  // A single January or February cannot be split out of 1-2月.
  EXPECT_EQ(MonthValue(combined, M(2024, 1)), std::nullopt);
  EXPECT_EQ(MonthValue(combined, M(2024, 2)), std::nullopt);

  const std::vector<PeriodValue> singles = {{M(2023, 1), 90}, {M(2023, 2), 100}};
  EXPECT_EQ(MonthValue(singles, JF(2023)), 190);
  EXPECT_EQ(MonthValue({{M(2023, 1), 90}}, JF(2023)), std::nullopt);
}

// Year to date sums 1-2月 and the later months.
TEST(YearToDateTest, SumsMonthsWithJanFeb) {
  const std::vector<PeriodValue> s = {
      {JF(2024), 200}, {M(2024, 3), 120}, {M(2024, 4), 130}};
  EXPECT_EQ(YearToDate(s, M(2024, 4)), 450);
  EXPECT_EQ(YearToDate(s, M(2024, 3)), 320);
  EXPECT_EQ(YearToDate(s, JF(2024)), 200);
  EXPECT_EQ(YearToDate(s, M(2024, 2)), 200);  // through February = 1-2月
  EXPECT_EQ(YearToDate(s, M(2024, 1)), std::nullopt);
  EXPECT_TRUE(MissingMonths(s, M(2024, 4)).empty());
}

// A missing month makes year to date undefined and is listed.
TEST(YearToDateTest, MissingMonthIsUndefined) {
  const std::vector<PeriodValue> s = {{M(2024, 1), 90}, {M(2024, 2), 100}, {M(2024, 4), 130}};
  EXPECT_EQ(YearToDate(s, M(2024, 4)), std::nullopt);
  EXPECT_EQ(YearToDate(s, M(2024, 2)), 190);
  EXPECT_EQ(MissingMonths(s, M(2024, 5)), (std::vector<int>{3, 5}));
  EXPECT_EQ(MissingMonths({}, JF(2024)), (std::vector<int>{1, 2}));
}

// 1-2月 compares with the prior 1-2月, summing the prior January and February if need be.
TEST(YearOnYearTest, JanFebAgainstJanFeb) {
  const std::vector<PeriodValue> s = {{M(2023, 1), 90}, {M(2023, 2), 100}, {JF(2024), 209}};
  const Growth g = YearOnYear(s, JF(2024));
  EXPECT_EQ(g.current, 209);
  EXPECT_EQ(g.base, 190);
  EXPECT_EQ(g.base_period, JF(2023));
  EXPECT_NEAR(*g.rate, 0.1, 1e-12);

  const std::vector<PeriodValue> both = {{JF(2023), 200}, {JF(2024), 230}};
  EXPECT_NEAR(*YearOnYear(both, JF(2024)).rate, 0.15, 1e-12);
}

// A single February cannot compare with a prior year known only as 1-2月.
TEST(YearOnYearTest, SingleMonthAgainstCombinedIsUndefined) {
  const std::vector<PeriodValue> s = {{JF(2023), 200}, {M(2024, 1), 95}, {M(2024, 2), 105}};
  const Growth g = YearOnYear(s, M(2024, 2));
  EXPECT_EQ(g.current, 105);
  EXPECT_EQ(g.base, std::nullopt);
  EXPECT_EQ(g.rate, std::nullopt);
  // The combined period still compares: 95 + 105 against 200.
  EXPECT_NEAR(*YearOnYear(s, JF(2024)).rate, 0.0, 1e-12);
}

// Zero prior-year output and a missing prior month leave year-on-year undefined.
TEST(YearOnYearTest, ZeroOrMissingBase) {
  const std::vector<PeriodValue> s = {{M(2023, 5), 0}, {M(2024, 5), 50}, {M(2024, 6), 60}};
  const Growth zero = YearOnYear(s, M(2024, 5));
  EXPECT_EQ(zero.base, 0);
  EXPECT_EQ(zero.rate, std::nullopt);
  const Growth missing = YearOnYear(s, M(2024, 6));
  EXPECT_EQ(missing.base, std::nullopt);
  EXPECT_EQ(missing.rate, std::nullopt);
}

// Year-to-date growth compares the cumulative figures of the same months.
TEST(YearOnYearTest, YearToDate) {
  const std::vector<PeriodValue> s = {
      {JF(2023), 200}, {M(2023, 3), 100}, {JF(2024), 220}, {M(2024, 3), 110}};
  const Growth g = YearToDateOnYear(s, M(2024, 3));
  EXPECT_EQ(g.current, 330);
  EXPECT_EQ(g.base, 300);
  EXPECT_NEAR(*g.rate, 0.1, 1e-12);
  // Through February of a single-month year against a combined prior year.
  const std::vector<PeriodValue> t = {{JF(2023), 200}, {M(2024, 1), 100}, {M(2024, 2), 120}};
  EXPECT_NEAR(*YearToDateOnYear(t, M(2024, 2)).rate, 0.1, 1e-12);
}

// March compares per month with 1-2月: 120 against 200 / 2.
TEST(MonthOnMonthTest, MarchAgainstJanFeb) {
  const std::vector<PeriodValue> s = {{JF(2024), 200}, {M(2024, 3), 120}, {M(2024, 4), 130}};
  const Growth march = MonthOnMonth(s, M(2024, 3));
  EXPECT_EQ(march.base_period, JF(2024));
  EXPECT_EQ(march.base, 200);
  EXPECT_NEAR(*march.rate, 0.2, 1e-12);
  EXPECT_NEAR(*MonthOnMonth(s, M(2024, 4)).rate, 130.0 / 120.0 - 1.0, 1e-12);
}

// March prefers a single February; 1-2月 and January compare with the prior December.
TEST(MonthOnMonthTest, PreviousPeriods) {
  const std::vector<PeriodValue> s = {
      {M(2023, 12), 80}, {M(2024, 1), 90}, {M(2024, 2), 110}, {M(2024, 3), 121}};
  const Growth march = MonthOnMonth(s, M(2024, 3));
  EXPECT_EQ(march.base_period, M(2024, 2));
  EXPECT_NEAR(*march.rate, 0.1, 1e-12);
  const Growth jf = MonthOnMonth(s, JF(2024));  // (90 + 110) / 2 against 80
  EXPECT_EQ(jf.base_period, M(2023, 12));
  EXPECT_NEAR(*jf.rate, 0.25, 1e-12);
  EXPECT_NEAR(*MonthOnMonth(s, M(2024, 1)).rate, 90.0 / 80.0 - 1.0, 1e-12);
  // No December 2022: undefined.
  EXPECT_EQ(MonthOnMonth({{M(2023, 1), 5}}, M(2023, 1)).rate, std::nullopt);
}

// Same-enterprise growth leaves out entrants and exits; the headline rate does not.
TEST(SameScopeTest, MatchedEnterprisesOnly) {
  const std::vector<FirmValue> current = {{"A", "", 110}, {"B", "", 60}, {"C", "", 30}};
  const std::vector<FirmValue> prior = {{"A", "", 100}, {"B", "", 50}, {"D", "", 40}};
  const absl::StatusOr<SameScopeGrowth> g = SameScopeYearOnYear(current, prior);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->current_total, 200);
  EXPECT_EQ(g->prior_total, 190);
  EXPECT_EQ(g->comparable_current, 170);
  EXPECT_EQ(g->comparable_prior, 150);
  EXPECT_EQ(g->matched, 2);
  EXPECT_EQ(g->entered, 1);
  EXPECT_EQ(g->exited, 1);
  EXPECT_NEAR(*g->rate, 170.0 / 150.0 - 1.0, 1e-12);
  EXPECT_NEAR(*g->headline_rate, 200.0 / 190.0 - 1.0, 1e-12);
}

// With no comparable prior output the same-scope rate is undefined.
TEST(SameScopeTest, NoComparableBase) {
  const absl::StatusOr<SameScopeGrowth> g =
      SameScopeYearOnYear({{"A", "", 10}}, {{"B", "", 10}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->matched, 0);
  EXPECT_EQ(g->rate, std::nullopt);
  EXPECT_NEAR(*g->headline_rate, 0.0, 1e-12);
}

// A repeated enterprise is refused, naming it.
TEST(SameScopeTest, RepeatedEnterprise) {
  const absl::StatusOr<SameScopeGrowth> g =
      SameScopeYearOnYear({{"A", "", 10}}, {{"A", "", 1}, {"A", "", 2}});
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(g.status().message(),
            "enterprise A appears more than once in the prior-year figures (expected one "
            "figure per enterprise)");
}

}  // namespace
}  // namespace cw::metrics
