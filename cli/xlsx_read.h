// Reads one sheet of an .xlsx workbook (Office Open XML spreadsheet) as a table of text
// cells, for `clusterctl push` and `clusterctl registry`: the rows then go through the same
// header mapping and validation as a CSV file's (common/domain/report_csv.h), with
// line = the spreadsheet row number. The zip container is read with minizip and the XML
// parts with expat (Debian libminizip-dev, libexpat1-dev). Thread-compatible: each call
// opens its own file.
//
// Cells become the text a CSV export of the sheet would hold:
//   - shared strings (t="s"), inline strings (t="inlineStr") and formula strings (t="str")
//     as written (rich-text runs joined; phonetic runs left out);
//   - numbers as the decimal Excel shows and exports (15 significant digits, never in
//     exponent form: 1234.5, 0.1, and 0.3 for a stored 0.30000000000000004); a whole number
//     as stored, at any length (202403);
//   - a number in a date format (built-in date formats, or a custom format with y/m/d or
//     年/月/日 outside quotes): the first day of a month at midnight as "YYYY-MM" (how Excel
//     stores a typed month such as 2024-03 or 2024年3月), any other date as
//     "YYYY-MM-DD" (with " hh:mm:ss" when it has a time), which no period form accepts, so
//     such a period cell is refused on its row;
//   - booleans as TRUE / FALSE, error cells as their code (#N/A), ISO 8601 date cells
//     (t="d", rare outside Strict workbooks) as their text, formulas as their cached value
//     (none: empty).
// Rows whose cells are all empty or blank are skipped (as blank lines of a CSV file); the first other row is the header. Trailing
// empty cells of a row are dropped. `raw` is the row's cells as a CSV line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/domain/csv.h"

namespace cw::cli {

struct XlsxReadOptions {
  std::string sheet;                  // "" = the first sheet of the workbook
  size_t max_part_bytes = 512u << 20;  // a larger uncompressed part is refused
};

// True when `path` names an .xlsx (or .xlsm) workbook by its extension, in any case.
bool IsXlsxPath(std::string_view path);

// The sheet as a table (encoding "XLSX"). kNotFound when the file cannot be opened;
// kInvalidArgument when it is not an xlsx workbook (naming the part that is missing or
// malformed), when the named sheet is absent (listing the sheets), or for a cell reference
// out of the sheet's range; kResourceExhausted for a part larger than max_part_bytes.
absl::StatusOr<domain::CsvTable> ReadXlsxTable(const std::string& path,
                                               const XlsxReadOptions& options = {});

// Pure helpers, exposed for tests.
// The number text of a stored numeric value `v` (see above). kInvalidArgument when `v` is
// no number.
absl::StatusOr<std::string> XlsxNumberText(std::string_view v);
// The text of a date serial (1900 date system, or 1904 when `date1904`). kInvalidArgument
// for a serial before the system's first day or for 1900-02-29 (serial 60, a day that did
// not exist).
absl::StatusOr<std::string> XlsxDateText(double serial, bool date1904);
// Whether cells of number format `num_fmt_id` (with `format_code` for custom formats, ""
// for built-in ones) are dates.
bool IsDateFormat(int num_fmt_id, std::string_view format_code);

}  // namespace cw::cli
