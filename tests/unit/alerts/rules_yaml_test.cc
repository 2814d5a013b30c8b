#include "common/alerts/rules_yaml.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/alerts/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::alerts {
namespace {

using ::testing::HasSubstr;

std::string ParseError(std::string_view yaml) {
  absl::StatusOr<AlertConfig> c = ParseAlertConfig(yaml);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
  return std::string(c.status().message());
}

// The default rules file of the source tree.
std::string ReadDeployRules() {
  const std::filesystem::path path =
      std::filesystem::path(CW_SOURCE_DIR) / "deploy" / "alert-rules.yaml";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<SubjectKind> kAllSubjects = {SubjectKind::kPark, SubjectKind::kParkIndustry,
                                               SubjectKind::kRegion, SubjectKind::kGroup};

// The documented defaults, and they validate.
TEST(AlertDefaultsTest, Documented) {
  const AlertDefaults d;
  EXPECT_DOUBLE_EQ(d.completeness_min, 0.9);
  EXPECT_EQ(d.deadline_days, 15);
  EXPECT_EQ(d.confirm_evaluations, 1);
  EXPECT_DOUBLE_EQ(d.decline_threshold, -0.10);
  EXPECT_EQ(d.decline_consecutive, 3);
  EXPECT_EQ(d.min_exits, 1);
  EXPECT_DOUBLE_EQ(d.lq_threshold, 1.0);
  EXPECT_DOUBLE_EQ(d.dependency_share, 0.5);
  EXPECT_EQ(FindDefaultsProblem(d), std::nullopt);
}

// MakeRule fills each kind's defaults: thresholds, k, subjects, and exits are not gated by
// completeness.
TEST(MakeRuleTest, KindDefaults) {
  const Rule decline = MakeRule("d", RuleKind::kDeclineYoY);
  EXPECT_DOUBLE_EQ(decline.threshold, -0.10);
  EXPECT_EQ(decline.consecutive, 3);
  EXPECT_EQ(decline.subjects, kAllSubjects);
  EXPECT_DOUBLE_EQ(decline.completeness_min, 0.9);
  EXPECT_EQ(decline.deadline_days, 15);
  const Rule exit = MakeRule("e", RuleKind::kEnterpriseExit);
  EXPECT_EQ(exit.min_exits, 1);
  EXPECT_EQ(exit.consecutive, 1);
  EXPECT_DOUBLE_EQ(exit.completeness_min, 0.0);
  const Rule stage = MakeRule("s", RuleKind::kStageDowngrade);
  EXPECT_EQ(stage.subjects, std::vector<SubjectKind>{SubjectKind::kParkIndustry});
  EXPECT_EQ(stage.compare, Compare::kLastYear);
  EXPECT_DOUBLE_EQ(MakeRule("l", RuleKind::kLqBelow).threshold, 1.0);
  const Rule dep = MakeRule("p", RuleKind::kDependency);
  EXPECT_DOUBLE_EQ(dep.threshold, 0.5);
  EXPECT_EQ(dep.subjects,
            (std::vector<SubjectKind>{SubjectKind::kPark, SubjectKind::kParkIndustry}));
}

// The shipped deploy/alert-rules.yaml parses to the documented rules.
TEST(ParseAlertConfigTest, DeployFileParses) {
  const absl::StatusOr<AlertConfig> c = ParseAlertConfig(ReadDeployRules());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->defaults, AlertDefaults{});
  ASSERT_EQ(c->rules.size(), 7u);
  const Rule& output = c->rules[0];
  EXPECT_EQ(output.name, "output_decline");
  EXPECT_EQ(output.kind, RuleKind::kDeclineYoY);
  EXPECT_EQ(output.metric, Metric::kOutput);
  EXPECT_EQ(output.basis, Basis::kMonth);
  EXPECT_DOUBLE_EQ(output.threshold, -0.10);
  EXPECT_EQ(output.consecutive, 3);
  EXPECT_EQ(output.subjects, kAllSubjects);
  EXPECT_GT(output.line, 0);
  EXPECT_EQ(c->rules[1].metric, Metric::kTax);
  EXPECT_EQ(c->rules[2].basis, Basis::kYearToDate);
  EXPECT_EQ(c->rules[3].kind, RuleKind::kEnterpriseExit);
  EXPECT_DOUBLE_EQ(c->rules[3].completeness_min, 0.0);
  EXPECT_EQ(c->rules[4].kind, RuleKind::kStageDowngrade);
  EXPECT_EQ(c->rules[5].kind, RuleKind::kLqBelow);
  EXPECT_DOUBLE_EQ(c->rules[5].threshold, 1.0);
  EXPECT_EQ(c->rules[6].kind, RuleKind::kDependency);
  EXPECT_DOUBLE_EQ(c->rules[6].threshold, 0.5);
  EXPECT_TRUE(ValidateAlertConfig(*c).ok());
}

// A minimal rule takes every default; the defaults section changes them; lines are kept.
TEST(ParseAlertConfigTest, DefaultsSectionApplies) {
  const absl::StatusOr<AlertConfig> c = ParseAlertConfig(
      "defaults:\n"
      "  completeness_min: 95%\n"
      "  deadline_days: 20\n"
      "  decline_threshold: -0.2\n"
      "  decline_consecutive: 2\n"
      "  confirm_evaluations: 2\n"
      "rules:\n"
      "  - name: d\n"
      "    kind: decline_yoy\n"
      "  - {name: x, kind: enterprise_exit}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->rules.size(), 2u);
  const Rule& d = c->rules[0];
  EXPECT_DOUBLE_EQ(d.threshold, -0.2);
  EXPECT_EQ(d.consecutive, 2);
  EXPECT_DOUBLE_EQ(d.completeness_min, 0.95);
  EXPECT_EQ(d.deadline_days, 20);
  EXPECT_EQ(d.confirm_evaluations, 2);
  EXPECT_EQ(d.metric, Metric::kOutput);
  EXPECT_EQ(d.basis, Basis::kMonth);
  EXPECT_EQ(d.line, 8);
  EXPECT_EQ(c->rules[1].line, 10);
  EXPECT_DOUBLE_EQ(c->rules[1].completeness_min, 0.0);  // exits stay ungated
}

// Every field of a rule is read; percentages and fractions both work; one subject may be
// a plain scalar.
TEST(ParseAlertConfigTest, AllFields) {
  const absl::StatusOr<AlertConfig> c = ParseAlertConfig(
      "rules:\n"
      "  - name: tax_ytd\n"
      "    kind: decline_yoy\n"
      "    metric: tax\n"
      "    basis: ytd\n"
      "    threshold: -15%\n"
      "    consecutive: 2\n"
      "    subjects: [region, group]\n"
      "    completeness_min: 0.8\n"
      "    deadline_days: 30\n"
      "    confirm_evaluations: 3\n"
      "  - name: lq\n"
      "    kind: lq_below\n"
      "    threshold: 1.2\n"
      "    compare: previous\n"
      "    subjects: park_industry\n"
      "  - name: exits\n"
      "    kind: enterprise_exit\n"
      "    min_exits: 3\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const Rule& t = c->rules[0];
  EXPECT_EQ(t.metric, Metric::kTax);
  EXPECT_EQ(t.basis, Basis::kYearToDate);
  EXPECT_DOUBLE_EQ(t.threshold, -0.15);
  EXPECT_EQ(t.consecutive, 2);
  EXPECT_EQ(t.subjects, (std::vector<SubjectKind>{SubjectKind::kRegion, SubjectKind::kGroup}));
  EXPECT_DOUBLE_EQ(t.completeness_min, 0.8);
  EXPECT_EQ(t.deadline_days, 30);
  EXPECT_EQ(t.confirm_evaluations, 3);
  EXPECT_DOUBLE_EQ(c->rules[1].threshold, 1.2);
  EXPECT_EQ(c->rules[1].compare, Compare::kPrevious);
  EXPECT_EQ(c->rules[1].subjects, std::vector<SubjectKind>{SubjectKind::kParkIndustry});
  EXPECT_EQ(c->rules[2].min_exits, 3);
}

// An empty rule list is allowed (no alerts).
TEST(ParseAlertConfigTest, EmptyRuleList) {
  EXPECT_TRUE(ParseAlertConfig("rules: []\n")->rules.empty());
  EXPECT_TRUE(ParseAlertConfig("rules:\n")->rules.empty());
}

// A YAML syntax error gives the line and column.
TEST(ParseAlertConfigTest, SyntaxErrorHasLineAndColumn) {
  const std::string m = ParseError(
      "rules:\n"
      "  - name: a\n"
      "    kind: [decline_yoy\n");
  EXPECT_THAT(m, HasSubstr("line 4, column 1"));
}

// An unknown key names its line, the rule and lists the fields the kind takes.
TEST(ParseAlertConfigTest, UnknownKey) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: output_decline\n"
                       "    kind: decline_yoy\n"
                       "    treshold: -0.1\n"),
            "line 4: rule 'output_decline': unknown field 'treshold' (fields of decline_yoy "
            "rules: name, kind, metric, basis, threshold, consecutive, subjects, "
            "completeness_min, deadline_days, confirm_evaluations)");
}

