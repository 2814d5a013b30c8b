// The alert rules file. See rules_yaml.h.
//
// yaml-cpp reports errors by throwing; YAML::Exception is caught here, at the parse
// boundary, and nowhere else, and turned into kInvalidArgument with its line and column.
#include "common/alerts/rules_yaml.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

namespace cw::alerts {
namespace {

int LineOf(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

std::string KindOfNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "'" + node.Scalar() + "'";
  }
}

// Where an error is: "line 7: rule 'x', field 'threshold': ".
struct Where {
  int line = 0;
  std::string owner;  // "rule 'x'", "rule #2", "defaults", "" for the top level
  std::string field;
};

absl::Status Error(const Where& w, std::string_view message) {
  std::string text = absl::StrFormat("line %d: ", w.line);
  if (!w.owner.empty()) text += w.owner;
  if (!w.field.empty()) {
    if (!w.owner.empty()) text += ", ";
    text += absl::StrFormat("field '%s'", w.field);
  }
  if (!w.owner.empty() || !w.field.empty()) text += ": ";
  text += std::string(message);
  return absl::InvalidArgumentError(text);
}

// A scalar's text, or an error saying what was found instead.
absl::StatusOr<std::string> ScalarText(const YAML::Node& node, const Where& w,
                                       std::string_view expected) {
  if (!node.IsScalar()) {
    return Error(w, absl::StrFormat("expected %s, got %s", expected, KindOfNode(node)));
  }
  return node.Scalar();
}

// A number; with `percent_ok`, "-10%" is read as -0.10.
absl::StatusOr<double> Number(const YAML::Node& node, const Where& w, bool percent_ok) {
  const std::string_view expected =
      percent_ok ? "a number (e.g. 0.9, -0.10 or -10%)" : "a number (e.g. 1.0)";
  absl::StatusOr<std::string> text = ScalarText(node, w, expected);
  if (!text.ok()) return text.status();
  std::string s(absl::StripAsciiWhitespace(*text));
  double scale = 1;
  if (percent_ok && !s.empty() && s.back() == '%') {
    s.pop_back();
    scale = 0.01;
  }
  double v = 0;
  if (!absl::SimpleAtod(absl::string_view(s), &v) || !std::isfinite(v)) {
    return Error(w, absl::StrFormat("'%s' is not %s", *text, expected));
  }
  return v * scale;
}

absl::StatusOr<int64_t> Whole(const YAML::Node& node, const Where& w) {
  absl::StatusOr<std::string> text = ScalarText(node, w, "a whole number");
  if (!text.ok()) return text.status();
  int64_t v = 0;
  if (!absl::SimpleAtoi(absl::string_view(*text), &v)) {
    return Error(w, absl::StrFormat("'%s' is not a whole number", *text));
  }
  return v;
}

absl::StatusOr<int> SmallWhole(const YAML::Node& node, const Where& w) {
  absl::StatusOr<int64_t> v = Whole(node, w);
  if (!v.ok()) return v.status();
  if (*v < -1'000'000 || *v > 1'000'000) {
    return Error(w, absl::StrFormat("%d is out of range", *v));
  }
  return static_cast<int>(*v);
}

template <typename E>
absl::StatusOr<E> Named(const YAML::Node& node, const Where& w,
                        std::optional<E> (*parse)(std::string_view), std::string_view choices) {
  const std::string expected = absl::StrFormat("one of %s", choices);
  absl::StatusOr<std::string> text = ScalarText(node, w, expected);
  if (!text.ok()) return text.status();
  std::optional<E> v = parse(*text);
  if (!v) return Error(w, absl::StrFormat("unknown value '%s' (expected %s)", *text, choices));
  return *v;
}

constexpr std::string_view kKindChoices =
    "decline_yoy, enterprise_exit, stage_downgrade, lq_below, dependency";
constexpr std::string_view kSubjectChoices = "park, park_industry, region, group";

absl::StatusOr<std::vector<SubjectKind>> Subjects(const YAML::Node& node, const Where& w) {
  std::vector<YAML::Node> items;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) items.push_back(item);
  } else if (node.IsScalar()) {
    items.push_back(node);  // a single kind: "subjects: park"
  } else {
    return Error(w, absl::StrFormat("expected a list of %s, got %s", kSubjectChoices,
                                    KindOfNode(node)));
  }
  std::vector<SubjectKind> kinds;
  for (const YAML::Node& item : items) {
    Where iw = w;
    iw.line = LineOf(item) > 0 ? LineOf(item) : w.line;
    absl::StatusOr<SubjectKind> k = Named<SubjectKind>(item, iw, &ParseSubjectKind,
                                                       kSubjectChoices);
    if (!k.ok()) return k.status();
    kinds.push_back(*k);
  }
  return kinds;
}

