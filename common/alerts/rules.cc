// Decline-alert rules. See rules.h.
#include "common/alerts/rules.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace cw::alerts {
namespace {

constexpr int kMaxConsecutive = 36;
constexpr int kMaxDeadlineDays = 366;
constexpr int kMaxConfirm = 100;
constexpr size_t kMaxNameLength = 64;

template <typename E, size_t N>
std::optional<E> FindByName(const std::pair<E, std::string_view> (&table)[N],
                            std::string_view name) {
  for (const auto& [value, text] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const std::pair<E, std::string_view> (&table)[N], E value) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "?";
}

constexpr std::pair<SubjectKind, std::string_view> kSubjectKinds[] = {
    {SubjectKind::kPark, "park"},
    {SubjectKind::kParkIndustry, "park_industry"},
    {SubjectKind::kRegion, "region"},
    {SubjectKind::kGroup, "group"},
};
constexpr std::pair<RuleKind, std::string_view> kRuleKinds[] = {
    {RuleKind::kDeclineYoY, "decline_yoy"},
    {RuleKind::kEnterpriseExit, "enterprise_exit"},
    {RuleKind::kStageDowngrade, "stage_downgrade"},
    {RuleKind::kLqBelow, "lq_below"},
    {RuleKind::kDependency, "dependency"},
};
constexpr std::pair<Metric, std::string_view> kMetrics[] = {
    {Metric::kOutput, "output"},
    {Metric::kTax, "tax"},
};
constexpr std::pair<Basis, std::string_view> kBases[] = {
    {Basis::kMonth, "month"},
    {Basis::kYearToDate, "ytd"},
};
constexpr std::pair<Compare, std::string_view> kCompares[] = {
    {Compare::kLastYear, "last_year"},
    {Compare::kPrevious, "previous"},
};

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
           c == '.';
  });
}

RuleProblem Problem(std::string field, std::string message) {
  return RuleProblem{std::move(field), std::move(message)};
}

