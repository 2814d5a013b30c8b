#include "common/domain/report_csv.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";
constexpr char kUsccB[] = "91310115MA1K3BTP2B";

CsvTable Table(std::string_view text) {
  absl::StatusOr<CsvTable> t = ParseCsv(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(CsvTable{});
}

std::vector<pb::SubmittedRecord> Reports(std::string_view text) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(Table(text));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(std::vector<pb::SubmittedRecord>{});
}

// The single record of a one-row output file, which must have parsed.
pb::OutputReport OneOutput(std::string_view text) {
  std::vector<pb::SubmittedRecord> r = Reports(text);
  EXPECT_EQ(r.size(), 1u);
  if (r.empty()) return {};
  EXPECT_TRUE(r[0].has_output()) << r[0].DebugString();
  return r[0].output();
}

// The parse error of a one-row file.
pb::ParseError OneError(std::string_view text) {
  std::vector<pb::SubmittedRecord> r = Reports(text);
  EXPECT_EQ(r.size(), 1u);
  if (r.empty()) return {};
  EXPECT_TRUE(r[0].has_parse_error()) << r[0].DebugString();
  return r[0].parse_error();
}

// An English output file with every column fills every field exactly.
TEST(ReportsFromCsvTest, OutputEnglishAllColumns) {
  const std::string row = absl::StrCat(kUsccA,
                                       ",Acme,P1,3041,2024-03,month,千元,1234.567,1000,"
                                       "12.5,120,2");
  const std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "uscc,name,park_id,industry,period,basis,unit,gross_output,sales_output,"
      "export_delivery,employees,revision\n",
      row, "\n"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].line(), 2);
  EXPECT_EQ(r[0].raw(), row);
  ASSERT_TRUE(r[0].has_output());
  const pb::OutputReport& o = r[0].output();
  EXPECT_EQ(o.uscc(), kUsccA);
  EXPECT_EQ(o.park_id(), "P1");
  EXPECT_EQ(o.industry(), "3041");
  EXPECT_EQ(o.period().year(), 2024);
  EXPECT_EQ(o.period().month(), 3);
  EXPECT_FALSE(o.period().jan_feb());
  EXPECT_EQ(o.basis(), pb::VALUE_BASIS_MONTH);
  EXPECT_EQ(o.gross_output().fen(), 123456700);
  EXPECT_EQ(o.sales_output().fen(), 100000000);
  EXPECT_EQ(o.export_delivery().fen(), 1250000);
  EXPECT_EQ(o.employees(), 120);
  EXPECT_EQ(o.revision(), 2);
}

// Chinese headers with a unit in half- or full-width parentheses and stray spaces.
TEST(ReportsFromCsvTest, ChineseHeadersWithUnits) {
  const pb::OutputReport o = OneOutput(absl::StrCat(
      " 统一社会信用代码 ,行业代码,报告期,口径, 工业总产值(千元) ,销售产值（万元）,"
      "出口交货值（元）,平均用工人数(人),修订版本\n",
      kUsccA, ",3041,2024年1-2月,1-本月累计,10,2,3.5,88,\n"));
  EXPECT_EQ(o.period().year(), 2024);
  EXPECT_EQ(o.period().month(), 2);
  EXPECT_TRUE(o.period().jan_feb());
  EXPECT_EQ(o.basis(), pb::VALUE_BASIS_YEAR_TO_DATE);
  EXPECT_EQ(o.gross_output().fen(), 1000000);
  EXPECT_EQ(o.sales_output().fen(), 2000000);
  EXPECT_EQ(o.export_delivery().fen(), 350);
  EXPECT_EQ(o.employees(), 88);
  EXPECT_EQ(o.revision(), 1);
}

// An English header may carry an ASCII unit name, in any letter case.
TEST(ReportsFromCsvTest, EnglishHeaderUnit) {
  const pb::OutputReport o = OneOutput(absl::StrCat(
      "USCC,Industry,Period,Gross Output(10k)\n", kUsccA, ",3041,202403,1.5\n"));
  EXPECT_EQ(o.gross_output().fen(), 1500000);
}

