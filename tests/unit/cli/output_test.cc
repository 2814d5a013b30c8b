// Tests of clusterctl's machine-readable output, metric units and flag value checks.
#include "cli/output.h"

#include "absl/status/status.h"
#include "cli/render.h"
#include "gtest/gtest.h"

namespace cw::cli {
namespace {
namespace pb = clusterwatch::v1;

pb::Period Month(int year, int month) {
  pb::Period p;
  p.set_year(year);
  p.set_month(month);
  return p;
}

// The three formats parse; anything else is refused naming them.
TEST(OutputTest, ParsesOutputFormat) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("csv"), OutputFormat::kCsv);
  auto bad = ParseOutputFormat("xml");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "--output='xml': expected table, json or csv");
}

// An unknown metric is refused with every accepted name listed.
TEST(OutputTest, UnknownMetricListsAcceptedNames) {
  EXPECT_EQ(LookupMetric("output_per_mu")->unit, MetricUnit::kYuanPerMu);
  EXPECT_EQ(LookupMetric("hhi")->unit, MetricUnit::kIndex);
  auto bad = LookupMetric("output_ytd_yo");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "--metric='output_ytd_yo': expected one of output_month, output_ytd, tax_ytd, "
            "employees, output_yoy, output_ytd_yoy, output_ytd_yoy_same_scope, tax_ytd_yoy, "
            "output_mom, hhi, industry_cr5, leading_industry_share, firm_cr1, firm_cr3, "
            "output_per_mu, tax_per_mu, in_park_purchase_share, in_region_purchase_share, "
            "completeness");
  EXPECT_EQ(RankableMetrics().size(), 19u);
}

// Values are shown in 万元, 万元/亩, %, persons with separators, or as an index.
TEST(OutputTest, FormatsMetricValuesInTableUnits) {
  EXPECT_EQ(FormatMetricValue(MetricUnit::kYuan, 601151400.0), "60,115.14");
  EXPECT_EQ(FormatMetricValue(MetricUnit::kYuanPerMu, 780747.0444), "78.07");
  EXPECT_EQ(FormatMetricValue(MetricUnit::kRatio, 0.1234), "12.3%");
  EXPECT_EQ(FormatMetricValue(MetricUnit::kRatio, -0.05), "-5.0%");
  EXPECT_EQ(FormatMetricValue(MetricUnit::kPersons, 1234567), "1,234,567");
  EXPECT_EQ(FormatMetricValue(MetricUnit::kIndex, 0.25), "0.250");
}

// --state and --subject_kind accept their values or "" and refuse the rest, listing them.
TEST(OutputTest, RefusesUnknownStateAndSubjectKind) {
  EXPECT_EQ(*ParseAlertState(""), pb::ALERT_STATE_UNSPECIFIED);
  EXPECT_EQ(*ParseAlertState("firing"), pb::ALERT_STATE_FIRING);
  EXPECT_EQ(*ParseAlertState("resolved"), pb::ALERT_STATE_RESOLVED);
  auto bad = ParseAlertState("fired");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "--state='fired': expected pending, firing or resolved");
  EXPECT_EQ(*ParseSubjectKind("park_industry"), "park_industry");
  EXPECT_EQ(ParseSubjectKind("county").status().message(),
            "--subject_kind='county': expected park, park_industry, region or group");
}

// CSV quotes cells with commas, quotes and line breaks, and doubles quotes.
TEST(OutputTest, CsvQuotesAsRfc4180) {
  CsvTable t{{"a", "b"}, {{"1,2", "say \"hi\""}, {"x\ny", "plain"}}};
  EXPECT_EQ(FormatCsv(t), "a,b\n\"1,2\",\"say \"\"hi\"\"\"\n\"x\ny\",plain\n");
  EXPECT_EQ(FormatCsv(t, false), "\"1,2\",\"say \"\"hi\"\"\"\n\"x\ny\",plain\n");
}

// Doubles are written in their shortest exact form.
TEST(OutputTest, ExactDoubleIsShortestRoundTrip) {
  EXPECT_EQ(ExactDouble(0.1), "0.1");
  EXPECT_EQ(ExactDouble(601151400.0), "601151400");
  EXPECT_EQ(ExactDouble(6011514.37), "6011514.37");
  EXPECT_EQ(ExactDouble(2.0 / 3.0), "0.6666666666666666");
}

