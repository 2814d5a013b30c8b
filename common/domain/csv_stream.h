// Reading a bureau CSV file record by record with bounded memory, for files of any size.
// CsvRecordReader splits a byte stream into records with the same record ends and quoting as
// ParseCsv (csv.h) and cuts a record longer than a limit down to its first bytes, its length
// and a hash, so that one corrupt 50 MB line costs no more memory than the limit and is
// refused as that line. ParseCsvRecord turns one record into a CsvRow. SurveyCsv reads a file
// once for its content hash and encoding. Pure (over std::istream); thread-compatible.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/domain/csv.h"

namespace cw::domain {

// FNV-1a, 64 bits: the hash named in refusals of oversize lines and of content ids.
constexpr uint64_t kFnv1a64Offset = 1469598103934665603ULL;
constexpr uint64_t kFnv1a64Prime = 1099511628211ULL;
uint64_t Fnv1a64(std::string_view bytes, uint64_t h = kFnv1a64Offset);

struct CsvReadLimits {
  size_t max_record_bytes = 256 << 10;  // a longer record is refused as that line
  size_t kept_bytes = 4096;           // of a refused record, kept for the dead-letter topic
};

// The reason given for a line longer than the limit; the same words in clusterctl and ingest.
std::string OversizeLineReason(uint64_t length, size_t limit, size_t kept, uint64_t fnv1a64);

// One record of a CSV byte stream.
struct CsvRecordText {
  int64_t line = 0;       // 1-based physical line where the record starts
  std::string text;       // without its line end; when oversize, only the first kept bytes
  uint64_t length = 0;    // the whole record's length in bytes
  bool oversize = false;  // longer than CsvReadLimits::max_record_bytes
  uint64_t fnv1a64 = 0;   // of the whole record (set for every record)
};

class CsvRecordReader {
 public:
  // REQUIRES: limits.kept_bytes <= limits.max_record_bytes. A UTF-8 byte order mark at the
  // start of `in` is skipped.
  explicit CsvRecordReader(std::istream& in, CsvReadLimits limits = {});

  // The next record (blank ones included, as empty or blank text); false at the end.
  bool Next(CsvRecordText* out);
  // Bytes consumed from the stream so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool Fill();
  void Append(char c, CsvRecordText* out) const;

  std::istream& in_;
  const CsvReadLimits limits_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool started_ = false;
  bool skip_lf_ = false;  // the last record ended at a CR: a following LF belongs to it
  int64_t line_ = 1;
  uint64_t bytes_read_ = 0;
};

// One record as a CsvRow (fields in UTF-8, raw converted to UTF-8 for a GBK file); nullopt
// for a blank record. kInvalidArgument naming the line when the record is not text in
// `encoding` ("UTF-8" or "GBK") or has an unterminated quote.
// REQUIRES: !record.oversize.
absl::StatusOr<std::optional<CsvRow>> ParseCsvRecord(const CsvRecordText& record,
                                                     std::string_view encoding);

// What one pass over a whole file says of it.
struct CsvSurvey {
  uint64_t bytes = 0;
  uint64_t fnv1a64 = 0;  // of all its bytes
  std::string encoding;  // "UTF-8" or "GBK" (as ParseCsv decides: UTF-8 when valid)
};

// Reads `in` to the end in blocks. kInvalidArgument when the file starts with a UTF-8 byte
// order mark but is not valid UTF-8; kUnavailable on a read error.
absl::StatusOr<CsvSurvey> SurveyCsv(std::istream& in);

}  // namespace cw::domain
