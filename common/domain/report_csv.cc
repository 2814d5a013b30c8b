// Bureau CSV tables to protobuf records. See report_csv.h.
//
// Header cells are matched after trimming ASCII and full-width spaces and splitting off
// trailing parenthesised notes, "(千元)", "（万元）" or "(当年价格)(千元)"; in a money column a
// note that names a unit (ends in 元, or is ASCII such as "10k") must be a money unit, other
// notes are annotations and ignored. English names match case-insensitively with spaces and
// hyphens read as underscores ("Gross Output" = gross_output); Chinese names match exactly.
// In a report table a name no table knows fails the table (listing the accepted names), a
// known column the table does not read is reported as a warning; registry tables ignore
// unknown columns. A column given twice fails the table.
//
// The unit of a money cell is the unit in its column header, else the row's unit column,
// else 千元; counterparty amounts without a unit of their own or a unit column follow
// total_tax's header. A row whose unit column disagrees with a column header's unit is a
// parse error (field "unit"), because either reading could be wrong by a factor of ten or
// more.
#include "common/domain/report_csv.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/domain/codes.h"
#include "common/domain/money.h"
#include "common/domain/period.h"

namespace cw::domain {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr std::string_view kFullWidthSpace = "\xE3\x80\x80";  // U+3000

// A column the readers know: its names ("key|中文名|alias...", the key first) and whether
// its cells are money (so that a unit in its header is a money unit).
struct ColumnDef {
  std::string_view names;
  bool money = false;
};

// Output and tax report columns. Names as bureau exports write them (docs/api.md lists them).
constexpr ColumnDef kUscc{
    "uscc|统一社会信用代码|社会信用代码|信用代码|统一代码|纳税人识别号|credit_code|"
    "unified_social_credit_code"};
constexpr ColumnDef kName{"name|企业名称|单位名称|详细名称|纳税人名称|enterprise_name|company_name"};
constexpr ColumnDef kParkId{"park_id|园区代码|园区编号|所属园区代码|park_code"};
constexpr ColumnDef kIndustry{
    "industry|行业代码|国民经济行业代码|行业类别代码|行业小类代码|industry_code|industry_class"};
constexpr ColumnDef kPeriod{
    "period|报告期|统计期|期别|所属期|报表期|时期|税款所属期|统计期别|report_period|"
    "reporting_period"};
constexpr ColumnDef kBasis{"basis|口径|数据口径|取值口径|value_basis"};
constexpr ColumnDef kUnit{"unit|计量单位|单位|金额单位|money_unit"};
constexpr ColumnDef kGrossOutput{"gross_output|工业总产值|总产值|gross_output_value|output_value",
                                 true};
constexpr ColumnDef kSalesOutput{"sales_output|销售产值|工业销售产值|sales_value", true};
constexpr ColumnDef kExportDelivery{"export_delivery|出口交货值|export_value", true};
constexpr ColumnDef kEmployees{
    "employees|平均用工人数|用工人数|从业人员平均人数|从业人员|employee_count|headcount"};
constexpr ColumnDef kRevision{"revision|修订版本|版本|修订号|version"};
constexpr ColumnDef kTotalTax{"total_tax|税收总额|税收合计|纳税总额|税收收入|tax_total|taxes", true};
constexpr ColumnDef kVat{"vat|增值税|国内增值税|value_added_tax", true};
constexpr ColumnDef kCorporateIncomeTax{"corporate_income_tax|企业所得税|所得税|income_tax|cit",
                                        true};
constexpr ColumnDef kCounterparties{"counterparties|主要供应商|供应商|主要上游企业|suppliers", true};
// Registry columns (park_id, name, uscc and industry as above).
constexpr ColumnDef kParkName{"name|园区名称|park_name"};
constexpr ColumnDef kCountyCode{"county_code|区县代码|行政区划代码|county"};
constexpr ColumnDef kAreaMu{"area_mu|面积亩|面积|占地面积|area"};
constexpr ColumnDef kLevel{"level|级别|园区级别|park_level"};
constexpr ColumnDef kLeadingIndustries{"leading_industries|主导产业"};
constexpr ColumnDef kGroups{"groups|所属组团|组团"};
constexpr ColumnDef kAboveSize{"above_size|规模以上|规上"};
// Columns bureau exports carry for people, never read: a row number, remarks.
constexpr ColumnDef kRowNumber{"row_number|序号|行号|seq|no"};
constexpr ColumnDef kRemarks{"remarks|备注|说明|remark|note|notes|comment"};

constexpr ColumnDef kOutputColumns[] = {
    kUscc, kName,        kParkId,      kIndustry,       kPeriod,    kBasis,
    kUnit, kGrossOutput, kSalesOutput, kExportDelivery, kEmployees, kRevision};
constexpr ColumnDef kTaxColumns[] = {kUscc,           kName,   kPeriod, kBasis,
                                     kUnit,           kTotalTax, kVat,
                                     kCorporateIncomeTax, kCounterparties, kRevision};
constexpr ColumnDef kParkColumns[] = {kParkId, kParkName,          kCountyCode, kAreaMu,
                                      kLevel,  kLeadingIndustries, kGroups};
constexpr ColumnDef kEnterpriseColumns[] = {kUscc, kName, kParkId, kIndustry, kAboveSize};
// Registry corrections (uscc, park_id and industry as above).
constexpr ColumnDef kCorrectsFrom{"corrects_from|更正起始期|起始期"};
constexpr ColumnDef kCorrectsTo{"corrects_to|更正截止期|截止期"};
constexpr ColumnDef kCorrectionColumns[] = {kUscc, kName, kParkId, kIndustry, kCorrectsFrom,
                                            kCorrectsTo};
// Every column any table knows (a known column a table does not read is reported, not
// refused), then the ones never read.
constexpr ColumnDef kAllColumns[] = {
    kUscc,          kName,         kParkId,        kIndustry,  kPeriod,
    kBasis,         kUnit,         kGrossOutput,   kSalesOutput, kExportDelivery,
    kEmployees,     kRevision,     kTotalTax,      kVat,       kCorporateIncomeTax,
    kCounterparties, kParkName,    kCountyCode,    kAreaMu,    kLevel,
    kLeadingIndustries, kGroups,   kAboveSize,     kCorrectsFrom, kCorrectsTo,
    kRowNumber,     kRemarks};

// Debian's Abseil has its own string_view type, so the string helpers here work on
// std::string_view themselves.
std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t at = s.find(separator);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

std::string_view Key(const ColumnDef& def) {
  return def.names.substr(0, def.names.find('|'));
}

// "gross_output (工业总产值)", for messages.
std::string Describe(const ColumnDef& def) {
  const std::vector<std::string_view> names = Split(def.names, '|');
  return names.size() > 1 ? absl::StrFormat("%s (%s)", names[0], names[1])
                          : std::string(names[0]);
}

// Strips ASCII whitespace and full-width spaces at both ends.
std::string_view Trim(std::string_view s) {
  while (true) {
    const std::string_view before = s;
    while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    }
    while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    }
    while (s.starts_with(kFullWidthSpace)) s.remove_prefix(kFullWidthSpace.size());
    while (s.ends_with(kFullWidthSpace)) s.remove_suffix(kFullWidthSpace.size());
    if (s == before) return s;
  }
}