// JSON is the proto3 mapping with proto field names: fen (int64) as exact decimal strings,
// zero values printed.
TEST(OutputTest, JsonHasFenAsExactStringsAndProtoNames) {
  pb::GetRegionSnapshotResponse a;
  a.set_name("扬州市");
  a.mutable_year_to_date()->mutable_gross_output()->set_fen(9'007'199'254'740'993);
  const std::string json = ToJson(a);
  EXPECT_NE(json.find("\"fen\": \"9007199254740993\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"year_to_date\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"parks\": \"0\""), std::string::npos) << json;
  EXPECT_EQ(json.back(), '\n');
  const std::string line = ToJson(a, true);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_EQ(ToJsonArray({}), "[]\n");
  const std::string arr = ToJsonArray({&a, &a});
  EXPECT_EQ(arr.substr(0, 2), "[\n");
  EXPECT_NE(arr.find("},\n{"), std::string::npos) << arr;
}

// A ranking in CSV: the value in the API's unit, named in the unit column.
TEST(OutputTest, RankCsvHasValuesAndUnits) {
  pb::RankParksResponse a;
  auto* r = a.add_parks();
  r->set_rank(1);
  r->set_park_id("P1");
  r->set_name("宝应, 玻璃");
  r->set_value(780747.0444);
  r->set_grade("A");
  auto* u = a.add_parks();
  u->set_park_id("P2");
  u->set_name("无值");
  EXPECT_EQ(FormatCsv(RankCsv(*LookupMetric("output_per_mu"), a)),
            "rank,park_id,name,metric,value,unit,grade,confidential\n"
            "1,P1,\"宝应, 玻璃\",output_per_mu,780747.0444,yuan_per_mu,A,false\n"
            "0,P2,无值,output_per_mu,,yuan_per_mu,,false\n");
}

// A ranking as a table carries the unit in the heading and values in it (万元/亩, not yuan).
TEST(OutputTest, RankTableShowsUnits) {
  pb::RankParksResponse a;
  auto* r = a.add_parks();
  r->set_rank(1);
  r->set_park_id("P1");
  r->set_name("宝应");
  r->set_value(780747.0444);
  const std::string text = RenderRanking("output_per_mu", a);
  EXPECT_NE(text.find("output_per_mu (万元/亩)"), std::string::npos) << text;
  EXPECT_NE(text.find("78.07"), std::string::npos) << text;
  EXPECT_EQ(text.find("780747"), std::string::npos) << text;
}

// A series as a table (万元 for money) and as CSV (yuan, exact).
TEST(OutputTest, SeriesTableAndCsv) {
  pb::GetMetricSeriesResponse a;
  auto* p = a.add_points();
  *p->mutable_period() = Month(2024, 3);
  p->set_value(601151400.0);
  auto* q = a.add_points();
  *q->mutable_period() = Month(2024, 4);
  q->set_confidential(true);
  const MetricInfo m = *LookupMetric("output_ytd");
  const std::string text = RenderSeries("P1", m, a);
  EXPECT_NE(text.find("P1 output_ytd (万元)"), std::string::npos) << text;
  EXPECT_NE(text.find("60,115.14"), std::string::npos) << text;
  EXPECT_NE(text.find("保密 confidential"), std::string::npos) << text;
  EXPECT_EQ(FormatCsv(SeriesCsv("P1", m, a)),
            "park_id,metric,period,value,unit,confidential\n"
            "P1,output_ytd,2024-03,601151400,yuan,false\n"
            "P1,output_ytd,2024-04,,yuan,true\n");
}

// A report in CSV: the park's totals row (industry empty), then its industries, fen exact.
TEST(OutputTest, ReportCsvHasTotalsThenIndustries) {
  pb::GetParkSnapshotResponse a;
  a.mutable_park()->set_id("P1");
  a.mutable_park()->set_name("宝应");
  auto* s = a.mutable_snapshot();
  *s->mutable_period() = Month(2024, 12);
  s->mutable_month()->mutable_gross_output()->set_fen(123);
  s->mutable_year_to_date()->mutable_gross_output()->set_fen(4567);
  s->mutable_month()->set_employees(10);
  auto* ind = s->add_industries();
  ind->set_industry("3041");
  ind->mutable_month()->mutable_gross_output()->set_fen(123);
  ind->set_output_share(1.0);
  const CsvTable t = ReportCsv({a});
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.header[4], "gross_output_month_fen");
  EXPECT_EQ(t.header[5], "gross_output_ytd_fen");
  EXPECT_EQ(t.header.size(), t.rows[0].size());
  EXPECT_EQ(t.rows[0][2], "2024-12");
  EXPECT_EQ(t.rows[0][3], "");
  EXPECT_EQ(t.rows[0][4], "123");
  EXPECT_EQ(t.rows[0][5], "4567");
  EXPECT_EQ(t.rows[0][16], "10");  // employees
  EXPECT_EQ(t.rows[1][3], "3041");
  EXPECT_EQ(t.rows[1][19], "1");   // output_share
}

