// Bureau CSV tables to protobuf records. See report_csv.h.
//
// Header cells are matched after trimming ASCII and full-width spaces and splitting off
// trailing parenthesised notes, "(千元)", "（万元）" or "(当年价格)(千元)"; in a money column a
// note that names a unit (ends in 元, or is ASCII such as "10k") must be a money unit, other
// notes are annotations and ignored. English names match case-insensitively with spaces and
// hyphens read as underscores ("Gross Output" = gross_output); Chinese names match exactly.
// Unknown columns are ignored; a column given twice fails the table.
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

// Output and tax report columns.
constexpr ColumnDef kUscc{"uscc|统一社会信用代码|社会信用代码|信用代码"};
constexpr ColumnDef kName{"name|企业名称"};
constexpr ColumnDef kParkId{"park_id|园区代码|园区编号"};
constexpr ColumnDef kIndustry{"industry|行业代码|industry_code"};
constexpr ColumnDef kPeriod{"period|报告期|统计期"};
constexpr ColumnDef kBasis{"basis|口径|value_basis"};
constexpr ColumnDef kUnit{"unit|计量单位|单位"};
constexpr ColumnDef kGrossOutput{"gross_output|工业总产值|总产值", true};
constexpr ColumnDef kSalesOutput{"sales_output|销售产值|工业销售产值", true};
constexpr ColumnDef kExportDelivery{"export_delivery|出口交货值", true};
constexpr ColumnDef kEmployees{"employees|平均用工人数|用工人数|从业人员平均人数"};
constexpr ColumnDef kRevision{"revision|修订版本|版本"};
constexpr ColumnDef kTotalTax{"total_tax|税收总额|税收合计", true};
constexpr ColumnDef kVat{"vat|增值税", true};
constexpr ColumnDef kCorporateIncomeTax{"corporate_income_tax|企业所得税", true};
constexpr ColumnDef kCounterparties{"counterparties|主要供应商", true};
// Registry columns (park_id, name, uscc and industry as above).
constexpr ColumnDef kParkName{"name|园区名称"};
constexpr ColumnDef kCountyCode{"county_code|区县代码|行政区划代码"};
constexpr ColumnDef kAreaMu{"area_mu|面积亩|面积|占地面积"};
constexpr ColumnDef kLevel{"level|级别|园区级别"};
constexpr ColumnDef kLeadingIndustries{"leading_industries|主导产业"};
constexpr ColumnDef kGroups{"groups|所属组团|组团"};
constexpr ColumnDef kAboveSize{"above_size|规模以上|规上"};

constexpr ColumnDef kOutputColumns[] = {
    kUscc, kName,        kParkId,      kIndustry,       kPeriod,    kBasis,
    kUnit, kGrossOutput, kSalesOutput, kExportDelivery, kEmployees, kRevision};
constexpr ColumnDef kTaxColumns[] = {kUscc,           kPeriod, kBasis,
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

bool NameMatches(const ColumnDef& def, std::string_view name) {
  std::string english = Lower(name);
  absl::StrReplaceAll({{" ", "_"}, {"-", "_"}}, &english);
  for (std::string_view alias : Split(def.names, '|')) {
    if (alias == name || alias == english) return true;
  }
  return false;
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

// Maps header cells to the known columns. Fails on a duplicate column and on a unit in a
// money column's header that is not a money unit.
template <size_t N>
absl::StatusOr<Columns> MapColumns(const std::vector<std::string>& header,
                                   const ColumnDef (&defs)[N]) {
  Columns columns;
  for (size_t i = 0; i < header.size(); ++i) {
    const HeaderCell cell = SplitHeader(header[i]);
    for (const ColumnDef& def : defs) {
      if (!NameMatches(def, cell.name)) continue;
      const std::string key(Key(def));
      if (columns.map().contains(key)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "header has two %s columns: '%s' and '%s' (expected one)", Describe(def),
            columns.map()[key].header, header[i]));
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
      break;
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

absl::StatusOr<ReportKind> DetectReportKind(const std::vector<std::string>& header) {
  bool output = false;
  bool tax = false;
  for (const std::string& cell : header) {
    const HeaderCell split = SplitHeader(cell);
    output = output || NameMatches(kGrossOutput, split.name);
    tax = tax || NameMatches(kTotalTax, split.name);
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

absl::StatusOr<std::vector<pb::SubmittedRecord>> ReportsFromCsv(const CsvTable& table) {
  absl::StatusOr<ReportKind> kind = DetectReportKind(table.header);
  if (!kind.ok()) return kind.status();
  absl::StatusOr<Columns> columns = *kind == ReportKind::kOutput
                                        ? MapColumns(table.header, kOutputColumns)
                                        : MapColumns(table.header, kTaxColumns);
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

absl::StatusOr<std::vector<pb::RegistryRecord>> ParksFromCsv(const CsvTable& table) {
  absl::StatusOr<Columns> columns = MapColumns(table.header, kParkColumns);
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

absl::StatusOr<std::vector<pb::RegistryRecord>> EnterprisesFromCsv(const CsvTable& table) {
  absl::StatusOr<Columns> columns = MapColumns(table.header, kEnterpriseColumns);
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

absl::StatusOr<std::vector<pb::RegistryRecord>> CorrectionsFromCsv(const CsvTable& table) {
  absl::StatusOr<Columns> columns = MapColumns(table.header, kCorrectionColumns);
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