// One key of a mapping: its name, its line (1-based) and its value.
struct Entry {
  std::string key;
  int line = 0;
  YAML::Node value;
};

// The entries of a mapping in order; fails on a repeated or non-scalar key.
absl::StatusOr<std::vector<Entry>> Entries(const YAML::Node& map, const Where& w) {
  std::vector<Entry> out;
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    Where kw = w;
    kw.line = LineOf(it->first);
    if (!it->first.IsScalar()) {
      return Error(kw, absl::StrFormat("a key must be a name, got %s", KindOfNode(it->first)));
    }
    const std::string key = it->first.Scalar();
    auto [pos, inserted] = seen.emplace(key, kw.line);
    if (!inserted) {
      kw.field = key;
      return Error(kw, absl::StrFormat("repeated (first set on line %d)", pos->second));
    }
    out.push_back(Entry{key, kw.line, it->second});
  }
  return out;
}

absl::Status ParseDefaults(const YAML::Node& node, AlertDefaults* d) {
  Where w{LineOf(node), "defaults", ""};
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) {
    return Error(w, absl::StrFormat("expected a mapping of default values, got %s",
                                    KindOfNode(node)));
  }
  auto entries = Entries(node, w);
  if (!entries.ok()) return entries.status();
  std::map<std::string, int> lines;
  for (const auto& [key, key_line, value] : *entries) {
    Where fw{key_line, "defaults", key};
    lines[key] = fw.line;
    if (key == "completeness_min" || key == "decline_threshold" || key == "dependency_share" ||
        key == "lq_threshold") {
      absl::StatusOr<double> v = Number(value, fw, key != "lq_threshold");
      if (!v.ok()) return v.status();
      if (key == "completeness_min") d->completeness_min = *v;
      if (key == "decline_threshold") d->decline_threshold = *v;
      if (key == "dependency_share") d->dependency_share = *v;
      if (key == "lq_threshold") d->lq_threshold = *v;
    } else if (key == "deadline_days" || key == "confirm_evaluations" ||
               key == "decline_consecutive") {
      absl::StatusOr<int> v = SmallWhole(value, fw);
      if (!v.ok()) return v.status();
      if (key == "deadline_days") d->deadline_days = *v;
      if (key == "confirm_evaluations") d->confirm_evaluations = *v;
      if (key == "decline_consecutive") d->decline_consecutive = *v;
    } else if (key == "min_exits") {
      absl::StatusOr<int64_t> v = Whole(value, fw);
      if (!v.ok()) return v.status();
      d->min_exits = *v;
    } else {
      Where kw = w;
      kw.line = fw.line;
      return Error(kw, absl::StrFormat(
                           "unknown field '%s' (expected completeness_min, deadline_days, "
                           "confirm_evaluations, decline_threshold, decline_consecutive, "
                           "min_exits, lq_threshold, dependency_share)",
                           key));
    }
  }
  if (auto p = FindDefaultsProblem(*d)) {
    Where pw{lines.count(p->field) ? lines[p->field] : w.line, "defaults", p->field};
    return Error(pw, p->message);
  }
  return absl::OkStatus();
}