std::optional<RuleProblem> CheckCompleteness(double v) {
  if (!std::isfinite(v) || v < 0 || v > 1) {
    return Problem("completeness_min",
                   absl::StrFormat("%g is outside [0, 1] (a reporting rate, e.g. 0.9)", v));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckDeadline(int v) {
  if (v < 0 || v > kMaxDeadlineDays) {
    return Problem("deadline_days", absl::StrFormat("%d is outside 0..%d (days after the "
                                                    "period's end)",
                                                    v, kMaxDeadlineDays));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckConfirm(int v) {
  if (v < 1 || v > kMaxConfirm) {
    return Problem("confirm_evaluations",
                   absl::StrFormat("%d is outside 1..%d (1 fires at once)", v, kMaxConfirm));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckDeclineThreshold(std::string field, double v) {
  if (!std::isfinite(v) || v < -1 || v >= 0) {
    return Problem(std::move(field),
                   absl::StrFormat("%g is outside [-1, 0) (a year-on-year rate, e.g. -0.10 or "
                                   "-10%% for a 10%% decline)",
                                   v));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckConsecutive(std::string field, int v) {
  if (v < 1 || v > kMaxConsecutive) {
    return Problem(std::move(field),
                   absl::StrFormat("%d is outside 1..%d (consecutive reporting periods)", v,
                                   kMaxConsecutive));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckMinExits(int64_t v) {
  if (v < 1) {
    return Problem("min_exits", absl::StrFormat("%d is below 1 (a number of enterprises)", v));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckLq(std::string field, double v) {
  if (!std::isfinite(v) || v <= 0) {
    return Problem(std::move(field),
                   absl::StrFormat("%g is not above 0 (a location quotient, e.g. 1.0)", v));
  }
  return std::nullopt;
}

std::optional<RuleProblem> CheckShare(std::string field, double v) {
  if (!std::isfinite(v) || v <= 0 || v >= 1) {
    return Problem(std::move(field),
                   absl::StrFormat("%g is outside (0, 1) (a share of output, e.g. 0.5)", v));
  }
  return std::nullopt;
}

}  // namespace

std::string_view SubjectKindName(SubjectKind kind) { return NameOf(kSubjectKinds, kind); }
std::string_view RuleKindName(RuleKind kind) { return NameOf(kRuleKinds, kind); }
std::string_view MetricName(Metric metric) { return NameOf(kMetrics, metric); }
std::string_view BasisName(Basis basis) { return NameOf(kBases, basis); }
std::string_view CompareName(Compare compare) { return NameOf(kCompares, compare); }

std::optional<SubjectKind> ParseSubjectKind(std::string_view name) {
  return FindByName(kSubjectKinds, name);
}
std::optional<RuleKind> ParseRuleKind(std::string_view name) {
  return FindByName(kRuleKinds, name);
}
std::optional<Metric> ParseMetric(std::string_view name) { return FindByName(kMetrics, name); }
std::optional<Basis> ParseBasis(std::string_view name) { return FindByName(kBases, name); }
std::optional<Compare> ParseCompare(std::string_view name) {
  return FindByName(kCompares, name);
}

Rule MakeRule(std::string name, RuleKind kind, const AlertDefaults& defaults) {
  Rule r;
  r.name = std::move(name);
  r.kind = kind;
  r.completeness_min = defaults.completeness_min;
  r.deadline_days = defaults.deadline_days;
  r.confirm_evaluations = defaults.confirm_evaluations;
  r.min_exits = defaults.min_exits;
  switch (kind) {
    case RuleKind::kDeclineYoY:
      r.threshold = defaults.decline_threshold;
      r.consecutive = defaults.decline_consecutive;
      r.subjects = {SubjectKind::kPark, SubjectKind::kParkIndustry, SubjectKind::kRegion,
                    SubjectKind::kGroup};
      break;
    case RuleKind::kEnterpriseExit:
      r.completeness_min = 0;
      r.subjects = {SubjectKind::kPark, SubjectKind::kParkIndustry, SubjectKind::kRegion,
                    SubjectKind::kGroup};
      break;
    case RuleKind::kStageDowngrade:
      r.subjects = {SubjectKind::kParkIndustry};
      break;
    case RuleKind::kLqBelow:
      r.threshold = defaults.lq_threshold;
      r.subjects = {SubjectKind::kParkIndustry};
      break;
    case RuleKind::kDependency:
      r.threshold = defaults.dependency_share;
      r.subjects = {SubjectKind::kPark, SubjectKind::kParkIndustry};
      break;
  }
  return r;
}

std::optional<RuleProblem> FindRuleProblem(const Rule& rule) {
  if (!ValidName(rule.name)) {
    return Problem("name", absl::StrFormat("'%s' is not a rule name (1..%d letters, digits, "
                                           "'_', '-' or '.')",
                                           rule.name, kMaxNameLength));
  }
  switch (rule.kind) {
    case RuleKind::kDeclineYoY:
      if (auto p = CheckDeclineThreshold("threshold", rule.threshold)) return p;
      break;
    case RuleKind::kEnterpriseExit:
      if (auto p = CheckMinExits(rule.min_exits)) return p;
      break;
    case RuleKind::kStageDowngrade:
      break;
    case RuleKind::kLqBelow:
      if (auto p = CheckLq("threshold", rule.threshold)) return p;
      break;
    case RuleKind::kDependency:
      if (auto p = CheckShare("threshold", rule.threshold)) return p;
      break;
  }
  if (auto p = CheckConsecutive("consecutive", rule.consecutive)) return p;
  if ((rule.kind == RuleKind::kStageDowngrade || rule.kind == RuleKind::kLqBelow) &&
      rule.compare == Compare::kPrevious && rule.consecutive != 1) {
    return Problem("consecutive",
                   absl::StrFormat("%d with compare: previous (a fall from the previous period "
                                   "cannot repeat in consecutive periods; expected 1, or "
                                   "compare: last_year)",
                                   rule.consecutive));
  }
  if (rule.subjects.empty()) {
    return Problem("subjects",
                   "no subject kinds (expected a list of park, park_industry, region, group)");
  }
  std::set<SubjectKind> seen;
  for (SubjectKind k : rule.subjects) {
    if (!seen.insert(k).second) {
      return Problem("subjects",
                     absl::StrFormat("'%s' is listed twice", std::string(SubjectKindName(k))));
    }
  }
  if (auto p = CheckCompleteness(rule.completeness_min)) return p;
  if (auto p = CheckDeadline(rule.deadline_days)) return p;
  if (auto p = CheckConfirm(rule.confirm_evaluations)) return p;
  return std::nullopt;
}

std::optional<RuleProblem> FindDefaultsProblem(const AlertDefaults& d) {
  if (auto p = CheckCompleteness(d.completeness_min)) return p;
  if (auto p = CheckDeadline(d.deadline_days)) return p;
  if (auto p = CheckConfirm(d.confirm_evaluations)) return p;
  if (auto p = CheckDeclineThreshold("decline_threshold", d.decline_threshold)) return p;
  if (auto p = CheckConsecutive("decline_consecutive", d.decline_consecutive)) return p;
  if (d.min_exits < 1) return CheckMinExits(d.min_exits);
  if (auto p = CheckLq("lq_threshold", d.lq_threshold)) return p;
  if (auto p = CheckShare("dependency_share", d.dependency_share)) return p;
  return std::nullopt;
}

absl::Status ValidateAlertConfig(const AlertConfig& config) {
  if (auto p = FindDefaultsProblem(config.defaults)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("defaults, field '%s': %s", p->field, p->message));
  }
  std::set<std::string> names;
  for (const Rule& rule : config.rules) {
    if (auto p = FindRuleProblem(rule)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("rule '%s', field '%s': %s", rule.name, p->field, p->message));
    }
    if (!names.insert(rule.name).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "rule '%s', field 'name': the name is used by an earlier rule (names must be "
          "unique: they are part of alert ids)",
          rule.name));
    }
  }
  return absl::OkStatus();
}

bool AppliesTo(const Rule& rule, SubjectKind kind) {
  return std::find(rule.subjects.begin(), rule.subjects.end(), kind) != rule.subjects.end();
}

}  // namespace cw::alerts
