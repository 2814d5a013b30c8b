#include "common/metrics/completeness.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// Three of four expected enterprises reported (plus one not expected): 75%, incomplete.
TEST(CompletenessTest, HandComputed) {
  const Completeness c =
      ComputeCompleteness({"a", "b", "c", "d"}, {"c", "x", "a", "b"}, CompletenessConfig{});
  EXPECT_EQ(c.expected, 4);
  EXPECT_EQ(c.reported, 3);
  EXPECT_EQ(c.unexpected, 1);
  EXPECT_DOUBLE_EQ(*c.rate, 0.75);
  EXPECT_FALSE(c.complete);
  EXPECT_EQ(c.missing, (std::vector<std::string>{"d"}));
}

// At exactly the minimum rate (9 of 10 at 0.9) a period is complete.
TEST(CompletenessTest, MinimumRateIsInclusive) {
  std::vector<std::string> expected;
  for (char c = 'a'; c < 'a' + 10; ++c) expected.push_back(std::string(1, c));
  const std::vector<std::string> reported(expected.begin(), expected.begin() + 9);
  const Completeness c = ComputeCompleteness(expected, reported, CompletenessConfig{});
  EXPECT_DOUBLE_EQ(*c.rate, 0.9);
  EXPECT_TRUE(c.complete);
}

// Nothing expected: the rate is not defined and the period is not complete; repeated ids
// count once.
TEST(CompletenessTest, EmptyAndRepeated) {
  const Completeness none = ComputeCompleteness({}, {"a"}, CompletenessConfig{});
  EXPECT_EQ(none.rate, std::nullopt);
  EXPECT_FALSE(none.complete);
  const Completeness twice = ComputeCompleteness({"a", "a"}, {"a", "a"}, CompletenessConfig{});
  EXPECT_EQ(twice.expected, 1);
  EXPECT_DOUBLE_EQ(*twice.rate, 1.0);
  EXPECT_TRUE(twice.complete);
}

// The plain rate is undefined without expected enterprises or with too many reports.
TEST(ReportingRateTest, Definition) {
  EXPECT_DOUBLE_EQ(*ReportingRate(3, 4), 0.75);
  EXPECT_DOUBLE_EQ(*ReportingRate(0, 4), 0.0);
  EXPECT_EQ(ReportingRate(1, 0), std::nullopt);
  EXPECT_EQ(ReportingRate(5, 4), std::nullopt);
}

}  // namespace
}  // namespace cw::metrics
