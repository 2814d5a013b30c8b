// Tests of clusterctl's text renderings.
#include "cli/render.h"

#include "absl/strings/str_cat.h"
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

// A region shows its totals and industries; a withheld industry says so instead of a
// figure (it is cleared, not zero).
TEST(RenderTest, RegionMarksConfidentialIndustries) {
  pb::GetRegionSnapshotResponse a;
  a.set_name("扬州市");
  a.set_parks(2);
  a.mutable_month()->mutable_gross_output()->set_fen(300'000'000);
  a.mutable_year_to_date()->mutable_gross_output()->set_fen(900'000'000);
  auto* glass = a.add_industries();
  glass->set_industry("30");
  glass->mutable_month()->mutable_gross_output()->set_fen(200'000'000);
  glass->set_output_share(2.0 / 3.0);
  auto* withheld = a.add_industries();
  withheld->set_industry("33");
  withheld->set_confidential(true);
  withheld->set_confidential_reason("contains a confidential park cell");
  pb::Period period;
  period.set_year(2024);
  period.set_month(3);
  const std::string text = RenderRegion("321000", period, a);
  EXPECT_NE(text.find("321000 扬州市"), std::string::npos) << text;
  EXPECT_NE(text.find("2 parks"), std::string::npos) << text;
  EXPECT_NE(text.find("30 非金属矿物制品业"), std::string::npos) << text;
  EXPECT_NE(text.find("200.00    66.7%"), std::string::npos) << text;
  EXPECT_NE(text.find("(万元 / 10k yuan)"), std::string::npos) << text;  // the unit, once
  EXPECT_NE(text.find("本月产值 month output, 万元"), std::string::npos) << text;
  EXPECT_NE(text.find("保密  confidential: contains a confidential park cell"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("0.0%"), std::string::npos) << text;  // no zero share for it
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


// Metrics at the division level name the division, and show strong clusters and stars with
// the rules and the cuts that decided them.
TEST(RenderTest, ParkMetricsShowDivisionsStrongClustersAndStars) {
  pb::GetParkMetricsResponse a;
  a.mutable_park()->set_id("JJ");
  a.mutable_park()->set_name("靖江经济技术开发区");
  auto* m = a.mutable_metrics();
  m->mutable_snapshot()->mutable_period()->set_year(2024);
  m->mutable_snapshot()->mutable_period()->set_month(12);
  m->set_level(pb::INDUSTRY_LEVEL_DIVISION);
  auto* im = m->add_industry_metrics();
  im->set_industry("33");
  im->mutable_ytd_output()->set_fen(1'050'200'000'000);
  im->set_lq(1.5);
  im->set_enterprises(4);
  auto* sc = im->mutable_strong_cluster();
  sc->set_strong(true);
  sc->set_basis("output");
  sc->set_size(1'050'200'000'000);
  sc->set_establishments(4);
  sc->set_lq_percentile(0.75);
  sc->set_lq_cut(1.35);
  sc->set_lq_floor(1.0);
  sc->set_size_percentile(0.25);
  sc->set_size_cut(25'000'000'000);
  sc->set_count_percentile(0.25);
  sc->set_count_cut(2.5);
  sc->set_parks_compared(3);
  auto* st = im->mutable_stars();
  st->set_count(2);
  st->set_size(true);
  st->set_focus(true);
  st->set_specialisation_lq(2.0);
  st->set_size_top(0.1);
  st->set_focus_top(0.1);
  im->mutable_stage()->set_stage("concentration");
  im->mutable_stage()->set_stage_zh("集中");
  const std::string text = RenderParkMetrics(a);
  EXPECT_NE(text.find("行业门类 division"), std::string::npos) << text;
  EXPECT_NE(text.find("33 金属制品业"), std::string::npos) << text;
  EXPECT_NE(text.find("强 strong"), std::string::npos) << text;
  EXPECT_NE(text.find("★★ SF"), std::string::npos) << text;
  EXPECT_NE(text.find("LQ ≥ p75 and ≥ 1.00, size > p25, enterprises > p25"), std::string::npos)
      << text;
  EXPECT_NE(text.find("L specialisation LQ ≥ 2.00, S size top 10%, F focus"), std::string::npos)
      << text;
  EXPECT_NE(text.find("· 33 强集群 strong: LQ 1.50 ≥ 1.35, size 1,050,200.00万 > 25,000.00万, "
                      "enterprises 4 > 2.5 (3 parks compared)"),
            std::string::npos)
      << text;
}

// The industry map shows each park's flag and stars; without an assessment, dashes.
TEST(RenderTest, IndustryMapShowsStrongClustersAndStars) {
  pb::GetIndustryMapResponse a;
  auto* e = a.add_entries();
  e->set_park_name("宝应玻璃产业园");
  e->set_industry("30");
  e->mutable_ytd_output()->set_fen(81'600'000'000);
  e->set_lq(83.8);
  e->mutable_strong_cluster()->set_basis("output");
  e->mutable_stars()->set_count(3);
  e->mutable_stars()->set_specialisation(true);
  e->mutable_stars()->set_size(true);
  e->mutable_stars()->set_focus(true);
  auto* plain = a.add_entries();
  plain->set_park_name("其他园区");
  plain->set_industry("30");
  const std::string text = RenderIndustryMap("30", a);
  EXPECT_NE(text.find("industry 30 非金属矿物制品业"), std::string::npos) << text;
  EXPECT_NE(text.find("★★★ LSF"), std::string::npos) << text;
  EXPECT_EQ(text.find("强 strong"), std::string::npos) << text;
  EXPECT_NE(text.find("强集群 strong cluster (US Cluster Mapping, on output)"), std::string::npos)
      << text;
}

// The brief alert list: one line per alert with the subject's name, the rule, since when
// and for how many periods, and the id; a one-period alert says only since when.
TEST(RenderTest, AlertsBriefOneLineEach) {
  pb::AlertEvent a;
  a.set_id("dependency|park:P222403A|2023-05");
  a.set_rule("dependency");
  a.set_subject_kind("park");
  a.set_subject_id("P222403A");
  a.set_subject_name("园区敦化经济开发区（P222403A）");
  a.set_state(pb::ALERT_STATE_FIRING);
  a.mutable_period()->set_year(2023);
  a.mutable_period()->set_month(5);
  a.mutable_latest_period()->set_year(2024);
  a.mutable_latest_period()->set_month(12);
  a.set_periods(19);
  pb::AlertEvent b;
  b.set_id("tax_decline|region:321023|2024-12");
  b.set_rule("tax_decline");
  b.set_subject_kind("region");
  b.set_subject_id("321023");
  b.set_state(pb::ALERT_STATE_RESOLVED);
  b.mutable_period()->set_year(2024);
  b.mutable_period()->set_month(12);
  b.set_periods(1);
  EXPECT_EQ(RenderAlertsBrief({a, b}),
            "FIRING 告警     园区敦化经济开发区（P222403A）  dependency  since 2023-05, 19 "
            "periods to 2024-12  dependency|park:P222403A|2023-05\n"
            "RESOLVED 解除   region:321023  tax_decline  since 2024-12  "
            "tax_decline|region:321023|2024-12\n");
  EXPECT_EQ(RenderAlertsBrief({}), "no alerts\n");
}

// The summary: a park's own rules on its line, its industries' alerts on the next, regions
// on their own lines, subjects in the order of their first alert, then the counts.
TEST(RenderTest, AlertsSummaryBySubject) {
  auto alert = [](const std::string& rule, const std::string& kind, const std::string& id,
                  const std::string& park, const std::string& name, int month) {
    pb::AlertEvent a;
    a.set_id(absl::StrCat(rule, "|", kind, ":", id, "|2024-", month < 10 ? "0" : "", month));
    a.set_rule(rule);
    a.set_subject_kind(kind);
    a.set_subject_id(id);
    a.set_park_id(park);
    a.set_subject_name(name);
    a.set_state(pb::ALERT_STATE_FIRING);
    a.mutable_period()->set_year(2024);
    a.mutable_period()->set_month(month);
    return a;
  };
  const std::string park = "园区宝应玻璃产业园（P1）";
  const std::string cell = park + "·非金属矿物制品业（3041）";
  const std::vector<pb::AlertEvent> alerts = {
      alert("output_decline", "park_industry", "P1|3041", "P1", cell, 5),
      alert("output_decline", "park", "P1", "P1", park, 4),
      alert("output_decline", "region", "321023", "", "地区宝应县（321023）", 4),
      alert("tax_decline", "park_industry", "P1|3041", "P1", cell, 11),
      alert("tax_decline", "park", "P1", "P1", park, 4),
      alert("tax_decline", "park_industry", "P1|3042", "P1", park + "·非金属矿物制品业（3042）", 6),
  };
  EXPECT_EQ(RenderAlertsSummary(alerts),
            "园区宝应玻璃产业园（P1）  output_decline since 2024-04 · tax_decline since 2024-04\n"
            "    industries: 3041 (output_decline, tax_decline) · 3042 (tax_decline)\n"
            "地区宝应县（321023）  output_decline since 2024-04\n"
            "6 alerts on 2 subjects; `alerts list --brief` gives each with its id\n");
  // A park whose only alerts are its industries'.
  EXPECT_EQ(RenderAlertsSummary({alerts[0]}),
            "园区宝应玻璃产业园（P1）  (its industries)\n"
            "    industries: 3041 (output_decline)\n"
            "1 alert on 1 subject; `alerts list --brief` gives each with its id\n");
  EXPECT_EQ(RenderAlertsSummary({}), "no alerts\n");
}

// The park list shows the area in 亩 with thousands separators.
TEST(RenderTest, ParkListAreaHasSeparators) {
  pb::Park p;
  p.set_id("P321282A");
  p.set_name("靖江经济技术开发区");
  p.set_county_code("321282");
  p.set_area_mu(90000);
  const std::string text = RenderParkList({p});
  EXPECT_NE(text.find("area(亩)"), std::string::npos) << text;
  EXPECT_NE(text.find("    90,000  "), std::string::npos) << text;
}

}  // namespace
}  // namespace cw::cli
