#include "common/metrics/linkage.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// Park P in 靖江 (321282, prefecture 3212): buyers B1 (ships) and B2 (glass).
EnterpriseDirectory Directory() {
  return {
      {"B1", {"P", "321282", "3731"}},
      {"B2", {"P", "321282", "3051"}},
      {"S1", {"P", "321282", "3360"}},  // same park
      {"S2", {"Q", "321281", "3420"}},  // same prefecture, other park
      {"S3", {"R", "320505", "3830"}},  // Suzhou: outside
      {"X1", {"Q", "321281", "3731"}},  // a buyer in another park
  };
}

// In park 100, in region 100 + 50 + 20 (USCC 3212xx), outside 30, unknown 10.
TEST(LinkageTest, HandComputed) {
  const std::vector<Purchase> purchases = {
      {"B1", "S1", 100},
      {"B1", "S2", 50},
      {"B1", "S3", 30},
      {"B1", "91321200MA00000001", 20},  // unregistered, region from the USCC
      {"B1", "unknown", 10},             // neither registered nor a USCC
      {"X1", "S1", 999},                 // buyer outside the park
  };
  const Linkage l = ComputeLinkage(purchases, Directory(), "P", "321282");
  EXPECT_EQ(l.total_fen, 210);
  EXPECT_EQ(l.in_park_fen, 100);
  EXPECT_EQ(l.in_region_fen, 170);
  EXPECT_EQ(l.unknown_region_fen, 10);
  EXPECT_EQ(l.purchases, 5);
  EXPECT_DOUBLE_EQ(*l.in_park_share, 100.0 / 210.0);
  EXPECT_DOUBLE_EQ(*l.in_region_share, 170.0 / 210.0);
}

// An industry selects its buyers by code prefix; self-purchases and non-positive amounts
// are ignored.
TEST(LinkageTest, IndustryAndIgnored) {
  const std::vector<Purchase> purchases = {
      {"B1", "S1", 100}, {"B2", "S3", 300}, {"B1", "B1", 50}, {"B1", "S2", 0}};
  const Linkage ships = ComputeLinkage(purchases, Directory(), "P", "321282", "37");
  EXPECT_EQ(ships.total_fen, 100);
  EXPECT_EQ(ships.ignored, 2);
  EXPECT_DOUBLE_EQ(*ships.in_park_share, 1.0);
  const Linkage glass = ComputeLinkage(purchases, Directory(), "P", "321282", "3051");
  EXPECT_EQ(glass.total_fen, 300);
  EXPECT_DOUBLE_EQ(*glass.in_region_share, 0.0);
  const Linkage all = ComputeLinkage(purchases, Directory(), "P", "321282");
  EXPECT_EQ(all.total_fen, 400);
  EXPECT_DOUBLE_EQ(*all.in_park_share, 0.25);
}

// Without purchases the shares are not defined.
TEST(LinkageTest, NoPurchasesIsUndefined) {
  const Linkage l = ComputeLinkage({}, Directory(), "P", "321282");
  EXPECT_EQ(l.total_fen, 0);
  EXPECT_EQ(l.in_park_share, std::nullopt);
  EXPECT_EQ(l.in_region_share, std::nullopt);
}

// The prefecture is the first four digits of a county code.
TEST(LinkageTest, PrefectureOf) {
  EXPECT_EQ(PrefectureOf("321282"), "3212");
  EXPECT_EQ(PrefectureOf("222401"), "2224");
  EXPECT_EQ(PrefectureOf("32"), "");
  EXPECT_EQ(PrefectureOf("MA1X00"), "");
}

}  // namespace
}  // namespace cw::metrics