// A known key that the rule's kind does not use is refused.
TEST(ParseAlertConfigTest, InapplicableKey) {
  EXPECT_THAT(ParseError("rules:\n"
                         "  - name: lq\n"
                         "    kind: lq_below\n"
                         "    metric: tax\n"),
              HasSubstr("line 4: rule 'lq': inapplicable field 'metric' (fields of lq_below "
                        "rules: name, kind, threshold, compare, consecutive"));
}

// A threshold outside its range names line, rule, field, value and the expected range.
TEST(ParseAlertConfigTest, ThresholdOutOfRange) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    threshold: 0.1\n"),
            "line 4: rule 'd', field 'threshold': 0.1 is outside [-1, 0) (a year-on-year "
            "rate, e.g. -0.10 or -10% for a 10% decline)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - {name: p, kind: dependency, threshold: 1.5}\n"),
              HasSubstr("line 2: rule 'p', field 'threshold': 1.5 is outside (0, 1)"));
  EXPECT_THAT(ParseError("rules:\n"
                         "  - {name: l, kind: lq_below, threshold: 0}\n"),
              HasSubstr("line 2: rule 'l', field 'threshold': 0 is not above 0"));
}

// consecutive < 1, and consecutive > 1 with compare: previous, are refused.
TEST(ParseAlertConfigTest, ConsecutiveChecked) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    consecutive: 0\n"),
            "line 4: rule 'd', field 'consecutive': 0 is outside 1..36 (consecutive reporting "
            "periods)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - name: s\n"
                         "    kind: stage_downgrade\n"
                         "    compare: previous\n"
                         "    consecutive: 2\n"),
              HasSubstr("line 5: rule 's', field 'consecutive': 2 with compare: previous"));
}