std::string UnitName(MoneyUnit unit) {
  switch (unit) {
    case MoneyUnit::kYuan:
      return "元";
    case MoneyUnit::kThousandYuan:
      return "千元";
    case MoneyUnit::kTenThousandYuan:
      return "万元";
    case MoneyUnit::kHundredMillionYuan:
      return "亿元";
  }
  return "?";
}

// A header cell split into its name and the notes in trailing parentheses: "工业总产值
// (当年价格)(千元)" and "工业总产值（当年价格，千元）" both give 工业总产值 with notes 当年价格
// and 千元.
struct HeaderCell {
  std::string name;
  std::vector<std::string> notes;
};

HeaderCell SplitHeader(std::string_view cell) {
  std::string_view t = Trim(cell);
  HeaderCell out;
  while (t.ends_with(")") || t.ends_with("）")) {
    const size_t close_size = t.ends_with(")") ? 1 : std::string_view("）").size();
    const size_t ascii_open = t.rfind('(');
    const size_t wide_open = t.rfind("（");
    size_t at = std::string_view::npos;
    size_t open_size = 0;
    if (ascii_open != std::string_view::npos &&
        (wide_open == std::string_view::npos || ascii_open > wide_open)) {
      at = ascii_open;
      open_size = 1;
    } else if (wide_open != std::string_view::npos) {
      at = wide_open;
      open_size = std::string_view("（").size();
    }
    if (at == std::string_view::npos || at == 0) break;
    const std::string inner = absl::StrReplaceAll(
        std::string(t.substr(at + open_size, t.size() - at - open_size - close_size)),
        {{"，", ","}});
    for (std::string_view note : Split(inner, ',')) {
      note = Trim(note);
      if (!note.empty()) out.notes.emplace_back(note);
    }
    t = Trim(t.substr(0, at));
  }
  out.name = std::string(t);
  return out;
}

// Whether a header note names a unit ("千元", "10k") rather than annotating ("当年价格").
bool LooksLikeUnit(std::string_view note) {
  if (note.ends_with("元")) return true;
  for (char c : note) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != ' ') return false;
  }
  return true;
}

// A header name as matched: English lower-cased with spaces and hyphens as underscores
// ("Gross Output" = gross_output); other text as written.
std::string NormalizeName(std::string_view name) {
  std::string english = Lower(name);
  absl::StrReplaceAll({{" ", "_"}, {"-", "_"}}, &english);
  return english;
}

