#include "common/disclosure/rules.h"

#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::disclosure {
namespace {

std::string ParseError(std::string_view text) {
  absl::StatusOr<Rules> r = ParseRules(text);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(r.status().message());
}

// The documented defaults, and they validate.
TEST(RulesTest, Defaults) {
  const Rules r;
  EXPECT_EQ(r.n_min, 3);
  EXPECT_EQ(r.dominance_n, 2);
  EXPECT_DOUBLE_EQ(r.dominance_k, 0.85);
  EXPECT_DOUBLE_EQ(r.p, 0.10);
  EXPECT_TRUE(ValidateRules(r).ok());
}

// Shares are rounded to millionths, so 0.57 is exactly 570000 (0.57 * 1e6 is not).
TEST(RulesTest, SharePpm) {
  EXPECT_EQ(SharePpm(0.85), 850'000);
  EXPECT_EQ(SharePpm(0.57), 570'000);
  EXPECT_EQ(SharePpm(0.1), 100'000);
  EXPECT_EQ(SharePpm(1.0), 1'000'000);
  EXPECT_EQ(SharePpm(0.0), 0);
}

// Out-of-range fields name the key, the value and the range; boundaries are accepted.
TEST(RulesTest, Validate) {
  EXPECT_EQ(ValidateRules(Rules{.n_min = 0}).message(),
            "n_min = 0 is out of range (expected a count in 1..1000000)");
  EXPECT_EQ(ValidateRules(Rules{.dominance_n = 0}).message(),
            "dominance_n = 0 is out of range (expected a count in 1..1000000)");
  EXPECT_EQ(ValidateRules(Rules{.dominance_k = 0}).message(),
            "dominance_k = 0 is out of range (expected a share in (0, 1] such as 0.85 or 85%)");
  EXPECT_EQ(ValidateRules(Rules{.p = -0.1}).message(),
            "p = -0.1 is out of range (expected a share in [0, 1] such as 0.1 or 10%)");
  EXPECT_TRUE(ValidateRules(Rules{.n_min = 1, .dominance_n = 1, .dominance_k = 1, .p = 0}).ok());
  EXPECT_TRUE(ValidateRules(Rules{.p = 1}).ok());
}

// Empty text and comments only give the defaults.
TEST(ParseRulesTest, EmptyIsDefaults) {
  EXPECT_EQ(*ParseRules(""), Rules{});
  EXPECT_EQ(*ParseRules("# nothing\n\n   # here\n"), Rules{});
}

// Keys override defaults; shares as decimals or percentages; comments and CRLF allowed.
TEST(ParseRulesTest, Overrides) {
  const absl::StatusOr<Rules> r = ParseRules(
      "# 统计局 policy\n"
      "n_min = 5   # stricter\r\n"
      "dominance_n = 1\n"
      "dominance_k = 60%\n"
      "p = 0.15\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (Rules{.n_min = 5, .dominance_n = 1, .dominance_k = 0.6, .p = 0.15}));
  EXPECT_DOUBLE_EQ(ParseRules("p = 12.5 %")->p, 0.125);
  EXPECT_DOUBLE_EQ(ParseRules("dominance_k=0.9")->dominance_k, 0.9);
  EXPECT_EQ(ParseRules("p = 5%")->n_min, 3);  // default kept
}

// Formatting and parsing round-trip, for the defaults and changed rules.
TEST(ParseRulesTest, RoundTrip) {
  EXPECT_EQ(FormatRules(Rules{}), "n_min = 3\ndominance_n = 2\ndominance_k = 0.85\np = 0.1\n");
  EXPECT_EQ(*ParseRules(FormatRules(Rules{})), Rules{});
  const Rules r{.n_min = 10, .dominance_n = 3, .dominance_k = 1.0 / 3.0, .p = 0.07};
  EXPECT_EQ(*ParseRules(FormatRules(r)), r);
}

// Syntax errors name the line.
TEST(ParseRulesTest, SyntaxErrors) {
  EXPECT_EQ(ParseError("# header\nn_min 3\n"),
            "line 2: 'n_min 3' has no '=' (expected key = value)");
  EXPECT_EQ(ParseError("k = 0.8"),
            "line 1: unknown key 'k' (expected one of n_min, dominance_n, dominance_k, p)");
  EXPECT_EQ(ParseError("p = 0.1\n# again\np = 0.2"),
            "line 3: key 'p' repeats line 1 (each key at most once)");
  EXPECT_EQ(ParseError("n_min ="), "line 1: n_min has no value (expected key = value)");
}

// Values that do not parse name the line, the key and what is expected.
TEST(ParseRulesTest, ValueErrors) {
  EXPECT_EQ(ParseError("n_min = 2.5"),
            "line 1: n_min: '2.5' is not a whole number (expected digits such as 3)");
  EXPECT_EQ(ParseError("\ndominance_k = most"),
            "line 2: dominance_k: 'most' is not a share (expected a decimal such as 0.85 or a "
            "percentage such as 85%)");
  EXPECT_EQ(ParseError("p = nan"),
            "line 1: p: 'nan' is not a share (expected a decimal such as 0.85 or a percentage "
            "such as 85%)");
}

// Values out of range name the line, the key, the value and the range.
TEST(ParseRulesTest, RangeErrors) {
  EXPECT_EQ(ParseError("n_min = 0"),
            "line 1: n_min = 0 is out of range (expected a count in 1..1000000)");
  EXPECT_EQ(ParseError("dominance_n = -2"),
            "line 1: dominance_n = -2 is out of range (expected a count in 1..1000000)");
  EXPECT_EQ(ParseError("dominance_k = 120%"),
            "line 1: dominance_k = 1.2 is out of range (expected a share in (0, 1] such as 0.85 "
            "or 85%)");
  EXPECT_EQ(ParseError("p = 1.5"),
            "line 1: p = 1.5 is out of range (expected a share in [0, 1] such as 0.1 or 10%)");
}

}  // namespace
}  // namespace cw::disclosure
