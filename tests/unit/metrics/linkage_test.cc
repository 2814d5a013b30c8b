#include "common/metrics/linkage.h"

#include <cstdint>
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

// A report's counterparties as ingest located them: in park (whatever its county), in the
// park's prefecture, elsewhere, unregistered with the region from the USCC, unknown.
TEST(BuyerLinkageTest, ClassifiesLocatedSellers) {
  BuyerLinkage l("B1", "P", "321282");
  l.Add("S1", 100, {"P", "321282"});
  l.Add("S2", 50, {"Q", "321281"});
  l.Add("S3", 30, {"R", "320505"});
  l.Add("91321200MA00000001", 20, {});  // unregistered, 3212 from the USCC
  l.Add("91320500MA00000001", 7, {});   // unregistered, 3205: outside
  l.Add("unknown", 10, {});
  const LinkageFlows& f = l.flows();
  EXPECT_EQ(f.total_fen, 217);
  EXPECT_EQ(f.in_park_fen, 100);
  EXPECT_EQ(f.in_region_fen, 170);
  EXPECT_EQ(f.unknown_region_fen, 10);
  EXPECT_EQ(f.purchases, 6);
  EXPECT_EQ(f.ignored, 0);
}

// An enterprise buying from itself is no linkage: left out of the total and of in park,
// though it is in its own park; zero and negative amounts are left out alike.
TEST(BuyerLinkageTest, SelfPurchaseIsNotInPark) {
  BuyerLinkage l("B1", "P", "321282");
  l.Add("B1", 500, {"P", "321282"});
  l.Add("S1", 0, {"P", "321282"});
  l.Add("S1", -5, {"P", "321282"});
  l.Add("S1", 40, {"P", "321282"});
  EXPECT_EQ(l.flows().total_fen, 40);
  EXPECT_EQ(l.flows().in_park_fen, 40);
  EXPECT_EQ(l.flows().in_region_fen, 40);
  EXPECT_EQ(l.flows().purchases, 1);
  EXPECT_EQ(l.flows().ignored, 3);
}

// An in-park seller is in region even when its recorded county is of another prefecture
// (in park implies in region); a registered seller without a county falls back to its USCC.
TEST(BuyerLinkageTest, InParkIsInRegionAndUsccFallback) {
  BuyerLinkage l("B1", "P", "321282");
  l.Add("S1", 10, {"P", "320505"});
  l.Add("91321200MA00000001", 20, {"Q", ""});
  EXPECT_EQ(l.flows().in_park_fen, 10);
  EXPECT_EQ(l.flows().in_region_fen, 30);
  EXPECT_EQ(l.flows().unknown_region_fen, 0);
}

// Sums saturate instead of overflowing.
TEST(BuyerLinkageTest, SumsSaturate) {
  BuyerLinkage l("B1", "P", "321282");
  l.Add("S1", INT64_MAX - 1, {"P", "321282"});
  l.Add("S2", 5, {"P", "321282"});
  EXPECT_EQ(l.flows().total_fen, INT64_MAX);
  EXPECT_EQ(l.flows().in_park_fen, INT64_MAX);
  EXPECT_EQ(l.flows().purchases, 2);
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
