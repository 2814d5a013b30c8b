// Machine-readable output of clusterctl's read commands (`--output=table|json|csv`), the
// catalogue of rankable metrics with their units, and the checks of enumerated flag values.
// Pure: no I/O; every function is thread-safe.
//
// Conventions (docs/api.md, "clusterctl output"):
// - json: the answer's proto3 JSON mapping with the proto field names (snake_case), every
//   field printed (zero values too). int64 fields, money in fen among them, are exact decimal
//   strings ("fen": "123456789"); doubles are JSON numbers. Several answers: a JSON array.
// - csv: RFC 4180, a header row first, UTF-8. Money in integer fen (columns ending `_fen`),
//   shares and growth as fractions (0.125 = 12.5%), rankable metric values in the unit the
//   `unit` column names (yuan, yuan_per_mu, ratio, persons, index); doubles in the shortest
//   form that reads back to the same double.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "clusterwatch/v1/query.pb.h"
#include "google/protobuf/message.h"

namespace cw::cli {

enum class OutputFormat { kTable, kJson, kCsv };

// "table", "json" or "csv". kInvalidArgument naming the accepted values otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text);

// ---- Rankable metrics (RankParks, GetMetricSeries) ----

// The unit a metric's value comes in from the query service.
enum class MetricUnit {
  kYuan,       // money, yuan (fen / 100): shown as 万元
  kYuanPerMu,  // land efficiency, yuan per mu: shown as 万元/亩
  kRatio,      // a share or a growth rate, 0.125 = 12.5%: shown as %
  kPersons,    // a head count: shown with separators, 人
  kIndex,      // a dimensionless index (HHI): three decimals
};

struct MetricInfo {
  std::string name;  // as the API names it, e.g. "output_ytd_yoy"
  MetricUnit unit;
};

// The metrics the query service ranks by, in its order.
const std::vector<MetricInfo>& RankableMetrics();

// The metric called `name`; kInvalidArgument listing every accepted name otherwise.
absl::StatusOr<MetricInfo> LookupMetric(const std::string& name);

// The unit's name in CSV ("yuan", "yuan_per_mu", "ratio", "persons", "index") and in
// table headers ("万元", "万元/亩", "%", "人", "index").
const char* UnitCsvName(MetricUnit unit);
const char* UnitTableName(MetricUnit unit);

// A metric value for a table, in the table unit with thousands separators:
// kYuan 6011514.37 → "601.15" (万元), kYuanPerMu 780747.0444 → "78.07" (万元/亩),
// kRatio 0.1234 → "12.3%", kPersons 1234 → "1,234", kIndex 0.25 → "0.250".
std::string FormatMetricValue(MetricUnit unit, double value);

// ---- Enumerated flag values ----

// --state: "" (any), pending, firing or resolved; kInvalidArgument listing them otherwise.
absl::StatusOr<clusterwatch::v1::AlertState> ParseAlertState(const std::string& text);
// --subject_kind: "" (any), park, park_industry, region or group.
absl::StatusOr<std::string> ParseSubjectKind(const std::string& text);

// ---- JSON ----

// The message's proto3 JSON mapping (see above), indented, ending in a newline; one line
// without indentation when `compact` (JSON Lines, for streams).
std::string ToJson(const google::protobuf::Message& message, bool compact = false);
// Several messages as one JSON array, ending in a newline.
std::string ToJsonArray(const std::vector<const google::protobuf::Message*>& messages);

// ---- CSV ----

// A table for CSV: a header and rows of already formatted cells.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// RFC 4180: cells with a comma, quote, CR or LF are quoted, quotes doubled; CRLF-free ("\n")
// line ends. With `header`: the header row first.
std::string FormatCsv(const CsvTable& table, bool header = true);

// A double in its shortest round-trip decimal form ("0.1", "601151400", "1e-07").
std::string ExactDouble(double v);

// parks: id, name, county_code, region_name, level, area_mu, leading_industries (";").
CsvTable ParksCsv(const std::vector<clusterwatch::v1::Park>& parks);

// report: one row for the park's totals (industry empty), then one per industry, of each
// answer: park_id, park_name, period, industry, then per Totals field `<field>_month_fen` /
// `<field>_ytd_fen` (gross_output, sales_output, export_delivery, total_tax, vat,
// corporate_income_tax), employees, output_reporters, tax_reporters, output_share,
// confidential, confidential_reason.
CsvTable ReportCsv(const std::vector<clusterwatch::v1::GetParkSnapshotResponse>& answers);

// metrics, long form: park_id, period, industry ("" for the park's own metrics), metric,
// value, unit. Undefined metrics are left out; withheld industry figures have value "" and
// unit "confidential".
CsvTable MetricsCsv(const clusterwatch::v1::GetParkMetricsResponse& answer);

// rank: rank, park_id, name, metric, value, unit, grade, confidential.
CsvTable RankCsv(const MetricInfo& metric, const clusterwatch::v1::RankParksResponse& answer);

// series: park_id, metric, period, value, unit, confidential.
CsvTable SeriesCsv(const std::string& park_id, const MetricInfo& metric,
                   const clusterwatch::v1::GetMetricSeriesResponse& answer);

// region: label, name, period, industry ("" for the total), the Totals columns of ReportCsv,
// output_share, hhi, industry_cr5 (total row only), parks, confidential, confidential_reason.
CsvTable RegionCsv(const std::string& label, const clusterwatch::v1::Period& period,
                   const clusterwatch::v1::GetRegionSnapshotResponse& answer);

// industry-map: park_id, park_name, industry, ytd_output_fen, lq, enterprises, stage,
// strong_cluster, stars, confidential.
CsvTable IndustryMapCsv(const clusterwatch::v1::GetIndustryMapResponse& answer);

// alerts: id, state, rule, kind, subject_kind, subject_id, subject_name, park_id, period,
// latest_period, periods, version, changed_unix_ms, explanation_en, explanation_zh.
CsvTable AlertsCsv(const std::vector<clusterwatch::v1::AlertEvent>& alerts);
// alerts watch: the AlertsCsv columns and resume_token; one row per update.
CsvTable AlertUpdatesCsv(const std::vector<clusterwatch::v1::AlertUpdate>& updates);

// A series as a table: the park and metric with its unit, then one line per period.
std::string RenderSeries(const std::string& park_id, const MetricInfo& metric,
                         const clusterwatch::v1::GetMetricSeriesResponse& answer);

}  // namespace cw::cli