// Annotations in parentheses are skipped; the unit among them is used.
TEST(ReportsFromCsvTest, HeaderAnnotationsAndUnit) {
  const pb::OutputReport o = OneOutput(absl::StrCat(
      "uscc,industry,period,工业总产值(当年价格)(千元),销售产值（当年价格，万元）,"
      "出口交货值(当年价格)\n",
      kUsccA, ",3041,2024-03,1,1,1\n"));
  EXPECT_EQ(o.gross_output().fen(), 100000);
  EXPECT_EQ(o.sales_output().fen(), 1000000);
  EXPECT_EQ(o.export_delivery().fen(), 100000);  // no unit named: 千元
}

// A header naming two different units is ambiguous and fails the table.
TEST(ReportsFromCsvTest, HeaderWithTwoUnits) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r =
      ReportsFromCsv(Table("uscc,industry,period,工业总产值(千元)(万元)\nx,3041,2024-03,1\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "column '工业总产值(千元)(万元)' names two units, 万元 and 千元 (expected one)");
}

// Without a unit column or header unit, money is in 千元; basis month; revision 1.
TEST(ReportsFromCsvTest, Defaults) {
  const pb::OutputReport o =
      OneOutput(absl::StrCat("uscc,industry,period,gross_output\n", kUsccA, ",3041,2024-3,7\n"));
  EXPECT_EQ(o.gross_output().fen(), 700000);
  EXPECT_EQ(o.basis(), pb::VALUE_BASIS_MONTH);
  EXPECT_EQ(o.revision(), 1);
  EXPECT_FALSE(o.has_sales_output());
  EXPECT_EQ(o.employees(), 0);
  EXPECT_EQ(o.park_id(), "");
}

// The unit column applies row by row; an empty cell falls back to 千元.
TEST(ReportsFromCsvTest, UnitColumnPerRow) {
  const std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "uscc,industry,period,unit,gross_output\n", kUsccA, ",3041,2024-03,元,1.23\n", kUsccA,
      ",3041,2024-03,亿元,244.77\n", kUsccA, ",3041,2024-03,,1\n", kUsccA,
      ",3041,2024-03,10k,1\n"));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].output().gross_output().fen(), 123);
  EXPECT_EQ(r[1].output().gross_output().fen(), 2447700000000);
  EXPECT_EQ(r[2].output().gross_output().fen(), 100000);
  EXPECT_EQ(r[3].output().gross_output().fen(), 1000000);
}

// A unit in a column header agrees with, or conflicts with, the row's unit column.
TEST(ReportsFromCsvTest, HeaderUnitAgainstUnitColumn) {
  const std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "uscc,industry,period,unit,工业总产值(千元)\n", kUsccA, ",3041,2024-03,千元,2\n", kUsccA,
      ",3041,2024-03,万元,2\n"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].output().gross_output().fen(), 200000);
  ASSERT_TRUE(r[1].has_parse_error());
  EXPECT_EQ(r[1].parse_error().field(), "unit");
  EXPECT_EQ(r[1].parse_error().reason(),
            "row unit 万元 conflicts with 千元 in the column header '工业总产值(千元)' "
            "(expected the same unit or none)");
}

// Every documented basis spelling is understood.
TEST(ReportsFromCsvTest, BasisSpellings) {
  for (const char* basis : {"month", "MONTH", "本月", "当月", "月度", ""}) {
    const pb::OutputReport o = OneOutput(absl::StrCat("uscc,industry,period,basis,gross_output\n",
                                                      kUsccA, ",3041,2024-03,", basis, ",1\n"));
    EXPECT_EQ(o.basis(), pb::VALUE_BASIS_MONTH) << basis;
  }
  for (const char* basis :
       {"ytd", "YTD", "year_to_date", "累计", "本年累计", "1-本月累计", "1—本月累计", "1-累计"}) {
    const pb::OutputReport o = OneOutput(absl::StrCat("uscc,industry,period,basis,gross_output\n",
                                                      kUsccA, ",3041,2024-03,", basis, ",1\n"));
    EXPECT_EQ(o.basis(), pb::VALUE_BASIS_YEAR_TO_DATE) << basis;
  }
}

// A number that is not decimal is a parse error naming the field, text and unit.
TEST(ReportsFromCsvTest, BadNumberIsParseError) {
  const std::string text =
      absl::StrCat("uscc,industry,period,gross_output\n", kUsccA, ",3041,2024-03,12a\n");
  const std::vector<pb::SubmittedRecord> r = Reports(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].line(), 2);
  EXPECT_EQ(r[0].raw(), absl::StrCat(kUsccA, ",3041,2024-03,12a"));
  ASSERT_TRUE(r[0].has_parse_error());
  EXPECT_EQ(r[0].parse_error().field(), "gross_output");
  EXPECT_EQ(r[0].parse_error().reason(),
            "'12a' is not a decimal number (expected digits with an optional fraction, in 千元)");
}

