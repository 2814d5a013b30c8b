// `clusterctl export`: a period's park, park × industry, region and industry figures as typed
// sheets, written as CSV files (cli/output.h conventions: money in integer fen) or as the
// sheets of one XLSX workbook (cli/xlsx.h: money in 万元 numbers with a "#,##0.00" format).
// Pure: no I/O. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/output.h"
#include "clusterwatch/v1/query.pb.h"

namespace cw::cli {

// What a column holds.
enum class CellKind {
  kText,
  kFen,      // money: CSV integer fen (`<name>_fen`); XLSX 万元 (`<name> (万元)`)
  kRatio,    // a share 0..1: CSV exact decimal; XLSX number with a 0.0% format
  kInteger,  // a count, an area in mu
  kNumber,   // any other figure (HHI)
};

struct ExportColumn {
  std::string name;  // without the unit: "gross_output_month"
  CellKind kind;
};

// One cell: empty (nothing known or withheld), or the member its column's kind names.
struct ExportCell {
  bool empty = true;
  std::string text;
  int64_t integer = 0;  // kFen (fen), kInteger
  double number = 0;    // kRatio, kNumber
};

struct ExportSheet {
  std::string name;  // the sheet's name and the CSV file's ("parks" → parks.csv)
  std::vector<ExportColumn> columns;
  std::vector<std::vector<ExportCell>> rows;
};

// The answers an export is built from.
struct ExportInput {
  std::string label;  // the region code, the group's name, or "all"
  clusterwatch::v1::Period period;
  // The parks' snapshots of the period, in the order to write them (parks without reports
  // in the period are not among them).
  std::vector<clusterwatch::v1::GetParkSnapshotResponse> parks;
  clusterwatch::v1::GetRegionSnapshotResponse region;  // of the region or group, class level
};

// Four sheets: "parks" (one row per park: registry fields and the period's totals),
// "park_industries" (one row per park × industry class), "region" (one row: the region's
// or group's totals, HHI, CR5) and "industries" (the region's industry classes with their
// totals and shares; withheld ones marked confidential with empty figures).
std::vector<ExportSheet> ExportSheets(const ExportInput& in);

// A sheet as CSV (header row; fen as integers, ratios as exact decimals).
CsvTable SheetCsv(const ExportSheet& sheet);

// The XLSX heading of a column: "gross_output_month (万元)" for money, "output_share (%)",
// else the name.
std::string XlsxHeading(const ExportColumn& column);

// The ListParks region prefix of a GB/T 2260 region code: "320000" → "32", "321000" →
// "3210", "321023" → "321023"; "" → "".
std::string ParkPrefixOfRegion(const std::string& region_code);

// The file name of the workbook: "clusterwatch-<label>-<period>.xlsx" with the period key's
// "/" as "-" ("clusterwatch-320000-2024-01-02.xlsx").
std::string WorkbookName(const std::string& label, const clusterwatch::v1::Period& period);

// --format: a comma-separated list of csv and xlsx. kInvalidArgument naming them otherwise.
struct ExportFormats {
  bool csv = false;
  bool xlsx = false;
};
absl::StatusOr<ExportFormats> ParseExportFormats(const std::string& text);

}  // namespace cw::cli
