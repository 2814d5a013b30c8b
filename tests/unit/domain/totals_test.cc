#include "common/domain/totals.h"

#include <string>

#include "gtest/gtest.h"

namespace cw::domain {
namespace {
namespace pb = clusterwatch::v1;

pb::IndustryTotals Industry(const std::string& code, int64_t month, int64_t ytd,
                            int64_t purchases, int64_t in_region) {
  pb::IndustryTotals t;
  t.set_industry(code);
  t.mutable_month()->mutable_gross_output()->set_fen(month);
  t.mutable_month()->set_output_reporters(1);
  t.mutable_year_to_date()->mutable_gross_output()->set_fen(ytd);
  t.mutable_year_to_date()->mutable_purchases()->set_fen(purchases);
  t.mutable_year_to_date()->mutable_purchases_in_region()->set_fen(in_region);
  return t;
}

// 3311 + 3312 regroup into 33 (month 50 of 90), 3811 into 38 (40 of 90); firms follow.
TEST(RegroupSnapshotTest, ClassesIntoDivisions) {
  pb::ParkSnapshot s;
  s.set_park_id("JJ");
  s.mutable_period()->set_year(2024);
  s.mutable_period()->set_month(3);
  s.mutable_month()->mutable_gross_output()->set_fen(90);
  s.mutable_year_to_date()->mutable_gross_output()->set_fen(900);
  s.set_source_offset(7);
  s.set_computed_unix_ms(1234);
  *s.add_industries() = Industry("3811", 40, 400, 10, 5);
  *s.add_industries() = Industry("3311", 30, 300, 20, 4);
  *s.add_industries() = Industry("3312", 20, 200, 30, 6);
  auto* f = s.add_firms();
  f->set_uscc("A");
  f->set_industry("3312");
  f->mutable_gross_output_ytd()->set_fen(200);
  auto division = [](const std::string& c) { return c.substr(0, 2); };

  const pb::ParkSnapshot d = RegroupSnapshot(s, division);
  ASSERT_EQ(d.industries_size(), 2);
  EXPECT_EQ(d.industries(0).industry(), "33");
  EXPECT_EQ(d.industries(0).month().gross_output().fen(), 50);
  EXPECT_EQ(d.industries(0).month().output_reporters(), 2);
  EXPECT_EQ(d.industries(0).year_to_date().gross_output().fen(), 500);
  EXPECT_EQ(d.industries(0).year_to_date().purchases().fen(), 50);
  EXPECT_EQ(d.industries(0).year_to_date().purchases_in_region().fen(), 10);
  EXPECT_DOUBLE_EQ(d.industries(0).output_share(), 50.0 / 90.0);
  EXPECT_EQ(d.industries(1).industry(), "38");
  EXPECT_DOUBLE_EQ(d.industries(1).output_share(), 40.0 / 90.0);
  EXPECT_DOUBLE_EQ(d.industries(0).output_share() + d.industries(1).output_share(), 1.0);
  ASSERT_EQ(d.firms_size(), 1);
  EXPECT_EQ(d.firms(0).industry(), "33");
  EXPECT_EQ(d.firms(0).gross_output_ytd().fen(), 200);
  EXPECT_EQ(d.park_id(), "JJ");
  EXPECT_EQ(d.period().month(), 3);
  EXPECT_EQ(d.year_to_date().gross_output().fen(), 900);
  EXPECT_EQ(d.source_offset(), 7);
  EXPECT_EQ(d.computed_unix_ms(), 1234);
}

// A roll-up's industries and establishment counts add up per division.
TEST(RegroupRollupTest, ClassesIntoDivisions) {
  pb::RollupAggregate r;
  r.set_parks(3);
  r.mutable_year_to_date()->mutable_gross_output()->set_fen(1000);
  (*r.mutable_industries())["3311"] = Industry("3311", 1, 300, 0, 0);
  (*r.mutable_industries())["3312"] = Industry("3312", 2, 200, 0, 0);
  (*r.mutable_industries())["3811"] = Industry("3811", 3, 500, 0, 0);
  (*r.mutable_establishments())["3311"] = 4;
  (*r.mutable_establishments())["3312"] = 5;
  (*r.mutable_establishments())["3811"] = 6;
  const pb::RollupAggregate d =
      RegroupRollup(r, [](const std::string& c) { return c.substr(0, 2); });
  ASSERT_EQ(d.industries_size(), 2);
  EXPECT_EQ(d.industries().at("33").industry(), "33");
  EXPECT_EQ(d.industries().at("33").year_to_date().gross_output().fen(), 500);
  EXPECT_EQ(d.industries().at("38").month().gross_output().fen(), 3);
  EXPECT_EQ(d.establishments().at("33"), 9);
  EXPECT_EQ(d.establishments().at("38"), 6);
  EXPECT_EQ(d.parks(), 3);
  EXPECT_EQ(d.year_to_date().gross_output().fen(), 1000);
}

}  // namespace
}  // namespace cw::domain