bool NameMatches(const ColumnDef& def, std::string_view name) {
  const std::string english = NormalizeName(name);
  for (std::string_view alias : Split(def.names, '|')) {
    if (alias == name || alias == english) return true;
  }
  return false;
}

// "uscc (统一社会信用代码, 社会信用代码, …)": every name of a column, for messages.
std::string DescribeAll(const ColumnDef& def) {
  const std::vector<std::string_view> names = Split(def.names, '|');
  std::string out(names[0]);
  for (size_t i = 1; i < names.size(); ++i) {
    out += i == 1 ? " (" : ", ";
    out += names[i];
  }
  if (names.size() > 1) out += ")";
  return out;
}

// The column of `defs` a header name stands for: by the operator's mapping first, else by
// the built-in names; nullptr when none.
template <size_t N>
const ColumnDef* FindDef(const ColumnDef (&defs)[N], std::string_view name,
                         const HeaderMap* map) {
  if (map != nullptr) {
    if (const std::string* key = map->Find(NormalizeName(name))) {
      for (const ColumnDef& def : defs) {
        if (Key(def) == *key) return &def;
      }
      return nullptr;
    }
  }
  for (const ColumnDef& def : defs) {
    if (NameMatches(def, name)) return &def;
  }
  return nullptr;
}

struct Column {
  int index = -1;
  std::string header;               // the header cell as written
  std::optional<MoneyUnit> unit;    // money unit named in the header
};

// The known columns of a header, by key.
class Columns {
 public:
  bool Has(const ColumnDef& def) const { return by_key_.contains(std::string(Key(def))); }
  const Column* Find(const ColumnDef& def) const {
    auto it = by_key_.find(std::string(Key(def)));
    return it == by_key_.end() ? nullptr : &it->second;
  }
  // The trimmed cell of `def` in `row`, or "" when the column or the cell is absent.
  std::string_view Cell(const CsvRow& row, const ColumnDef& def) const {
    const Column* c = Find(def);
    if (c == nullptr || c->index >= static_cast<int>(row.fields.size())) return "";
    return Trim(row.fields[c->index]);
  }
  absl::flat_hash_map<std::string, Column>& map() { return by_key_; }

 private:
  absl::flat_hash_map<std::string, Column> by_key_;
};

// How MapColumns treats a header cell that is no column of the table.
struct HeaderPolicy {
  std::string_view table;          // "output report", for messages
  bool refuse_unknown = false;     // a name no table knows fails the table
  const HeaderMap* map = nullptr;  // operator aliases (may be null)
  std::vector<std::string>* warnings = nullptr;  // columns present but not read
};

// Why a known column is not read from a report table, for the warning.
std::string NotReadReason(const ColumnDef& def, std::string_view table) {
  const std::string_view key = Key(def);
  if (table == "tax report" && (key == Key(kParkId) || key == Key(kIndustry))) {
    return "a tax report's park and industry come from the registry";
  }
  if (key == Key(kRowNumber) || key == Key(kRemarks)) return "it is for people, not read";
  return absl::StrFormat("it is no column of a%s %s",
                         table.starts_with("o") ? "n" : "", table);
}

// Maps header cells to the known columns. Fails on a duplicate column and on a unit in a
// money column's header that is not a money unit; with policy.refuse_unknown, on a name no
// table knows (listing the accepted names). Known columns the table does not read are
// reported in policy.warnings.
template <size_t N>
absl::StatusOr<Columns> MapColumns(const std::vector<std::string>& header,
                                   const ColumnDef (&defs)[N],
                                   const HeaderPolicy& policy = {}) {
  Columns columns;
  for (size_t i = 0; i < header.size(); ++i) {
    const HeaderCell cell = SplitHeader(header[i]);
    const ColumnDef* found = FindDef(defs, cell.name, policy.map);
    if (found == nullptr) {
      if (!policy.refuse_unknown) continue;
      if (cell.name.empty()) {
        if (policy.warnings != nullptr) {
          policy.warnings->push_back(absl::StrFormat(
              "column %d has no header name: its cells are not read", i + 1));
        }
        continue;
      }
      if (const ColumnDef* known = FindDef(kAllColumns, cell.name, policy.map)) {
        if (policy.warnings != nullptr) {
          policy.warnings->push_back(absl::StrFormat(
              "column %d '%s' (%s) is not used: %s; its cells are ignored", i + 1, header[i],
              Key(*known), NotReadReason(*known, policy.table)));
        }
        continue;
      }
      std::string accepted;
      for (const ColumnDef& def : defs) {
        absl::StrAppend(&accepted, accepted.empty() ? "" : "; ", DescribeAll(def));
      }
      return absl::InvalidArgumentError(absl::StrFormat(
          "header: column %d '%s' is not a known %s column (expected one of: %s; or "
          "map the name to one of them with --header_map)",
          i + 1, header[i], policy.table, accepted));
    }
    const ColumnDef& def = *found;
    {
      const std::string key(Key(def));
      if (columns.map().contains(key)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "header has two %s columns: '%s' and '%s' (expected one; which to read is "
            "ambiguous)",
            Describe(def), columns.map()[key].header, header[i]));
      }
      Column column;
      column.index = static_cast<int>(i);
      column.header = header[i];
      if (def.money) {
        for (const std::string& note : cell.notes) {
          if (!LooksLikeUnit(note)) continue;
          absl::StatusOr<MoneyUnit> unit = ParseMoneyUnit(note);
          if (!unit.ok()) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "column '%s': %s", header[i], unit.status().message()));
          }
          if (column.unit.has_value() && *column.unit != *unit) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "column '%s' names two units, %s and %s (expected one)", header[i],
                UnitName(*column.unit), UnitName(*unit)));
          }
          column.unit = *unit;
        }
      }
      if (key == Key(kAreaMu)) {
        for (const std::string& note : cell.notes) {
          if (note != "亩" && Lower(note) != "mu") {
            return absl::InvalidArgumentError(absl::StrFormat(
                "column '%s': area unit '%s' is not supported (expected 亩 or mu)", header[i],
                note));
          }
        }
      }
      columns.map()[key] = std::move(column);
    }
  }
  return columns;
}

