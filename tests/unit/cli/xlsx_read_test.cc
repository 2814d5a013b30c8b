#include "cli/xlsx_read.h"

#include <xlsxwriter.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/domain/report_csv.h"
#include "gtest/gtest.h"

namespace cw::cli {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";

// A workbook written with libxlsxwriter at a fresh path; `fill` writes its sheets.
std::string Workbook(const std::string& name,
                     const std::function<void(lxw_workbook*)>& fill,
                     bool constant_memory = false) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  lxw_workbook_options options = {};
  options.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  EXPECT_NE(wb, nullptr);
  fill(wb);
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  return path;
}

void Strings(lxw_worksheet* ws, int row, const std::vector<std::string>& cells) {
  for (size_t c = 0; c < cells.size(); ++c) {
    if (!cells[c].empty()) {
      worksheet_write_string(ws, row, static_cast<lxw_col_t>(c), cells[c].c_str(), nullptr);
    }
  }
}

// Shared strings (libxlsxwriter's default), numbers and a numeric period; blank rows are
// skipped and each row keeps its spreadsheet row number as its line.
TEST(ReadXlsxTableTest, SharedStringsNumbersAndRowNumbers) {
  const std::string path = Workbook("shared.xlsx", [](lxw_workbook* wb) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, "报表");
    Strings(ws, 0, {"uscc", "industry", "period", "gross_output(万元)", "employees"});
    Strings(ws, 2, {kUsccA, "3041"});
    worksheet_write_number(ws, 2, 2, 202403, nullptr);
    worksheet_write_number(ws, 2, 3, 1234.56, nullptr);
    worksheet_write_number(ws, 2, 4, 120, nullptr);
    Strings(ws, 4, {kUsccA, "3041", "2024-04"});
    worksheet_write_number(ws, 4, 3, 0.1, nullptr);
  });
  absl::StatusOr<domain::CsvTable> t = ReadXlsxTable(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->encoding, "XLSX");
  EXPECT_EQ(t->header, (std::vector<std::string>{"uscc", "industry", "period",
                                                 "gross_output(万元)", "employees"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].line, 3);
  EXPECT_EQ(t->rows[0].fields,
            (std::vector<std::string>{kUsccA, "3041", "202403", "1234.56", "120"}));
  EXPECT_EQ(t->rows[0].raw, absl::StrCat(kUsccA, ",3041,202403,1234.56,120"));
  EXPECT_EQ(t->rows[1].line, 5);
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{kUsccA, "3041", "2024-04", "0.1"}));

  // Through the same validation as a CSV file.
  auto records = domain::ReportsFromCsv(*t);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  const pb::SubmittedRecord& r = (*records)[0];
  EXPECT_EQ(r.line(), 3);
  ASSERT_TRUE(r.has_output()) << r.DebugString();
  EXPECT_EQ(r.output().period().year(), 2024);
  EXPECT_EQ(r.output().period().month(), 3);
  EXPECT_EQ(r.output().gross_output().fen(), 1'234'560'000);
  EXPECT_EQ(r.output().employees(), 120);
  EXPECT_EQ((*records)[1].line(), 5);
  EXPECT_EQ((*records)[1].output().gross_output().fen(), 100'000);
}

// Inline strings (libxlsxwriter's constant-memory mode writes them) read like shared ones.
TEST(ReadXlsxTableTest, InlineStrings) {
  const std::string path = Workbook(
      "inline.xlsx",
      [](lxw_workbook* wb) {
        lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
        Strings(ws, 0, {"统一社会信用代码", "报告期", "税收总额"});
        Strings(ws, 1, {kUsccA, "2024年3月", "12.5"});
      },
      /*constant_memory=*/true);
  absl::StatusOr<domain::CsvTable> t = ReadXlsxTable(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header, (std::vector<std::string>{"统一社会信用代码", "报告期", "税收总额"}));
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{kUsccA, "2024年3月", "12.5"}));
  auto records = domain::ReportsFromCsv(*t);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE((*records)[0].has_tax());
  EXPECT_EQ((*records)[0].tax().total_tax().fen(), 1'250'000);
}

// A month typed as a date (the first of the month) is that month; any other date is refused
// on its row, naming the period field.
TEST(ReadXlsxTableTest, DateCells) {
  const std::string path = Workbook("dates.xlsx", [](lxw_workbook* wb) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
    lxw_format* month = workbook_add_format(wb);
    format_set_num_format(month, "yyyy\"年\"m\"月\"");
    lxw_format* iso = workbook_add_format(wb);
    format_set_num_format_index(iso, 14);
    Strings(ws, 0, {"uscc", "period", "total_tax"});
    lxw_datetime march = {2024, 3, 1, 0, 0, 0};
    lxw_datetime mid = {2024, 3, 15, 0, 0, 0};
    Strings(ws, 1, {kUsccA, "", "1"});
    worksheet_write_datetime(ws, 1, 1, &march, month);
    Strings(ws, 2, {kUsccA, "", "1"});
    worksheet_write_datetime(ws, 2, 1, &mid, iso);
  });
  absl::StatusOr<domain::CsvTable> t = ReadXlsxTable(path);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields[1], "2024-03");
  EXPECT_EQ(t->rows[1].fields[1], "2024-03-15");
  auto records = domain::ReportsFromCsv(*t);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE((*records)[0].has_tax());
  EXPECT_EQ((*records)[0].tax().period().month(), 3);
  ASSERT_TRUE((*records)[1].has_parse_error());
  EXPECT_EQ((*records)[1].line(), 3);
  EXPECT_EQ((*records)[1].parse_error().field(), "period");
  EXPECT_NE((*records)[1].parse_error().reason().find("2024-03-15"), std::string::npos)
      << (*records)[1].parse_error().reason();
}