// Values of the wrong type: a list for a number, a fraction for a whole number, text.
TEST(ParseAlertConfigTest, WrongTypes) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    consecutive: [3]\n"),
            "line 4: rule 'd', field 'consecutive': expected a whole number, got a list");
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    consecutive: 3.5\n"),
            "line 4: rule 'd', field 'consecutive': '3.5' is not a whole number");
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    threshold: ten\n"),
            "line 4: rule 'd', field 'threshold': 'ten' is not a number (e.g. 0.9, -0.10 or "
            "-10%)");
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    threshold:\n"),
            "line 4: rule 'd', field 'threshold': a value is required");
}

// Unknown kind, metric, basis and subject kinds list the accepted values.
TEST(ParseAlertConfigTest, UnknownNames) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline\n"),
            "line 3: rule 'd', field 'kind': unknown value 'decline' (expected decline_yoy, "
            "enterprise_exit, stage_downgrade, lq_below, dependency)");
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    metric: revenue\n"),
            "line 4: rule 'd', field 'metric': unknown value 'revenue' (expected output, tax)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - name: d\n"
                         "    kind: decline_yoy\n"
                         "    basis: quarter\n"),
              HasSubstr("field 'basis': unknown value 'quarter' (expected month, ytd)"));
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: d\n"
                       "    kind: decline_yoy\n"
                       "    subjects:\n"
                       "      - park\n"
                       "      - county\n"),
            "line 6: rule 'd', field 'subjects': unknown value 'county' (expected park, "
            "park_industry, region, group)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - {name: d, kind: decline_yoy, subjects: [park, park]}\n"),
              HasSubstr("line 2: rule 'd', field 'subjects': 'park' is listed twice"));
}

// A rule without name or kind is refused; without a name it is called by its index.
TEST(ParseAlertConfigTest, MissingNameOrKind) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - name: a\n"
                       "    kind: dependency\n"
                       "  - kind: dependency\n"),
            "line 4: rule #2: missing field 'name' (every rule needs a unique name)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - name: a\n"),
              HasSubstr("line 2: rule 'a': missing field 'kind' (expected decline_yoy, "));
  EXPECT_THAT(ParseError("rules:\n"
                         "  - {name: 'a|b', kind: dependency}\n"),
              HasSubstr("line 2: rule 'a|b', field 'name': 'a|b' is not a rule name"));
}