// A missing required figure is an error, not zero.
TEST(ReportsFromCsvTest, EmptyGrossOutputIsParseError) {
  const pb::ParseError e =
      OneError(absl::StrCat("uscc,industry,period,gross_output,sales_output\n", kUsccA,
                            ",3041,2024-03,,5\n"));
  EXPECT_EQ(e.field(), "gross_output");
  EXPECT_EQ(e.reason(),
            "'' is empty (expected digits with an optional fraction, in 千元; a missing figure "
            "is not zero)");
}

// Bad periods, bases, units, revisions and employees are parse errors on their fields.
TEST(ReportsFromCsvTest, FieldParseErrors) {
  const std::string header = "uscc,industry,period,basis,unit,gross_output,employees,revision\n";
  struct Case {
    std::string row;
    std::string field;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"2024-13,month,千元,1,1,1", "period", "month 13 in '2024-13' is outside 1..12"},
      {"2024-03,weekly,千元,1,1,1", "basis",
       "'weekly' is not a value basis (expected month, ytd, year_to_date, 本月, 累计 or "
       "1-本月累计)"},
      {"2024-03,month,美元,1,1,1", "unit",
       "'美元' is not a money unit (expected 元, 千元, 万元, 亿元, yuan, thousand, 10k or 100m)"},
      {"2024-03,month,元,0.001,1,1", "gross_output",
       "'0.001' is finer than a fen (expected at most 2 fraction digits in 元)"},
      {"2024-03,month,千元,1,12.5,1", "employees",
       "'12.5' is not a whole number of employees (expected digits such as 120)"},
      {"2024-03,month,千元,1,1,0", "revision",
       "'0' is not a revision number (expected a positive integer, 1 for the first report)"},
      {"2024-03,month,千元,1,1,v2", "revision",
       "'v2' is not a revision number (expected a positive integer, 1 for the first report)"},
  };
  for (const Case& c : cases) {
    const pb::ParseError e = OneError(absl::StrCat(header, kUsccA, ",3041,", c.row, "\n"));
    EXPECT_EQ(e.field(), c.field) << c.row;
    EXPECT_EQ(e.reason(), c.reason) << c.row;
  }
}

// A bad row does not stop the rows after it; each record keeps its line.
TEST(ReportsFromCsvTest, BadRowDoesNotAbortTable) {
  const std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "uscc,industry,period,gross_output\n", kUsccA, ",3041,2024-03,x\n\n", kUsccB,
      ",3051,2024-03,\"1,000\"\n"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].line(), 2);
  EXPECT_TRUE(r[0].has_parse_error());
  EXPECT_EQ(r[1].line(), 4);
  ASSERT_TRUE(r[1].has_output());
  EXPECT_EQ(r[1].output().uscc(), kUsccB);
  EXPECT_EQ(r[1].output().gross_output().fen(), 100000000);
}

// Cells are trimmed; validation, not parsing, judges codes.
TEST(ReportsFromCsvTest, CodesPassThroughTrimmed) {
  const pb::OutputReport o = OneOutput(
      "uscc,industry,period,gross_output\n  not-a-uscc , 99x ,2024-03,1\n");
  EXPECT_EQ(o.uscc(), "not-a-uscc");
  EXPECT_EQ(o.industry(), "99x");
}

