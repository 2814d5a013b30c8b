// Tests of reading a report file in batches (what `clusterctl push` streams).
#include "cli/report_stream.h"

#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cw::cli {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kHeader[] = "uscc,industry,period,gross_output\n";

std::string Row(int i) {
  const int month = 1 + i % 12;
  return "91321282MA1K3BTP2B,3731,2024-" + std::string(month < 10 ? "0" : "") +
         std::to_string(month) + "," + std::to_string(100 + i) + "\n";
}

// Every record of the file, batch by batch; `sizes` gets the batch sizes.
std::vector<pb::SubmittedRecord> ReadAll(const std::string& file, size_t batch,
                                         std::vector<size_t>* sizes,
                                         domain::CsvReadLimits limits = {}) {
  std::istringstream in(file);
  ReportStream stream(in, "UTF-8", limits);
  EXPECT_TRUE(stream.Start().ok());
  std::vector<pb::SubmittedRecord> all, part;
  while (stream.NextBatch(batch, 1 << 20, &part)) {
    sizes->push_back(part.size());
    for (auto& r : part) all.push_back(r);
  }
  EXPECT_EQ(stream.records(), static_cast<int64_t>(all.size()));
  EXPECT_EQ(stream.bytes_read(), file.size());
  return all;
}

// Rows come in batches of the asked size, in file order with their line numbers; a blank
// line is skipped and a bad number is a parse error of its line.
TEST(ReportStreamTest, BatchesInFileOrder) {
  std::string file = kHeader;
  for (int i = 0; i < 5; ++i) file += Row(i);
  file += "\n91321282MA1K3BTP2B,3731,2024-07,many\n";
  std::vector<size_t> sizes;
  const auto records = ReadAll(file, 2, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 2}));
  ASSERT_EQ(records.size(), 6u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i].line(), i + 2);
    ASSERT_TRUE(records[i].has_output()) << i;
    EXPECT_EQ(records[i].output().gross_output().fen(), (100 + i) * 100000);
  }
  EXPECT_EQ(records[5].line(), 8);
  EXPECT_TRUE(records[5].has_parse_error());
  EXPECT_EQ(records[5].parse_error().field(), "gross_output");
}

// A line over the limit is a parse error of that line, sent cut with its length and hash;
// the lines around it are read as usual.
TEST(ReportStreamTest, OversizeLineIsRefusedAsThatLine) {
  const std::string big(10000, 'z');
  const std::string file = kHeader + Row(0) + big + "\n" + Row(1);
  domain::CsvReadLimits limits;
  limits.max_record_bytes = 1000;
  limits.kept_bytes = 16;
  std::vector<size_t> sizes;
  const auto records = ReadAll(file, 100, &sizes, limits);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].has_output());
  EXPECT_EQ(records[1].line(), 3);
  ASSERT_TRUE(records[1].has_parse_error());
  EXPECT_EQ(records[1].parse_error().field(), "line");
  EXPECT_EQ(records[1].parse_error().reason(),
            domain::OversizeLineReason(10000, 1000, 16, domain::Fnv1a64(big)));
  EXPECT_EQ(records[1].raw(), std::string(16, 'z'));
  EXPECT_EQ(records[2].line(), 4);
  EXPECT_TRUE(records[2].has_output());
}

// A header without a required column is refused before any row is read.
TEST(ReportStreamTest, HeaderLackingColumnIsRefused) {
  std::istringstream in("uscc,period,gross_output\n" + Row(0));
  ReportStream stream(in, "UTF-8", {});
  const auto s = stream.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("industry"), std::string::npos) << s.message();
}

// The header map applies to every batch; the header's unread columns are kept as warnings.
TEST(ReportStreamTest, HeaderMapAndWarnings) {
  absl::StatusOr<domain::HeaderMap> map = domain::HeaderMap::Parse("期间=period\n");
  ASSERT_TRUE(map.ok()) << map.status();
  std::istringstream in(std::string("uscc,industry,期间,gross_output,备注\n") + Row(0) + Row(1));
  ReportStream stream(in, "UTF-8", {}, &*map);
  ASSERT_TRUE(stream.Start().ok());
  EXPECT_EQ(stream.warnings(),
            std::vector<std::string>{"column 5 '备注' (remarks) is not used: it is for people, "
                                     "not read; its cells are ignored"});
  std::vector<pb::SubmittedRecord> batch;
  ASSERT_TRUE(stream.NextBatch(1, 1 << 20, &batch));
  ASSERT_TRUE(batch[0].has_output()) << batch[0].DebugString();
  EXPECT_EQ(batch[0].output().period().month(), 1);
  ASSERT_TRUE(stream.NextBatch(1, 1 << 20, &batch));
  EXPECT_EQ(batch[0].output().period().month(), 2);

  // Without the map the same header is refused, naming the column.
  std::istringstream again(std::string("uscc,industry,期间,gross_output\n") + Row(0));
  ReportStream plain(again, "UTF-8", {});
  absl::Status s = plain.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("column 3 '期间' is not a known output report column"),
            absl::string_view::npos)
      << s;
}

}  // namespace
}  // namespace cw::cli