// Rule names are unique (they are part of alert ids); a key may not repeat.
TEST(ParseAlertConfigTest, RepeatedNameOrKey) {
  EXPECT_EQ(ParseError("rules:\n"
                       "  - {name: a, kind: dependency}\n"
                       "  - {name: a, kind: lq_below}\n"),
            "line 3: rule 'a', field 'name': the name is already used by the rule on line 2 "
            "(names must be unique: they are part of alert ids)");
  EXPECT_THAT(ParseError("rules:\n"
                         "  - name: a\n"
                         "    kind: dependency\n"
                         "    threshold: 0.5\n"
                         "    threshold: 0.6\n"),
              HasSubstr("line 5: rule 'a', field 'threshold': repeated (first set on line 4)"));
}

// The document's shape: empty, not a mapping, unknown top-level key, no rules, bad
// defaults.
TEST(ParseAlertConfigTest, DocumentShape) {
  EXPECT_EQ(ParseError(""), "line 1: empty rules file (expected 'rules:' with a list of rules)");
  EXPECT_THAT(ParseError("- a\n- b\n"), HasSubstr("line 1: expected a mapping"));
  EXPECT_EQ(ParseError("rules: []\nalerts: 1\n"),
            "line 2: unknown top-level field 'alerts' (expected defaults, rules)");
  EXPECT_EQ(ParseError("defaults: {}\n"),
            "line 1: missing field 'rules' (a list of rules; [] for none)");
  EXPECT_EQ(ParseError("rules: {a: 1}\n"),
            "line 1: field 'rules': expected a list of rules, got a mapping");
  EXPECT_EQ(ParseError("defaults:\n"
                       "  deadline_days: 15\n"
                       "  completeness_min: 1.5\n"
                       "rules: []\n"),
            "line 3: defaults, field 'completeness_min': 1.5 is outside [0, 1] (a reporting "
            "rate, e.g. 0.9)");
  EXPECT_THAT(ParseError("defaults:\n"
                         "  lq_min: 1\n"
                         "rules: []\n"),
              HasSubstr("line 2: defaults: unknown field 'lq_min'"));
}

// A configuration built in code is validated with the rule and field named.
TEST(ValidateAlertConfigTest, CodeBuiltConfig) {
  AlertConfig c;
  c.rules = {MakeRule("a", RuleKind::kDeclineYoY), MakeRule("b", RuleKind::kDependency)};
  EXPECT_TRUE(ValidateAlertConfig(c).ok());
  c.rules[1].threshold = 0;
  EXPECT_EQ(ValidateAlertConfig(c).message(),
            "rule 'b', field 'threshold': 0 is outside (0, 1) (a share of output, e.g. 0.5)");
  c.rules[1] = MakeRule("a", RuleKind::kLqBelow);
  EXPECT_THAT(std::string(ValidateAlertConfig(c).message()),
              HasSubstr("rule 'a', field 'name': the name is used by an earlier rule"));
  c.rules.pop_back();
  c.rules[0].subjects.clear();
  EXPECT_THAT(std::string(ValidateAlertConfig(c).message()),
              HasSubstr("rule 'a', field 'subjects': no subject kinds"));
}

// Names round-trip through their parsers.
TEST(RuleNamesTest, RoundTrip) {
  for (SubjectKind k : kAllSubjects) EXPECT_EQ(ParseSubjectKind(SubjectKindName(k)), k);
  for (RuleKind k : {RuleKind::kDeclineYoY, RuleKind::kEnterpriseExit,
                     RuleKind::kStageDowngrade, RuleKind::kLqBelow, RuleKind::kDependency}) {
    EXPECT_EQ(ParseRuleKind(RuleKindName(k)), k);
  }
  EXPECT_EQ(SubjectKindName(SubjectKind::kParkIndustry), "park_industry");
  EXPECT_EQ(ParseMetric("tax"), Metric::kTax);
  EXPECT_EQ(ParseBasis("ytd"), Basis::kYearToDate);
  EXPECT_EQ(ParseCompare("previous"), Compare::kPrevious);
  EXPECT_EQ(ParseRuleKind("Decline_YoY"), std::nullopt);
}

}  // namespace
}  // namespace cw::alerts
