// Metric thresholds: validation, parsing and formatting. See config.h.
#include "common/metrics/config.h"

#include "common/domain/key_value.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/domain/money.h"

namespace cw::metrics {
namespace {

std::string_view Trim(std::string_view s) { return domain::TrimSpace(s); }
std::string ShortestDouble(double v) { return domain::ShortestDouble(v); }

absl::StatusOr<double> ParseDouble(std::string_view value) {
  double d = 0;
  if (!absl::SimpleAtod(absl::string_view(value.data(), value.size()), &d) ||
      !std::isfinite(d)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is not a number (expected a finite decimal such as 0.25)", value));
  }
  return d;
}

absl::StatusOr<int64_t> ParseInt(std::string_view value) {
  int64_t i = 0;
  if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &i)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is not a whole number (expected digits such as 5)", value));
  }
  return i;
}

// "10 亿元", "10亿", "1000000", "1,000,000.00 元" -> fen.
absl::StatusOr<int64_t> ParseMoneyValue(std::string_view value) {
  size_t i = 0;
  while (i < value.size() &&
         std::string_view("0123456789.,+- ").find(value[i]) != std::string_view::npos) {
    ++i;
  }
  const std::string_view number = Trim(value.substr(0, i));
  std::string unit_text(Trim(value.substr(i)));
  if (unit_text.empty()) unit_text = "元";
  if (unit_text == "千" || unit_text == "万" || unit_text == "亿") unit_text += "元";
  absl::StatusOr<domain::MoneyUnit> unit = domain::ParseMoneyUnit(unit_text);
  if (!unit.ok()) return unit.status();
  return domain::ParseMoney(number, *unit);
}

std::string FormatMoneyValue(int64_t fen) { return domain::FormatYuan(fen) + " 元"; }

absl::Status OutOfRange(std::string_view key, const std::string& value,
                        std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s = %s is out of range (expected %s)", key, value, expected));
}

absl::Status CheckDouble(std::string_view key, double v, double lo, bool lo_open, double hi,
                         bool hi_open, std::string_view expected) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) &&
                  (hi_open ? v < hi : v <= hi);
  return ok ? absl::OkStatus() : OutOfRange(key, ShortestDouble(v), expected);
}

constexpr double kInf = HUGE_VAL;

// One configuration key: how to read its value into a config, how to check the field and
// how to print it.
struct KeySpec {
  std::string_view key;
  std::function<absl::Status(std::string_view value, MetricsConfig& c)> set;
  std::function<absl::Status(const MetricsConfig& c)> check;
  std::function<std::string(const MetricsConfig& c)> format;
};

// Reads a field through its accessor (accessors are written once, for mutable configs).
template <typename T>
T Get(const std::function<T&(MetricsConfig&)>& field, const MetricsConfig& c) {
  MetricsConfig copy = c;
  return field(copy);
}

KeySpec MakeDouble(std::string_view key, std::function<double&(MetricsConfig&)> field, double lo,
                   bool lo_open, double hi, bool hi_open, std::string_view expected) {
  KeySpec spec;
  spec.key = key;
  spec.set = [field](std::string_view value, MetricsConfig& c) -> absl::Status {
    absl::StatusOr<double> d = ParseDouble(value);
    if (!d.ok()) return d.status();
    field(c) = *d;
    return absl::OkStatus();
  };
  spec.check = [=](const MetricsConfig& c) {
    return CheckDouble(key, Get(field, c), lo, lo_open, hi, hi_open, expected);
  };
  spec.format = [field](const MetricsConfig& c) { return ShortestDouble(Get(field, c)); };
  return spec;
}

