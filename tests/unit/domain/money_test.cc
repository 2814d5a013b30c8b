#include "common/domain/money.h"

#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {

// Parses and expects success.
int64_t Fen(std::string_view text, MoneyUnit unit) {
  absl::StatusOr<int64_t> fen = ParseMoney(text, unit);
  EXPECT_TRUE(fen.ok()) << text << ": " << fen.status();
  return fen.value_or(-1);
}

// Every Chinese and ASCII unit name maps to its unit.
TEST(ParseMoneyUnitTest, AcceptsChineseAndAsciiNames) {
  EXPECT_EQ(*ParseMoneyUnit("元"), MoneyUnit::kYuan);
  EXPECT_EQ(*ParseMoneyUnit("千元"), MoneyUnit::kThousandYuan);
  EXPECT_EQ(*ParseMoneyUnit("万元"), MoneyUnit::kTenThousandYuan);
  EXPECT_EQ(*ParseMoneyUnit("亿元"), MoneyUnit::kHundredMillionYuan);
  EXPECT_EQ(*ParseMoneyUnit("yuan"), MoneyUnit::kYuan);
  EXPECT_EQ(*ParseMoneyUnit("Thousand"), MoneyUnit::kThousandYuan);
  EXPECT_EQ(*ParseMoneyUnit("10K"), MoneyUnit::kTenThousandYuan);
  EXPECT_EQ(*ParseMoneyUnit("100M"), MoneyUnit::kHundredMillionYuan);
  EXPECT_EQ(*ParseMoneyUnit(" 万元 "), MoneyUnit::kTenThousandYuan);
}

// An unknown unit names the text and the accepted names.
TEST(ParseMoneyUnitTest, RejectsUnknownUnit) {
  absl::StatusOr<MoneyUnit> unit = ParseMoneyUnit("美元");
  EXPECT_EQ(unit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unit.status().message(),
            "'美元' is not a money unit (expected 元, 千元, 万元, 亿元, yuan, thousand, 10k or "
            "100m)");
}

// Whole numbers scale by the unit.
TEST(ParseMoneyTest, WholeNumbersInEachUnit) {
  EXPECT_EQ(Fen("1234", MoneyUnit::kYuan), 123400);
  EXPECT_EQ(Fen("1234", MoneyUnit::kThousandYuan), 123400000);
  EXPECT_EQ(Fen("3", MoneyUnit::kTenThousandYuan), 3000000);
  EXPECT_EQ(Fen("2", MoneyUnit::kHundredMillionYuan), 20000000000);
  EXPECT_EQ(Fen("0", MoneyUnit::kYuan), 0);
}

// Fractions are exact, including the examples from the brief.
TEST(ParseMoneyTest, FractionsAreExact) {
  EXPECT_EQ(Fen("1234.567", MoneyUnit::kThousandYuan), 123456700);
  EXPECT_EQ(Fen("244.77", MoneyUnit::kHundredMillionYuan), 2447700000000);
  EXPECT_EQ(Fen("1234.5", MoneyUnit::kYuan), 123450);
  EXPECT_EQ(Fen("0.01", MoneyUnit::kYuan), 1);
  EXPECT_EQ(Fen("0.00001", MoneyUnit::kThousandYuan), 1);
  EXPECT_EQ(Fen("0.000001", MoneyUnit::kTenThousandYuan), 1);
  EXPECT_EQ(Fen("0.0000000001", MoneyUnit::kHundredMillionYuan), 1);
  // 0.1 + 0.2 style values that floating point gets wrong.
  EXPECT_EQ(Fen("0.3", MoneyUnit::kYuan), 30);
  EXPECT_EQ(Fen("1.15", MoneyUnit::kYuan), 115);
}

// Signs, spaces and thousands separators are accepted.
TEST(ParseMoneyTest, SignsSpacesAndSeparators) {
  EXPECT_EQ(Fen("-3", MoneyUnit::kYuan), -300);
  EXPECT_EQ(Fen("+3", MoneyUnit::kYuan), 300);
  EXPECT_EQ(Fen(" 12 ", MoneyUnit::kYuan), 1200);
  EXPECT_EQ(Fen("1,234.50", MoneyUnit::kYuan), 123450);
  EXPECT_EQ(Fen("1,234,567", MoneyUnit::kYuan), 123456700);
  EXPECT_EQ(Fen("-1,000", MoneyUnit::kThousandYuan), -100000000);
}

// Trailing zeros beyond a fen express nothing finer and are accepted.
TEST(ParseMoneyTest, TrailingFractionZerosAccepted) {
  EXPECT_EQ(Fen("1.500", MoneyUnit::kYuan), 150);
  EXPECT_EQ(Fen("2.0000000", MoneyUnit::kYuan), 200);
}

// A value finer than a fen is refused, quoting the text.
TEST(ParseMoneyTest, RejectsFinerThanAFen) {
  absl::StatusOr<int64_t> fen = ParseMoney("0.001", MoneyUnit::kYuan);
  EXPECT_EQ(fen.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fen.status().message(),
            "'0.001' is finer than a fen (expected at most 2 fraction digits in 元)");
  fen = ParseMoney("1.234561", MoneyUnit::kThousandYuan);
  EXPECT_EQ(fen.status().message(),
            "'1.234561' is finer than a fen (expected at most 5 fraction digits in 千元)");
}

