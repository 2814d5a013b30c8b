// Turns bureau CSV tables (output reports, tax reports, parks, enterprises) into protobuf
// records. Accepts Chinese or English headers, a unit column or a unit in the header
// ("工业总产值(千元)"), month or year-to-date values. Pure; thread-compatible.
//
// Header names: each column has an English key and several names bureau exports use
// (docs/api.md lists them all, e.g. the period as 报告期, 统计期, 期别, 所属期, 报表期, 时期,
// 税款所属期, period or report_period); an operator adds more with a HeaderMap. A report
// header cell that names no known column fails the table, listing the accepted names; a
// column known to the readers but not read by this table (a park column in a tax report,
// 序号, 备注, a registry column) is reported as a warning; two cells naming one column fail
// the table as ambiguous. Registry tables still ignore unknown columns.
//
// Output report columns (English | Chinese; * = required):
//   uscc* | 统一社会信用代码      name | 企业名称           park_id | 园区代码
//   industry* | 行业代码         period* | 报告期           basis | 口径 (month/ytd, 本月/累计)
//   unit | 计量单位 (default 千元) gross_output* | 工业总产值  sales_output | 销售产值
//   export_delivery | 出口交货值  employees | 平均用工人数    revision | 修订版本 (default 1)
// Tax report columns:
//   uscc* | 统一社会信用代码   period* | 报告期   basis | 口径   unit | 计量单位
//   total_tax* | 税收总额   vat | 增值税   corporate_income_tax | 企业所得税
//   counterparties | 主要供应商 ("USCC:amount;USCC:amount", amounts in the row's unit)
//   revision | 修订版本
// Park columns: park_id | 园区代码, name | 园区名称, county_code | 区县代码, area_mu | 面积亩,
//   level | 级别 (national/provincial/other, 国家级/省级/其他),
//   leading_industries | 主导产业 ("3041;3051"), groups | 所属组团 ("a;b")
// Enterprise columns: uscc | 统一社会信用代码, name | 企业名称, park_id | 园区代码,
//   industry | 行业代码, above_size | 规模以上 (1/0, yes/no, 是/否)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/ingest.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/csv.h"

namespace cw::domain {

enum class ReportKind { kOutput, kTax };

// Header names an operator adds (`clusterctl --header_map=FILE`): alias -> column key.
// Immutable once parsed; thread-safe to share.
class HeaderMap {
 public:
  // Parses a mapping file: one `alias=canonical` per line (spaces around either side
  // trimmed), blank lines and lines starting with '#' skipped. `canonical` is a column key
  // (uscc, name, park_id, industry, period, basis, unit, gross_output, sales_output,
  // export_delivery, employees, revision, total_tax, vat, corporate_income_tax,
  // counterparties, county_code, area_mu, level, leading_industries, groups, above_size,
  // corrects_from, corrects_to) or one of its built-in names. Aliases match like built-in
  // names (English case-insensitively, spaces and hyphens as underscores; trailing
  // parenthesised notes such as units split off the header cell first).
  // kInvalidArgument naming the line for a line without '=', an empty side, an unknown
  // canonical name, or an alias that would make headers ambiguous: mapped twice to
  // different columns, or already a built-in name of another column.
  static absl::StatusOr<HeaderMap> Parse(std::string_view text);

  // The column key a (normalized) header name is mapped to, or nullptr.
  const std::string* Find(std::string_view normalized_name) const;
  size_t size() const { return aliases_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> aliases_;
};

// How report tables are read.
struct ReportOptions {
  const HeaderMap* header_map = nullptr;         // operator aliases; may be null
  std::vector<std::string>* warnings = nullptr;  // appended: columns present but not read
};

// Which kind of report a header describes (by its money columns), or kInvalidArgument
// naming the columns it lacks.
absl::StatusOr<ReportKind> DetectReportKind(const std::vector<std::string>& header,
                                            const HeaderMap* header_map = nullptr);

// Converts every row to a SubmittedRecord carrying either the report or a ParseError
// (field and reason) — a bad row never aborts the table. Fails only for the header
// (kInvalidArgument): a required column missing, an unknown column (the message lists the
// accepted names), or two columns naming one field. Columns present but not read are
// appended to options.warnings, once per call.
absl::StatusOr<std::vector<clusterwatch::v1::SubmittedRecord>> ReportsFromCsv(
    const CsvTable& table, const ReportOptions& options = {});

// Registry tables. A bad row fails the whole table (registry files are curated), with
// kInvalidArgument naming line, field and reason.
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> ParksFromCsv(
    const CsvTable& table, const HeaderMap* header_map = nullptr);
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> EnterprisesFromCsv(
    const CsvTable& table, const HeaderMap* header_map = nullptr);

// Registry corrections: uscc, corrects_from (更正起始期), optional corrects_to (更正截止期),
// and park_id and/or industry (the corrected values; empty leaves that field as reported);
// name is allowed and ignored. A bad row fails the whole table, naming the line and field.
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> CorrectionsFromCsv(
    const CsvTable& table, const HeaderMap* header_map = nullptr);

}  // namespace cw::domain