KeySpec MakeMoney(std::string_view key, std::function<int64_t&(MetricsConfig&)> field) {
  KeySpec spec;
  spec.key = key;
  spec.set = [field](std::string_view value, MetricsConfig& c) -> absl::Status {
    absl::StatusOr<int64_t> fen = ParseMoneyValue(value);
    if (!fen.ok()) return fen.status();
    field(c) = *fen;
    return absl::OkStatus();
  };
  spec.check = [=](const MetricsConfig& c) {
    const int64_t v = Get(field, c);
    return v >= 0 ? absl::OkStatus()
                  : OutOfRange(key, FormatMoneyValue(v), "an amount >= 0");
  };
  spec.format = [field](const MetricsConfig& c) { return FormatMoneyValue(Get(field, c)); };
  return spec;
}

template <typename Int>
KeySpec MakeInt(std::string_view key, std::function<Int&(MetricsConfig&)> field, int64_t lo,
                int64_t hi, std::string_view expected) {
  KeySpec spec;
  spec.key = key;
  spec.set = [field, expected](std::string_view value, MetricsConfig& c) -> absl::Status {
    absl::StatusOr<int64_t> i = ParseInt(value);
    if (!i.ok()) return i.status();
    // Out-of-range values are reported by `check`; clamp only what the field cannot hold.
    if (*i < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        *i > static_cast<int64_t>(std::numeric_limits<Int>::max())) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%d does not fit (expected %s)", *i, expected));
    }
    field(c) = static_cast<Int>(*i);
    return absl::OkStatus();
  };
  spec.check = [=](const MetricsConfig& c) {
    const int64_t v = Get(field, c);
    return v >= lo && v <= hi ? absl::OkStatus() : OutOfRange(key, absl::StrCat(v), expected);
  };
  spec.format = [field](const MetricsConfig& c) { return absl::StrCat(Get(field, c)); };
  return spec;
}