// The keys a rule of `kind` may have, in the order of the format in rules_yaml.h.
std::vector<std::string> KeysOf(RuleKind kind) {
  std::vector<std::string> keys = {"name", "kind"};
  switch (kind) {
    case RuleKind::kDeclineYoY:
      keys.insert(keys.end(), {"metric", "basis", "threshold"});
      break;
    case RuleKind::kEnterpriseExit:
      keys.push_back("min_exits");
      break;
    case RuleKind::kStageDowngrade:
      keys.push_back("compare");
      break;
    case RuleKind::kLqBelow:
      keys.insert(keys.end(), {"threshold", "compare"});
      break;
    case RuleKind::kDependency:
      keys.push_back("threshold");
      break;
  }
  keys.insert(keys.end(), {"consecutive", "subjects", "completeness_min", "deadline_days",
                           "confirm_evaluations"});
  return keys;
}

// Every key any rule kind takes (to tell an inapplicable key from an unknown one).
constexpr std::string_view kAllRuleKeys[] = {
    "name",        "kind",     "metric",           "basis",
    "threshold",   "min_exits", "compare",         "consecutive",
    "subjects",    "completeness_min", "deadline_days", "confirm_evaluations",
};

absl::StatusOr<Rule> ParseRule(const YAML::Node& node, int index, const AlertDefaults& d) {
  const int rule_line = LineOf(node);
  Where w{rule_line, absl::StrFormat("rule #%d", index + 1), ""};
  if (!node.IsMap()) {
    return Error(w, absl::StrFormat("expected a mapping with name, kind, ..., got %s",
                                    KindOfNode(node)));
  }
  if (const YAML::Node n = node["name"]; n && n.IsScalar()) {
    w.owner = absl::StrFormat("rule '%s'", n.Scalar());  // for a repeated key
  }
  auto entries = Entries(node, w);
  if (!entries.ok()) return entries.status();
  const Entry* name_entry = nullptr;
  const Entry* kind_entry = nullptr;
  for (const Entry& e : *entries) {
    if (e.key == "name") name_entry = &e;
    if (e.key == "kind") kind_entry = &e;
  }
  if (name_entry == nullptr) {
    return Error(w, "missing field 'name' (every rule needs a unique name)");
  }
  Where nw{name_entry->line, w.owner, "name"};
  absl::StatusOr<std::string> name = ScalarText(name_entry->value, nw, "a rule name");
  if (!name.ok()) return name.status();
  w.owner = absl::StrFormat("rule '%s'", *name);
  if (kind_entry == nullptr) {
    return Error(w, absl::StrFormat("missing field 'kind' (expected %s)", kKindChoices));
  }
  Where kw{kind_entry->line, w.owner, "kind"};
  absl::StatusOr<RuleKind> kind =
      Named<RuleKind>(kind_entry->value, kw, &ParseRuleKind, kKindChoices);
  if (!kind.ok()) return kind.status();

  Rule rule = MakeRule(*name, *kind, d);
  rule.line = rule_line;
  const std::vector<std::string> allowed = KeysOf(*kind);
  std::map<std::string, int> lines;
  for (const auto& [key, key_line, value] : *entries) {
    Where fw{key_line, w.owner, key};
    lines[key] = fw.line;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const bool known = std::find(std::begin(kAllRuleKeys), std::end(kAllRuleKeys), key) !=
                         std::end(kAllRuleKeys);
      Where uw{fw.line, w.owner, ""};
      return Error(uw, absl::StrFormat("%s field '%s' (fields of %s rules: %s)",
                                       known ? "inapplicable" : "unknown", key,
                                       std::string(RuleKindName(*kind)),
                                       absl::StrJoin(allowed, ", ")));
    }
    if (value.IsNull()) return Error(fw, "a value is required");
    if (key == "name" || key == "kind") continue;
    if (key == "metric") {
      absl::StatusOr<Metric> v = Named<Metric>(value, fw, &ParseMetric, "output, tax");
      if (!v.ok()) return v.status();
      rule.metric = *v;
    } else if (key == "basis") {
      absl::StatusOr<Basis> v = Named<Basis>(value, fw, &ParseBasis, "month, ytd");
      if (!v.ok()) return v.status();
      rule.basis = *v;
    } else if (key == "compare") {
      absl::StatusOr<Compare> v =
          Named<Compare>(value, fw, &ParseCompare, "last_year, previous");
      if (!v.ok()) return v.status();
      rule.compare = *v;
    } else if (key == "threshold") {
      absl::StatusOr<double> v = Number(value, fw, *kind != RuleKind::kLqBelow);
      if (!v.ok()) return v.status();
      rule.threshold = *v;
    } else if (key == "completeness_min") {
      absl::StatusOr<double> v = Number(value, fw, true);
      if (!v.ok()) return v.status();
      rule.completeness_min = *v;
    } else if (key == "min_exits") {
      absl::StatusOr<int64_t> v = Whole(value, fw);
      if (!v.ok()) return v.status();
      rule.min_exits = *v;
    } else if (key == "consecutive" || key == "deadline_days" ||
               key == "confirm_evaluations") {
      absl::StatusOr<int> v = SmallWhole(value, fw);
      if (!v.ok()) return v.status();
      if (key == "consecutive") rule.consecutive = *v;
      if (key == "deadline_days") rule.deadline_days = *v;
      if (key == "confirm_evaluations") rule.confirm_evaluations = *v;
    } else if (key == "subjects") {
      absl::StatusOr<std::vector<SubjectKind>> v = Subjects(value, fw);
      if (!v.ok()) return v.status();
      rule.subjects = *v;
    }
  }
  if (auto p = FindRuleProblem(rule)) {
    Where pw{lines.count(p->field) ? lines[p->field] : rule_line, w.owner, p->field};
    return Error(pw, p->message);
  }
  return rule;
}