// A missing required column fails the whole table, naming it.
TEST(ReportsFromCsvTest, MissingRequiredColumn) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r =
      ReportsFromCsv(Table("uscc,period,gross_output\nx,2024-03,1\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "output report header lacks required column industry (行业代码)");
  r = ReportsFromCsv(Table("uscc,total_tax\nx,1\n"));
  EXPECT_EQ(r.status().message(), "tax report header lacks required column period (报告期)");
}

// A money column header with an unknown unit fails the table.
TEST(ReportsFromCsvTest, BadHeaderUnit) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r =
      ReportsFromCsv(Table("uscc,industry,period,工业总产值(美元)\nx,3041,2024-03,1\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "column '工业总产值(美元)': '美元' is not a money unit (expected 元, 千元, 万元, 亿元, "
            "yuan, thousand, 10k or 100m)");
}

// Two columns for one field are ambiguous and fail the table.
TEST(ReportsFromCsvTest, DuplicateColumn) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(
      Table("uscc,industry,period,gross_output,工业总产值(万元)\nx,3041,2024-03,1,2\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "header has two gross_output (工业总产值) columns: 'gross_output' and "
            "'工业总产值(万元)' (expected one; which to read is ambiguous)");
}

// --- header names -----------------------------------------------------------------------

// Every common name of the report period reads as the period.
TEST(HeaderNamesTest, PeriodVariants) {
  for (const char* name : {"报告期", "统计期", "期别", "所属期", "报表期", "时期", "税款所属期",
                           "period", "report_period", "Report Period", "REPORTING-PERIOD"}) {
    const std::vector<pb::SubmittedRecord> r = Reports(
        absl::StrCat("uscc,", name, ",total_tax\n", kUsccA, ",2024-03,5\n"));
    ASSERT_EQ(r.size(), 1u) << name;
    ASSERT_TRUE(r[0].has_tax()) << name << ": " << r[0].DebugString();
    EXPECT_EQ(r[0].tax().period().month(), 3) << name;
  }
}

// The other columns' variants: 纳税人识别号, 单位名称, 国民经济行业代码, 金额单位, 纳税总额 …
TEST(HeaderNamesTest, OtherColumnVariants) {
  const pb::OutputReport o = OneOutput(absl::StrCat(
      "纳税人识别号,单位名称,园区编号,国民经济行业代码,统计期,数据口径,金额单位,总产值,"
      "工业销售产值,出口交货值,从业人员平均人数,修订号\n",
      kUsccA, ",甲,P1,3041,2024-03,累计,万元,2,1,0,7,3\n"));
  EXPECT_EQ(o.uscc(), kUsccA);
  EXPECT_EQ(o.park_id(), "P1");
  EXPECT_EQ(o.basis(), pb::VALUE_BASIS_YEAR_TO_DATE);
  EXPECT_EQ(o.gross_output().fen(), 2'000'000);
  EXPECT_EQ(o.sales_output().fen(), 1'000'000);
  EXPECT_EQ(o.employees(), 7);
  EXPECT_EQ(o.revision(), 3);
  const std::vector<pb::SubmittedRecord> t = Reports(absl::StrCat(
      "统一代码,所属期,纳税总额(元),国内增值税,所得税,供应商\n", kUsccA, ",202401,9,4,1,",
      kUsccB, ":3\n"));
  ASSERT_EQ(t.size(), 1u);
  ASSERT_TRUE(t[0].has_tax()) << t[0].DebugString();
  EXPECT_EQ(t[0].tax().total_tax().fen(), 900);
  EXPECT_EQ(t[0].tax().vat().fen(), 400'000);  // 千元: no unit of its own, no unit column
  EXPECT_EQ(t[0].tax().corporate_income_tax().fen(), 100'000);
  ASSERT_EQ(t[0].tax().counterparties_size(), 1);
  EXPECT_EQ(t[0].tax().counterparties(0).purchases().fen(), 300);  // 元 of total_tax
}

// A header name no table knows fails the table, naming it and listing the accepted names.
TEST(HeaderNamesTest, UnknownHeaderIsRefusedWithTheAcceptedNames) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r =
      ReportsFromCsv(Table("uscc,期间,total_tax\nx,2024-03,1\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(r.status().message());
  EXPECT_TRUE(message.starts_with(
      "header: column 2 '期间' is not a known tax report column (expected one of: uscc "
      "(统一社会信用代码, 社会信用代码, 信用代码, 统一代码, 纳税人识别号, credit_code, "
      "unified_social_credit_code); "))
      << message;
  EXPECT_NE(message.find("period (报告期, 统计期, 期别, 所属期, 报表期, 时期, 税款所属期, "
                         "统计期别, report_period, reporting_period)"),
            std::string::npos)
      << message;
  EXPECT_TRUE(message.ends_with("; or map the name to one of them with --header_map)"))
      << message;
}

// Two columns that both name the period are ambiguous: which one to read is not guessed.
TEST(HeaderNamesTest, TwoNamesOfOneColumnAreAmbiguous) {
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r =
      ReportsFromCsv(Table("uscc,报告期,所属期,total_tax\nx,2024-03,2024-03,1\n"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "header has two period (报告期) columns: '报告期' and '所属期' (expected one; "
            "which to read is ambiguous)");
}

// Known columns a tax report does not read are reported, once per table, not refused: the
// park and the industry (the registry's), 序号, 备注, a registry column, a blank header.
TEST(HeaderNamesTest, PresentButUnusedColumnsAreReported) {
  std::vector<std::string> warnings;
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(
      Table(absl::StrCat("序号,uscc,园区代码,industry,period,total_tax,备注,规模以上,\n1,", kUsccA,
                         ",P1,3041,2024-03,5,ok,1,\n2,", kUsccA, ",P1,3041,2024-04,6,,1,\n")),
      {nullptr, &warnings});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].has_tax());
  EXPECT_EQ((*r)[0].tax().park_id(), "");  // not read: ingest takes the registry's
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "column 1 '序号' (row_number) is not used: it is for people, not read; its "
                "cells are ignored",
                "column 3 '园区代码' (park_id) is not used: a tax report's park and industry "
                "come from the registry; its cells are ignored",
                "column 4 'industry' (industry) is not used: a tax report's park and industry "
                "come from the registry; its cells are ignored",
                "column 7 '备注' (remarks) is not used: it is for people, not read; its cells "
                "are ignored",
                "column 8 '规模以上' (above_size) is not used: it is no column of a tax "
                "report; its cells are ignored",
                "column 9 has no header name: its cells are not read"}));
}

// An output report reads its park column: nothing to report.
TEST(HeaderNamesTest, OutputParkColumnIsUsed) {
  std::vector<std::string> warnings;
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(
      Table(absl::StrCat("uscc,园区代码,industry,period,gross_output\n", kUsccA,
                         ",P1,3041,2024-03,5\n")),
      {nullptr, &warnings});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].output().park_id(), "P1");
  EXPECT_TRUE(warnings.empty());
}