// A field-level problem in one row.
struct RowError {
  std::string field;
  std::string reason;
};

// Parses a whole number ("1234", "1,234", "-3").
std::optional<int64_t> ParseWholeNumber(std::string_view text) {
  std::string digits = absl::StrReplaceAll(std::string(text), {{",", ""}});
  if (digits.empty() || digits.find_first_of(" \t") != std::string::npos) return std::nullopt;
  int64_t v = 0;
  if (!absl::SimpleAtoi(digits, &v)) return std::nullopt;
  return v;
}

std::optional<RowError> ParseBasis(std::string_view text, pb::ValueBasis* basis) {
  const std::string t = Lower(text);
  if (t.empty() || t == "month" || t == "m" || t == "本月" || t == "当月" || t == "月度") {
    *basis = pb::VALUE_BASIS_MONTH;
    return std::nullopt;
  }
  if (t == "ytd" || t == "year_to_date" || t == "year-to-date" || t == "累计" ||
      t == "本年累计" || t == "1-本月累计" || t == "1—本月累计" || t == "1－本月累计" ||
      t == "1~本月累计" || t == "1-累计") {
    *basis = pb::VALUE_BASIS_YEAR_TO_DATE;
    return std::nullopt;
  }
  return RowError{"basis", absl::StrFormat("'%s' is not a value basis (expected month, ytd, "
                                           "year_to_date, 本月, 累计 or 1-本月累计)",
                                           text)};
}

std::optional<RowError> ParseRevision(std::string_view text, int32_t* revision) {
  if (text.empty()) {
    *revision = 1;
    return std::nullopt;
  }
  const std::optional<int64_t> v = ParseWholeNumber(text);
  if (!v.has_value() || *v < 1 || *v > INT32_MAX) {
    return RowError{"revision",
                    absl::StrFormat("'%s' is not a revision number (expected a positive "
                                    "integer, 1 for the first report)",
                                    text)};
  }
  *revision = static_cast<int32_t>(*v);
  return std::nullopt;
}

std::optional<RowError> ParsePeriodCell(std::string_view text, pb::Period* out) {
  absl::StatusOr<Period> p = ParsePeriod(text);
  if (!p.ok()) return RowError{"period", std::string(p.status().message())};
  out->set_year(p->year);
  out->set_month(p->month);
  out->set_jan_feb(p->jan_feb);
  return std::nullopt;
}

// Resolves units and parses money cells of one row.
class MoneyReader {
 public:
  MoneyReader(const Columns& columns, const CsvRow& row) : columns_(columns), row_(row) {}

  bool has_row_unit() const { return row_unit_.has_value(); }

  // Reads the row's unit column; an error for a unit that is not a money unit.
  std::optional<RowError> Init() {
    const std::string_view text = columns_.Cell(row_, kUnit);
    if (text.empty()) return std::nullopt;
    absl::StatusOr<MoneyUnit> unit = ParseMoneyUnit(text);
    if (!unit.ok()) return RowError{"unit", std::string(unit.status().message())};
    row_unit_ = *unit;
    return std::nullopt;
  }

  // The unit of `def`'s cells in this row.
  std::optional<RowError> UnitOf(const ColumnDef& def, MoneyUnit* unit) const {
    const Column* column = columns_.Find(def);
    if (column != nullptr && column->unit.has_value()) {
      if (row_unit_.has_value() && *row_unit_ != *column->unit) {
        return RowError{"unit",
                        absl::StrFormat("row unit %s conflicts with %s in the column header "
                                        "'%s' (expected the same unit or none)",
                                        UnitName(*row_unit_), UnitName(*column->unit),
                                        column->header)};
      }
      *unit = *column->unit;
      return std::nullopt;
    }
    *unit = row_unit_.value_or(MoneyUnit::kThousandYuan);
    return std::nullopt;
  }

