// A corpus of bad bureau files, each run through the whole pure ingest path —
// ParseCsv → ReportsFromCsv (or ParksFromCsv / EnterprisesFromCsv) → ValidateOutput /
// ValidateTax — with the exact outcome it must have: the stage that refuses it, the status
// code or the field, and a substring of the reason. The fuzz targets (fuzz/) check that no
// input crashes; this table pins down what the answer is.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/ingest.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/csv.h"
#include "common/domain/report_csv.h"
#include "common/domain/validate.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";  // registered, park P1, industry 3041
constexpr char kUsccB[] = "91310115MA1K3BTP2B";  // a valid USCC, used as a supplier

// A registry with park P1 (county 222401, a valid code) and enterprise A in it.
class OneParkRegistry : public RegistryView {
 public:
  OneParkRegistry() {
    park_.set_id("P1");
    park_.set_county_code("222401");
    enterprise_.set_uscc(kUsccA);
    enterprise_.set_park_id("P1");
    enterprise_.set_industry("3041");
  }
  const pb::Park* FindPark(const std::string& id) const override {
    return id == "P1" ? &park_ : nullptr;
  }
  const pb::Enterprise* FindEnterprise(const std::string& uscc) const override {
    return uscc == kUsccA ? &enterprise_ : nullptr;
  }

 private:
  pb::Park park_;
  pb::Enterprise enterprise_;
};

// Which reader a file goes to.
enum class Table { kReports, kParks, kEnterprises };

// Where the input is refused.
enum class Stage {
  kParseCsv,     // ParseCsv fails: status code + message
  kTable,        // ReportsFromCsv / ParksFromCsv / EnterprisesFromCsv fails: code + message
  kParseError,   // the (only) record carries a ParseError: field + reason
  kViolation,    // the record parses but validation refuses it: field + reason
};

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kParseCsv:
      return "ParseCsv";
    case Stage::kTable:
      return "table";
    case Stage::kParseError:
      return "ParseError";
    case Stage::kViolation:
      return "Violation";
  }
  return "?";
}

struct Outcome {
  Stage stage = Stage::kParseCsv;
  absl::StatusCode code = absl::StatusCode::kOk;  // kParseCsv, kTable
  std::string field;                              // kParseError, kViolation
  std::string reason;                             // the status message or the reason
};

