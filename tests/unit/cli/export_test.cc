// Tests of `clusterctl export`'s sheets, their CSV form and the XLSX writer.
#include "cli/export.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/xlsx.h"
#include "gtest/gtest.h"

namespace cw::cli {
namespace {
namespace pb = clusterwatch::v1;

ExportInput Sample() {
  ExportInput in;
  in.label = "321000";
  in.period.set_year(2024);
  in.period.set_month(2);
  in.period.set_jan_feb(true);
  pb::GetParkSnapshotResponse a;
  a.mutable_park()->set_id("P1");
  a.mutable_park()->set_name("宝应玻璃产业园");
  a.mutable_park()->set_county_code("321023");
  a.mutable_park()->set_area_mu(4500);
  a.mutable_park()->set_level(pb::PARK_LEVEL_OTHER);
  auto* s = a.mutable_snapshot();
  s->mutable_month()->mutable_gross_output()->set_fen(123'456'789);
  s->mutable_year_to_date()->mutable_gross_output()->set_fen(9'007'199'254'740'993);
  s->mutable_month()->set_employees(42);
  auto* ind = s->add_industries();
  ind->set_industry("3041");
  ind->mutable_month()->mutable_gross_output()->set_fen(123'456'789);
  ind->set_output_share(1.0);
  auto* withheld = s->add_industries();
  withheld->set_industry("3042");
  withheld->set_confidential(true);
  in.parks.push_back(a);
  in.region.set_name("扬州市");
  in.region.set_parks(1);
  in.region.set_hhi(0.5);
  in.region.mutable_month()->mutable_gross_output()->set_fen(123'456'789);
  auto* rind = in.region.add_industries();
  rind->set_industry("3041");
  rind->mutable_month()->mutable_gross_output()->set_fen(123'456'789);
  rind->set_output_share(2.0 / 3.0);
  return in;
}

// Four sheets, each row as wide as its header; money exact in fen in CSV.
TEST(ExportTest, SheetsHoldParksCellsRegionAndIndustries) {
  const auto sheets = ExportSheets(Sample());
  ASSERT_EQ(sheets.size(), 4u);
  EXPECT_EQ(sheets[0].name, "parks");
  EXPECT_EQ(sheets[1].name, "park_industries");
  EXPECT_EQ(sheets[2].name, "region");
  EXPECT_EQ(sheets[3].name, "industries");
  for (const auto& s : sheets) {
    for (const auto& row : s.rows) EXPECT_EQ(row.size(), s.columns.size()) << s.name;
  }
  const CsvTable parks = SheetCsv(sheets[0]);
  ASSERT_EQ(parks.rows.size(), 1u);
  EXPECT_EQ(parks.header[7], "gross_output_month_fen");
  EXPECT_EQ(parks.header[8], "gross_output_ytd_fen");
  EXPECT_EQ(parks.rows[0][0], "P1");
  EXPECT_EQ(parks.rows[0][3], "宝应县");
  EXPECT_EQ(parks.rows[0][4], "other");
  EXPECT_EQ(parks.rows[0][5], "4500");
  EXPECT_EQ(parks.rows[0][6], "2024-01/02");
  EXPECT_EQ(parks.rows[0][7], "123456789");
  EXPECT_EQ(parks.rows[0][8], "9007199254740993");  // beyond a double's exact integers

  const CsvTable cells = SheetCsv(sheets[1]);
  ASSERT_EQ(cells.rows.size(), 2u);
  EXPECT_EQ(cells.rows[0][3], "3041");
  EXPECT_EQ(cells.rows[0][4], "非金属矿物制品业");
  EXPECT_EQ(cells.rows[0][5], "123456789");
  EXPECT_EQ(cells.rows[0][cells.header.size() - 2], "1");
  // A withheld cell: no figures at all (not zeros), marked confidential.
  EXPECT_EQ(cells.rows[1][5], "");
  EXPECT_EQ(cells.rows[1][cells.header.size() - 2], "");
  EXPECT_EQ(cells.rows[1].back(), "true");

  const CsvTable region = SheetCsv(sheets[2]);
  EXPECT_EQ(region.rows[0][0], "321000");
  EXPECT_EQ(region.rows[0][1], "扬州市");
  EXPECT_EQ(region.rows[0][3], "1");
  EXPECT_EQ(region.rows[0][4], "123456789");
  EXPECT_EQ(region.header[region.header.size() - 2], "hhi");
  EXPECT_EQ(region.rows[0][region.header.size() - 2], "0.5");
  EXPECT_EQ(region.rows[0].back(), "");  // CR5 not given

  const CsvTable industries = SheetCsv(sheets[3]);
  EXPECT_EQ(industries.rows[0][2], "3041");
  EXPECT_EQ(industries.rows[0][industries.header.size() - 3], "0.6666666666666666");
}

// Region codes become ListParks prefixes; workbook names and --format values.
TEST(ExportTest, PrefixesNamesAndFormats) {
  EXPECT_EQ(ParkPrefixOfRegion("320000"), "32");
  EXPECT_EQ(ParkPrefixOfRegion("321000"), "3210");
  EXPECT_EQ(ParkPrefixOfRegion("321023"), "321023");
  EXPECT_EQ(ParkPrefixOfRegion("2224"), "2224");
  EXPECT_EQ(ParkPrefixOfRegion(""), "");
  pb::Period p;
  p.set_year(2024);
  p.set_month(2);
  p.set_jan_feb(true);
  EXPECT_EQ(WorkbookName("320000", p), "clusterwatch-320000-2024-01-02.xlsx");
  EXPECT_EQ(XlsxHeading({"gross_output_month", CellKind::kFen}), "gross_output_month (万元)");
  EXPECT_EQ(XlsxHeading({"output_share", CellKind::kRatio}), "output_share (%)");
  EXPECT_EQ(XlsxHeading({"park_id", CellKind::kText}), "park_id");
  auto both = ParseExportFormats("csv,xlsx");
  EXPECT_TRUE(both->csv && both->xlsx);
  auto xlsx = ParseExportFormats("xlsx");
  EXPECT_TRUE(!xlsx->csv && xlsx->xlsx);
  EXPECT_EQ(ParseExportFormats("pdf").status().message(),
            "--format='pdf': expected csv, xlsx or csv,xlsx");
}

// The workbook is a zip archive (XLSX) naming the four sheets; a missing directory is an
// error with libxlsxwriter's reason.
TEST(ExportTest, WritesXlsxWorkbook) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "export_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "book.xlsx").string();
  ASSERT_TRUE(WriteXlsx(path, ExportSheets(Sample())).ok());
  std::ifstream f(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 4u);
  EXPECT_EQ(bytes.substr(0, 2), "PK");
  EXPECT_NE(bytes.find("xl/worksheets/sheet4.xml"), std::string::npos);
  EXPECT_EQ(bytes.find("xl/worksheets/sheet5.xml"), std::string::npos);
  const auto bad = WriteXlsx((dir / "missing" / "book.xlsx").string(), ExportSheets(Sample()));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  EXPECT_NE(bad.message().find("missing/book.xlsx: "), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace cw::cli
