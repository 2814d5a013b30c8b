#include "cli/report_stream.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/domain/report_csv.h"

namespace cw::cli {
namespace pb = clusterwatch::v1;

ReportStream::ReportStream(std::istream& in, std::string encoding, domain::CsvReadLimits limits,
                           const domain::HeaderMap* header_map)
    : reader_(in, limits),
      encoding_(std::move(encoding)),
      limits_(limits),
      header_map_(header_map) {}

absl::Status ReportStream::Start() {
  domain::CsvRecordText record;
  while (reader_.Next(&record)) {
    if (record.oversize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", record.line, " (the header): ",
          domain::OversizeLineReason(record.length, limits_.max_record_bytes,
                                     limits_.kept_bytes, record.fnv1a64)));
    }
    auto row = domain::ParseCsvRecord(record, encoding_);
    if (!row.ok()) return row.status();
    if (!row->has_value()) continue;  // blank
    table_.encoding = encoding_;
    table_.header = std::move((*row)->fields);
    // Checks the header: the kind of report and its required columns.
    warnings_.clear();
    auto none = domain::ReportsFromCsv(table_, {header_map_, &warnings_});
    if (!none.ok()) return none.status();
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("file has no header row (expected a header line)");
}

void ReportStream::Flush(std::vector<pb::SubmittedRecord>* out) {
  if (table_.rows.empty()) return;
  // The header was checked in Start, so the table converts.
  auto records = domain::ReportsFromCsv(table_, {header_map_, nullptr});
  table_.rows.clear();
  if (!records.ok()) return;
  for (auto& r : *records) out->push_back(std::move(r));
}

bool ReportStream::NextBatch(size_t max_records, size_t max_bytes,
                             std::vector<pb::SubmittedRecord>* out) {
  out->clear();
  size_t bytes = 0;
  domain::CsvRecordText record;
  while (out->size() + table_.rows.size() < max_records && bytes < max_bytes &&
         reader_.Next(&record)) {
    bytes += record.text.size();
    std::optional<pb::SubmittedRecord> refused;
    if (record.oversize) {
      refused.emplace();
      refused->set_line(record.line);
      refused->mutable_parse_error()->set_field("line");
      refused->mutable_parse_error()->set_reason(domain::OversizeLineReason(
          record.length, limits_.max_record_bytes, limits_.kept_bytes, record.fnv1a64));
      refused->set_raw(record.text);
    } else {
      auto row = domain::ParseCsvRecord(record, encoding_);
      if (!row.ok()) {
        refused.emplace();
        refused->set_line(record.line);
        refused->mutable_parse_error()->set_field("line");
        refused->mutable_parse_error()->set_reason(std::string(row.status().message()));
        refused->set_raw(record.text);
      } else if (row->has_value()) {
        table_.rows.push_back(**std::move(row));
        ++records_;
      }
    }
    if (refused) {
      // Keep file order: the rows before it first.
      Flush(out);
      out->push_back(*std::move(refused));
      ++records_;
    }
  }
  Flush(out);
  return !out->empty();
}

}  // namespace cw::cli