// An operator's mapping adds names, also for the money column that decides the kind.
TEST(HeaderMapTest, MappedNamesRead) {
  absl::StatusOr<HeaderMap> map = HeaderMap::Parse(
      "# bureau of 靖江\n\n 期间 = period\nTax Paid=税收总额\nfirm=uscc\n");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->size(), 3u);
  std::vector<std::string> warnings;
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(
      Table(absl::StrCat("FIRM,期间,tax paid(万元)\n", kUsccA, ",2024-05,1.5\n")),
      {&*map, &warnings});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE((*r)[0].has_tax()) << (*r)[0].DebugString();
  EXPECT_EQ((*r)[0].tax().period().month(), 5);
  EXPECT_EQ((*r)[0].tax().total_tax().fen(), 1'500'000);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(*DetectReportKind({"firm", "Tax Paid"}, &*map), ReportKind::kTax);
}

// A mapping file's mistakes are refused naming the line.
TEST(HeaderMapTest, BadMappingsAreRefused) {
  auto message = [](std::string_view text) {
    return std::string(HeaderMap::Parse(text).status().message());
  };
  EXPECT_EQ(message("期间\n"),
            "header map line 1: '期间' is not a mapping (expected alias=canonical, e.g. "
            "期间=period)");
  EXPECT_EQ(message("\n期间=\n"),
            "header map line 2: '期间=' has an empty side (expected alias=canonical)");
  EXPECT_TRUE(message("期间=when\n").starts_with(
      "header map line 1: 'when' is not a column (expected one of: uscc, name, park_id, "));
  EXPECT_EQ(message("统计期=vat\n"),
            "header map line 1: '统计期' is already a name of period (报告期); mapping it to "
            "vat would make headers ambiguous (expected a name no column has)");
  EXPECT_EQ(message("期间=period\n期间=revision\n"),
            "header map line 2: '期间' is mapped to both period and revision (expected one "
            "column)");
  EXPECT_TRUE(HeaderMap::Parse("统计期=period\n期间=period\n期间=报告期\n").ok());
  EXPECT_EQ(HeaderMap::Parse("x=y").status().code(), absl::StatusCode::kInvalidArgument);
}