absl::StatusOr<AlertConfig> ParseDocument(std::string_view yaml) {
  const YAML::Node root = YAML::Load(std::string(yaml));
  Where top{1, "", ""};
  if (root.IsNull()) {
    return Error(top, "empty rules file (expected 'rules:' with a list of rules)");
  }
  top.line = LineOf(root);
  if (!root.IsMap()) {
    return Error(top, absl::StrFormat("expected a mapping with 'defaults' and 'rules', got %s",
                                      KindOfNode(root)));
  }
  auto entries = Entries(root, top);
  if (!entries.ok()) return entries.status();
  AlertConfig config;
  const Entry* rules_entry = nullptr;
  for (const Entry& e : *entries) {
    if (e.key == "defaults") {
      absl::Status s = ParseDefaults(e.value, &config.defaults);
      if (!s.ok()) return s;
    } else if (e.key == "rules") {
      rules_entry = &e;
    } else {
      Where kw{e.line, "", ""};
      return Error(kw, absl::StrFormat("unknown top-level field '%s' (expected defaults, rules)",
                                       e.key));
    }
  }
  if (rules_entry == nullptr) {
    return Error(top, "missing field 'rules' (a list of rules; [] for none)");
  }
  const YAML::Node& rules = rules_entry->value;
  Where rw{rules_entry->line, "", "rules"};
  if (rules.IsNull()) return config;  // "rules:" with nothing: no rules
  if (!rules.IsSequence()) {
    return Error(rw, absl::StrFormat("expected a list of rules, got %s", KindOfNode(rules)));
  }
  std::map<std::string, int> names;
  int index = 0;
  for (const YAML::Node& item : rules) {
    absl::StatusOr<Rule> rule = ParseRule(item, index++, config.defaults);
    if (!rule.ok()) return rule.status();
    auto [pos, inserted] = names.emplace(rule->name, rule->line);
    if (!inserted) {
      Where nw{rule->line, absl::StrFormat("rule '%s'", rule->name), "name"};
      return Error(nw, absl::StrFormat("the name is already used by the rule on line %d "
                                       "(names must be unique: they are part of alert ids)",
                                       pos->second));
    }
    config.rules.push_back(*std::move(rule));
  }
  return config;
}

}  // namespace

absl::StatusOr<AlertConfig> ParseAlertConfig(std::string_view yaml) {
  try {
    return ParseDocument(yaml);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      return absl::InvalidArgumentError(absl::StrFormat("alert rules: %s", e.msg));
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "line %d, column %d: %s", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace cw::alerts
