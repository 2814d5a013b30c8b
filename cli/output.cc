#include "cli/output.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/render.h"
#include "common/domain/codes.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "google/protobuf/util/json_util.h"

namespace cw::cli {
namespace pb = clusterwatch::v1;

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "csv") return OutputFormat::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("--output='", text, "': expected table, json or csv"));
}

const std::vector<MetricInfo>& RankableMetrics() {
  static const auto* const kMetrics = new std::vector<MetricInfo>{
      {"output_month", MetricUnit::kYuan},
      {"output_ytd", MetricUnit::kYuan},
      {"tax_ytd", MetricUnit::kYuan},
      {"employees", MetricUnit::kPersons},
      {"output_yoy", MetricUnit::kRatio},
      {"output_ytd_yoy", MetricUnit::kRatio},
      {"output_ytd_yoy_same_scope", MetricUnit::kRatio},
      {"tax_ytd_yoy", MetricUnit::kRatio},
      {"output_mom", MetricUnit::kRatio},
      {"hhi", MetricUnit::kIndex},
      {"industry_cr5", MetricUnit::kRatio},
      {"leading_industry_share", MetricUnit::kRatio},
      {"firm_cr1", MetricUnit::kRatio},
      {"firm_cr3", MetricUnit::kRatio},
      {"output_per_mu", MetricUnit::kYuanPerMu},
      {"tax_per_mu", MetricUnit::kYuanPerMu},
      {"in_park_purchase_share", MetricUnit::kRatio},
      {"in_region_purchase_share", MetricUnit::kRatio},
      {"completeness", MetricUnit::kRatio},
  };
  return *kMetrics;
}

absl::StatusOr<MetricInfo> LookupMetric(const std::string& name) {
  std::vector<std::string> names;
  for (const MetricInfo& m : RankableMetrics()) {
    if (m.name == name) return m;
    names.push_back(m.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("--metric='", name, "': expected one of ",
                                                 absl::StrJoin(names, ", ")));
}

const char* UnitCsvName(MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kYuan: return "yuan";
    case MetricUnit::kYuanPerMu: return "yuan_per_mu";
    case MetricUnit::kRatio: return "ratio";
    case MetricUnit::kPersons: return "persons";
    case MetricUnit::kIndex: return "index";
  }
  return "";
}

const char* UnitTableName(MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kYuan: return "万元";
    case MetricUnit::kYuanPerMu: return "万元/亩";
    case MetricUnit::kRatio: return "%";
    case MetricUnit::kPersons: return "人";
    case MetricUnit::kIndex: return "index";
  }
  return "";
}

