// Writes export sheets (cli/export.h) as one XLSX workbook with libxlsxwriter: a bold header
// row frozen at the top, money as 万元 numbers (fen / 1,000,000) formatted "#,##0.00", shares
// as numbers formatted "0.0%", counts as integers, empty cells left blank. The I/O adapter of
// `clusterctl export`; thread-compatible (one workbook per call).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/export.h"

namespace cw::cli {

// Writes `sheets` to the workbook at `path` (replacing it). kInternal with libxlsxwriter's
// reason when the file cannot be written (e.g. a missing directory).
absl::Status WriteXlsx(const std::string& path, const std::vector<ExportSheet>& sheets);

}  // namespace cw::cli