// Park metrics in long form: undefined metrics left out, withheld industries marked.
TEST(OutputTest, MetricsCsvIsLongForm) {
  pb::GetParkMetricsResponse a;
  a.mutable_park()->set_id("P1");
  auto* m = a.mutable_metrics();
  *m->mutable_snapshot()->mutable_period() = Month(2024, 12);
  m->mutable_snapshot()->mutable_year_to_date()->mutable_gross_output()->set_fen(5000);
  m->set_output_ytd_yoy(0.25);
  m->set_output_per_mu(780747.0444);
  auto* im = m->add_industry_metrics();
  im->set_industry("3041");
  im->set_confidential(true);
  const std::string csv = FormatCsv(MetricsCsv(a));
  EXPECT_NE(csv.find("P1,2024-12,,output_ytd,5000,fen\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("P1,2024-12,,output_ytd_yoy,0.25,ratio\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("P1,2024-12,,output_per_mu,780747.0444,yuan_per_mu\n"),
            std::string::npos)
      << csv;
  EXPECT_EQ(csv.find("output_yoy,"), std::string::npos) << csv;  // not defined: absent
  EXPECT_NE(csv.find("P1,2024-12,3041,ytd_output,,confidential\n"), std::string::npos) << csv;
}

// Alerts in CSV: state by name, periods by key; watch rows end with the resume token.
TEST(OutputTest, AlertsCsv) {
  pb::AlertEvent e;
  e.set_id("dependency|park:P1|2023-05");
  e.set_state(pb::ALERT_STATE_FIRING);
  e.set_rule("dependency");
  e.set_subject_kind("park");
  e.set_subject_id("P1");
  *e.mutable_period() = Month(2023, 5);
  e.set_explanation_en("one firm, 80%");
  const CsvTable t = AlertsCsv({e});
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "dependency|park:P1|2023-05");
  EXPECT_EQ(t.rows[0][1], "firing");
  EXPECT_EQ(t.rows[0][8], "2023-05");
  EXPECT_EQ(t.rows[0][9], "");  // no latest period
  pb::AlertUpdate u;
  *u.mutable_event() = e;
  u.set_resume_token("7");
  const CsvTable w = AlertUpdatesCsv({u});
  EXPECT_EQ(w.header.back(), "resume_token");
  EXPECT_EQ(w.rows[0].back(), "7");
  EXPECT_EQ(FormatCsv(w, false).find("resume_token"), std::string::npos);
}

// Parks, a region and an industry map in CSV, each with as many cells as header names.
TEST(OutputTest, ParksRegionAndIndustryMapCsv) {
  pb::Park p;
  p.set_id("P222403A");
  p.set_county_code("222403");
  p.set_level(pb::PARK_LEVEL_PROVINCIAL);
  p.set_area_mu(1500);
  p.add_leading_industries("3041");
  p.add_leading_industries("3042");
  const CsvTable parks = ParksCsv({p});
  EXPECT_EQ(parks.rows[0][4], "provincial");
  EXPECT_EQ(parks.rows[0][5], "1500");
  EXPECT_EQ(parks.rows[0][6], "3041;3042");

  pb::GetRegionSnapshotResponse r;
  r.set_parks(2);
  r.set_hhi(0.5);
  auto* withheld = r.add_industries();
  withheld->set_industry("33");
  withheld->set_confidential(true);
  withheld->set_confidential_reason("threshold");
  const CsvTable region = RegionCsv("321000", Month(2024, 3), r);
  ASSERT_EQ(region.rows.size(), 2u);
  for (const auto& row : region.rows) EXPECT_EQ(row.size(), region.header.size());
  EXPECT_EQ(region.rows[0][20], "0.5");  // hhi
  EXPECT_EQ(region.rows[1][19], "");     // no share for a withheld industry
  EXPECT_EQ(region.rows[1].back(), "threshold");

  pb::GetIndustryMapResponse m;
  auto* e = m.add_entries();
  e->set_park_id("P1");
  e->set_industry("3041");
  e->mutable_ytd_output()->set_fen(42);
  e->set_lq(1.5);
  e->mutable_stage()->set_stage("cluster");
  const CsvTable map = IndustryMapCsv(m);
  EXPECT_EQ(FormatCsv(map, false), "P1,,3041,42,1.5,0,cluster,,,false\n");
}

}  // namespace
}  // namespace cw::cli