template <typename Enum>
KeySpec MakeEnum(std::string_view key, std::function<Enum&(MetricsConfig&)> field,
                 std::vector<std::pair<std::string_view, Enum>> names) {
  KeySpec spec;
  spec.key = key;
  spec.set = [field, names](std::string_view value, MetricsConfig& c) -> absl::Status {
    std::string expected;
    for (const auto& [name, e] : names) {
      if (value == name) {
        field(c) = e;
        return absl::OkStatus();
      }
      absl::StrAppend(&expected, expected.empty() ? "" : " or ", std::string(name));
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is not a choice (expected %s)", value, expected));
  };
  spec.check = [](const MetricsConfig&) { return absl::OkStatus(); };
  spec.format = [field, names](const MetricsConfig& c) {
    for (const auto& [name, e] : names) {
      if (Get(field, c) == e) return std::string(name);
    }
    return std::string("?");
  };
  return spec;
}

KeySpec FirmThresholdsKey() {
  KeySpec spec;
  spec.key = "firm_thresholds";
  spec.set = [](std::string_view value, MetricsConfig& c) -> absl::Status {
    std::vector<int64_t> fen;
    // Items are separated by ',' followed by a space, or by ';' or '、'; a ',' directly
    // between digits is a thousands separator ("1,000,000").
    std::string normalised;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == ';') {
        normalised += '\n';
      } else if (value.substr(i).starts_with("、")) {
        normalised += '\n';
        i += std::string_view("、").size() - 1;
      } else if (value[i] == ',' && (i + 1 >= value.size() || value[i + 1] == ' ' ||
                                     value[i + 1] == '\t')) {
        normalised += '\n';
      } else if (value[i] == ',' && i > 0 && (value[i - 1] < '0' || value[i - 1] > '9')) {
        normalised += '\n';  // "100万,500万": a comma after a unit separates items
      } else {
        normalised += value[i];
      }
    }
    std::string_view rest = normalised;
    while (true) {
      const size_t nl = rest.find('\n');
      const std::string_view item = Trim(rest.substr(0, nl));
      if (item.empty()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "'%s' has an empty item (expected a comma-separated list of amounts such as "
            "100万, 500万)",
            value));
      }
      absl::StatusOr<int64_t> f = ParseMoneyValue(item);
      if (!f.ok()) return f.status();
      fen.push_back(*f);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    c.firms.output_thresholds_fen = std::move(fen);
    return absl::OkStatus();
  };
  spec.check = [](const MetricsConfig& c) -> absl::Status {
    const std::vector<int64_t>& t = c.firms.output_thresholds_fen;
    if (t.empty()) {
      return absl::InvalidArgumentError(
          "firm_thresholds is empty (expected at least one amount)");
    }
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] <= 0 || (i > 0 && t[i] <= t[i - 1])) {
        std::string all;
        for (int64_t v : t) absl::StrAppend(&all, all.empty() ? "" : "; ", FormatMoneyValue(v));
        return absl::InvalidArgumentError(absl::StrFormat(
            "firm_thresholds = %s is out of range (expected positive amounts in strictly "
            "increasing order)",
            all));
      }
    }
    return absl::OkStatus();
  };
  spec.format = [](const MetricsConfig& c) {
    std::string out;
    for (int64_t v : c.firms.output_thresholds_fen) {
      absl::StrAppend(&out, out.empty() ? "" : "; ", FormatMoneyValue(v));
    }
    return out;
  };
  return spec;
}

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec>* keys = [] {
    auto* k = new std::vector<KeySpec>;
    k->push_back(MakeDouble(
        "lq_min", [](MetricsConfig& c) -> double& { return c.stage.lq_min; }, 0, true, kInf,
        true, "a ratio > 0"));
    k->push_back(MakeMoney("size_min",
                           [](MetricsConfig& c) -> int64_t& { return c.stage.size_min_fen; }));
    k->push_back(MakeInt<int64_t>(
        "n_min", [](MetricsConfig& c) -> int64_t& { return c.stage.n_min; }, 1,
        std::numeric_limits<int64_t>::max(), "a count >= 1"));
    k->push_back(MakeDouble(
        "linkage_min", [](MetricsConfig& c) -> double& { return c.stage.linkage_min; }, 0,
        false, 1, false, "a share in [0, 1]"));
    k->push_back(MakeEnum<LinkageScope>(
        "linkage_scope", [](MetricsConfig& c) -> LinkageScope& { return c.stage.linkage_scope; },
        {{"region", LinkageScope::kRegion}, {"park", LinkageScope::kPark}}));
    k->push_back(MakeMoney(
        "leader_min", [](MetricsConfig& c) -> int64_t& { return c.stage.leader_min_fen; }));
    k->push_back(MakeEnum<Basis>(
        "specialisation_basis",
        [](MetricsConfig& c) -> Basis& { return c.specialisation.basis; },
        {{"output", Basis::kOutput}, {"employees", Basis::kEmployees}}));
    k->push_back(MakeDouble(
        "strong_lq_percentile",
        [](MetricsConfig& c) -> double& { return c.specialisation.strong_lq_percentile; }, 0,
        false, 1, false, "a fraction in [0, 1]"));
    k->push_back(MakeDouble(
        "strong_lq_floor",
        [](MetricsConfig& c) -> double& { return c.specialisation.strong_lq_floor; }, 0, false,
        kInf, true, "a ratio >= 0"));
    k->push_back(MakeDouble(
        "strong_size_percentile",
        [](MetricsConfig& c) -> double& { return c.specialisation.strong_size_percentile; }, 0,
        false, 1, false, "a fraction in [0, 1]"));
    k->push_back(MakeDouble(
        "strong_count_percentile",
        [](MetricsConfig& c) -> double& { return c.specialisation.strong_count_percentile; },
        0, false, 1, false, "a fraction in [0, 1]"));
    k->push_back(MakeDouble(
        "specialisation_star_lq",
        [](MetricsConfig& c) -> double& { return c.specialisation.specialisation_star_lq; }, 0,
        true, kInf, true, "a ratio > 0"));
    k->push_back(MakeDouble(
        "size_star_top",
        [](MetricsConfig& c) -> double& { return c.specialisation.size_star_top; }, 0, true, 1,
        false, "a fraction in (0, 1]"));
    k->push_back(MakeDouble(
        "focus_star_top",
        [](MetricsConfig& c) -> double& { return c.specialisation.focus_star_top; }, 0, true,
        1, false, "a fraction in (0, 1]"));
    k->push_back(FirmThresholdsKey());
    k->push_back(MakeInt<int>(
        "leading_firms", [](MetricsConfig& c) -> int& { return c.firms.leading_count; }, 0,
        100, "a count in 0..100"));
    k->push_back(MakeDouble(
        "grade_a", [](MetricsConfig& c) -> double& { return c.land.a_cut; }, 0, true, 1,
        false, "a cumulative share in (0, 1]"));
    k->push_back(MakeDouble(
        "grade_b", [](MetricsConfig& c) -> double& { return c.land.b_cut; }, 0, true, 1,
        false, "a cumulative share in (0, 1]"));
    k->push_back(MakeDouble(
        "grade_c", [](MetricsConfig& c) -> double& { return c.land.c_cut; }, 0, true, 1,
        false, "a cumulative share in (0, 1]"));
    k->push_back(MakeDouble(
        "completeness_min",
        [](MetricsConfig& c) -> double& { return c.completeness.min_rate; }, 0, false, 1,
        false, "a share in [0, 1]"));
    return k;
  }();
  return *keys;
}