namespace {

// Digits with a comma every three from the right ("1234567" → "1,234,567").
std::string Group(const std::string& digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string FormatMetricValue(MetricUnit unit, double value) {
  switch (unit) {
    case MetricUnit::kYuan:
    case MetricUnit::kYuanPerMu:
      // yuan → fen, then 万元 with two decimals as for every other amount.
      return FormatWan(static_cast<int64_t>(std::llround(value * 100)));
    case MetricUnit::kRatio:
      return absl::StrFormat("%.1f%%", 100.0 * value);
    case MetricUnit::kPersons: {
      const long long n = std::llround(value);
      return absl::StrCat(n < 0 ? "-" : "", Group(absl::StrCat(n < 0 ? -n : n)));
    }
    case MetricUnit::kIndex:
      return absl::StrFormat("%.3f", value);
  }
  return "";
}

absl::StatusOr<pb::AlertState> ParseAlertState(const std::string& text) {
  if (text.empty()) return pb::ALERT_STATE_UNSPECIFIED;
  if (text == "pending") return pb::ALERT_STATE_PENDING;
  if (text == "firing") return pb::ALERT_STATE_FIRING;
  if (text == "resolved") return pb::ALERT_STATE_RESOLVED;
  return absl::InvalidArgumentError(
      absl::StrCat("--state='", text, "': expected pending, firing or resolved"));
}

absl::StatusOr<std::string> ParseSubjectKind(const std::string& text) {
  if (text.empty() || text == "park" || text == "park_industry" || text == "region" ||
      text == "group") {
    return std::string(text);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--subject_kind='", text, "': expected park, park_industry, region or group"));
}

std::string ToJson(const google::protobuf::Message& message, bool compact) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !compact;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a well-formed message to JSON cannot fail (no Any fields in the API).
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string ToJsonArray(const std::vector<const google::protobuf::Message*>& messages) {
  if (messages.empty()) return "[]\n";
  std::string out = "[\n";
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string one = ToJson(*messages[i]);
    one.pop_back();  // the newline
    absl::StrAppend(&out, one, i + 1 < messages.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&out, "]\n");
  return out;
}

namespace {

std::string CsvCell(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void CsvRow(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvCell(cells[i]);
  }
  out += '\n';
}

}  // namespace

std::string FormatCsv(const CsvTable& table, bool header) {
  std::string out;
  if (header) CsvRow(out, table.header);
  for (const auto& row : table.rows) CsvRow(out, row);
  return out;
}

std::string ExactDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(v);
}

namespace {

std::string Opt(bool has, double v) { return has ? ExactDouble(v) : std::string(); }
std::string Bool(bool b) { return b ? "true" : "false"; }
std::string PeriodKey(const pb::Period& p) { return domain::FromProto(p).Key(); }

std::string ParkLevel(pb::ParkLevel l) {
  switch (l) {
    case pb::PARK_LEVEL_NATIONAL: return "national";
    case pb::PARK_LEVEL_PROVINCIAL: return "provincial";
    case pb::PARK_LEVEL_OTHER: return "other";
    default: return "";
  }
}

// The money fields of Totals, month and year to date, as in the header.
constexpr const char* kMoneyFields[] = {"gross_output", "sales_output", "export_delivery",
                                        "total_tax",    "vat",          "corporate_income_tax"};

std::vector<std::string> TotalsHeader() {
  std::vector<std::string> h;
  for (const char* f : kMoneyFields) {
    h.push_back(absl::StrCat(f, "_month_fen"));
    h.push_back(absl::StrCat(f, "_ytd_fen"));
  }
  h.insert(h.end(), {"employees", "output_reporters", "tax_reporters"});
  return h;
}

void AppendTotals(std::vector<std::string>& row, const pb::Totals& m, const pb::Totals& y) {
  auto pair = [&](const pb::Money& a, const pb::Money& b) {
    row.push_back(absl::StrCat(a.fen()));
    row.push_back(absl::StrCat(b.fen()));
  };
  pair(m.gross_output(), y.gross_output());
  pair(m.sales_output(), y.sales_output());
  pair(m.export_delivery(), y.export_delivery());
  pair(m.total_tax(), y.total_tax());
  pair(m.vat(), y.vat());
  pair(m.corporate_income_tax(), y.corporate_income_tax());
  row.push_back(absl::StrCat(m.employees()));
  row.push_back(absl::StrCat(m.output_reporters()));
  row.push_back(absl::StrCat(m.tax_reporters()));
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

CsvTable ParksCsv(const std::vector<pb::Park>& parks) {
  CsvTable t;
  t.header = {"id", "name", "county_code", "region_name", "level", "area_mu",
              "leading_industries"};
  for (const auto& p : parks) {
    t.rows.push_back({p.id(), p.name(), p.county_code(),
                      std::string(domain::RegionName(p.county_code())), ParkLevel(p.level()),
                      absl::StrCat(p.area_mu()), absl::StrJoin(p.leading_industries(), ";")});
  }
  return t;
}

CsvTable ReportCsv(const std::vector<pb::GetParkSnapshotResponse>& answers) {
  CsvTable t;
  t.header = Concat({"park_id", "park_name", "period", "industry"}, TotalsHeader());
  t.header.insert(t.header.end(), {"output_share", "confidential", "confidential_reason"});
  for (const auto& a : answers) {
    const auto& s = a.snapshot();
    std::vector<std::string> row = {a.park().id(), a.park().name(), PeriodKey(s.period()), ""};
    AppendTotals(row, s.month(), s.year_to_date());
    row.insert(row.end(), {"1", Bool(s.confidential()), s.confidential_reason()});
    t.rows.push_back(std::move(row));
    for (const auto& ind : s.industries()) {
      std::vector<std::string> r = {a.park().id(), a.park().name(), PeriodKey(s.period()),
                                    ind.industry()};
      AppendTotals(r, ind.month(), ind.year_to_date());
      r.insert(r.end(), {ind.confidential() ? "" : ExactDouble(ind.output_share()),
                         Bool(ind.confidential()), ind.confidential_reason()});
      t.rows.push_back(std::move(r));
    }
  }
  return t;
}

CsvTable MetricsCsv(const pb::GetParkMetricsResponse& a) {
  CsvTable t;
  t.header = {"park_id", "period", "industry", "metric", "value", "unit"};
  const auto& m = a.metrics();
  const std::string park = a.park().id();
  const std::string period = PeriodKey(m.snapshot().period());
  auto add = [&](const std::string& industry, const std::string& metric, std::string value,
                 const char* unit) {
    t.rows.push_back({park, period, industry, metric, std::move(value), std::string(unit)});
  };
  auto opt = [&](const char* metric, bool has, double v, const char* unit) {
    if (has) add("", metric, ExactDouble(v), unit);
  };
  const auto& s = m.snapshot();
  add("", "output_month", absl::StrCat(s.month().gross_output().fen()), "fen");
  add("", "output_ytd", absl::StrCat(s.year_to_date().gross_output().fen()), "fen");
  add("", "tax_ytd", absl::StrCat(s.year_to_date().total_tax().fen()), "fen");
  add("", "employees", absl::StrCat(s.month().employees()), "persons");
  opt("output_yoy", m.has_output_yoy(), m.output_yoy(), "ratio");
  opt("output_ytd_yoy", m.has_output_ytd_yoy(), m.output_ytd_yoy(), "ratio");
  opt("output_ytd_yoy_same_scope", m.has_output_ytd_yoy_same_scope(),
      m.output_ytd_yoy_same_scope(), "ratio");
  opt("tax_ytd_yoy", m.has_tax_ytd_yoy(), m.tax_ytd_yoy(), "ratio");
  opt("output_mom", m.has_output_mom(), m.output_mom(), "ratio");
  add("", "industries", absl::StrCat(m.industries()), "count");
  opt("industry_cr1", m.has_industry_cr1(), m.industry_cr1(), "ratio");
  opt("industry_cr3", m.has_industry_cr3(), m.industry_cr3(), "ratio");
  opt("industry_cr5", m.has_industry_cr5(), m.industry_cr5(), "ratio");
  opt("hhi", m.has_hhi(), m.hhi(), "index");
  opt("leading_industry_share", m.has_leading_industry_share(), m.leading_industry_share(),
      "ratio");
  opt("firm_cr1", m.has_firm_cr1(), m.firm_cr1(), "ratio");
  opt("firm_cr3", m.has_firm_cr3(), m.firm_cr3(), "ratio");
  opt("output_per_mu", m.has_output_per_mu(), m.output_per_mu(), "yuan_per_mu");
  opt("tax_per_mu", m.has_tax_per_mu(), m.tax_per_mu(), "yuan_per_mu");
  opt("in_park_purchase_share", m.has_in_park_purchase_share(), m.in_park_purchase_share(),
      "ratio");
  opt("in_region_purchase_share", m.has_in_region_purchase_share(),
      m.in_region_purchase_share(), "ratio");
  add("", "expected_enterprises", absl::StrCat(m.expected_enterprises()), "count");
  opt("completeness", m.has_completeness(), m.completeness(), "ratio");
  for (const auto& im : m.industry_metrics()) {
    if (im.confidential()) {
      add(im.industry(), "ytd_output", "", "confidential");
      continue;
    }
    add(im.industry(), "month_output", absl::StrCat(im.month_output().fen()), "fen");
    add(im.industry(), "ytd_output", absl::StrCat(im.ytd_output().fen()), "fen");
    add(im.industry(), "share", ExactDouble(im.share()), "ratio");
    if (im.has_lq()) add(im.industry(), "lq", ExactDouble(im.lq()), "index");
    add(im.industry(), "enterprises", absl::StrCat(im.enterprises()), "count");
    add(im.industry(), "stage", im.stage().stage(), "text");
    if (im.has_strong_cluster()) {
      add(im.industry(), "strong_cluster", Bool(im.strong_cluster().strong()), "bool");
    }
    if (im.has_stars()) add(im.industry(), "stars", absl::StrCat(im.stars().count()), "count");
  }
  return t;
}

CsvTable RankCsv(const MetricInfo& metric, const pb::RankParksResponse& a) {
  CsvTable t;
  t.header = {"rank", "park_id", "name", "metric", "value", "unit", "grade", "confidential"};
  for (const auto& r : a.parks()) {
    t.rows.push_back({absl::StrCat(r.rank()), r.park_id(), r.name(), std::string(metric.name),
                      Opt(r.has_value(), r.value()), std::string(UnitCsvName(metric.unit)),
                      r.grade(), Bool(r.confidential())});
  }
  return t;
}

CsvTable SeriesCsv(const std::string& park_id, const MetricInfo& metric,
                   const pb::GetMetricSeriesResponse& a) {
  CsvTable t;
  t.header = {"park_id", "metric", "period", "value", "unit", "confidential"};
  for (const auto& p : a.points()) {
    t.rows.push_back({park_id, std::string(metric.name), PeriodKey(p.period()),
                      Opt(p.has_value(), p.value()), std::string(UnitCsvName(metric.unit)),
                      Bool(p.confidential())});
  }
  return t;
}

CsvTable RegionCsv(const std::string& label, const pb::Period& period,
                   const pb::GetRegionSnapshotResponse& a) {
  CsvTable t;
  t.header = Concat({"label", "name", "period", "industry"}, TotalsHeader());
  t.header.insert(t.header.end(), {"output_share", "hhi", "industry_cr5", "parks",
                                   "confidential", "confidential_reason"});
  const std::string key = PeriodKey(period);
  std::vector<std::string> total = {label, a.name(), key, ""};
  AppendTotals(total, a.month(), a.year_to_date());
  total.insert(total.end(), {"1", Opt(a.has_hhi(), a.hhi()),
                             Opt(a.has_industry_cr5(), a.industry_cr5()),
                             absl::StrCat(a.parks()), "false", ""});
  t.rows.push_back(std::move(total));
  for (const auto& ind : a.industries()) {
    std::vector<std::string> r = {label, a.name(), key, ind.industry()};
    AppendTotals(r, ind.month(), ind.year_to_date());
    r.insert(r.end(), {ind.confidential() ? "" : ExactDouble(ind.output_share()), "", "", "",
                       Bool(ind.confidential()), ind.confidential_reason()});
    t.rows.push_back(std::move(r));
  }
  return t;
}

CsvTable IndustryMapCsv(const pb::GetIndustryMapResponse& a) {
  CsvTable t;
  t.header = {"park_id", "park_name",      "industry", "ytd_output_fen", "lq",
              "enterprises", "stage",      "strong_cluster", "stars",    "confidential"};
  for (const auto& e : a.entries()) {
    t.rows.push_back({e.park_id(), e.park_name(), e.industry(),
                      e.confidential() ? "" : absl::StrCat(e.ytd_output().fen()),
                      Opt(e.has_lq(), e.lq()), absl::StrCat(e.enterprises()), e.stage().stage(),
                      e.has_strong_cluster() ? Bool(e.strong_cluster().strong()) : "",
                      e.has_stars() ? absl::StrCat(e.stars().count()) : "",
                      Bool(e.confidential())});
  }
  return t;
}

namespace {

std::vector<std::string> AlertsHeader() {
  return {"id",           "state",       "rule",          "kind",
          "subject_kind", "subject_id",  "subject_name",  "park_id",
          "period",       "latest_period", "periods",     "version",
          "changed_unix_ms", "explanation_en", "explanation_zh"};
}

std::string StateCsv(pb::AlertState s) {
  switch (s) {
    case pb::ALERT_STATE_PENDING: return "pending";
    case pb::ALERT_STATE_FIRING: return "firing";
    case pb::ALERT_STATE_RESOLVED: return "resolved";
    default: return "";
  }
}

std::vector<std::string> AlertRow(const pb::AlertEvent& a) {
  return {a.id(),
          StateCsv(a.state()),
          a.rule(),
          a.kind(),
          a.subject_kind(),
          a.subject_id(),
          a.subject_name(),
          a.park_id(),
          PeriodKey(a.period()),
          a.has_latest_period() ? PeriodKey(a.latest_period()) : "",
          absl::StrCat(a.periods()),
          absl::StrCat(a.version()),
          absl::StrCat(a.changed_unix_ms()),
          a.explanation_en(),
          a.explanation_zh()};
}

}  // namespace

CsvTable AlertsCsv(const std::vector<pb::AlertEvent>& alerts) {
  CsvTable t;
  t.header = AlertsHeader();
  for (const auto& a : alerts) t.rows.push_back(AlertRow(a));
  return t;
}

CsvTable AlertUpdatesCsv(const std::vector<pb::AlertUpdate>& updates) {
  CsvTable t;
  t.header = AlertsHeader();
  t.header.push_back("resume_token");
  for (const auto& u : updates) {
    auto row = AlertRow(u.event());
    row.push_back(u.resume_token());
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string RenderSeries(const std::string& park_id, const MetricInfo& metric,
                         const pb::GetMetricSeriesResponse& a) {
  std::string out = absl::StrCat(park_id, " ", metric.name, " (", UnitTableName(metric.unit),
                                 ")\n");
  for (const auto& p : a.points()) {
    absl::StrAppend(&out, "  ", absl::StrFormat("%-10s", PeriodKey(p.period())),
                    absl::StrFormat("%20s", p.confidential() ? std::string("保密 confidential")
                                            : p.has_value()
                                                ? FormatMetricValue(metric.unit, p.value())
                                                : std::string("-")),
                    "\n");
  }
  return out;
}

}  // namespace cw::cli
