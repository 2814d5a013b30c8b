// Record-by-record CSV reading. See csv_stream.h.
//
// The splitter follows ParseCsv's rules: records end at LF, CRLF or a lone CR outside
// quotes; a quote opens a quoted field only at the start of a field; a doubled quote inside
// it is one quote; line ends inside quotes belong to the field (and count as lines).
#include "common/domain/csv_stream.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace cw::domain {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kBlockBytes = 1 << 20;

}  // namespace

uint64_t Fnv1a64(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnv1a64Prime;
  }
  return h;
}

std::string OversizeLineReason(uint64_t length, size_t limit, size_t kept, uint64_t fnv1a64) {
  return absl::StrFormat(
      "the line is %d bytes, more than the limit of %d bytes (kept: its first %d bytes; "
      "FNV-1a-64 of the whole line %016x); expected one report per line",
      length, limit, std::min<uint64_t>(kept, length), fnv1a64);
}

CsvRecordReader::CsvRecordReader(std::istream& in, CsvReadLimits limits)
    : in_(in), limits_(limits), buffer_(kBlockBytes) {}

bool CsvRecordReader::Fill() {
  if (!in_) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  end_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  bytes_read_ += end_;
  if (!started_) {
    started_ = true;
    if (std::string_view(buffer_.data(), end_).starts_with(kUtf8Bom)) pos_ = kUtf8Bom.size();
  }
  return end_ > pos_;
}

void CsvRecordReader::Append(char c, CsvRecordText* out) const {
  ++out->length;
  out->fnv1a64 = (out->fnv1a64 ^ static_cast<unsigned char>(c)) * kFnv1a64Prime;
  if (out->oversize) {
    if (out->text.size() < limits_.kept_bytes) out->text.push_back(c);
    return;
  }
  if (out->text.size() >= limits_.max_record_bytes) {
    // Over the limit: from here on only the length and the hash grow.
    out->oversize = true;
    out->text.resize(limits_.kept_bytes);
    out->text.shrink_to_fit();
    return;
  }
  out->text.push_back(c);
}

bool CsvRecordReader::Next(CsvRecordText* out) {
  out->line = line_;
  out->text.clear();
  out->length = 0;
  out->oversize = false;
  out->fnv1a64 = kFnv1a64Offset;
  bool any = false;
  bool in_quotes = false;
  bool pending_quote = false;  // in quotes, a quote seen: closes unless another follows
  bool field_start = true;
  bool after_cr = false;  // in quotes: the previous byte was a CR (a following LF is no line)
  for (;;) {
    if (pos_ >= end_ && !Fill()) break;
    const char c = buffer_[pos_++];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    any = true;
    if (in_quotes) {
      if (pending_quote) {
        pending_quote = false;
        if (c == '"') {
          Append(c, out);
          continue;
        }
        in_quotes = false;  // closed; c is text after the closing quote
      } else {
        if (c == '"') {
          pending_quote = true;
        } else if (c == '\n') {
          if (!after_cr) ++line_;
        } else if (c == '\r') {
          ++line_;
        }
        after_cr = c == '\r';
        Append(c, out);
        continue;
      }
    }
    if (c == '\n' || c == '\r') {
      ++line_;
      skip_lf_ = c == '\r';
      return true;
    }
    if (c == ',') {
      field_start = true;
    } else {
      if (c == '"' && field_start) in_quotes = true;
      field_start = false;
    }
    Append(c, out);
  }
  return any;
}

absl::StatusOr<std::optional<CsvRow>> ParseCsvRecord(const CsvRecordText& record,
                                                     std::string_view encoding) {
  std::string converted;
  std::string_view text = record.text;
  if (encoding == "GBK") {
    absl::StatusOr<std::string> utf8 = GbkToUtf8(text);
    if (!utf8.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "line %d: the file is GBK but this line is not: %s", record.line,
          utf8.status().message()));
    }
    converted = *std::move(utf8);
    text = converted;
  } else if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d: the file is UTF-8 but this line is not (expected UTF-8 throughout)",
        record.line));
  }
  // The record alone is a one-row table whose only row is its header.
  absl::StatusOr<CsvTable> table = ParseCsv(text);
  if (!table.ok()) {
    if (absl::StartsWith(table.status().message(), "file has no header row")) {
      return std::nullopt;
    }
    // ParseCsv counts lines from the record's first line.
    return absl::InvalidArgumentError(absl::StrFormat(
        "record at line %d: %s", record.line, table.status().message()));
  }
  if (!table->rows.empty()) {
    return absl::InternalError(absl::StrFormat(
        "line %d: the record splitter and ParseCsv disagree on where the record ends",
        record.line));
  }
  CsvRow row;
  row.line = record.line;
  row.fields = std::move(table->header);
  row.raw = std::string(text);
  return row;
}

absl::StatusOr<CsvSurvey> SurveyCsv(std::istream& in) {
  CsvSurvey survey;
  survey.fnv1a64 = kFnv1a64Offset;
  std::vector<char> block(kBlockBytes);
  std::string carry;  // an incomplete UTF-8 sequence at the end of the last block
  bool first = true;
  bool bom = false;
  bool valid = true;
  for (;;) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    std::string_view bytes(block.data(), n);
    survey.bytes += n;
    survey.fnv1a64 = Fnv1a64(bytes, survey.fnv1a64);
    if (!valid) continue;
    std::string_view rest = bytes;
    if (first && rest.starts_with(kUtf8Bom)) {
      bom = true;
      rest.remove_prefix(kUtf8Bom.size());
    }
    first = false;
    // Check up to the last lead (non-continuation) byte; carry the sequence it starts.
    std::string joined = carry;
    joined.append(rest);
    size_t cut = joined.size();
    while (cut > 0 && (static_cast<unsigned char>(joined[cut - 1]) & 0xC0) == 0x80 &&
           joined.size() - cut < 4) {
      --cut;
    }
    if (cut > 0 && static_cast<unsigned char>(joined[cut - 1]) >= 0xC0) --cut;
    valid = IsValidUtf8(std::string_view(joined).substr(0, cut));
    carry = joined.substr(cut);
    if (carry.size() > 4) valid = false;
  }
  if (in.bad()) return absl::UnavailableError("read error");
  if (valid && !carry.empty()) valid = IsValidUtf8(carry);
  if (bom && !valid) {
    return absl::InvalidArgumentError(
        "file starts with a UTF-8 byte order mark but is not valid UTF-8 (expected UTF-8 "
        "throughout)");
  }
  survey.encoding = valid ? "UTF-8" : "GBK";
  return survey;
}

}  // namespace cw::domain
