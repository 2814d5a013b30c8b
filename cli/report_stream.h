// A report CSV file read as a stream of SubmittedRecords, one batch at a time, so that
// `clusterctl push` holds one batch of a file of any size, never the file. Every line
// becomes a record in file order: a report, or a ParseError that ingest refuses and keeps
// (a line longer than the limit is cut to its first bytes, with its length and hash in the
// reason). Thread-compatible.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/ingest.pb.h"
#include "common/domain/csv_stream.h"
#include "common/domain/report_csv.h"

namespace cw::cli {

class ReportStream {
 public:
  // `encoding`: "UTF-8" or "GBK", as domain::SurveyCsv found it. `header_map` (may be
  // null) must outlive the stream.
  ReportStream(std::istream& in, std::string encoding, domain::CsvReadLimits limits,
               const domain::HeaderMap* header_map = nullptr);

  // Reads up to the header (the first non-blank record) and checks it. kInvalidArgument
  // naming the missing column or the header's trouble.
  absl::Status Start();

  // The header's columns that are present but not read (set by Start).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Appends the next records to `out` (cleared first): at most `max_records`, and stops
  // after `max_bytes` of source text. False when the file is done and `out` is empty.
  // REQUIRES: Start() succeeded.
  bool NextBatch(size_t max_records, size_t max_bytes,
                 std::vector<clusterwatch::v1::SubmittedRecord>* out);

  uint64_t bytes_read() const { return reader_.bytes_read(); }
  int64_t records() const { return records_; }

 private:
  // Converts the rows gathered in table_ into records at the end of `out`.
  void Flush(std::vector<clusterwatch::v1::SubmittedRecord>* out);

  domain::CsvRecordReader reader_;
  const std::string encoding_;
  const domain::CsvReadLimits limits_;
  const domain::HeaderMap* header_map_;
  std::vector<std::string> warnings_;
  domain::CsvTable table_;  // the header, and the rows of the batch being built
  int64_t records_ = 0;
};

}  // namespace cw::cli