  // Parses `def`'s cell into the Money that `mutable_money()` returns. An empty optional
  // cell leaves the Money unset (mutable_money is not called).
  template <typename MutableMoney>
  std::optional<RowError> Read(const ColumnDef& def, bool required,
                               MutableMoney mutable_money) const {
    const std::string_view text = columns_.Cell(row_, def);
    if (text.empty() && !required) return std::nullopt;
    MoneyUnit unit;
    if (std::optional<RowError> e = UnitOf(def, &unit)) return e;
    absl::StatusOr<int64_t> fen = ParseMoney(text, unit);
    if (!fen.ok()) return RowError{std::string(Key(def)), std::string(fen.status().message())};
    mutable_money()->set_fen(*fen);
    return std::nullopt;
  }

 private:
  const Columns& columns_;
  const CsvRow& row_;
  std::optional<MoneyUnit> row_unit_;
};

std::optional<RowError> ParseCounterparties(const Columns& columns, const MoneyReader& money,
                                            std::string_view text, pb::TaxReport* tax) {
  if (text.empty()) return std::nullopt;
  // Amounts are in the row's unit: the counterparties header's own unit, else the unit
  // column, else the unit in the total_tax header, else 千元.
  const Column* column = columns.Find(kCounterparties);
  const bool own_unit = column != nullptr && column->unit.has_value();
  MoneyUnit unit;
  if (std::optional<RowError> e = money.UnitOf(
          own_unit || money.has_row_unit() ? kCounterparties : kTotalTax, &unit)) {
    return e;
  }
  const std::string normalized =
      absl::StrReplaceAll(std::string(text), {{"；", ";"}, {"：", ":"}});
  for (std::string_view entry : Split(normalized, ';')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos) {
      return RowError{"counterparties",
                      absl::StrFormat("'%s' is not a counterparty (expected USCC:amount, "
                                      "entries separated by ';')",
                                      entry)};
    }
    const std::string_view uscc = Trim(entry.substr(0, colon));
    absl::StatusOr<int64_t> fen = ParseMoney(entry.substr(colon + 1), unit);
    if (!fen.ok()) {
      return RowError{"counterparties", absl::StrFormat("counterparty '%s': %s", uscc,
                                                        fen.status().message())};
    }
    pb::Counterparty* c = tax->add_counterparties();
    c->set_uscc(std::string(uscc));
    c->mutable_purchases()->set_fen(*fen);
  }
  return std::nullopt;
}

std::optional<RowError> OutputFromRow(const Columns& columns, const CsvRow& row,
                                      pb::OutputReport* r) {
  r->set_uscc(std::string(columns.Cell(row, kUscc)));
  r->set_park_id(std::string(columns.Cell(row, kParkId)));
  r->set_industry(std::string(columns.Cell(row, kIndustry)));
  if (auto e = ParsePeriodCell(columns.Cell(row, kPeriod), r->mutable_period())) return e;
  pb::ValueBasis basis;
  if (auto e = ParseBasis(columns.Cell(row, kBasis), &basis)) return e;
  r->set_basis(basis);
  MoneyReader money(columns, row);
  if (auto e = money.Init()) return e;
  int32_t revision = 1;
  if (auto e = ParseRevision(columns.Cell(row, kRevision), &revision)) return e;
  r->set_revision(revision);
  if (auto e = money.Read(kGrossOutput, true, [r] { return r->mutable_gross_output(); })) {
    return e;
  }
  if (auto e = money.Read(kSalesOutput, false, [r] { return r->mutable_sales_output(); })) {
    return e;
  }
  if (auto e = money.Read(kExportDelivery, false,
                          [r] { return r->mutable_export_delivery(); })) {
    return e;
  }
  const std::string_view employees = columns.Cell(row, kEmployees);
  if (!employees.empty()) {
    const std::optional<int64_t> n = ParseWholeNumber(employees);
    if (!n.has_value()) {
      return RowError{"employees",
                      absl::StrFormat("'%s' is not a whole number of employees (expected "
                                      "digits such as 120)",
                                      employees)};
    }
    r->set_employees(*n);
  }
  return std::nullopt;
}

