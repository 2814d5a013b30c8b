// Tests of clusterctl's text renderings.
#include "cli/render.h"

#include "gtest/gtest.h"

namespace cw::cli {
namespace {
namespace pb = clusterwatch::v1;

// Fen are shown as 万元 with two decimals, rounded half away from zero, with separators.
TEST(RenderTest, FormatWan) {
  EXPECT_EQ(FormatWan(0), "0.00");
  EXPECT_EQ(FormatWan(1'000'000), "1.00");
  EXPECT_EQ(FormatWan(4'551'562'500'00), "455,156.25");
  EXPECT_EQ(FormatWan(5'000), "0.01");
  EXPECT_EQ(FormatWan(4'999), "0.00");
  EXPECT_EQ(FormatWan(-1'235'000), "-1.24");
}

// A park report names the park, the period in Chinese, totals and industry shares.
TEST(RenderTest, ParkReportShowsNamesTotalsAndShares) {
  pb::GetParkSnapshotResponse a;
  a.mutable_park()->set_id("P321282A");
  a.mutable_park()->set_name("靖江经济技术开发区");
  a.mutable_park()->set_county_code("321282");
  auto* s = a.mutable_snapshot();
  s->mutable_period()->set_year(2024);
  s->mutable_period()->set_month(2);
  s->mutable_period()->set_jan_feb(true);
  s->mutable_month()->mutable_gross_output()->set_fen(2'447'700'000'000);
  s->mutable_year_to_date()->mutable_gross_output()->set_fen(2'447'700'000'000);
  auto* ind = s->add_industries();
  ind->set_industry("3731");
  ind->mutable_month()->mutable_gross_output()->set_fen(2'447'700'000'000);
  ind->set_output_share(1.0);
  const std::string text = RenderParkReport(a);
  EXPECT_NE(text.find("靖江经济技术开发区 (P321282A)"), std::string::npos) << text;
  EXPECT_NE(text.find("2024年1-2月"), std::string::npos) << text;
  EXPECT_NE(text.find("靖江市 321282"), std::string::npos) << text;
  EXPECT_NE(text.find("2,447,700.00"), std::string::npos) << text;
  EXPECT_NE(text.find("100.0%"), std::string::npos) << text;
}

// A push answer lists each rejected line with field and reason.
TEST(RenderTest, PushResultListsRejections) {
  pb::PushResponse r;
  r.set_submission_id("f-1");
  r.set_accepted(3);
  r.set_rejected(1);
  auto* rej = r.add_rejections();
  rej->set_line(7);
  rej->set_field("uscc");
  rej->set_reason("check character is N, expected L");
  EXPECT_EQ(RenderPushResult("a.csv", r),
            "a.csv: submission f-1: 3 accepted, 1 rejected\n"
            "  line 7: uscc: check character is N, expected L\n");
}

}  // namespace
}  // namespace cw::cli
