// Decline-alert rules: what each rule watches (kind, metric, basis, threshold, k
// consecutive periods), which subjects it applies to, the gates that keep missing data from
// raising false alarms (completeness, reporting deadline), the documented defaults, and
// validation of a rule set built in code. The rules file (YAML) is parsed in rules_yaml.h;
// evaluation is in evaluate.h and the alert lifecycle in lifecycle.h.
// Value types and pure functions; thread-safe.
//
// Rule kinds (each is a per-period condition, compared with a base period, that must hold
// in `consecutive` consecutive reporting periods; see evaluate.h for the period rules):
//   decline_yoy      year-on-year growth of output or tax (month value or year to date)
//                    is <= threshold (a negative rate: -0.10 fires at -10.0% and below,
//                    not at -9.99%). threshold in [-1, 0).
//   enterprise_exit  at least min_exits enterprises that reported in the same period last
//                    year did not report in this one, judged after the reporting deadline.
//                    min_exits >= 1. Not gated by completeness by default (an enterprise
//                    that stops reporting is what lowers completeness).
//   stage_downgrade  the cluster stage (集中 → 集聚 → 集群) is lower than in the base period.
//   lq_below         the location quotient is below threshold, having been at or above it in
//                    the base period ("falling below"). threshold > 0.
//   dependency       one enterprise's share of output is above threshold. threshold in
//                    (0, 1).
// A value within 1e-9 of a threshold counts as equal to it.
//
// Documented defaults (AlertDefaults; all configurable in the rules file's `defaults:`):
//   completeness_min     0.9   a period (and its base) must have this 报送率 to be judged
//   deadline_days        15    a period is judged from the day after period end + 15 days
//   confirm_evaluations  1     holding evaluations before an alert fires (1 = at once)
//   decline_threshold    -0.10
//   decline_consecutive  3     (other kinds default to 1)
//   min_exits            1
//   lq_threshold         1.0
//   dependency_share     0.5
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cw::alerts {

// What an alert is about. Subject ids: park id; "park|industry" (GB/T 4754 code) for a
// park × industry; GB/T 2260 region code; group name of a regional layout.
enum class SubjectKind { kPark, kParkIndustry, kRegion, kGroup };

struct Subject {
  SubjectKind kind = SubjectKind::kPark;
  std::string id;
  friend bool operator==(const Subject&, const Subject&) = default;
};

enum class RuleKind { kDeclineYoY, kEnterpriseExit, kStageDowngrade, kLqBelow, kDependency };
enum class Metric { kOutput, kTax };          // decline_yoy: 工业总产值 or 税收
enum class Basis { kMonth, kYearToDate };     // decline_yoy: 本月 or 1—本月累计
enum class Compare { kLastYear, kPrevious };  // stage_downgrade, lq_below: the base period

// Names as written in the rules file and in alert ids.
std::string_view SubjectKindName(SubjectKind kind);  // park, park_industry, region, group
std::string_view RuleKindName(RuleKind kind);  // decline_yoy, enterprise_exit, stage_downgrade,
                                               // lq_below, dependency
std::string_view MetricName(Metric metric);    // output, tax
std::string_view BasisName(Basis basis);       // month, ytd
std::string_view CompareName(Compare compare);  // last_year, previous

// Inverses of the names above; nullopt for an unknown name.
std::optional<SubjectKind> ParseSubjectKind(std::string_view name);
std::optional<RuleKind> ParseRuleKind(std::string_view name);
std::optional<Metric> ParseMetric(std::string_view name);
std::optional<Basis> ParseBasis(std::string_view name);
std::optional<Compare> ParseCompare(std::string_view name);

// Defaults applied to rules that do not set a field.
struct AlertDefaults {
  double completeness_min = 0.9;
  int deadline_days = 15;
  int confirm_evaluations = 1;
  double decline_threshold = -0.10;
  int decline_consecutive = 3;
  int64_t min_exits = 1;
  double lq_threshold = 1.0;
  double dependency_share = 0.5;
  friend bool operator==(const AlertDefaults&, const AlertDefaults&) = default;
};

// One rule, with every field resolved (defaults filled in). Fields a kind does not use
// keep their initial values and are ignored.
struct Rule {
  std::string name;  // unique; letters, digits, '_', '-', '.'; part of the alert id
  RuleKind kind = RuleKind::kDeclineYoY;
  Metric metric = Metric::kOutput;       // decline_yoy
  Basis basis = Basis::kMonth;           // decline_yoy
  double threshold = 0;                  // decline_yoy, lq_below, dependency
  int64_t min_exits = 1;                 // enterprise_exit
  Compare compare = Compare::kLastYear;  // stage_downgrade, lq_below
  int consecutive = 1;                   // k, 1..36
  std::vector<SubjectKind> subjects;     // the kinds of subject it applies to
  double completeness_min = 0.9;         // gate, [0, 1]; 0 = not gated
  int deadline_days = 15;                // gate, 0..366
  int confirm_evaluations = 1;           // lifecycle, 1..100
  int line = 0;  // line of the rule in the rules file (1-based); 0 when built in code
  friend bool operator==(const Rule&, const Rule&) = default;
};

struct AlertConfig {
  AlertDefaults defaults;
  std::vector<Rule> rules;
  friend bool operator==(const AlertConfig&, const AlertConfig&) = default;
};

// A rule of `kind` with every field at its default: threshold, consecutive and gates from
// `defaults`; subjects: decline_yoy and enterprise_exit all four kinds, stage_downgrade and
// lq_below park_industry, dependency park and park_industry; enterprise_exit has
// completeness_min 0 (not gated).
Rule MakeRule(std::string name, RuleKind kind, const AlertDefaults& defaults = {});

// The first problem of a rule: the field (as named in the rules file) and what is wrong and
// expected. nullopt when the rule is valid.
struct RuleProblem {
  std::string field;
  std::string message;
};
std::optional<RuleProblem> FindRuleProblem(const Rule& rule);
std::optional<RuleProblem> FindDefaultsProblem(const AlertDefaults& defaults);

// OK when the defaults and every rule are valid and rule names are unique; otherwise
// kInvalidArgument naming the rule and field ("rule 'x', field 'threshold': ...").
absl::Status ValidateAlertConfig(const AlertConfig& config);

// True when `rule` applies to subjects of `kind`.
bool AppliesTo(const Rule& rule, SubjectKind kind);

}  // namespace cw::alerts
