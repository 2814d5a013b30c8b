#include "common/domain/period.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

Period Month(int year, int month) { return Period{year, month, false}; }
Period JanFeb(int year) { return Period{year, 2, true}; }

// Parses and expects success.
Period Parse(std::string_view text) {
  absl::StatusOr<Period> p = ParsePeriod(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.value_or(Period{});
}

// Keys are zero-padded; January–February has its own key.
TEST(PeriodTest, Key) {
  EXPECT_EQ(Month(2024, 3).Key(), "2024-03");
  EXPECT_EQ(Month(2024, 12).Key(), "2024-12");
  EXPECT_EQ(Month(2024, 1).Key(), "2024-01");
  EXPECT_EQ(JanFeb(2024).Key(), "2024-01/02");
}

// The Chinese form is the one used in statistical bulletins.
TEST(PeriodTest, Chinese) {
  EXPECT_EQ(Month(2024, 3).Chinese(), "2024年3月");
  EXPECT_EQ(Month(2024, 11).Chinese(), "2024年11月");
  EXPECT_EQ(JanFeb(2024).Chinese(), "2024年1-2月");
}

// The first month covered is 1 for January–February.
TEST(PeriodTest, FirstMonth) {
  EXPECT_EQ(JanFeb(2024).FirstMonth(), 1);
  EXPECT_EQ(Month(2024, 2).FirstMonth(), 2);
  EXPECT_EQ(Month(2024, 7).FirstMonth(), 7);
}

// Periods order as their keys: January < January–February < February < March.
TEST(PeriodTest, PeriodLessFollowsKeys) {
  std::vector<Period> periods = {Month(2024, 3), Month(2023, 12), Month(2024, 2),
                                 JanFeb(2024), Month(2024, 1), Month(2024, 10)};
  std::sort(periods.begin(), periods.end(), PeriodLess);
  std::vector<std::string> keys;
  for (const Period& p : periods) keys.push_back(p.Key());
  EXPECT_EQ(keys, (std::vector<std::string>{"2023-12", "2024-01", "2024-01/02", "2024-02",
                                            "2024-03", "2024-10"}));
  EXPECT_FALSE(PeriodLess(Month(2024, 3), Month(2024, 3)));
}

// Every documented single-month form parses.
TEST(ParsePeriodTest, MonthForms) {
  for (const char* text :
       {"2024-03", "202403", "2024-3", "2024年3月", "2024年03月", " 2024-03 ", "2024年3",
        "2024 年 3 月"}) {
    EXPECT_EQ(Parse(text), Month(2024, 3)) << text;
  }
  EXPECT_EQ(Parse("2024-12"), Month(2024, 12));
  EXPECT_EQ(Parse("2024-1"), Month(2024, 1));
}

// Every documented January–February form parses to the combined period.
TEST(ParsePeriodTest, JanuaryFebruaryForms) {
  for (const char* text : {"2024-01/02", "2024-1-2", "2024年1-2月", "2024-01~02",
                           "2024年1～2月", "2024年1—2月", "2024-01-02", "2024年1至2月",
                           "2024 年 1-2 月", "2024-01 / 02"}) {
    EXPECT_EQ(Parse(text), JanFeb(2024)) << text;
  }
}

// Text in no known form is refused with the expected forms.
TEST(ParsePeriodTest, RejectsUnknownForms) {
  for (const char* text : {"", "March 2024", "24-03", "2024", "2024-", "2024-003",
                           "2024/03x", "20243", "2024-03-"}) {
    absl::StatusOr<Period> p = ParsePeriod(text);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_EQ(ParsePeriod("March 2024").status().message(),
            "'March 2024' is not a period (expected 2024-03, 202403, 2024-3 or 2024年3月; for "
            "January–February 2024-01/02, 2024-1-2, 2024-01~02 or 2024年1-2月)");
}

// Months outside 1..12 are refused naming the month.
TEST(ParsePeriodTest, RejectsMonthOutOfRange) {
  EXPECT_EQ(ParsePeriod("2024-13").status().message(), "month 13 in '2024-13' is outside 1..12");
  EXPECT_EQ(ParsePeriod("202400").status().message(), "month 0 in '202400' is outside 1..12");
  EXPECT_EQ(ParsePeriod("2024年0月").status().code(), absl::StatusCode::kInvalidArgument);
}

// Years outside 1949..2100 are refused naming the year.
TEST(ParsePeriodTest, RejectsYearOutOfRange) {
  EXPECT_EQ(ParsePeriod("1948-12").status().message(),
            "year 1948 in '1948-12' is outside 1949..2100");
  EXPECT_EQ(ParsePeriod("210101").status().message(),
            "year 2101 in '210101' is outside 1949..2100");
  EXPECT_EQ(Parse("1949-01"), Month(1949, 1));
  EXPECT_EQ(Parse("2100-12"), Month(2100, 12));
}

// Only the January–February range exists; other ranges are refused.
TEST(ParsePeriodTest, RejectsOtherRanges) {
  absl::StatusOr<Period> p = ParsePeriod("2024年1-3月");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(),
            "'2024年1-3月' covers months 1 to 3 (expected a single month, or 1-2 for the "
            "combined January–February period)");
  EXPECT_EQ(ParsePeriod("2024-02/03").status().code(), absl::StatusCode::kInvalidArgument);
}

// Same period last year keeps January–February combined.
TEST(PeriodTest, SameLastYear) {
  EXPECT_EQ(SameLastYear(Month(2024, 3)), Month(2023, 3));
  EXPECT_EQ(SameLastYear(JanFeb(2024)), JanFeb(2023));
}

// Keys parse back to the same period.
TEST(ParsePeriodTest, KeysRoundTrip) {
  for (const Period& p : {Month(2024, 1), JanFeb(2024), Month(2024, 2), Month(2025, 12)}) {
    EXPECT_EQ(Parse(p.Key()), p) << p.Key();
    EXPECT_EQ(Parse(p.Chinese()), p) << p.Chinese();
  }
}

}  // namespace
}  // namespace cw::domain
