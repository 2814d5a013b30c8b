#include "common/metrics/config.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

using ::testing::HasSubstr;

std::string ParseError(std::string_view text) {
  absl::StatusOr<MetricsConfig> c = ParseMetricsConfig(text);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(c.status().message());
}

// The documented defaults, and they validate.
TEST(MetricsConfigTest, Defaults) {
  const MetricsConfig c;
  EXPECT_DOUBLE_EQ(c.stage.lq_min, 1.2);
  EXPECT_EQ(c.stage.size_min_fen, 100'000'000'000);  // 10亿元
  EXPECT_EQ(c.stage.n_min, 5);
  EXPECT_DOUBLE_EQ(c.stage.linkage_min, 0.2);
  EXPECT_EQ(c.stage.linkage_scope, LinkageScope::kRegion);
  EXPECT_EQ(c.stage.leader_min_fen, 10'000'000'000);  // 1亿元
  EXPECT_EQ(c.specialisation.basis, Basis::kOutput);
  EXPECT_DOUBLE_EQ(c.specialisation.strong_lq_percentile, 0.75);
  EXPECT_DOUBLE_EQ(c.specialisation.strong_size_percentile, 0.25);
  EXPECT_DOUBLE_EQ(c.specialisation.specialisation_star_lq, 2.0);
  EXPECT_DOUBLE_EQ(c.specialisation.size_star_top, 0.1);
  EXPECT_EQ(c.firms.output_thresholds_fen,
            (std::vector<int64_t>{100'000'000, 500'000'000, 1'000'000'000, 5'000'000'000}));
  EXPECT_EQ(c.firms.leading_count, 5);
  EXPECT_DOUBLE_EQ(c.land.a_cut, 0.2);
  EXPECT_DOUBLE_EQ(c.land.b_cut, 0.6);
  EXPECT_DOUBLE_EQ(c.land.c_cut, 0.95);
  EXPECT_DOUBLE_EQ(c.completeness.min_rate, 0.9);
  EXPECT_TRUE(ValidateMetricsConfig(c).ok());
}

// Empty text and comments only give the defaults.
TEST(ParseMetricsConfigTest, EmptyIsDefaults) {
  EXPECT_EQ(*ParseMetricsConfig(""), MetricsConfig{});
  EXPECT_EQ(*ParseMetricsConfig("# nothing\n\n   # set\n"), MetricsConfig{});
}

// Keys override defaults; money takes units; comments and CRLF are allowed.
TEST(ParseMetricsConfigTest, OverridesWithUnits) {
  const absl::StatusOr<MetricsConfig> c = ParseMetricsConfig(
      "# 靖江 policy\n"
      "lq_min = 1.5   # stricter\r\n"
      "size_min = 20 亿元\n"
      "n_min = 8\n"
      "linkage_min = 0.3\n"
      "linkage_scope = park\n"
      "leader_min = 5000万\n"
      "specialisation_basis = employees\n"
      "firm_thresholds = 200万, 1000万元, 1亿\n"
      "leading_firms = 3\n"
      "grade_a = 0.1\n"
      "completeness_min = 1\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(c->stage.lq_min, 1.5);
  EXPECT_EQ(c->stage.size_min_fen, 200'000'000'000);
  EXPECT_EQ(c->stage.n_min, 8);
  EXPECT_DOUBLE_EQ(c->stage.linkage_min, 0.3);
  EXPECT_EQ(c->stage.linkage_scope, LinkageScope::kPark);
  EXPECT_EQ(c->stage.leader_min_fen, 5'000'000'000);
  EXPECT_EQ(c->specialisation.basis, Basis::kEmployees);
  EXPECT_EQ(c->firms.output_thresholds_fen,
            (std::vector<int64_t>{200'000'000, 1'000'000'000, 10'000'000'000}));
  EXPECT_EQ(c->firms.leading_count, 3);
  EXPECT_DOUBLE_EQ(c->land.a_cut, 0.1);
  EXPECT_DOUBLE_EQ(c->land.b_cut, 0.6);  // default kept
  EXPECT_DOUBLE_EQ(c->completeness.min_rate, 1.0);
}

// Plain yuan with thousands separators, items separated by ", ".
TEST(ParseMetricsConfigTest, ThresholdsInYuan) {
  const absl::StatusOr<MetricsConfig> c =
      ParseMetricsConfig("firm_thresholds = 1,000,000, 5,000,000.50");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->firms.output_thresholds_fen, (std::vector<int64_t>{100'000'000, 500'000'050}));
}

// Formatting and parsing round-trip, for the defaults and a changed config.
TEST(ParseMetricsConfigTest, RoundTrip) {
  EXPECT_EQ(*ParseMetricsConfig(FormatMetricsConfig(MetricsConfig{})), MetricsConfig{});
  MetricsConfig c;
  c.stage.lq_min = 1.0 / 3.0;
  c.stage.size_min_fen = 123'456'789;
  c.stage.linkage_scope = LinkageScope::kPark;
  c.specialisation.basis = Basis::kEmployees;
  c.firms.output_thresholds_fen = {1, 2'000'000'000'000};
  c.land = LandGradeConfig{0.1, 0.5, 0.9};
  const absl::StatusOr<MetricsConfig> back = ParseMetricsConfig(FormatMetricsConfig(c));
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << FormatMetricsConfig(c);
  EXPECT_EQ(*back, c);
  EXPECT_THAT(FormatMetricsConfig(MetricsConfig{}), HasSubstr("lq_min = 1.2\n"));
}

// Syntax errors name the line.
TEST(ParseMetricsConfigTest, SyntaxErrors) {
  EXPECT_EQ(ParseError("# header\nlq_min 1.2\n"),
            "line 2: 'lq_min 1.2' has no '=' (expected key = value)");
  EXPECT_THAT(ParseError("lq_mni = 1.2"),
              HasSubstr("line 1: unknown key 'lq_mni' (expected one of lq_min, size_min, "));
  EXPECT_EQ(ParseError("lq_min = 1\n# again\nlq_min = 2"),
            "line 3: key 'lq_min' repeats line 1 (each key at most once)");
  EXPECT_EQ(ParseError("size_min ="), "line 1: size_min has no value (expected key = value)");
}

// Values that do not parse name the line, the key and what is expected.
TEST(ParseMetricsConfigTest, ValueErrors) {
  EXPECT_EQ(ParseError("lq_min = abc"),
            "line 1: lq_min: 'abc' is not a number (expected a finite decimal such as 0.25)");
  EXPECT_EQ(ParseError("lq_min = nan"),
            "line 1: lq_min: 'nan' is not a number (expected a finite decimal such as 0.25)");
  EXPECT_EQ(ParseError("n_min = 2.5"),
            "line 1: n_min: '2.5' is not a whole number (expected digits such as 5)");
  EXPECT_EQ(ParseError("linkage_scope = county"),
            "line 1: linkage_scope: 'county' is not a choice (expected region or park)");
  EXPECT_THAT(ParseError("size_min = 10 斤"),
              HasSubstr("line 1: size_min: '斤' is not a money unit"));
  EXPECT_THAT(ParseError("leader_min = 0.001"),
              HasSubstr("line 1: leader_min: '0.001' is finer than a fen"));
}

// Values out of range name the line, the key, the value and the range.
TEST(ParseMetricsConfigTest, RangeErrors) {
  EXPECT_EQ(ParseError("linkage_min = 1.5"),
            "line 1: linkage_min = 1.5 is out of range (expected a share in [0, 1])");
  EXPECT_EQ(ParseError("\nlq_min = 0"),
            "line 2: lq_min = 0 is out of range (expected a ratio > 0)");
  EXPECT_EQ(ParseError("n_min = 0"), "line 1: n_min = 0 is out of range (expected a count >= 1)");
  EXPECT_EQ(ParseError("leading_firms = 101"),
            "line 1: leading_firms = 101 is out of range (expected a count in 0..100)");
  EXPECT_EQ(ParseError("size_min = -5"),
            "line 1: size_min = -5.00 元 is out of range (expected an amount >= 0)");
  EXPECT_EQ(ParseError("size_star_top = 0"),
            "line 1: size_star_top = 0 is out of range (expected a fraction in (0, 1])");
  EXPECT_EQ(ParseError("firm_thresholds = 500万, 100万"),
            "line 1: firm_thresholds = 5,000,000.00 元; 1,000,000.00 元 is out of range "
            "(expected positive amounts in strictly increasing order)");
}

// Grade cut points out of order name the lines that set them.
TEST(ParseMetricsConfigTest, GradeOrder) {
  EXPECT_EQ(ParseError("grade_a = 0.7\ngrade_b = 0.6"),
            "grade cut points grade_a = 0.7, grade_b = 0.6, grade_c = 0.95 are out of order "
            "(expected 0 < grade_a < grade_b < grade_c <= 1) (grade_a at line 1, grade_b at "
            "line 2, grade_c default)");
}

// A programmatic config is checked against the same ranges.
TEST(ValidateMetricsConfigTest, NamesTheKey) {
  MetricsConfig c;
  c.stage.linkage_min = -0.1;
  EXPECT_EQ(ValidateMetricsConfig(c).message(),
            "linkage_min = -0.1 is out of range (expected a share in [0, 1])");
  c = MetricsConfig{};
  c.land.c_cut = 0.5;
  EXPECT_EQ(ValidateMetricsConfig(c).code(), absl::StatusCode::kInvalidArgument);
  c = MetricsConfig{};
  c.firms.output_thresholds_fen.clear();
  EXPECT_EQ(ValidateMetricsConfig(c).message(),
            "firm_thresholds is empty (expected at least one amount)");
}

}  // namespace
}  // namespace cw::metrics