std::optional<RowError> TaxFromRow(const Columns& columns, const CsvRow& row,
                                   pb::TaxReport* r) {
  r->set_uscc(std::string(columns.Cell(row, kUscc)));
  if (auto e = ParsePeriodCell(columns.Cell(row, kPeriod), r->mutable_period())) return e;
  pb::ValueBasis basis;
  if (auto e = ParseBasis(columns.Cell(row, kBasis), &basis)) return e;
  r->set_basis(basis);
  MoneyReader money(columns, row);
  if (auto e = money.Init()) return e;
  int32_t revision = 1;
  if (auto e = ParseRevision(columns.Cell(row, kRevision), &revision)) return e;
  r->set_revision(revision);
  if (auto e = money.Read(kTotalTax, true, [r] { return r->mutable_total_tax(); })) return e;
  if (auto e = money.Read(kVat, false, [r] { return r->mutable_vat(); })) return e;
  if (auto e = money.Read(kCorporateIncomeTax, false,
                          [r] { return r->mutable_corporate_income_tax(); })) {
    return e;
  }
  return ParseCounterparties(columns, money, columns.Cell(row, kCounterparties), r);
}

absl::Status RowFailure(const CsvRow& row, const RowError& e) {
  return absl::InvalidArgumentError(
      absl::StrFormat("line %d, field %s: %s", row.line, e.field, e.reason));
}

// Splits "a;b；c" into trimmed, non-empty items.
std::vector<std::string> SplitList(std::string_view text) {
  const std::string normalized = absl::StrReplaceAll(std::string(text), {{"；", ";"}});
  std::vector<std::string> out;
  for (std::string_view item : Split(normalized, ';')) {
    item = Trim(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

// A GB/T 4754 division ("30"), group ("304") or class ("3041") whose division exists.
bool IsIndustryCode(std::string_view code) {
  if (code.size() < 2 || code.size() > 4) return false;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !IndustryDivisionName(code.substr(0, 2)).empty();
}

std::optional<RowError> ParkFromRow(const Columns& columns, const CsvRow& row, pb::Park* p) {
  const std::string_view id = columns.Cell(row, kParkId);
  if (id.empty()) return RowError{"park_id", "empty (expected a park id)"};
  p->set_id(std::string(id));
  p->set_name(std::string(columns.Cell(row, kParkName)));
  const std::string_view county = columns.Cell(row, kCountyCode);
  if (!county.empty()) {
    if (absl::Status s = ValidateRegionCode(county); !s.ok()) {
      return RowError{"county_code", std::string(s.message())};
    }
    p->set_county_code(std::string(county));
  }
  const std::string_view area = columns.Cell(row, kAreaMu);
  if (!area.empty()) {
    const std::optional<int64_t> mu = ParseWholeNumber(area);
    if (!mu.has_value() || *mu < 0) {
      return RowError{"area_mu", absl::StrFormat("'%s' is not a land area (expected a whole "
                                                 "non-negative number of mu such as 1500)",
                                                 area)};
    }
    p->set_area_mu(*mu);
  }
  const std::string_view level = columns.Cell(row, kLevel);
  const std::string lower = Lower(level);
  if (level.empty()) {
    p->set_level(pb::PARK_LEVEL_UNSPECIFIED);
  } else if (lower == "national" || level == "国家级") {
    p->set_level(pb::PARK_LEVEL_NATIONAL);
  } else if (lower == "provincial" || level == "省级") {
    p->set_level(pb::PARK_LEVEL_PROVINCIAL);
  } else if (lower == "other" || level == "其他") {
    p->set_level(pb::PARK_LEVEL_OTHER);
  } else {
    return RowError{"level", absl::StrFormat("'%s' is not a park level (expected national, "
                                             "provincial, other, 国家级, 省级 or 其他)",
                                             level)};
  }
  for (const std::string& code : SplitList(columns.Cell(row, kLeadingIndustries))) {
    if (!IsIndustryCode(code)) {
      return RowError{"leading_industries",
                      absl::StrFormat("'%s' is not a GB/T 4754-2017 code (expected a "
                                      "division such as 30 or a class such as 3041)",
                                      code)};
    }
    p->add_leading_industries(code);
  }
  for (const std::string& group : SplitList(columns.Cell(row, kGroups))) {
    p->add_groups(group);
  }
  return std::nullopt;
}

std::optional<RowError> EnterpriseFromRow(const Columns& columns, const CsvRow& row,
                                          pb::Enterprise* e) {
  const std::string_view uscc = columns.Cell(row, kUscc);
  if (absl::Status s = ValidateUscc(uscc); !s.ok()) {
    return RowError{"uscc", std::string(s.message())};
  }
  e->set_uscc(std::string(uscc));
  e->set_name(std::string(columns.Cell(row, kName)));
  e->set_park_id(std::string(columns.Cell(row, kParkId)));
  const std::string_view industry = columns.Cell(row, kIndustry);
  if (!industry.empty()) {
    if (absl::Status s = ValidateIndustryClass(industry); !s.ok()) {
      return RowError{"industry", std::string(s.message())};
    }
    e->set_industry(std::string(industry));
  }
  const std::string_view above = columns.Cell(row, kAboveSize);
  const std::string lower = Lower(above);
  if (above.empty() || lower == "0" || lower == "no" || lower == "n" || lower == "false" ||
      above == "否") {
    e->set_above_size(false);
  } else if (lower == "1" || lower == "yes" || lower == "y" || lower == "true" ||
             above == "是") {
    e->set_above_size(true);
  } else {
    return RowError{"above_size", absl::StrFormat("'%s' is not a yes/no value (expected "
                                                  "1/0, yes/no or 是/否)",
                                                  above)};
  }
  return std::nullopt;
}

absl::Status Require(const Columns& columns, std::string_view what,
                     std::initializer_list<ColumnDef> required) {
  for (const ColumnDef& def : required) {
    if (!columns.Has(def)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s header lacks required column %s", what, Describe(def)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HeaderMap> HeaderMap::Parse(std::string_view text) {
  HeaderMap map;
  int line = 0;
  for (std::string_view raw : Split(text, '\n')) {
    ++line;
    const std::string_view entry = Trim(raw);
    if (entry.empty() || entry.starts_with("#")) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header map line %d: '%s' is not a mapping (expected alias=canonical, e.g. "
          "期间=period)",
          line, entry));
    }
    const std::string alias = NormalizeName(SplitHeader(entry.substr(0, eq)).name);
    const std::string_view target = Trim(entry.substr(eq + 1));
    if (alias.empty() || target.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header map line %d: '%s' has an empty side (expected alias=canonical)", line,
          entry));
    }
    const ColumnDef* def = FindDef(kAllColumns, target, nullptr);
    if (def == nullptr || Key(*def) == Key(kRowNumber) || Key(*def) == Key(kRemarks)) {
      std::string keys;
      for (const ColumnDef& d : kAllColumns) {
        if (Key(d) == Key(kRowNumber) || Key(d) == Key(kRemarks) || d.names == kParkName.names) {
          continue;
        }
        if (!keys.empty()) keys += ", ";
        keys += Key(d);
      }
      return absl::InvalidArgumentError(absl::StrFormat(
          "header map line %d: '%s' is not a column (expected one of: %s)", line, target,
          keys));
    }
    const std::string key(Key(*def));
    if (const ColumnDef* builtin = FindDef(kAllColumns, alias, nullptr);
        builtin != nullptr && Key(*builtin) != key) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header map line %d: '%s' is already a name of %s; mapping it to %s would make "
          "headers ambiguous (expected a name no column has)",
          line, alias, Describe(*builtin), key));
    }
    auto [it, inserted] = map.aliases_.emplace(alias, key);
    if (!inserted && it->second != key) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header map line %d: '%s' is mapped to both %s and %s (expected one column)", line,
          alias, it->second, key));
    }
  }
  return map;
}