// --sheet picks a sheet by name; an absent name is refused listing the sheets.
TEST(ReadXlsxTableTest, NamedSheet) {
  const std::string path = Workbook("sheets.xlsx", [](lxw_workbook* wb) {
    Strings(workbook_add_worksheet(wb, "说明"), 0, {"这是说明"});
    Strings(workbook_add_worksheet(wb, "税收"), 0, {"uscc", "period", "total_tax"});
  });
  absl::StatusOr<domain::CsvTable> first = ReadXlsxTable(path);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->header, std::vector<std::string>{"这是说明"});
  absl::StatusOr<domain::CsvTable> tax = ReadXlsxTable(path, {.sheet = "税收"});
  ASSERT_TRUE(tax.ok()) << tax.status();
  EXPECT_EQ(tax->header, (std::vector<std::string>{"uscc", "period", "total_tax"}));
  absl::StatusOr<domain::CsvTable> none = ReadXlsxTable(path, {.sheet = "产值"});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status().message(),
            "the workbook has no sheet '产值' (expected one of: '说明', '税收')");
}

// A file that is no workbook, and a missing file, are refused clearly.
TEST(ReadXlsxTableTest, NotAWorkbook) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/not.xlsx");
  std::ofstream(path) << "uscc,period\n";
  absl::StatusOr<domain::CsvTable> t = ReadXlsxTable(path);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(t.status().message(),
                               "not an xlsx workbook: the file is not a zip archive"))
      << t.status();
  EXPECT_EQ(ReadXlsxTable(path + ".missing.xlsx").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsXlsxPath("a/B.XLSX"));
  EXPECT_FALSE(IsXlsxPath("a.csv"));
  EXPECT_FALSE(IsXlsxPath(".xlsx"));
}

// Stored numbers read as Excel shows them (15 significant digits), never in exponent form;
// whole numbers as stored.
TEST(XlsxNumberTextTest, AsShown) {
  EXPECT_EQ(*XlsxNumberText("1234.5600000000001"), "1234.56");
  EXPECT_EQ(*XlsxNumberText("0.30000000000000004"), "0.3");
  EXPECT_EQ(*XlsxNumberText("1.5E+3"), "1500");
  EXPECT_EQ(*XlsxNumberText("2E-3"), "0.002");
  EXPECT_EQ(*XlsxNumberText("1E+20"), "100000000000000000000");
  EXPECT_EQ(*XlsxNumberText("-0.5"), "-0.5");
  EXPECT_EQ(*XlsxNumberText("202403"), "202403");
  EXPECT_EQ(*XlsxNumberText("913212820000000001"), "913212820000000001");  // whole: as stored
  EXPECT_EQ(*XlsxNumberText("-12"), "-12");
  EXPECT_EQ(XlsxNumberText("abc").status().code(), absl::StatusCode::kInvalidArgument);
}

// Date serials in both date systems, Lotus' missing leap day refused.
TEST(XlsxDateTextTest, Serials) {
  EXPECT_EQ(*XlsxDateText(45352, false), "2024-03");
  EXPECT_EQ(*XlsxDateText(45366, false), "2024-03-15");
  EXPECT_EQ(*XlsxDateText(45352.5, false), "2024-03-01 12:00:00");
  EXPECT_EQ(*XlsxDateText(45352 - 1462, true), "2024-03");
  EXPECT_EQ(*XlsxDateText(59, false), "1900-02-28");
  EXPECT_EQ(*XlsxDateText(61, false), "1900-03");
  EXPECT_EQ(*XlsxDateText(1, false), "1900-01");
  EXPECT_EQ(XlsxDateText(60, false).status().message(),
            "date serial 60 is 1900-02-29, a day that did not exist (expected a real date)");
  EXPECT_EQ(XlsxDateText(0, false).status().code(), absl::StatusCode::kInvalidArgument);
}

// Built-in and custom date formats; quoted text and brackets do not make a date.
TEST(IsDateFormatTest, BuiltInAndCustom) {
  EXPECT_TRUE(IsDateFormat(14, ""));
  EXPECT_TRUE(IsDateFormat(31, ""));  // yyyy"年"m"月"d"日" in Chinese locales
  EXPECT_FALSE(IsDateFormat(0, ""));
  EXPECT_FALSE(IsDateFormat(4, ""));
  EXPECT_TRUE(IsDateFormat(164, "yyyy\"年\"m\"月\""));
  EXPECT_TRUE(IsDateFormat(165, "[$-804]yyyy年m月"));
  EXPECT_FALSE(IsDateFormat(166, "#,##0.00"));
  EXPECT_FALSE(IsDateFormat(167, "[Red]0.00"));
  EXPECT_FALSE(IsDateFormat(168, "\"day \"0"));
}

}  // namespace
}  // namespace cw::cli