// The report kind follows the money columns.
TEST(DetectReportKindTest, ByMoneyColumns) {
  EXPECT_EQ(*DetectReportKind({"uscc", "工业总产值（千元）"}), ReportKind::kOutput);
  EXPECT_EQ(*DetectReportKind({"uscc", "total_tax"}), ReportKind::kTax);
  EXPECT_EQ(*DetectReportKind({"统一社会信用代码", " 税收总额(万元)"}), ReportKind::kTax);
  absl::StatusOr<ReportKind> none = DetectReportKind({"uscc", "period"});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status().message(),
            "header lacks gross_output (工业总产值) and total_tax (税收总额) (expected an output "
            "report with gross_output or a tax report with total_tax)");
  absl::StatusOr<ReportKind> both = DetectReportKind({"gross_output", "total_tax"});
  EXPECT_EQ(both.status().message(),
            "header has both gross_output (工业总产值) and total_tax (税收总额) columns "
            "(expected an output report or a tax report, one kind per file)");
}

// A tax file with counterparties in the row's unit.
TEST(ReportsFromCsvTest, TaxWithCounterparties) {
  const std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "统一社会信用代码,报告期,口径,计量单位,税收总额,增值税,企业所得税,主要供应商,修订版本\n",
      kUsccA, ",2024-03,累计,万元,10.5,6,4.5,\"", kUsccB, ":120; ", kUsccA, "：0.5\",3\n"));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].has_tax()) << r[0].DebugString();
  const pb::TaxReport& t = r[0].tax();
  EXPECT_EQ(t.uscc(), kUsccA);
  EXPECT_EQ(t.period().month(), 3);
  EXPECT_EQ(t.basis(), pb::VALUE_BASIS_YEAR_TO_DATE);
  EXPECT_EQ(t.total_tax().fen(), 10500000);
  EXPECT_EQ(t.vat().fen(), 6000000);
  EXPECT_EQ(t.corporate_income_tax().fen(), 4500000);
  ASSERT_EQ(t.counterparties_size(), 2);
  EXPECT_EQ(t.counterparties(0).uscc(), kUsccB);
  EXPECT_EQ(t.counterparties(0).purchases().fen(), 120000000);
  EXPECT_EQ(t.counterparties(1).uscc(), kUsccA);
  EXPECT_EQ(t.counterparties(1).purchases().fen(), 500000);
  EXPECT_EQ(t.revision(), 3);
  EXPECT_EQ(t.park_id(), "");
}

// Without a unit column, counterparty amounts follow the unit in the total_tax header.
TEST(ReportsFromCsvTest, CounterpartiesFollowTotalTaxHeaderUnit) {
  std::vector<pb::SubmittedRecord> r = Reports(absl::StrCat(
      "uscc,period,税收总额(万元),counterparties\n", kUsccA, ",2024-03,1,", kUsccB, ":2\n"));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].has_tax()) << r[0].DebugString();
  EXPECT_EQ(r[0].tax().total_tax().fen(), 1000000);
  EXPECT_EQ(r[0].tax().counterparties(0).purchases().fen(), 2000000);
  // Their own header unit wins.
  r = Reports(absl::StrCat("uscc,period,税收总额(万元),主要供应商(元)\n", kUsccA, ",2024-03,1,",
                           kUsccB, ":2\n"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].tax().counterparties(0).purchases().fen(), 200);
}

// Malformed counterparties are parse errors on the counterparties field.
TEST(ReportsFromCsvTest, BadCounterparties) {
  pb::ParseError e = OneError(absl::StrCat("uscc,period,total_tax,counterparties\n", kUsccA,
                                           ",2024-03,1,", kUsccB, "\n"));
  EXPECT_EQ(e.field(), "counterparties");
  EXPECT_EQ(e.reason(), absl::StrCat("'", kUsccB,
                                     "' is not a counterparty (expected USCC:amount, entries "
                                     "separated by ';')"));
  e = OneError(absl::StrCat("uscc,period,total_tax,counterparties\n", kUsccA, ",2024-03,1,",
                            kUsccB, ":lots\n"));
  EXPECT_EQ(e.field(), "counterparties");
  EXPECT_EQ(e.reason(), absl::StrCat("counterparty '", kUsccB,
                                     "': 'lots' is not a decimal number (expected digits with "
                                     "an optional fraction, in 千元)"));
}

// A tax file without optional columns leaves them unset.
TEST(ReportsFromCsvTest, TaxMinimal) {
  const std::vector<pb::SubmittedRecord> r =
      Reports(absl::StrCat("uscc,period,total_tax(元)\n", kUsccA, ",202402,99.99\n"));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].has_tax());
  EXPECT_EQ(r[0].tax().total_tax().fen(), 9999);
  EXPECT_FALSE(r[0].tax().has_vat());
  EXPECT_EQ(r[0].tax().counterparties_size(), 0);
  EXPECT_EQ(r[0].tax().basis(), pb::VALUE_BASIS_MONTH);
  EXPECT_EQ(r[0].tax().revision(), 1);
}

