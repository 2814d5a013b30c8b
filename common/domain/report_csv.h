// Turns bureau CSV tables (output reports, tax reports, parks, enterprises) into protobuf
// records. Accepts Chinese or English headers, a unit column or a unit in the header
// ("工业总产值(千元)"), month or year-to-date values. Pure; thread-compatible.
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

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/ingest.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/csv.h"

namespace cw::domain {

enum class ReportKind { kOutput, kTax };

// Which kind of report a header describes (by its money columns), or kInvalidArgument
// naming the columns it lacks.
absl::StatusOr<ReportKind> DetectReportKind(const std::vector<std::string>& header);

// Converts every row to a SubmittedRecord carrying either the report or a ParseError
// (field and reason) — a bad row never aborts the table. Fails only when the header lacks
// a required column (kInvalidArgument naming it).
absl::StatusOr<std::vector<clusterwatch::v1::SubmittedRecord>> ReportsFromCsv(
    const CsvTable& table);

// Registry tables. A bad row fails the whole table (registry files are curated), with
// kInvalidArgument naming line, field and reason.
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> ParksFromCsv(
    const CsvTable& table);
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> EnterprisesFromCsv(
    const CsvTable& table);

// Registry corrections: uscc, corrects_from (更正起始期), optional corrects_to (更正截止期),
// and park_id and/or industry (the corrected values; empty leaves that field as reported);
// name is allowed and ignored. A bad row fails the whole table, naming the line and field.
absl::StatusOr<std::vector<clusterwatch::v1::RegistryRecord>> CorrectionsFromCsv(
    const CsvTable& table);

}  // namespace cw::domain