const std::string* HeaderMap::Find(std::string_view normalized_name) const {
  auto it = aliases_.find(normalized_name);
  return it == aliases_.end() ? nullptr : &it->second;
}

absl::StatusOr<ReportKind> DetectReportKind(const std::vector<std::string>& header,
                                            const HeaderMap* header_map) {
  bool output = false;
  bool tax = false;
  const ColumnDef kMoney[] = {kGrossOutput, kTotalTax};
  for (const std::string& cell : header) {
    const HeaderCell split = SplitHeader(cell);
    const ColumnDef* def = FindDef(kMoney, split.name, header_map);
    output = output || (def != nullptr && Key(*def) == Key(kGrossOutput));
    tax = tax || (def != nullptr && Key(*def) == Key(kTotalTax));
  }
  if (output && tax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "header has both %s and %s columns (expected an output report or a tax report, "
        "one kind per file)",
        Describe(kGrossOutput), Describe(kTotalTax)));
  }
  if (output) return ReportKind::kOutput;
  if (tax) return ReportKind::kTax;
  return absl::InvalidArgumentError(absl::StrFormat(
      "header lacks %s and %s (expected an output report with %s or a tax report with %s)",
      Describe(kGrossOutput), Describe(kTotalTax), Key(kGrossOutput), Key(kTotalTax)));
}

absl::StatusOr<std::vector<pb::SubmittedRecord>> ReportsFromCsv(const CsvTable& table,
                                                                 const ReportOptions& options) {
  absl::StatusOr<ReportKind> kind = DetectReportKind(table.header, options.header_map);
  if (!kind.ok()) return kind.status();
  HeaderPolicy policy;
  policy.table = *kind == ReportKind::kOutput ? "output report" : "tax report";
  policy.refuse_unknown = true;
  policy.map = options.header_map;
  policy.warnings = options.warnings;
  absl::StatusOr<Columns> columns = *kind == ReportKind::kOutput
                                        ? MapColumns(table.header, kOutputColumns, policy)
                                        : MapColumns(table.header, kTaxColumns, policy);
  if (!columns.ok()) return columns.status();
  absl::Status required =
      *kind == ReportKind::kOutput
          ? Require(*columns, "output report", {kUscc, kIndustry, kPeriod, kGrossOutput})
          : Require(*columns, "tax report", {kUscc, kPeriod, kTotalTax});
  if (!required.ok()) return required;

  std::vector<pb::SubmittedRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    pb::SubmittedRecord& record = records.emplace_back();
    record.set_line(row.line);
    record.set_raw(row.raw);
    std::optional<RowError> error;
    if (row.fields.size() > table.header.size()) {
      // Typically an unquoted thousands separator ("1,234") that shifted the columns.
      error = RowError{"", absl::StrFormat("the row has %d fields but the header %d (expected "
                                           "one value per column; quote numbers written with "
                                           "thousands separators, e.g. \"1,234\")",
                                           row.fields.size(), table.header.size())};
    } else if (*kind == ReportKind::kOutput) {
      pb::OutputReport output;
      error = OutputFromRow(*columns, row, &output);
      if (!error) *record.mutable_output() = std::move(output);
    } else {
      pb::TaxReport tax;
      error = TaxFromRow(*columns, row, &tax);
      if (!error) *record.mutable_tax() = std::move(tax);
    }
    if (error) {
      record.mutable_parse_error()->set_field(error->field);
      record.mutable_parse_error()->set_reason(error->reason);
    }
  }
  return records;
}

