#include "common/domain/csv.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

using Fields = std::vector<std::string>;

// Parses and expects success.
CsvTable Parse(std::string_view bytes) {
  absl::StatusOr<CsvTable> t = ParseCsv(bytes);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or(CsvTable{});
}

// A plain file gives the header, rows, line numbers and raw text.
TEST(ParseCsvTest, PlainRows) {
  const CsvTable t = Parse("a,b,c\n1,2,3\n4,5,6\n");
  EXPECT_EQ(t.encoding, "UTF-8");
  EXPECT_EQ(t.header, (Fields{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(t.rows[0].raw, "1,2,3");
  EXPECT_EQ(t.rows[1].line, 3);
  EXPECT_EQ(t.rows[1].fields, (Fields{"4", "5", "6"}));
}

// The last line needs no line break; empty fields are kept.
TEST(ParseCsvTest, NoFinalNewlineAndEmptyFields) {
  const CsvTable t = Parse("a,b,c\n1,,\n,2,");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "", ""}));
  EXPECT_EQ(t.rows[1].fields, (Fields{"", "2", ""}));
  EXPECT_EQ(t.rows[1].raw, ",2,");
}

// Quoted fields hold commas, doubled quotes and line breaks; line numbers stay physical.
TEST(ParseCsvTest, QuotedFields) {
  const CsvTable t = Parse(
      "name,note\n"
      "\"延吉, 吉林\",\"say \"\"hi\"\"\"\n"
      "\"two\nlines\",x\n"
      "after,y\n");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"延吉, 吉林", "say \"hi\""}));
  EXPECT_EQ(t.rows[0].raw, "\"延吉, 吉林\",\"say \"\"hi\"\"\"");
  EXPECT_EQ(t.rows[1].line, 3);
  EXPECT_EQ(t.rows[1].fields, (Fields{"two\nlines", "x"}));
  EXPECT_EQ(t.rows[1].raw, "\"two\nlines\",x");
  EXPECT_EQ(t.rows[2].line, 5);
  EXPECT_EQ(t.rows[2].fields, (Fields{"after", "y"}));
}

// An empty quoted field and a quote inside an unquoted field are kept as written.
TEST(ParseCsvTest, EmptyQuotedAndInnerQuotes) {
  const CsvTable t = Parse("a,b,c\n\"\",x\"y,\"q\"tail\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"", "x\"y", "qtail"}));
}

// CRLF line ends are removed from fields and raw text.
TEST(ParseCsvTest, CrLf) {
  const CsvTable t = Parse("a,b\r\n1,2\r\n\"x\r\ny\",3\r\n4,5\r\n");
  EXPECT_EQ(t.header, (Fields{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(t.rows[0].raw, "1,2");
  EXPECT_EQ(t.rows[1].fields, (Fields{"x\r\ny", "3"}));
  EXPECT_EQ(t.rows[2].line, 5);
  EXPECT_EQ(t.rows[2].raw, "4,5");
}

// A UTF-8 byte order mark is dropped from the first header cell.
TEST(ParseCsvTest, StripsUtf8Bom) {
  const CsvTable t = Parse("\xEF\xBB\xBFuscc,period\n1,2\n");
  EXPECT_EQ(t.encoding, "UTF-8");
  EXPECT_EQ(t.header, (Fields{"uscc", "period"}));
}

// Blank lines and rows of empty cells are skipped, keeping later line numbers right.
TEST(ParseCsvTest, SkipsBlankLines) {
  const CsvTable t = Parse("\n\na,b\n\n1,2\n   \n,,\n\r\n3,4\n\n");
  EXPECT_EQ(t.header, (Fields{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 5);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(t.rows[1].line, 9);
  EXPECT_EQ(t.rows[1].fields, (Fields{"3", "4"}));
}

// A header-only file has no rows.
TEST(ParseCsvTest, HeaderOnly) {
  const CsvTable t = Parse("a,b\n");
  EXPECT_EQ(t.header, (Fields{"a", "b"}));
  EXPECT_TRUE(t.rows.empty());
}

// An empty file has no header and is refused.
TEST(ParseCsvTest, EmptyFile) {
  absl::StatusOr<CsvTable> t = ParseCsv("\n\n");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "file has no header row (expected a header line)");
}

// An unterminated quote names the line where it opened.
TEST(ParseCsvTest, UnterminatedQuote) {
  absl::StatusOr<CsvTable> t = ParseCsv("a,b\n1,2\n3,\"open\nmore\n");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "line 3: unterminated quoted field (expected a closing '\"')");
}

// GBK bytes are detected and converted; raw text is UTF-8.
TEST(ParseCsvTest, DetectsGbk) {
  // "企业,行业\n延吉,3041\n" in GBK.
  const std::string gbk =
      "\xC6\xF3\xD2\xB5,\xD0\xD0\xD2\xB5\n"
      "\xD1\xD3\xBC\xAA,3041\n";
  ASSERT_FALSE(IsValidUtf8(gbk));
  const CsvTable t = Parse(gbk);
  EXPECT_EQ(t.encoding, "GBK");
  EXPECT_EQ(t.header, (Fields{"企业", "行业"}));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"延吉", "3041"}));
  EXPECT_EQ(t.rows[0].raw, "延吉,3041");
}

// GBK with quoted fields containing commas converts before parsing.
TEST(ParseCsvTest, GbkWithQuotes) {
  const std::string gbk = "a,b\n\"\xC6\xF3,\xD2\xB5\",1\n";
  const CsvTable t = Parse(gbk);
  EXPECT_EQ(t.encoding, "GBK");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"企,业", "1"}));
}

// Bytes that are neither UTF-8 nor GBK are refused with the offset.
TEST(ParseCsvTest, NeitherUtf8NorGbk) {
  absl::StatusOr<CsvTable> t = ParseCsv("a,b\n\xFF\xFF,1\n");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "file is neither UTF-8 nor GBK: not valid GBK: invalid byte 0xFF at byte offset 4 "
            "(expected GBK/GB18030 text)");
}

// GbkToUtf8 converts and reports a truncated character with its offset.
TEST(GbkToUtf8Test, ConvertsAndReportsOffsets) {
  EXPECT_EQ(*GbkToUtf8("\xC6\xF3\xD2\xB5"), "企业");
  EXPECT_EQ(*GbkToUtf8("abc"), "abc");
  EXPECT_EQ(*GbkToUtf8(""), "");
  absl::StatusOr<std::string> s = GbkToUtf8("ab\xC6");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            "not valid GBK: incomplete character at byte offset 2 (expected a complete "
            "GBK/GB18030 sequence)");
}

// UTF-8 validation rejects stray continuation bytes, overlongs, surrogates and truncation.
TEST(IsValidUtf8Test, Cases) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("企业 延吉"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE4\xBC"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC6\xF3\xD2\xB5"));  // GBK 企业
}

}  // namespace
}  // namespace cw::domain