// Text that is not a decimal number is refused with what was expected.
TEST(ParseMoneyTest, RejectsNonDecimalText) {
  for (const char* text : {"12a", "abc", "1.2.3", "12.", ".5", "-", "1e5", "１２", "1 2"}) {
    absl::StatusOr<int64_t> fen = ParseMoney(text, MoneyUnit::kThousandYuan);
    EXPECT_EQ(fen.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(fen.status().message(),
              absl::StrCat("'", text,
                           "' is not a decimal number (expected digits with an optional "
                           "fraction, in 千元)"))
        << text;
  }
}

// Thousands separators must group digits in threes.
TEST(ParseMoneyTest, RejectsMisplacedSeparators) {
  for (const char* text : {"1,23", "12,3456", ",123", "1,,234", "1234,567", "1,234."}) {
    absl::StatusOr<int64_t> fen = ParseMoney(text, MoneyUnit::kYuan);
    EXPECT_EQ(fen.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_EQ(ParseMoney("1,23", MoneyUnit::kYuan).status().message(),
            "'1,23' has a misplaced thousands separator (expected digits grouped in threes "
            "such as 1,234,567.89, in 元)");
}

// Empty text is not zero.
TEST(ParseMoneyTest, RejectsEmptyText) {
  absl::StatusOr<int64_t> fen = ParseMoney("  ", MoneyUnit::kThousandYuan);
  EXPECT_EQ(fen.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fen.status().message(),
            "'  ' is empty (expected digits with an optional fraction, in 千元; a missing "
            "figure is not zero)");
}

// The int64 fen limits are reachable exactly and one fen beyond is out of range.
TEST(ParseMoneyTest, Int64Boundaries) {
  EXPECT_EQ(Fen("92233720368547758.07", MoneyUnit::kYuan),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Fen("-92233720368547758.08", MoneyUnit::kYuan),
            std::numeric_limits<int64_t>::min());
  absl::StatusOr<int64_t> fen = ParseMoney("92233720368547758.08", MoneyUnit::kYuan);
  EXPECT_EQ(fen.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(fen.status().message(),
            "'92233720368547758.08' in 元 is outside the range of int64 fen (expected at most "
            "92,233,720,368,547,758.07 元 in magnitude)");
  EXPECT_EQ(Fen("922337203.685477580", MoneyUnit::kHundredMillionYuan),
            int64_t{9223372036854775800});
  EXPECT_EQ(ParseMoney("922337203.68547759", MoneyUnit::kHundredMillionYuan).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseMoney("1000000000", MoneyUnit::kHundredMillionYuan).status().code(),
            absl::StatusCode::kOutOfRange);
}

// Very long digit strings are out of range rather than wrapping around.
TEST(ParseMoneyTest, HugeNumbersAreOutOfRange) {
  const std::string huge(200, '9');
  EXPECT_EQ(ParseMoney(huge, MoneyUnit::kYuan).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseMoney("340282366920938463463374607431768211457", MoneyUnit::kYuan)
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
}

// Yuan formatting groups thousands and keeps two decimals.
TEST(FormatYuanTest, GroupsThousandsWithTwoDecimals) {
  EXPECT_EQ(FormatYuan(123456789), "1,234,567.89");
  EXPECT_EQ(FormatYuan(0), "0.00");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(100), "1.00");
  EXPECT_EQ(FormatYuan(99999), "999.99");
  EXPECT_EQ(FormatYuan(100000), "1,000.00");
  EXPECT_EQ(FormatYuan(-123456789), "-1,234,567.89");
  EXPECT_EQ(FormatYuan(std::numeric_limits<int64_t>::max()), "92,233,720,368,547,758.07");
  EXPECT_EQ(FormatYuan(std::numeric_limits<int64_t>::min()), "-92,233,720,368,547,758.08");
}

// 亿元 formatting rounds half away from zero to two decimals.
TEST(FormatYiTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(FormatYi(2447700000000), "244.77");
  EXPECT_EQ(FormatYi(0), "0.00");
  EXPECT_EQ(FormatYi(10000000000), "1.00");
  EXPECT_EQ(FormatYi(49999999), "0.00");
  EXPECT_EQ(FormatYi(50000000), "0.01");
  EXPECT_EQ(FormatYi(150000000), "0.02");
  EXPECT_EQ(FormatYi(-50000000), "-0.01");
  EXPECT_EQ(FormatYi(-49999999), "0.00");
  EXPECT_EQ(FormatYi(std::numeric_limits<int64_t>::min()), "-922337203.69");
}

// Parsing what FormatYuan printed gives back the same fen.
TEST(FormatYuanTest, RoundTripsThroughParseMoney) {
  for (int64_t fen : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{123456789},
                      int64_t{-987654321012}, std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(Fen(FormatYuan(fen), MoneyUnit::kYuan), fen);
  }
}

}  // namespace
}  // namespace cw::domain