struct BadInput {
  std::string name;  // test name suffix
  Table table = Table::kReports;
  std::string bytes;
  Stage stage;
  absl::StatusCode code = absl::StatusCode::kOk;  // for kParseCsv, kTable
  std::string field;                              // for kParseError, kViolation
  std::string reason_contains;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

// Runs `bytes` through the path of `table` and reports where it was refused; nullopt when
// it was accepted all the way.
std::optional<Outcome> RunPipeline(Table table, const std::string& bytes) {
  absl::StatusOr<CsvTable> csv = ParseCsv(bytes);
  if (!csv.ok()) {
    return Outcome{Stage::kParseCsv, csv.status().code(), "",
                   std::string(csv.status().message())};
  }
  if (table != Table::kReports) {
    absl::StatusOr<std::vector<pb::RegistryRecord>> r =
        table == Table::kParks ? ParksFromCsv(*csv) : EnterprisesFromCsv(*csv);
    if (!r.ok()) {
      return Outcome{Stage::kTable, r.status().code(), "", std::string(r.status().message())};
    }
    return std::nullopt;
  }
  absl::StatusOr<std::vector<pb::SubmittedRecord>> records = ReportsFromCsv(*csv);
  if (!records.ok()) {
    return Outcome{Stage::kTable, records.status().code(), "",
                   std::string(records.status().message())};
  }
  const OneParkRegistry registry;
  for (pb::SubmittedRecord& r : *records) {
    EXPECT_GE(r.line(), 2) << "a record without its line number";
    if (r.has_parse_error()) {
      return Outcome{Stage::kParseError, absl::StatusCode::kOk, r.parse_error().field(),
                     r.parse_error().reason()};
    }
    std::optional<Violation> v =
        r.has_output() ? ValidateOutput(*r.mutable_output(), registry)
                       : ValidateTax(*r.mutable_tax(), registry);
    if (v.has_value()) {
      return Outcome{Stage::kViolation, absl::StatusCode::kOk, v->field, v->reason};
    }
  }
  return std::nullopt;
}

// Output report header (units default to 千元) and a valid row to vary.
const std::string kOutputHeader = "uscc,park_id,industry,period,gross_output\n";
std::string OutputRow(const std::string& uscc, const std::string& industry,
                      const std::string& period, const std::string& gross) {
  return absl::StrCat(kOutputHeader, uscc, ",P1,", industry, ",", period, ",", gross, "\n");
}
std::string Output(const std::string& period) { return OutputRow(kUsccA, "3041", period, "10"); }
std::string Gross(const std::string& gross) { return OutputRow(kUsccA, "3041", "2024-03", gross); }

const std::string kTaxHeader = "uscc,period,total_tax,counterparties\n";

// "uscc,gross_output" as UTF-16 little-endian with its byte order mark.
std::string Utf16LeWithBom() {
  std::string out = "\xFF\xFE";
  for (char c : std::string("uscc,gross_output\r\n")) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

std::vector<BadInput> Corpus() {
  using absl::StatusCode;
  return {
      // ---- Malformed CSV ----
      {"UnterminatedQuote", Table::kReports,
       absl::StrCat(kOutputHeader, kUsccA, ",P1,3041,\"2024-03,10\n"), Stage::kParseCsv,
       StatusCode::kInvalidArgument, "",
       "line 2: unterminated quoted field (expected a closing '\"')"},
      {"UnterminatedQuoteInHeader", Table::kReports, "\"uscc,period\n1,2\n",
       Stage::kParseCsv, StatusCode::kInvalidArgument, "", "line 1: unterminated quoted"},
      {"UnterminatedQuoteAfterMultilineField", Table::kReports,
       absl::StrCat(kOutputHeader, "\"a\nb\",P1,3041,2024-03,10\n", kUsccA,
                    ",P1,3041,2024-03,\"10\n"),
       Stage::kParseCsv, StatusCode::kInvalidArgument, "", "line 4: unterminated quoted"},
      // An unquoted thousands separator in the last column would shift "1,234" 千元 to 1.
      {"RaggedRowTooLong", Table::kReports,
       absl::StrCat(kOutputHeader, kUsccA, ",P1,3041,2024-03,1,234\n"), Stage::kParseError,
       StatusCode::kOk, "", "the row has 6 fields but the header 5"},
      {"RaggedRowTooShort", Table::kReports, absl::StrCat(kOutputHeader, kUsccA, ",P1\n"),
       Stage::kParseError, StatusCode::kOk, "period", "'' is not a period"},
      {"OnlyBlankLines", Table::kReports, "\n,,,\r\n  \n", Stage::kParseCsv,
       StatusCode::kInvalidArgument, "", "file has no header row"},
      {"EmptyFile", Table::kReports, "", Stage::kParseCsv, StatusCode::kInvalidArgument, "",
       "file has no header row"},
      {"HeaderWithoutMoneyColumn", Table::kReports, "uscc,period\nx,2024-03\n", Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "header lacks gross_output (工业总产值) and total_tax (税收总额)"},
      {"HeaderWithBothKinds", Table::kReports, "uscc,period,gross_output,税收总额\n",
       Stage::kTable, StatusCode::kInvalidArgument, "", "one kind per file"},
      {"HeaderLacksPeriod", Table::kReports, "uscc,industry,gross_output\nx,3041,1\n",
       Stage::kTable, StatusCode::kInvalidArgument, "",
       "output report header lacks required column period (报告期)"},
      {"HeaderRepeatsColumn", Table::kReports,
       "uscc,industry,period,gross_output,工业总产值\n", Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "header has two gross_output (工业总产值) columns: 'gross_output' and '工业总产值'"},
      {"HeaderUnitNotMoney", Table::kReports,
       "uscc,industry,period,gross_output(美元)\n", Stage::kTable,
       StatusCode::kInvalidArgument, "", "column 'gross_output(美元)': '美元' is not a money unit"},

      // ---- Wrong encodings ----
      {"NeitherUtf8NorGbk", Table::kReports, "uscc,gross_output\n\xFF\xFE\x80\x80\n",
       Stage::kParseCsv, StatusCode::kInvalidArgument, "",
       "file is neither UTF-8 nor GBK: not valid GBK: invalid byte 0xFF at byte offset 18"},
      {"Utf16LittleEndianWithBom", Table::kReports, Utf16LeWithBom(), Stage::kParseCsv,
       StatusCode::kInvalidArgument, "",
       "file is neither UTF-8 nor GBK: not valid GBK: invalid byte 0xFF at byte offset 0"},
      {"Utf8BomThenInvalidUtf8", Table::kReports, "\xEF\xBB\xBFuscc,\xC3\x28\n",
       Stage::kParseCsv, StatusCode::kInvalidArgument, "",
       "starts with a UTF-8 byte order mark but is not valid UTF-8"},
      {"GbkTruncatedCharacter", Table::kReports, "uscc,gross_output\n\xD6", Stage::kParseCsv,
       StatusCode::kInvalidArgument, "",
       "not valid GBK: incomplete character at byte offset 18"},
      // GBK is decoded, and then its cells are checked like any other: 2024年13月.
      {"GbkFileWithBadPeriod", Table::kReports,
       absl::StrCat("\xCD\xB3\xD2\xBB\xC9\xE7\xBB\xE1\xD0\xC5\xD3\xC3\xB4\xFA\xC2\xEB,"  // 统一社会信用代码
                    "\xD0\xD0\xD2\xB5\xB4\xFA\xC2\xEB,"                                   // 行业代码
                    "\xB1\xA8\xB8\xE6\xC6\xDA,"                                           // 报告期
                    "\xB9\xA4\xD2\xB5\xD7\xDC\xB2\xFA\xD6\xB5\n",                         // 工业总产值
                    kUsccA, ",3041,2024\xC4\xEA" "13\xD4\xC2,10\n"),                     // 2024年13月
       Stage::kParseError, StatusCode::kOk, "period", "month 13 in '2024年13月' is outside 1..12"},

      // ---- Money ----
      {"MoneyOverflowsInt64Fen", Table::kReports, Gross("92233720368548"), Stage::kParseError,
       StatusCode::kOk, "gross_output",
       "'92233720368548' in 千元 is outside the range of int64 fen"},
      {"MoneyTenToTheThirty", Table::kReports, Gross("1000000000000000000000000000000"),
       Stage::kParseError, StatusCode::kOk, "gross_output", "is outside the range of int64 fen"},
      {"MoneyNegative", Table::kReports, Gross("-12.5"), Stage::kViolation, StatusCode::kOk,
       "gross_output", "-12,500.00 元 must not be negative"},
      {"MoneyImplausiblyLarge", Table::kReports, Gross("2000000000000"), Stage::kViolation,
       StatusCode::kOk, "gross_output", "implausibly large"},
      {"MoneyFinerThanFen", Table::kReports, Gross("0.000001"), Stage::kParseError,
       StatusCode::kOk, "gross_output", "is finer than a fen (expected at most 5 fraction"},
      {"MoneyScientificNotation", Table::kReports, Gross("1e5"), Stage::kParseError,
       StatusCode::kOk, "gross_output", "'1e5' is not a decimal number"},
      {"MoneyMisplacedSeparator", Table::kReports, Gross("\"1,23\""), Stage::kParseError,
       StatusCode::kOk, "gross_output", "misplaced thousands separator"},
      {"MoneyEmptyRequired", Table::kReports, Gross(""), Stage::kParseError, StatusCode::kOk,
       "gross_output", "a missing figure is not zero"},
      {"RowUnitConflictsWithHeader", Table::kReports,
       absl::StrCat("uscc,park_id,industry,period,unit,gross_output(千元)\n", kUsccA,
                    ",P1,3041,2024-03,万元,10\n"),
       Stage::kParseError, StatusCode::kOk, "unit", "row unit 万元 conflicts with 千元"},
      {"RowUnitUnknown", Table::kReports,
       absl::StrCat("uscc,park_id,industry,period,unit,gross_output\n", kUsccA,
                    ",P1,3041,2024-03,USD,10\n"),
       Stage::kParseError, StatusCode::kOk, "unit", "'USD' is not a money unit"},
      {"CounterpartyWithoutAmount", Table::kReports,
       absl::StrCat(kTaxHeader, kUsccA, ",2024-03,1,", kUsccB, "\n"), Stage::kParseError,
       StatusCode::kOk, "counterparties", "is not a counterparty (expected USCC:amount"},
      {"CounterpartyNegative", Table::kReports,
       absl::StrCat(kTaxHeader, kUsccA, ",2024-03,1,", kUsccB, ":-5\n"), Stage::kViolation,
       StatusCode::kOk, "counterparties", "purchases of -5,000.00 元 must not be negative"},
      {"CounterpartyOverflow", Table::kReports,
       absl::StrCat(kTaxHeader, kUsccA, ",2024-03,1,", kUsccB, ":1e30\n"), Stage::kParseError,
       StatusCode::kOk, "counterparties", "counterparty '91310115MA1K3BTP2B': '1e30'"},

      // ---- Codes ----
      {"UsccWrongCheckCharacter", Table::kReports,
       OutputRow("91110000600037341X", "3041", "2024-03", "10"), Stage::kViolation,
       StatusCode::kOk, "uscc", "check character is X, expected L"},
      {"UsccTooShort", Table::kReports, OutputRow("9111000060003734", "3041", "2024-03", "10"),
       Stage::kViolation, StatusCode::kOk, "uscc", "has 16 characters (expected 18)"},
      {"UsccLetterOutsideAlphabet", Table::kReports,
       OutputRow("91110000600037341I", "3041", "2024-03", "10"), Stage::kViolation,
       StatusCode::kOk, "uscc", "character 18 is 'I'"},
      {"IndustryDivision99", Table::kReports, OutputRow(kUsccA, "9901", "2024-03", "10"),
       Stage::kViolation, StatusCode::kOk, "industry",
       "industry class '9901': division 99 does not exist"},
      {"IndustryNotFourDigits", Table::kReports, OutputRow(kUsccA, "304", "2024-03", "10"),
       Stage::kViolation, StatusCode::kOk, "industry", "'304' is not four digits"},
      {"RegionProvince99", Table::kParks, "park_id,county_code\nP9,990101\n", Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "line 2, field county_code: region code '990101': province 99 does not exist"},
      {"RegionCountyWithoutPrefecture", Table::kParks, "park_id,county_code\nP9,220001\n",
       Stage::kTable, StatusCode::kInvalidArgument, "",
       "line 2, field county_code: region code '220001': county digits 01 under prefecture"},
      {"ParkLeadingIndustryDivision99", Table::kParks,
       "park_id,leading_industries\nP9,3041;99\n", Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "line 2, field leading_industries: '99' is not a GB/T 4754-2017 code"},
      {"EnterpriseUsccCheckCharacter", Table::kEnterprises,
       "uscc,park_id,industry\n91110000600037341X,P1,3041\n", Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "line 2, field uscc: USCC '91110000600037341X': check character is X, expected L"},
      {"EnterpriseIndustryDivision99", Table::kEnterprises,
       absl::StrCat("uscc,industry\n", kUsccA, ",9901\n"), Stage::kTable,
       StatusCode::kInvalidArgument, "",
       "line 2, field industry: industry class '9901': division 99 does not exist"},

      // ---- Periods ----
      {"PeriodMonth13", Table::kReports, Output("2024-13"), Stage::kParseError,
       StatusCode::kOk, "period", "month 13 in '2024-13' is outside 1..12"},
      {"PeriodMonth00Compact", Table::kReports, Output("202400"), Stage::kParseError,
       StatusCode::kOk, "period", "month 0 in '202400' is outside 1..12"},
      {"PeriodYear1948", Table::kReports, Output("1948-12"), Stage::kParseError,
       StatusCode::kOk, "period", "year 1948 in '1948-12' is outside 1949..2100"},
      {"PeriodBeforeValidationLimit", Table::kReports, Output("1999-12"), Stage::kViolation,
       StatusCode::kOk, "period", "year 1999 is outside 2000..2100"},
      {"PeriodRangeNotJanFeb", Table::kReports, Output("2024-1-3"), Stage::kParseError,
       StatusCode::kOk, "period", "'2024-1-3' covers months 1 to 3"},
      {"PeriodWithDay", Table::kReports, Output("2024-03-15"), Stage::kParseError,
       StatusCode::kOk, "period", "covers months 3 to 15"},
      {"PeriodText", Table::kReports, Output("March 2024"), Stage::kParseError,
       StatusCode::kOk, "period", "'March 2024' is not a period"},
      // Eleven digits: must be refused without overflowing an int (fuzz/regressions).
      {"PeriodManyDigits", Table::kReports, Output("20240000000"), Stage::kParseError,
       StatusCode::kOk, "period", "'20240000000' is not a period"},

      // ---- Other cells ----
      {"BasisUnknown", Table::kReports,
       absl::StrCat("uscc,industry,period,basis,gross_output\n", kUsccA,
                    ",3041,2024-03,weekly,1\n"),
       Stage::kParseError, StatusCode::kOk, "basis", "'weekly' is not a value basis"},
      {"RevisionZero", Table::kReports,
       absl::StrCat("uscc,industry,period,revision,gross_output\n", kUsccA,
                    ",3041,2024-03,0,1\n"),
       Stage::kParseError, StatusCode::kOk, "revision", "'0' is not a revision number"},
      {"EmployeesFraction", Table::kReports,
       absl::StrCat("uscc,industry,period,gross_output,employees\n", kUsccA,
                    ",3041,2024-03,1,12.5\n"),
       Stage::kParseError, StatusCode::kOk, "employees", "'12.5' is not a whole number"},
      {"EmployeesNegative", Table::kReports,
       absl::StrCat("uscc,park_id,industry,period,gross_output,employees\n", kUsccA,
                    ",P1,3041,2024-03,1,-3\n"),
       Stage::kViolation, StatusCode::kOk, "employees", "-3 must not be negative"},
      {"UnknownPark", Table::kReports,
       absl::StrCat("uscc,park_id,industry,period,gross_output\n", kUsccA,
                    ",P404,3041,2024-03,1\n"),
       Stage::kViolation, StatusCode::kOk, "park_id", "unknown park 'P404'"},
      {"TaxOfUnregisteredEnterprise", Table::kReports,
       absl::StrCat(kTaxHeader, kUsccB, ",2024-03,1,\n"), Stage::kViolation, StatusCode::kOk,
       "uscc", "enterprise not in the registry"},
  };
}

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

// Each bad input is refused at the expected stage, with the expected code or field and
// reason, never accepted.
TEST_P(BadInputTest, RefusedWithExactOutcome) {
  const BadInput& in = GetParam();
  const std::optional<Outcome> out = RunPipeline(in.table, in.bytes);
  ASSERT_TRUE(out.has_value()) << "accepted: " << in.name;
  EXPECT_EQ(StageName(out->stage), StageName(in.stage)) << out->field << ": " << out->reason;
  if (in.stage == Stage::kParseCsv || in.stage == Stage::kTable) {
    EXPECT_EQ(out->code, in.code) << out->reason;
  } else {
    EXPECT_EQ(out->field, in.field) << out->reason;
  }
  EXPECT_NE(out->reason.find(in.reason_contains), std::string::npos)
      << "reason: " << out->reason << "\nexpected to contain: " << in.reason_contains;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputTest, ::testing::ValuesIn(Corpus()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

// Every row of a file with several bad rows gets its own record, with its line number and
// raw text; one bad row does not abort the others.
TEST(BadInputRowsTest, EveryBadRowKeepsItsLineNumber) {
  const std::string text = absl::StrCat(kOutputHeader,                    // line 1
                                        kUsccA, ",P1,3041,2024-13,1\n",   // 2: bad period
                                        "\n",                             // 3: blank
                                        kUsccA, ",P1,3041,\"2024\n-03\",1\n",  // 4-5
                                        kUsccA, ",P1,3041,2024-03,1e5\n",      // 6: money
                                        kUsccA, ",P1,3041,2024-03,7\n");       // 7: good
  absl::StatusOr<CsvTable> csv = ParseCsv(text);
  ASSERT_TRUE(csv.ok()) << csv.status();
  absl::StatusOr<std::vector<pb::SubmittedRecord>> r = ReportsFromCsv(*csv);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].line(), 2);
  EXPECT_EQ((*r)[0].parse_error().field(), "period");
  EXPECT_EQ((*r)[0].raw(), absl::StrCat(kUsccA, ",P1,3041,2024-13,1"));
  EXPECT_EQ((*r)[1].line(), 4);
  EXPECT_EQ((*r)[1].parse_error().field(), "period");
  EXPECT_EQ((*r)[2].line(), 6);
  EXPECT_EQ((*r)[2].parse_error().field(), "gross_output");
  EXPECT_EQ((*r)[3].line(), 7);
  ASSERT_TRUE((*r)[3].has_output());
  EXPECT_EQ((*r)[3].output().gross_output().fen(), 700'000);
}

}  // namespace
}  // namespace cw::domain
