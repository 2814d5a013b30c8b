// Fuzz target: bureau CSV files, bytes → ParseCsv → ReportsFromCsv (and the registry
// readers). One input = one whole file.
//
// Invariants (a violation traps):
//  - ParseCsv either fails with kInvalidArgument and a message, or returns encoding "UTF-8"
//    or "GBK", a header, and rows in increasing line order (line >= 2) whose fields and raw
//    text are valid UTF-8, none of them blank;
//  - ReportsFromCsv either fails with kInvalidArgument, or returns exactly one record per
//    row, with the row's line number and raw text, carrying exactly one of output, tax or
//    parse_error; a parse error has a reason and names a field (none only for a row with
//    more cells than the header); a parsed report has a period in
//    1949..2100 / 1..12 (jan_feb only with month 2), a value basis and a revision >= 1;
//  - the registry readers fail only with kInvalidArgument.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "clusterwatch/v1/ingest.pb.h"
#include "common/domain/csv.h"
#include "common/domain/report_csv.h"

namespace {

namespace pb = ::clusterwatch::v1;

#define CW_FUZZ_CHECK(cond)                                                  \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "fuzz_csv: invariant violated: %s (%s:%d)\n", #cond, \
                   __FILE__, __LINE__);                                      \
      __builtin_trap();                                                      \
    }                                                                        \
  } while (0)

bool IsBlank(const std::string& s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') {
      return false;
    }
  }
  return true;
}

void CheckFailure(const absl::Status& s) {
  CW_FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CW_FUZZ_CHECK(!s.message().empty());
}

void CheckPeriod(const pb::Period& p) {
  CW_FUZZ_CHECK(p.year() >= 1949 && p.year() <= 2100);
  CW_FUZZ_CHECK(p.month() >= 1 && p.month() <= 12);
  CW_FUZZ_CHECK(!p.jan_feb() || p.month() == 2);
}

void CheckBasis(pb::ValueBasis b) {
  CW_FUZZ_CHECK(b == pb::VALUE_BASIS_MONTH || b == pb::VALUE_BASIS_YEAR_TO_DATE);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cw::domain::CsvTable> table = cw::domain::ParseCsv(bytes);
  if (!table.ok()) {
    CheckFailure(table.status());
    return 0;
  }
  CW_FUZZ_CHECK(table->encoding == "UTF-8" || table->encoding == "GBK");
  CW_FUZZ_CHECK(!table->header.empty());
  bool header_blank = true;
  for (const std::string& cell : table->header) {
    CW_FUZZ_CHECK(cw::domain::IsValidUtf8(cell));
    header_blank = header_blank && IsBlank(cell);
  }
  CW_FUZZ_CHECK(!header_blank);
  int64_t previous_line = 1;
  for (const cw::domain::CsvRow& row : table->rows) {
    CW_FUZZ_CHECK(row.line > previous_line);
    previous_line = row.line;
    CW_FUZZ_CHECK(!row.fields.empty());
    CW_FUZZ_CHECK(cw::domain::IsValidUtf8(row.raw));
    bool all_blank = true;
    for (const std::string& f : row.fields) {
      CW_FUZZ_CHECK(cw::domain::IsValidUtf8(f));
      all_blank = all_blank && IsBlank(f);
    }
    CW_FUZZ_CHECK(!all_blank);
  }

  absl::StatusOr<std::vector<pb::SubmittedRecord>> records =
      cw::domain::ReportsFromCsv(*table);
  if (!records.ok()) {
    CheckFailure(records.status());
  } else {
    CW_FUZZ_CHECK(records->size() == table->rows.size());
    for (size_t i = 0; i < records->size(); ++i) {
      const pb::SubmittedRecord& r = (*records)[i];
      CW_FUZZ_CHECK(r.line() >= 2);
      CW_FUZZ_CHECK(r.line() == table->rows[i].line);
      CW_FUZZ_CHECK(r.raw() == table->rows[i].raw);
      switch (r.body_case()) {
        case pb::SubmittedRecord::kOutput:
          CheckPeriod(r.output().period());
          CheckBasis(r.output().basis());
          CW_FUZZ_CHECK(r.output().revision() >= 1);
          CW_FUZZ_CHECK(r.output().has_gross_output());
          break;
        case pb::SubmittedRecord::kTax:
          CheckPeriod(r.tax().period());
          CheckBasis(r.tax().basis());
          CW_FUZZ_CHECK(r.tax().revision() >= 1);
          CW_FUZZ_CHECK(r.tax().has_total_tax());
          break;
        case pb::SubmittedRecord::kParseError:
          // No field only when the whole row is bad: more cells than the header.
          CW_FUZZ_CHECK(!r.parse_error().field().empty() ||
                        table->rows[i].fields.size() > table->header.size());
          CW_FUZZ_CHECK(!r.parse_error().reason().empty());
          break;
        case pb::SubmittedRecord::BODY_NOT_SET:
          CW_FUZZ_CHECK(false && "record without a body");
          break;
      }
    }
  }

  // The registry readers share the header matching and cell helpers.
  if (auto parks = cw::domain::ParksFromCsv(*table); !parks.ok()) {
    CheckFailure(parks.status());
  } else {
    CW_FUZZ_CHECK(parks->size() == table->rows.size());
  }
  if (auto enterprises = cw::domain::EnterprisesFromCsv(*table); !enterprises.ok()) {
    CheckFailure(enterprises.status());
  } else {
    CW_FUZZ_CHECK(enterprises->size() == table->rows.size());
  }
  return 0;
}
