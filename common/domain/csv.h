// CSV reading for bureau files: RFC 4180 quoting, UTF-8 (with or without BOM) or GBK
// (detected when the bytes are not valid UTF-8, converted with iconv). Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cw::domain {

struct CsvRow {
  int64_t line = 0;                 // 1-based line number of the row's first line
  std::vector<std::string> fields;  // UTF-8
  std::string raw;                  // the row's text (UTF-8), for rejection records
};

struct CsvTable {
  std::string encoding;            // "UTF-8" or "GBK"
  std::vector<std::string> header;
  std::vector<CsvRow> rows;        // blank lines are skipped
};

// Converts GBK (GB18030-compatible) bytes to UTF-8. kInvalidArgument with the byte offset
// when the input is not valid GBK.
absl::StatusOr<std::string> GbkToUtf8(std::string_view bytes);

// True when `bytes` is valid UTF-8.
bool IsValidUtf8(std::string_view bytes);

// Parses a whole file's bytes. The first row is the header. Fails with kInvalidArgument
// (naming the line) on an unterminated quote or a file in neither UTF-8 nor GBK.
absl::StatusOr<CsvTable> ParseCsv(std::string_view bytes);

}  // namespace cw::domain
