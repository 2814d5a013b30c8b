#include "common/domain/derive.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

using Flows = std::array<int64_t, kFlowFields>;

Period Month(int month) { return Period{2024, month, false}; }
Period JanFeb() { return Period{2024, 2, true}; }

// A report whose first flow is `value` and the others are fixed multiples of it.
PeriodValues Report(Period p, bool ytd, int64_t value, int64_t level = 0) {
  PeriodValues v;
  v.period = p;
  v.ytd_basis = ytd;
  for (int f = 0; f < kFlowFields; ++f) v.flows[f] = value * (f + 1);
  v.level = level;
  return v;
}

std::vector<std::string> Keys(const std::vector<DerivedValues>& d) {
  std::vector<std::string> keys;
  for (const DerivedValues& v : d) keys.push_back(v.period.Key());
  return keys;
}

std::vector<int64_t> MonthOf(const std::vector<DerivedValues>& d, int field = 0) {
  std::vector<int64_t> out;
  for (const DerivedValues& v : d) out.push_back(v.month[field]);
  return out;
}

std::vector<int64_t> YtdOf(const std::vector<DerivedValues>& d, int field = 0) {
  std::vector<int64_t> out;
  for (const DerivedValues& v : d) out.push_back(v.ytd[field]);
  return out;
}

// Nothing reported, nothing derived.
TEST(DeriveYearTest, Empty) { EXPECT_TRUE(DeriveYear({}).empty()); }

// Month values accumulate into year-to-date, on every flow.
TEST(DeriveYearTest, MonthBasisSeries) {
  const std::vector<DerivedValues> d = DeriveYear(
      {Report(Month(1), false, 10), Report(Month(2), false, 20), Report(Month(3), false, 30)});
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"2024-01", "2024-02", "2024-03"}));
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 30, 60}));
  const int64_t k = kFlowFields;  // the last field holds value * kFlowFields
  EXPECT_EQ(MonthOf(d, kFlowFields - 1), (std::vector<int64_t>{10 * k, 20 * k, 30 * k}));
  EXPECT_EQ(YtdOf(d, kFlowFields - 1), (std::vector<int64_t>{10 * k, 30 * k, 60 * k}));
}

// Year-to-date values difference into month values.
TEST(DeriveYearTest, YtdBasisSeries) {
  const std::vector<DerivedValues> d = DeriveYear(
      {Report(Month(1), true, 10), Report(Month(2), true, 30), Report(Month(3), true, 60)});
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 30, 60}));
  EXPECT_EQ(MonthOf(d, 2), (std::vector<int64_t>{30, 60, 90}));
}

// Month and year-to-date reports mix within one year.
TEST(DeriveYearTest, MixedBases) {
  const std::vector<DerivedValues> d =
      DeriveYear({Report(Month(1), false, 10), Report(Month(2), true, 25),
                  Report(Month(3), false, 5), Report(Month(4), true, 50)});
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{10, 15, 5, 20}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 25, 30, 50}));
}

// A missing month contributes nothing to month sums; a year-to-date report after a gap
// carries the gap in its month value.
TEST(DeriveYearTest, Gap) {
  std::vector<DerivedValues> d =
      DeriveYear({Report(Month(1), false, 10), Report(Month(4), false, 40)});
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"2024-01", "2024-04"}));
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{10, 40}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 50}));

  d = DeriveYear({Report(Month(1), true, 10), Report(Month(4), true, 100)});
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{10, 90}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 100}));
}

// A first report later in the year stands alone: its month value is its year-to-date value.
TEST(DeriveYearTest, FirstReportMidYear) {
  const std::vector<DerivedValues> d = DeriveYear({Report(Month(6), true, 600)});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].month[0], 600);
  EXPECT_EQ(d[0].ytd[0], 600);
}

// January–February combined, then March: the combined period is its own first step.
TEST(DeriveYearTest, JanFebThenMarch) {
  std::vector<DerivedValues> d =
      DeriveYear({Report(Month(3), true, 50), Report(JanFeb(), true, 30)});
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"2024-01/02", "2024-03"}));
  EXPECT_TRUE(d[0].period.jan_feb);
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{30, 20}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{30, 50}));

  d = DeriveYear({Report(JanFeb(), false, 30), Report(Month(3), false, 20)});
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{30, 20}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{30, 50}));
}

// A year-to-date figure lower than the previous one yields a negative month (a downward
// revision of earlier months shows up in the latest month).
TEST(DeriveYearTest, DownwardYtdGivesNegativeMonth) {
  const std::vector<DerivedValues> d =
      DeriveYear({Report(Month(1), true, 100), Report(Month(2), true, 80),
                  Report(Month(3), true, 120)});
  EXPECT_EQ(MonthOf(d), (std::vector<int64_t>{100, -20, 40}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{100, 80, 120}));
}

// Input order does not matter; output is in period order.
TEST(DeriveYearTest, AnyInputOrder) {
  const std::vector<DerivedValues> d =
      DeriveYear({Report(Month(3), false, 30), Report(Month(1), false, 10),
                  Report(Month(2), false, 20)});
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"2024-01", "2024-02", "2024-03"}));
  EXPECT_EQ(YtdOf(d), (std::vector<int64_t>{10, 30, 60}));
}

// Levels (employees) are never cumulated, whatever the basis.
TEST(DeriveYearTest, LevelsAreNotCumulated) {
  const std::vector<DerivedValues> d =
      DeriveYear({Report(Month(1), false, 10, 100), Report(Month(2), true, 30, 110),
                  Report(Month(3), false, 5, 90)});
  std::vector<int64_t> levels;
  for (const DerivedValues& v : d) levels.push_back(v.level);
  EXPECT_EQ(levels, (std::vector<int64_t>{100, 110, 90}));
}

// Flows derive independently of each other.
TEST(DeriveYearTest, FlowsAreIndependent) {
  PeriodValues jan;
  jan.period = Month(1);
  jan.flows = Flows{1, 2, 3, 4, 5, 6};
  PeriodValues feb;
  feb.period = Month(2);
  feb.ytd_basis = true;
  feb.flows = Flows{10, 2, 0, 40, 5, 100};
  const std::vector<DerivedValues> d = DeriveYear({jan, feb});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[1].month, (Flows{9, 0, -3, 36, 0, 94}));
  EXPECT_EQ(d[1].ytd, (Flows{10, 2, 0, 40, 5, 100}));
}

}  // namespace
}  // namespace cw::domain
