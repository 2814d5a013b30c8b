#include "common/metrics/structure.h"

#include <cmath>
#include <string>
#include <vector>

#include "common/domain/money.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// Hundredths of 亿元 in fen: Yi(24477) is 244.77亿元.
constexpr int64_t Yi(int64_t hundredths) { return hundredths * (kFenPerYi / 100); }

IndustryStructure Compute(const std::vector<IndustryValue>& v,
                          const std::vector<std::string>& leading = {}) {
  absl::StatusOr<IndustryStructure> s = ComputeStructure(v, leading);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.value_or(IndustryStructure{});
}

// Shares, CRn, HHI and the dominant industry of 50/30/20.
TEST(StructureTest, HandComputed) {
  const IndustryStructure s = Compute({{"3051", 30}, {"3670", 50}, {"3830", 20}});
  EXPECT_EQ(s.total_fen, 100);
  EXPECT_EQ(s.n_industries, 3);
  ASSERT_EQ(s.shares.size(), 3u);
  EXPECT_EQ(s.shares[0].industry, "3670");
  EXPECT_DOUBLE_EQ(s.shares[0].share, 0.5);
  EXPECT_DOUBLE_EQ(s.shares[1].share, 0.3);
  EXPECT_DOUBLE_EQ(s.shares[2].share, 0.2);
  EXPECT_DOUBLE_EQ(*s.cr1, 0.5);
  EXPECT_DOUBLE_EQ(*s.cr3, 1.0);
  EXPECT_DOUBLE_EQ(*s.cr5, 1.0);  // fewer than five industries: all of them
  EXPECT_NEAR(*s.hhi, 0.38, 1e-12);
  EXPECT_EQ(s.dominant->industry, "3670");
  EXPECT_DOUBLE_EQ(*ConcentrationRatio(s, 2), 0.8);
  EXPECT_EQ(ConcentrationRatio(s, 0), std::nullopt);
}

// A park with one industry: HHI = 1, CR1 = 1, that industry dominates.
TEST(StructureTest, OneIndustry) {
  const IndustryStructure s = Compute({{"3731", 700}, {"3051", 0}});
  EXPECT_EQ(s.n_industries, 1);  // a zero figure is not presence
  EXPECT_DOUBLE_EQ(*s.hhi, 1.0);
  EXPECT_DOUBLE_EQ(*s.cr1, 1.0);
  EXPECT_EQ(s.dominant->industry, "3731");
  EXPECT_DOUBLE_EQ(s.dominant->share, 1.0);
}

// No output: no industry present and every ratio undefined.
TEST(StructureTest, ZeroTotal) {
  const IndustryStructure s = Compute({{"3731", 0}, {"3051", 0}}, {"37"});
  EXPECT_EQ(s.total_fen, 0);
  EXPECT_EQ(s.n_industries, 0);
  EXPECT_TRUE(s.shares.empty());
  EXPECT_EQ(s.cr1, std::nullopt);
  EXPECT_EQ(s.cr5, std::nullopt);
  EXPECT_EQ(s.hhi, std::nullopt);
  EXPECT_EQ(s.dominant, std::nullopt);
  EXPECT_EQ(s.leading_share, std::nullopt);
}

// Equal industries rank by code; the dominant one is the smaller code.
TEST(StructureTest, TiesByCode) {
  const IndustryStructure s = Compute({{"3052", 40}, {"3040", 20}, {"3051", 40}});
  EXPECT_EQ(s.shares[0].industry, "3051");
  EXPECT_EQ(s.shares[1].industry, "3052");
  EXPECT_EQ(s.shares[2].industry, "3040");
  EXPECT_EQ(s.dominant->industry, "3051");
}

// Shares sum to 1, 1/n <= HHI <= 1, and CR1 <= CR3 <= CR5 <= 1.
TEST(StructureTest, Invariants) {
  const std::vector<IndustryValue> v = {{"1711", 1234567}, {"2211", 7654321}, {"2710", 3},
                                        {"3051", 999999},  {"3670", 5555555}, {"3830", 42},
                                        {"3911", 31415926}};
  const IndustryStructure s = Compute(v);
  double sum = 0;
  for (const IndustryShare& i : s.shares) sum += i.share;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_GE(*s.hhi, 1.0 / s.n_industries);
  EXPECT_LE(*s.hhi, 1.0);
  EXPECT_LE(*s.cr1, *s.cr3);
  EXPECT_LE(*s.cr3, *s.cr5);
  EXPECT_LE(*s.cr5, 1.0);
  // Equal shares reach the lower bound 1/n.
  const IndustryStructure even = Compute({{"a", 5}, {"b", 5}, {"c", 5}, {"d", 5}});
  EXPECT_NEAR(*even.hhi, 0.25, 1e-12);
}