// A GBK file with Chinese headers reads like its UTF-8 twin; raw is UTF-8.
TEST(ReportsFromCsvTest, GbkFile) {
  // "行业代码" and "报告期" and "工业总产值" in GBK.
  const std::string gbk = absl::StrCat(
      "uscc,\xD0\xD0\xD2\xB5\xB4\xFA\xC2\xEB,\xB1\xA8\xB8\xE6\xC6\xDA,"
      "\xB9\xA4\xD2\xB5\xD7\xDC\xB2\xFA\xD6\xB5\n",
      kUsccA, ",3041,2024-03,5\n");
  absl::StatusOr<CsvTable> table = ParseCsv(gbk);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->encoding, "GBK");
  EXPECT_EQ(table->header[3], "工业总产值");
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(*table);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].output().gross_output().fen(), 500000);
}

// A park table fills every field.
TEST(ParksFromCsvTest, AllColumns) {
  absl::StatusOr<std::vector<pb::RegistryRecord>> r = ParksFromCsv(
      Table("园区代码,园区名称,区县代码,面积亩,级别,主导产业,所属组团\n"
            "YJ01,延吉高新技术产业开发区,222401,\"15,000\",国家级,3041;27 ; 3051,延龙图核心；一核\n"
            "P2,Other park,321282,,provincial,,\n"
            "P3,,,,,,\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  ASSERT_TRUE((*r)[0].has_park());
  const pb::Park& p = (*r)[0].park();
  EXPECT_EQ(p.id(), "YJ01");
  EXPECT_EQ(p.name(), "延吉高新技术产业开发区");
  EXPECT_EQ(p.county_code(), "222401");
  EXPECT_EQ(p.area_mu(), 15000);
  EXPECT_EQ(p.level(), pb::PARK_LEVEL_NATIONAL);
  EXPECT_EQ(std::vector<std::string>(p.leading_industries().begin(),
                                     p.leading_industries().end()),
            (std::vector<std::string>{"3041", "27", "3051"}));
  EXPECT_EQ(std::vector<std::string>(p.groups().begin(), p.groups().end()),
            (std::vector<std::string>{"延龙图核心", "一核"}));
  EXPECT_EQ((*r)[1].park().level(), pb::PARK_LEVEL_PROVINCIAL);
  EXPECT_EQ((*r)[1].park().area_mu(), 0);
  EXPECT_EQ((*r)[2].park().level(), pb::PARK_LEVEL_UNSPECIFIED);
}

// English park headers, an area header with its unit, and every level spelling.
TEST(ParksFromCsvTest, EnglishHeadersAndLevels) {
  absl::StatusOr<std::vector<pb::RegistryRecord>> r =
      ParksFromCsv(Table("park_id,name,county_code,面积(亩),level\n"
                         "A,a,222401,10,national\nB,b,222402,20,省级\nC,c,222403,30,其他\n"
                         "D,d,222404,40,OTHER\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].park().level(), pb::PARK_LEVEL_NATIONAL);
  EXPECT_EQ((*r)[1].park().level(), pb::PARK_LEVEL_PROVINCIAL);
  EXPECT_EQ((*r)[2].park().level(), pb::PARK_LEVEL_OTHER);
  EXPECT_EQ((*r)[3].park().level(), pb::PARK_LEVEL_OTHER);
  EXPECT_EQ((*r)[3].park().area_mu(), 40);
}

// A bad park row fails the whole table with line, field and reason.
TEST(ParksFromCsvTest, BadRowFailsTable) {
  struct Case {
    std::string row;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"P1,x,222401,10,county,", "line 3, field level: 'county' is not a park level (expected "
                                 "national, provincial, other, 国家级, 省级 or 其他)"},
      {"P1,x,992401,10,,", "line 3, field county_code: region code '992401': province 99 does "
                           "not exist (expected a GB/T 2260 province code such as 22)"},
      {"P1,x,222401,12.5,,", "line 3, field area_mu: '12.5' is not a land area (expected a "
                             "whole non-negative number of mu such as 1500)"},
      {"P1,x,222401,10,,3041;9901", "line 3, field leading_industries: '9901' is not a GB/T "
                                    "4754-2017 code (expected a division such as 30 or a class "
                                    "such as 3041)"},
      {",x,222401,10,,", "line 3, field park_id: empty (expected a park id)"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<pb::RegistryRecord>> r = ParksFromCsv(
        Table(absl::StrCat("park_id,name,county_code,area_mu,level,leading_industries\n"
                           "P0,ok,222401,1,,\n",
                           c.row, "\n")));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.row;
    EXPECT_EQ(r.status().message(), c.message) << c.row;
  }
}

// A park table needs a park_id column; an area in another unit is refused.
TEST(ParksFromCsvTest, HeaderProblems) {
  absl::StatusOr<std::vector<pb::RegistryRecord>> r = ParksFromCsv(Table("name\nx\n"));
  EXPECT_EQ(r.status().message(), "park table header lacks required column park_id (园区代码)");
  r = ParksFromCsv(Table("park_id,面积(公顷)\nx,1\n"));
  EXPECT_EQ(r.status().message(),
            "column '面积(公顷)': area unit '公顷' is not supported (expected 亩 or mu)");
}

// An enterprise table is not mistaken for a park table, though both have park_id.
TEST(ParksFromCsvTest, RefusesEnterpriseTable) {
  const CsvTable t =
      Table(absl::StrCat("uscc,name,park_id,industry,above_size\n", kUsccA, ",a,P1,3041,1\n"));
  absl::StatusOr<std::vector<pb::RegistryRecord>> r = ParksFromCsv(t);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "park table header has column 'uscc', which marks an enterprise table (expected "
            "park columns: park_id, name, county_code, area_mu, level, leading_industries, "
            "groups)");
  r = EnterprisesFromCsv(t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].enterprise().park_id(), "P1");
}

// An enterprise table fills every field, with every above-size spelling.
TEST(EnterprisesFromCsvTest, AllColumns) {
  absl::StatusOr<std::vector<pb::RegistryRecord>> r = EnterprisesFromCsv(Table(absl::StrCat(
      "统一社会信用代码,企业名称,园区代码,行业代码,规模以上\n", kUsccA, ",甲公司,YJ01,3041,是\n",
      kUsccB, ",乙公司,YJ01,,0\n", kUsccA, ",,,,yes\n", kUsccA, ",,,,否\n", kUsccA, ",,,,\n")));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 5u);
  const pb::Enterprise& e = (*r)[0].enterprise();
  EXPECT_EQ(e.uscc(), kUsccA);
  EXPECT_EQ(e.name(), "甲公司");
  EXPECT_EQ(e.park_id(), "YJ01");
  EXPECT_EQ(e.industry(), "3041");
  EXPECT_TRUE(e.above_size());
  EXPECT_EQ((*r)[1].enterprise().industry(), "");
  EXPECT_FALSE((*r)[1].enterprise().above_size());
  EXPECT_TRUE((*r)[2].enterprise().above_size());
  EXPECT_FALSE((*r)[3].enterprise().above_size());
  EXPECT_FALSE((*r)[4].enterprise().above_size());
}

// A bad enterprise row fails the whole table with line, field and reason.
TEST(EnterprisesFromCsvTest, BadRowFailsTable) {
  absl::StatusOr<std::vector<pb::RegistryRecord>> r = EnterprisesFromCsv(Table(absl::StrCat(
      "uscc,name,park_id,industry,above_size\n", kUsccA, ",a,P,3041,1\n",
      "91110000600037341N,b,P,3041,1\n")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "line 3, field uscc: USCC '91110000600037341N': check character is N, expected L");
  r = EnterprisesFromCsv(
      Table(absl::StrCat("uscc,industry,above_size\n", kUsccA, ",3041,maybe\n")));
  EXPECT_EQ(r.status().message(),
            "line 2, field above_size: 'maybe' is not a yes/no value (expected 1/0, yes/no or "
            "是/否)");
  r = EnterprisesFromCsv(Table(absl::StrCat("uscc,industry\n", kUsccA, ",304\n")));
  EXPECT_EQ(r.status().message(),
            "line 2, field industry: industry class '304' is not four digits (expected a GB/T "
            "4754-2017 class such as 3041)");
  r = EnterprisesFromCsv(Table("name\nx\n"));
  EXPECT_EQ(r.status().message(),
            "enterprise table header lacks required column uscc (统一社会信用代码)");
}

}  // namespace
}  // namespace cw::domain