// The grade cut points in order, or an error naming them (and `where`, e.g. their lines).
absl::Status CheckGradeOrder(const LandGradeConfig& g, std::string_view where) {
  if (g.a_cut < g.b_cut && g.b_cut < g.c_cut) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "grade cut points grade_a = %s, grade_b = %s, grade_c = %s are out of order (expected "
      "0 < grade_a < grade_b < grade_c <= 1)%s",
      ShortestDouble(g.a_cut), ShortestDouble(g.b_cut), ShortestDouble(g.c_cut), where));
}

}  // namespace

absl::Status ValidateMetricsConfig(const MetricsConfig& config) {
  for (const KeySpec& spec : Keys()) {
    absl::Status s = spec.check(config);
    if (!s.ok()) return s;
  }
  return CheckGradeOrder(config.land, "");
}

absl::StatusOr<MetricsConfig> ParseMetricsConfig(std::string_view text) {
  MetricsConfig config;
  std::map<std::string, int, std::less<>> seen;  // key -> line
  auto find = [](std::string_view key) -> const KeySpec* {
    for (const KeySpec& k : Keys()) {
      if (k.key == key) return &k;
    }
    return nullptr;
  };
  auto lines = domain::ParseKeyValueLines(text, [&find](std::string_view key) {
    if (find(key) != nullptr) return absl::OkStatus();
    std::string known;
    for (const KeySpec& k : Keys()) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", std::string(k.key));
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("unknown key '%s' (expected one of %s)", std::string(key), known));
  });
  if (!lines.ok()) return lines.status();
  for (const domain::KeyValueLine& kv : *lines) {
    const int line_no = kv.line;
    const std::string_view key = kv.key;
    const std::string_view value = kv.value;
    const KeySpec* spec = find(key);
    seen.emplace(kv.key, line_no);
    if (absl::Status s = spec->set(value, config); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: %s: %s", line_no, key, s.message()));
    }
    if (absl::Status s = spec->check(config); !s.ok()) {  // the message names the key
      return absl::InvalidArgumentError(absl::StrFormat("line %d: %s", line_no, s.message()));
    }
  }
  std::string where;
  for (std::string_view k : {"grade_a", "grade_b", "grade_c"}) {
    auto it = seen.find(k);
    absl::StrAppend(&where, where.empty() ? " (" : ", ", std::string(k),
                    it == seen.end() ? std::string(" default")
                                     : absl::StrCat(" at line ", it->second));
  }
  where += ")";
  absl::Status order = CheckGradeOrder(config.land, where);
  if (!order.ok()) return order;
  return config;
}

std::string FormatMetricsConfig(const MetricsConfig& config) {
  std::string out;
  for (const KeySpec& spec : Keys()) {
    absl::StrAppend(&out, std::string(spec.key), " = ", spec.format(config), "\n");
  }
  return out;
}

}  // namespace cw::metrics