absl::StatusOr<std::vector<pb::RegistryRecord>> ParksFromCsv(const CsvTable& table,
                                                   const HeaderMap* header_map) {
  HeaderPolicy policy;
  policy.map = header_map;
  absl::StatusOr<Columns> columns = MapColumns(table.header, kParkColumns, policy);
  if (!columns.ok()) return columns.status();
  if (absl::Status s = Require(*columns, "park table", {kParkId}); !s.ok()) return s;
  // An enterprise table also has a park_id column; its uscc column tells them apart.
  for (const std::string& cell : table.header) {
    if (NameMatches(kUscc, SplitHeader(cell).name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park table header has column '%s', which marks an enterprise table (expected "
          "park columns: park_id, name, county_code, area_mu, level, leading_industries, "
          "groups)",
          cell));
    }
  }
  std::vector<pb::RegistryRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    pb::RegistryRecord& record = records.emplace_back();
    if (auto e = ParkFromRow(*columns, row, record.mutable_park())) return RowFailure(row, *e);
  }
  return records;
}

absl::StatusOr<std::vector<pb::RegistryRecord>> EnterprisesFromCsv(const CsvTable& table,
                                                   const HeaderMap* header_map) {
  HeaderPolicy policy;
  policy.map = header_map;
  absl::StatusOr<Columns> columns = MapColumns(table.header, kEnterpriseColumns, policy);
  if (!columns.ok()) return columns.status();
  if (absl::Status s = Require(*columns, "enterprise table", {kUscc}); !s.ok()) return s;
  std::vector<pb::RegistryRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    pb::RegistryRecord& record = records.emplace_back();
    if (auto e = EnterpriseFromRow(*columns, row, record.mutable_enterprise())) {
      return RowFailure(row, *e);
    }
  }
  return records;
}

absl::StatusOr<std::vector<pb::RegistryRecord>> CorrectionsFromCsv(const CsvTable& table,
                                                   const HeaderMap* header_map) {
  HeaderPolicy policy;
  policy.map = header_map;
  absl::StatusOr<Columns> columns = MapColumns(table.header, kCorrectionColumns, policy);
  if (!columns.ok()) return columns.status();
  if (absl::Status s = Require(*columns, "correction table", {kUscc, kCorrectsFrom}); !s.ok()) {
    return s;
  }
  std::vector<pb::RegistryRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    pb::EnterpriseCorrection& c = *records.emplace_back().mutable_correction();
    const std::string_view uscc = columns->Cell(row, kUscc);
    if (absl::Status s = ValidateUscc(uscc); !s.ok()) {
      return RowFailure(row, RowError{"uscc", std::string(s.message())});
    }
    c.set_uscc(std::string(uscc));
    c.set_park_id(std::string(columns->Cell(row, kParkId)));
    const std::string_view industry = columns->Cell(row, kIndustry);
    if (!industry.empty()) {
      if (absl::Status s = ValidateIndustryClass(industry); !s.ok()) {
        return RowFailure(row, RowError{"industry", std::string(s.message())});
      }
      c.set_industry(std::string(industry));
    }
    if (c.park_id().empty() && c.industry().empty()) {
      return RowFailure(row, RowError{"park_id", "names neither a park nor an industry "
                                                 "(expected the corrected park_id and/or "
                                                 "industry)"});
    }
    if (auto e = ParsePeriodCell(columns->Cell(row, kCorrectsFrom), c.mutable_corrects_from())) {
      e->field = "corrects_from";
      return RowFailure(row, *e);
    }
    const std::string_view to = columns->Cell(row, kCorrectsTo);
    if (!to.empty()) {
      if (auto e = ParsePeriodCell(to, c.mutable_corrects_to())) {
        e->field = "corrects_to";
        return RowFailure(row, *e);
      }
    }
  }
  return records;
}

}  // namespace cw::domain
