#include "common/domain/csv_stream.h"

#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::domain {
namespace {

using Fields = std::vector<std::string>;

// Every record of `bytes`, as the reader gives them.
std::vector<CsvRecordText> ReadAll(const std::string& bytes, CsvReadLimits limits = {}) {
  std::istringstream in(bytes);
  CsvRecordReader reader(in, limits);
  std::vector<CsvRecordText> out;
  CsvRecordText r;
  while (reader.Next(&r)) out.push_back(r);
  EXPECT_EQ(reader.bytes_read(), bytes.size());
  return out;
}

// Records end at LF, CRLF and a lone CR; the line numbers are those of the file.
TEST(CsvRecordReaderTest, LineEnds) {
  const auto r = ReadAll("a,b\r\n1,2\r3,4\n5,6");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].text, "a,b");
  EXPECT_EQ(r[1].text, "1,2");
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].text, "3,4");
  EXPECT_EQ(r[2].line, 3);
  EXPECT_EQ(r[3].text, "5,6");
  EXPECT_EQ(r[3].line, 4);
  EXPECT_FALSE(r[3].oversize);
  EXPECT_EQ(r[3].length, 3u);
  EXPECT_EQ(r[3].fnv1a64, Fnv1a64("5,6"));
}

// Line ends and doubled quotes inside quotes belong to the field; a quote in the middle of
// a field opens nothing; the byte order mark is skipped.
TEST(CsvRecordReaderTest, QuotesSpanLines) {
  const auto r = ReadAll("\xEF\xBB\xBFh1,h2\n\"x\r\ny\",\"a\"\"\nb\"\nq\"q,\"z\"\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].text, "h1,h2");
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[1].text, "\"x\r\ny\",\"a\"\"\nb\"");
  EXPECT_EQ(r[2].line, 5);
  EXPECT_EQ(r[2].text, "q\"q,\"z\"");
}

// The reader's records, parsed one by one, are ParseCsv's rows: fields, lines and raw text.
TEST(CsvRecordReaderTest, AgreesWithParseCsv) {
  const std::string file =
      "uscc,name,value\n"
      "A,\"Smith, J\",1\n"
      "\n"
      ",,\n"
      "B,\"two\nlines\",2\r\n"
      "C,\"say \"\"hi\"\"\",3\r"
      "D,x\"y,4\n";
  const CsvTable table = *ParseCsv(file);
  std::vector<CsvRow> rows;
  bool header = false;
  for (const auto& rec : ReadAll(file)) {
    auto row = ParseCsvRecord(rec, "UTF-8");
    ASSERT_TRUE(row.ok()) << row.status();
    if (!row->has_value()) continue;
    if (!header) {
      EXPECT_EQ((*row)->fields, table.header);
      header = true;
      continue;
    }
    rows.push_back(**row);
  }
  ASSERT_EQ(rows.size(), table.rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].line, table.rows[i].line) << i;
    EXPECT_EQ(rows[i].fields, table.rows[i].fields) << i;
    EXPECT_EQ(rows[i].raw, table.rows[i].raw) << i;
  }
}

// A record longer than the limit is cut to its first kept bytes, with its whole length and
// hash; the next record and its line number are unaffected.
TEST(CsvRecordReaderTest, OversizeRecordIsCut) {
  const std::string big(5000, 'x');
  CsvReadLimits limits;
  limits.max_record_bytes = 100;
  limits.kept_bytes = 10;
  const auto r = ReadAll("h\n" + big + "\nnext\n", limits);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[1].oversize);
  EXPECT_EQ(r[1].text, std::string(10, 'x'));
  EXPECT_EQ(r[1].length, 5000u);
  EXPECT_EQ(r[1].fnv1a64, Fnv1a64(big));
  EXPECT_EQ(r[1].line, 2);
  EXPECT_FALSE(r[2].oversize);
  EXPECT_EQ(r[2].text, "next");
  EXPECT_EQ(r[2].line, 3);
  EXPECT_EQ(OversizeLineReason(5000, 100, 10, 0xabc),
            "the line is 5000 bytes, more than the limit of 100 bytes (kept: its first 10 "
            "bytes; FNV-1a-64 of the whole line 0000000000000abc); expected one report per "
            "line");
}

// A GBK record is converted to UTF-8; a blank one is nullopt; bad text names the line.
TEST(ParseCsvRecordTest, EncodingsAndBlanks) {
  CsvRecordText gbk{7, "\xC4\xFE,1", 5, false, 0};  // "宁,1" in GBK
  auto row = ParseCsvRecord(gbk, "GBK");
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->fields, (Fields{"宁", "1"}));
  EXPECT_EQ((*row)->raw, "宁,1");
  EXPECT_EQ((*row)->line, 7);
  CsvRecordText blank{8, " , ", 3, false, 0};
  ASSERT_TRUE(ParseCsvRecord(blank, "UTF-8").ok());
  EXPECT_FALSE(ParseCsvRecord(blank, "UTF-8")->has_value());
  auto bad = ParseCsvRecord(gbk, "UTF-8");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "line 7: the file is UTF-8 but this line is not (expected UTF-8 throughout)");
  CsvRecordText open_quote{9, "a,\"b", 4, false, 0};
  EXPECT_EQ(ParseCsvRecord(open_quote, "UTF-8").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The survey hashes every byte and decides the encoding as ParseCsv does, across blocks.
TEST(SurveyCsvTest, HashAndEncoding) {
  std::string utf8 = "h\n";
  while (utf8.size() < (3u << 20)) utf8 += "宁波,1\n";  // multi-byte characters across blocks
  std::istringstream a(utf8);
  auto s = SurveyCsv(a);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->encoding, "UTF-8");
  EXPECT_EQ(s->bytes, utf8.size());
  EXPECT_EQ(s->fnv1a64, Fnv1a64(utf8));
  std::istringstream b("h\n\xC4\xFE,1\n");
  EXPECT_EQ(SurveyCsv(b)->encoding, "GBK");
  std::istringstream c("\xEF\xBB\xBFh\n\xC4\xFE,1\n");
  EXPECT_EQ(SurveyCsv(c).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cw::domain
