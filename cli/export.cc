#include "cli/export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/domain/codes.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"

namespace cw::cli {
namespace pb = clusterwatch::v1;

namespace {

ExportCell Text(std::string s) {
  ExportCell c;
  c.empty = false;
  c.text = std::move(s);
  return c;
}
ExportCell Int(int64_t v) {
  ExportCell c;
  c.empty = false;
  c.integer = v;
  return c;
}
ExportCell Num(double v) {
  ExportCell c;
  c.empty = false;
  c.number = v;
  return c;
}
ExportCell Empty() { return ExportCell{}; }

std::string LevelName(pb::ParkLevel l) {
  switch (l) {
    case pb::PARK_LEVEL_NATIONAL: return "national";
    case pb::PARK_LEVEL_PROVINCIAL: return "provincial";
    case pb::PARK_LEVEL_OTHER: return "other";
    default: return "";
  }
}

constexpr const char* kMoney[] = {"gross_output", "sales_output", "export_delivery",
                                  "total_tax",    "vat",          "corporate_income_tax"};

void TotalsColumns(std::vector<ExportColumn>& cols) {
  for (const char* f : kMoney) {
    cols.push_back({absl::StrCat(f, "_month"), CellKind::kFen});
    cols.push_back({absl::StrCat(f, "_ytd"), CellKind::kFen});
  }
  cols.push_back({"employees", CellKind::kInteger});
  cols.push_back({"output_reporters", CellKind::kInteger});
  cols.push_back({"tax_reporters", CellKind::kInteger});
}

// The totals cells; all empty when `withheld`.
void TotalsCells(std::vector<ExportCell>& row, const pb::Totals& m, const pb::Totals& y,
                 bool withheld) {
  const pb::Money* pairs[][2] = {{&m.gross_output(), &y.gross_output()},
                                 {&m.sales_output(), &y.sales_output()},
                                 {&m.export_delivery(), &y.export_delivery()},
                                 {&m.total_tax(), &y.total_tax()},
                                 {&m.vat(), &y.vat()},
                                 {&m.corporate_income_tax(), &y.corporate_income_tax()}};
  for (const auto& p : pairs) {
    row.push_back(withheld ? Empty() : Int(p[0]->fen()));
    row.push_back(withheld ? Empty() : Int(p[1]->fen()));
  }
  for (int64_t v : {m.employees(), m.output_reporters(), m.tax_reporters()}) {
    row.push_back(withheld ? Empty() : Int(v));
  }
}

std::string DivisionName(const std::string& industry) {
  return std::string(domain::IndustryDivisionName(industry.substr(0, 2)));
}

}  // namespace

std::vector<ExportSheet> ExportSheets(const ExportInput& in) {
  const std::string period = domain::FromProto(in.period).Key();
  std::vector<ExportSheet> out;

  ExportSheet parks{"parks", {}, {}};
  parks.columns = {{"park_id", CellKind::kText},     {"park_name", CellKind::kText},
                   {"county_code", CellKind::kText}, {"region_name", CellKind::kText},
                   {"level", CellKind::kText},       {"area_mu", CellKind::kInteger},
                   {"period", CellKind::kText}};
  TotalsColumns(parks.columns);
  parks.columns.push_back({"industries", CellKind::kInteger});
  parks.columns.push_back({"confidential", CellKind::kText});

  ExportSheet cells{"park_industries", {}, {}};
  cells.columns = {{"park_id", CellKind::kText},
                   {"park_name", CellKind::kText},
                   {"period", CellKind::kText},
                   {"industry", CellKind::kText},
                   {"division_name", CellKind::kText}};
  TotalsColumns(cells.columns);
  cells.columns.push_back({"output_share", CellKind::kRatio});
  cells.columns.push_back({"confidential", CellKind::kText});

  for (const auto& a : in.parks) {
    const auto& p = a.park();
    const auto& s = a.snapshot();
    std::vector<ExportCell> row = {Text(p.id()),
                                   Text(p.name()),
                                   Text(p.county_code()),
                                   Text(std::string(domain::RegionName(p.county_code()))),
                                   Text(LevelName(p.level())),
                                   Int(p.area_mu()),
                                   Text(period)};
    TotalsCells(row, s.month(), s.year_to_date(), s.confidential());
    row.push_back(Int(s.industries_size()));
    row.push_back(Text(s.confidential() ? "true" : "false"));
    parks.rows.push_back(std::move(row));
    for (const auto& ind : s.industries()) {
      std::vector<ExportCell> r = {Text(p.id()), Text(p.name()), Text(period),
                                   Text(ind.industry()), Text(DivisionName(ind.industry()))};
      TotalsCells(r, ind.month(), ind.year_to_date(), ind.confidential());
      r.push_back(ind.confidential() ? Empty() : Num(ind.output_share()));
      r.push_back(Text(ind.confidential() ? "true" : "false"));
      cells.rows.push_back(std::move(r));
    }
  }

  ExportSheet region{"region", {}, {}};
  region.columns = {{"label", CellKind::kText},
                    {"name", CellKind::kText},
                    {"period", CellKind::kText},
                    {"parks", CellKind::kInteger}};
  TotalsColumns(region.columns);
  region.columns.push_back({"hhi", CellKind::kNumber});
  region.columns.push_back({"industry_cr5", CellKind::kRatio});
  {
    const auto& r = in.region;
    std::vector<ExportCell> row = {Text(in.label), Text(r.name()), Text(period),
                                   Int(r.parks())};
    TotalsCells(row, r.month(), r.year_to_date(), false);
    row.push_back(r.has_hhi() ? Num(r.hhi()) : Empty());
    row.push_back(r.has_industry_cr5() ? Num(r.industry_cr5()) : Empty());
    region.rows.push_back(std::move(row));
  }

  ExportSheet industries{"industries", {}, {}};
  industries.columns = {{"label", CellKind::kText},
                        {"period", CellKind::kText},
                        {"industry", CellKind::kText},
                        {"division_name", CellKind::kText}};
  TotalsColumns(industries.columns);
  industries.columns.push_back({"output_share", CellKind::kRatio});
  industries.columns.push_back({"confidential", CellKind::kText});
  industries.columns.push_back({"confidential_reason", CellKind::kText});
  for (const auto& ind : in.region.industries()) {
    std::vector<ExportCell> r = {Text(in.label), Text(period), Text(ind.industry()),
                                 Text(DivisionName(ind.industry()))};
    TotalsCells(r, ind.month(), ind.year_to_date(), ind.confidential());
    r.push_back(ind.confidential() ? Empty() : Num(ind.output_share()));
    r.push_back(Text(ind.confidential() ? "true" : "false"));
    r.push_back(Text(ind.confidential_reason()));
    industries.rows.push_back(std::move(r));
  }

  out.push_back(std::move(parks));
  out.push_back(std::move(cells));
  out.push_back(std::move(region));
  out.push_back(std::move(industries));
  return out;
}

CsvTable SheetCsv(const ExportSheet& sheet) {
  CsvTable t;
  for (const auto& c : sheet.columns) {
    t.header.push_back(c.kind == CellKind::kFen ? absl::StrCat(c.name, "_fen") : c.name);
  }
  for (const auto& row : sheet.rows) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < row.size(); ++i) {
      const ExportCell& c = row[i];
      if (c.empty) {
        cells.emplace_back();
        continue;
      }
      switch (sheet.columns[i].kind) {
        case CellKind::kText: cells.push_back(c.text); break;
        case CellKind::kFen:
        case CellKind::kInteger: cells.push_back(absl::StrCat(c.integer)); break;
        case CellKind::kRatio:
        case CellKind::kNumber: cells.push_back(ExactDouble(c.number)); break;
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

std::string XlsxHeading(const ExportColumn& column) {
  switch (column.kind) {
    case CellKind::kFen: return absl::StrCat(column.name, " (万元)");
    case CellKind::kRatio: return absl::StrCat(column.name, " (%)");
    default: return column.name;
  }
}

std::string ParkPrefixOfRegion(const std::string& code) {
  if (code.size() == 6 && code.substr(2) == "0000") return std::string(code.substr(0, 2));
  if (code.size() == 6 && code.substr(4) == "00") return std::string(code.substr(0, 4));
  return std::string(code);
}

std::string WorkbookName(const std::string& label, const pb::Period& period) {
  return absl::StrCat("clusterwatch-", absl::StrReplaceAll(label, {{"/", "-"}}), "-",
                      absl::StrReplaceAll(domain::FromProto(period).Key(), {{"/", "-"}}),
                      ".xlsx");
}

absl::StatusOr<ExportFormats> ParseExportFormats(const std::string& text) {
  ExportFormats f;
  for (const std::string& part : std::vector<std::string>(absl::StrSplit(text, ','))) {
    if (part == "csv") {
      f.csv = true;
    } else if (part == "xlsx") {
      f.xlsx = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--format='", text, "': expected csv, xlsx or csv,xlsx"));
    }
  }
  return f;
}

}  // namespace cw::cli