// Declared leading industries match by code prefix and count each industry once.
TEST(StructureTest, LeadingIndustryShare) {
  const IndustryStructure s =
      Compute({{"3051", 40}, {"3040", 20}, {"3670", 30}, {"3660", 10}}, {"30", "3670", "3051"});
  EXPECT_EQ(s.leading_fen, 90);
  EXPECT_DOUBLE_EQ(*s.leading_share, 0.9);
  EXPECT_EQ(s.leading_present, (std::vector<std::string>{"3051", "3670", "3040"}));
  // No declared leading industry: none of the output is in one.
  EXPECT_DOUBLE_EQ(*Compute({{"3051", 40}}).leading_share, 0.0);
}

// 靖江 2024: five leading industries 537.87亿 of 675.70亿 above-size output: CR5 = 0.796.
TEST(StructureTest, JingjiangSeedCr5) {
  const std::vector<IndustryValue> v = {
      {"37", Yi(24477)},  // 交通运输设备 (ships)
      {"38", Yi(8794)},   // 电气机械
      {"31", Yi(6983)},   // 黑色金属冶炼
      {"34", Yi(7031)},   // 通用设备
      {"33", Yi(6502)},   // 金属制品
      {"39", Yi(5000)},   // the rest of 675.70亿, each smaller than 65.02亿
      {"30", Yi(4500)},
      {"26", Yi(4283)},
  };
  const IndustryStructure s = Compute(v, {"37", "38", "31", "34", "33"});
  EXPECT_EQ(domain::FormatYi(s.total_fen), "675.70");
  EXPECT_EQ(s.n_industries, 8);
  EXPECT_EQ(std::round(*s.cr5 * 1000) / 1000, 0.796);
  EXPECT_EQ(domain::FormatYi(s.leading_fen), "537.87");
  EXPECT_EQ(std::round(*s.leading_share * 1000) / 1000, 0.796);
  EXPECT_EQ(s.dominant->industry, "37");
  EXPECT_EQ(std::round(*s.cr1 * 1000) / 1000, 0.362);  // 244.77 / 675.70
  EXPECT_EQ(s.shares[2].industry, "34");                // 70.31 ahead of 69.83
  EXPECT_EQ(*TopNShare({Yi(24477), Yi(8794), Yi(6983), Yi(7031), Yi(6502), Yi(5000),
                        Yi(4500), Yi(4283)},
                       5),
            *s.cr5);
}

// A repeated industry, a negative figure or an empty code is refused.
TEST(StructureTest, InvalidInput) {
  absl::StatusOr<IndustryStructure> dup = ComputeStructure({{"3051", 1}, {"3051", 2}}, {});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.status().message(),
            "industry 3051 appears more than once (expected one figure per industry)");
  absl::StatusOr<IndustryStructure> neg = ComputeStructure({{"3051", -5}}, {});
  EXPECT_EQ(neg.status().message(),
            "industry 3051 has a negative value -5 fen (expected a figure >= 0)");
  EXPECT_EQ(ComputeStructure({{"", 5}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// CRn of plain values; undefined for n < 1 or a zero total.
TEST(TopNShareTest, PlainValues) {
  EXPECT_DOUBLE_EQ(*TopNShare({5, 50, 15, 30}, 1), 0.5);
  EXPECT_DOUBLE_EQ(*TopNShare({5, 50, 15, 30}, 3), 0.95);
  EXPECT_DOUBLE_EQ(*TopNShare({5, 50}, 9), 1.0);
  EXPECT_EQ(TopNShare({0, 0}, 1), std::nullopt);
  EXPECT_EQ(TopNShare({1}, 0), std::nullopt);
}

}  // namespace
}  // namespace cw::metrics
