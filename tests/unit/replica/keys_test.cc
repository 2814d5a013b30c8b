#include "replica/keys.h"

#include "gtest/gtest.h"

namespace cw::replica::keys {
namespace {

TEST(ReplicaKeysTest, FamiliesAndTheirPrefixes) {
  EXPECT_EQ(Park("P1"), "p|P1");
  EXPECT_EQ(EnterprisePark("91320000MA1XYZ0001"), "u|91320000MA1XYZ0001");
  EXPECT_EQ(Enterprise("P1", "U"), "e|P1|U");
  EXPECT_EQ(Snapshot("P1", "2024-05"), "s|P1|2024-05");
  EXPECT_EQ(Rollup("r:321023", "2024-05"), "r|r:321023|2024-05");
  EXPECT_EQ(Alert("dependency|park:P1|2024-05"), "al|dependency|park:P1|2024-05");
  EXPECT_EQ(AlertState("x"), "as|x");
  EXPECT_EQ(SourceOffset("cw.alerts.v1", 3), "o|cw.alerts.v1|3");
  // A family's prefix selects exactly the keys built for that id.
  EXPECT_TRUE(Snapshot("P1", "2024-05").starts_with(Snapshots("P1")));
  EXPECT_FALSE(Snapshot("P10", "2024-05").starts_with(Snapshots("P1")));
  EXPECT_TRUE(Enterprise("P1", "U").starts_with(Enterprises("P1")));
  EXPECT_FALSE(Enterprise("P10", "U").starts_with(Enterprises("P1")));
  EXPECT_TRUE(Rollup("g:A", "2024-05").starts_with(Rollups("g:A")));
  EXPECT_TRUE(Park("P1").starts_with(kParks));
  EXPECT_TRUE(Alert("a").starts_with(kAlerts));
  EXPECT_FALSE(AlertState("a").starts_with(kAlerts));
}

TEST(ReplicaKeysTest, AlertChangesSortByOffsetAndParseBack) {
  EXPECT_EQ(AlertChange(42), "w|00000000000000000042");
  EXPECT_LT(AlertChange(9), AlertChange(10));  // byte order = offset order
  EXPECT_LT(AlertChange(999999), AlertChange(1000000));
  EXPECT_EQ(ParseAlertChange(AlertChange(0)), 0);
  EXPECT_EQ(ParseAlertChange(AlertChange(1234567890123)), 1234567890123);
  EXPECT_EQ(ParseAlertChange("w|42"), std::nullopt);  // not 20 digits
  EXPECT_EQ(ParseAlertChange("al|00000000000000000042"), std::nullopt);
  EXPECT_EQ(ParseAlertChange("w|0000000000000000004x"), std::nullopt);
}

}  // namespace
}  // namespace cw::replica::keys
