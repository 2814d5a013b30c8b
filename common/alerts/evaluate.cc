// Evaluation of the alert rules. See evaluate.h.
#include "common/alerts/evaluate.h"

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
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/metrics/growth.h"
#include "common/metrics/values.h"

namespace cw::alerts {
namespace {

using domain::Period;
using Points = std::map<Period, PeriodPoint>;

// Two figures within kEps of each other count as equal (a rate of exactly -10% fires a
// -10% rule although 0.9 − 1 is −0.09999999999999998 in binary floating point).
constexpr double kEps = 1e-9;
// Enterprises named in an exit explanation before "and n more".
constexpr size_t kMaxNamed = 10;

const absl::TimeZone& ChinaStandardTime() {
  static const absl::TimeZone* tz = new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *tz;
}

// ---- Wording ----

std::string PeriodZh(const Period& p) { return p.Chinese(); }

std::string PeriodEn(const Period& p) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (p.jan_feb) return absl::StrFormat("Jan-Feb %d", p.year);
  if (p.month < 1 || p.month > 12) return p.Key();
  return absl::StrFormat("%s %d", kMonths[p.month - 1], p.year);
}

std::string DayZh(absl::CivilDay d) {
  return absl::StrFormat("%d年%d月%d日", d.year(), d.month(), d.day());
}

std::string DayEn(absl::CivilDay d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// "-12.3%", "+5.0%".
std::string SignedPercent(double rate) {
  return (rate > 0 ? "+" : "") + metrics::FormatPercent(rate);
}

std::pair<std::string, std::string> SplitParkIndustry(const std::string& id) {
  const size_t bar = id.find('|');
  if (bar == std::string::npos) return {id, ""};
  return {id.substr(0, bar), id.substr(bar + 1)};
}

std::string SubjectZh(const Subject& s) {
  switch (s.kind) {
    case SubjectKind::kPark:
      return "园区" + s.id;
    case SubjectKind::kParkIndustry: {
      auto [park, industry] = SplitParkIndustry(s.id);
      return industry.empty() ? "园区×行业" + s.id : "园区" + park + "·行业" + industry;
    }
    case SubjectKind::kRegion:
      return "地区" + s.id;
    case SubjectKind::kGroup:
      return "组团" + s.id;
  }
  return s.id;
}

std::string SubjectEn(const Subject& s) {
  switch (s.kind) {
    case SubjectKind::kPark:
      return "Park " + s.id;
    case SubjectKind::kParkIndustry: {
      auto [park, industry] = SplitParkIndustry(s.id);
      return industry.empty() ? "Park × industry " + s.id
                              : "Park " + park + ", industry " + industry;
    }
    case SubjectKind::kRegion:
      return "Region " + s.id;
    case SubjectKind::kGroup:
      return "Group " + s.id;
  }
  return s.id;
}

std::string MeasureZh(const Rule& r) {
  return absl::StrFormat("%s（%s）", r.metric == Metric::kOutput ? "工业总产值" : "税收",
                         r.basis == Basis::kMonth ? "当月" : "1—本月累计");
}

std::string MeasureEn(const Rule& r) {
  return absl::StrFormat("%s (%s)", r.metric == Metric::kOutput ? "output" : "tax",
                         r.basis == Basis::kMonth ? "month" : "year to date");
}

// The figure a rule needs, in words, for "no figure" messages.
std::string FieldZh(const Rule& r) {
  switch (r.kind) {
    case RuleKind::kDeclineYoY:
      return MeasureZh(r) + "数据";
    case RuleKind::kEnterpriseExit:
      return "报送企业名单";
    case RuleKind::kStageDowngrade:
      return "集群阶段数据";
    case RuleKind::kLqBelow:
      return "区位商数据";
    case RuleKind::kDependency:
      return "最大企业占比数据";
  }
  return "";
}

std::string FieldEn(const Rule& r) {
  switch (r.kind) {
    case RuleKind::kDeclineYoY:
      return MeasureEn(r) + " figure";
    case RuleKind::kEnterpriseExit:
      return "list of reporting enterprises";
    case RuleKind::kStageDowngrade:
      return "cluster stage";
    case RuleKind::kLqBelow:
      return "location quotient";
    case RuleKind::kDependency:
      return "largest enterprise's share";
  }
  return "";
}

// The rule's condition in words (what holds when the alert fires).
std::string ConditionZh(const Rule& r) {
  const std::string run =
      r.consecutive > 1 ? absl::StrFormat("连续%d期", r.consecutive) : std::string();
  const std::string base = r.compare == Compare::kLastYear ? "上年同期" : "上期";
  switch (r.kind) {
    case RuleKind::kDeclineYoY:
      return absl::StrFormat("%s同比%s下降%s及以上", MeasureZh(r), run,
                             metrics::FormatPercent(-r.threshold));
    case RuleKind::kEnterpriseExit:
      return absl::StrFormat("%s有%d家及以上上年同期报送的企业在报送截止日后未报送", run,
                             r.min_exits);
    case RuleKind::kStageDowngrade:
      return absl::StrFormat("产业集群阶段%s低于%s", run, base);
    case RuleKind::kLqBelow:
      return absl::StrFormat("区位商%s跌破%.2f（%s不低于%.2f）", run, r.threshold, base,
                             r.threshold);
    case RuleKind::kDependency:
      return absl::StrFormat("单一企业占工业总产值比重%s超过%s", run,
                             metrics::FormatPercent(r.threshold));
  }
  return "";
}

std::string ConditionEn(const Rule& r) {
  const std::string run =
      r.consecutive > 1 ? absl::StrFormat(" in %d consecutive periods", r.consecutive)
                        : std::string();
  const std::string base =
      r.compare == Compare::kLastYear ? "a year earlier" : "in the previous period";
  switch (r.kind) {
    case RuleKind::kDeclineYoY:
      return absl::StrFormat("%s fell by %s or more year on year%s", MeasureEn(r),
                             metrics::FormatPercent(-r.threshold), run);
    case RuleKind::kEnterpriseExit:
      return absl::StrFormat(
          "%d or more enterprises that reported a year earlier did not report by the "
          "deadline%s",
          r.min_exits, run);
    case RuleKind::kStageDowngrade:
      return absl::StrFormat("the cluster stage was lower than %s%s", base, run);
    case RuleKind::kLqBelow:
      return absl::StrFormat("the location quotient fell below %.2f (from at or above it %s)%s",
                             r.threshold, base, run);
    case RuleKind::kDependency:
      return absl::StrFormat("one enterprise had more than %s of output%s",
                             metrics::FormatPercent(r.threshold), run);
  }
  return "";
}

std::string IdList(const std::vector<std::string>& ids, bool zh) {
  std::vector<std::string> shown(ids.begin(),
                                 ids.begin() + std::min(ids.size(), kMaxNamed));
  std::string text = absl::StrJoin(shown, zh ? "、" : ", ");
  if (ids.size() > kMaxNamed) {
    text += zh ? absl::StrFormat("等%d家", ids.size())
               : absl::StrFormat(" and %d more", ids.size() - kMaxNamed);
  }
  return text;
}

// ---- Input ----

absl::Status CheckPoint(const Subject& s, const PeriodPoint& pt) {
  const Period& p = pt.period;
  auto bad = [&](std::string what) {
    return absl::InvalidArgumentError(
        absl::StrFormat("subject %s:%s, period %s: %s", std::string(SubjectKindName(s.kind)),
                        s.id, p.Key(), what));
  };
  if (p.month < 1 || p.month > 12) {
    return bad(absl::StrFormat("month %d is outside 1..12", p.month));
  }
  if (p.jan_feb && p.month != 2) {
    return bad(absl::StrFormat("a January–February period has month %d (expected 2)", p.month));
  }
  if (pt.completeness && !(*pt.completeness >= 0 && *pt.completeness <= 1)) {
    return bad(absl::StrFormat("completeness %g is outside [0, 1]", *pt.completeness));
  }
  if (pt.top_firm_share && !(*pt.top_firm_share >= 0 && *pt.top_firm_share <= 1)) {
    return bad(absl::StrFormat("top_firm_share %g is outside [0, 1]", *pt.top_firm_share));
  }
  if (pt.lq && !(std::isfinite(*pt.lq) && *pt.lq >= 0)) {
    return bad(absl::StrFormat("lq %g is not a finite number >= 0", *pt.lq));
  }
  if (pt.reporters < 0) return bad(absl::StrFormat("reporters %d is negative", pt.reporters));
  return absl::OkStatus();
}

std::optional<int64_t> Sum(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t out = 0;
  if (!a || !b || __builtin_add_overflow(*a, *b, &out)) return std::nullopt;
  return out;
}

// January and February combined into 1-2月 (see evaluate.h).
PeriodPoint CombineJanFeb(const PeriodPoint& jan, const PeriodPoint& feb) {
  PeriodPoint jf;
  jf.period = Period{feb.period.year, 2, true};
  jf.output_month_fen = Sum(jan.output_month_fen, feb.output_month_fen);
  jf.tax_month_fen = Sum(jan.tax_month_fen, feb.tax_month_fen);
  jf.output_ytd_fen = feb.output_ytd_fen ? feb.output_ytd_fen : jf.output_month_fen;
  jf.tax_ytd_fen = feb.tax_ytd_fen ? feb.tax_ytd_fen : jf.tax_month_fen;
  if (jan.completeness && feb.completeness) {
    jf.completeness = std::min(*jan.completeness, *feb.completeness);
  }
  jf.reporters = feb.reporters;
  if (!jan.reporting_enterprises.empty() && !feb.reporting_enterprises.empty()) {
    std::set<std::string> all(jan.reporting_enterprises.begin(),
                              jan.reporting_enterprises.end());
    all.insert(feb.reporting_enterprises.begin(), feb.reporting_enterprises.end());
    jf.reporting_enterprises.assign(all.begin(), all.end());
    jf.reporters = static_cast<int64_t>(all.size());
  }
  jf.stage = feb.stage;
  jf.lq = feb.lq;
  jf.top_firm_share = feb.top_firm_share;
  return jf;
}

// The reporting periods of the history: 1-2月 (given or combined) and 3..12.
absl::StatusOr<Points> Normalise(const SubjectHistory& h) {
  std::map<Period, const PeriodPoint*> given;
  for (const PeriodPoint& pt : h.points) {
    if (absl::Status s = CheckPoint(h.subject, pt); !s.ok()) return s;
    if (!given.emplace(pt.period, &pt).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "subject %s:%s: period %s appears more than once (revisions replace a period's "
          "point, they are not added)",
          std::string(SubjectKindName(h.subject.kind)), h.subject.id, pt.period.Key()));
    }
  }
  Points out;
  for (const auto& [period, pt] : given) {
    if (period.jan_feb || period.month >= 3) {
      out.emplace(period, *pt);
      continue;
    }
    if (period.month != 2) continue;  // January: combined with February below
    const Period jf{period.year, 2, true};
    const auto jan = given.find(Period{period.year, 1, false});
    if (given.count(jf) || jan == given.end()) continue;  // combined given, or lone February
    out.emplace(jf, CombineJanFeb(*jan->second, *pt));
  }
  return out;
}

const PeriodPoint* Find(const Points& points, const Period& p) {
  auto it = points.find(p);
  return it == points.end() ? nullptr : &it->second;
}

bool Complete(std::optional<double> c, double min) {
  return min <= 0 || (c && *c >= min - kEps);
}

std::optional<int64_t> FigureOf(const PeriodPoint& pt, const Rule& r) {
  if (r.metric == Metric::kOutput) {
    return r.basis == Basis::kMonth ? pt.output_month_fen : pt.output_ytd_fen;
  }
  return r.basis == Basis::kMonth ? pt.tax_month_fen : pt.tax_ytd_fen;
}

// ---- One period ----

// The texts of a period that was not judged.
void NotJudged(const Rule& r, Gap gap, const Period& at, PeriodFigures* f) {
  f->judgement = Judgement::kNotJudged;
  f->gap = gap;
  std::string zh, en;
  const double min = r.completeness_min;
  switch (gap) {
    case Gap::kNoFigures:
      zh = absl::StrFormat("无%s", FieldZh(r));
      en = absl::StrFormat("no %s", FieldEn(r));
      break;
    case Gap::kIncomplete:
    case Gap::kComparisonIncomplete: {
      const std::optional<double> c =
          gap == Gap::kIncomplete ? f->completeness : f->base_completeness;
      const std::string of_zh = gap == Gap::kIncomplete ? "" : PeriodZh(at);
      const std::string of_en =
          gap == Gap::kIncomplete ? "" : absl::StrFormat(" of %s", PeriodEn(at));
      if (c) {
        zh = absl::StrFormat("%s报送率%s，低于%s", of_zh, metrics::FormatPercent(*c),
                             metrics::FormatPercent(min));
        en = absl::StrFormat("completeness%s %s is below %s", of_en,
                             metrics::FormatPercent(*c), metrics::FormatPercent(min));
      } else {
        zh = absl::StrFormat("%s报送率未知", of_zh);
        en = absl::StrFormat("completeness%s unknown", of_en);
      }
      break;
    }
    case Gap::kNoComparison:
      zh = absl::StrFormat("无%s%s可比", PeriodZh(at), FieldZh(r));
      en = absl::StrFormat("no %s for %s to compare with", FieldEn(r), PeriodEn(at));
      break;
    case Gap::kUndefined:
      zh = absl::StrFormat("%s%s为%s，增速无意义", PeriodZh(at), MeasureZh(r),
                           metrics::FormatMoneyZh(f->base_fen.value_or(0)));
      en = absl::StrFormat("%s of %s is %s, growth undefined", MeasureEn(r), PeriodEn(at),
                           metrics::FormatMoneyEn(f->base_fen.value_or(0)));
      break;
    case Gap::kEnterprisesUnknown:
      zh = absl::StrFormat("%s报送企业名单未知", PeriodZh(at));
      en = absl::StrFormat("list of enterprises reporting in %s unknown", PeriodEn(at));
      break;
    case Gap::kNone:
    case Gap::kBeforeDeadline:
      break;
  }
  f->zh = absl::StrFormat("%s 不作判断：%s", PeriodZh(f->period), zh);
  f->en = absl::StrFormat("%s not judged: %s", PeriodEn(f->period), en);
}

void Judged(bool holds, PeriodFigures* f) {
  f->judgement = holds ? Judgement::kHolds : Judgement::kDoesNotHold;
}

// The rule's per-period condition at `q` (see evaluate.h).
PeriodFigures CheckPeriod(const Rule& r, const Points& points, const Period& q) {
  PeriodFigures f;
  f.period = q;
  const PeriodPoint* pt = Find(points, q);
  if (r.kind != RuleKind::kDependency) {
    const bool last_year = r.kind == RuleKind::kDeclineYoY ||
                           r.kind == RuleKind::kEnterpriseExit ||
                           r.compare == Compare::kLastYear;
    f.base_period = last_year ? domain::SameLastYear(q) : PreviousReportingPeriod(q);
  }
  const PeriodPoint* base = f.base_period ? Find(points, *f.base_period) : nullptr;
  if (pt) f.completeness = pt->completeness;
  if (base) f.base_completeness = base->completeness;
  const double min = r.completeness_min;

  if (pt == nullptr) {
    NotJudged(r, Gap::kNoFigures, q, &f);
    f.zh = absl::StrFormat("%s 不作判断：无该期数据", PeriodZh(q));
    f.en = absl::StrFormat("%s not judged: no figures for the period", PeriodEn(q));
    return f;
  }
  const Period b = f.base_period.value_or(q);
  switch (r.kind) {
    case RuleKind::kDeclineYoY: {
      f.value_fen = FigureOf(*pt, r);
      if (base) f.base_fen = FigureOf(*base, r);
      if (!f.value_fen) {
        NotJudged(r, Gap::kNoFigures, q, &f);
      } else if (!Complete(pt->completeness, min)) {
        NotJudged(r, Gap::kIncomplete, q, &f);
      } else if (!f.base_fen) {
        NotJudged(r, Gap::kNoComparison, b, &f);
      } else if (!Complete(base->completeness, min)) {
        NotJudged(r, Gap::kComparisonIncomplete, b, &f);
      } else if (!(f.rate = metrics::GrowthRate(*f.value_fen, *f.base_fen))) {
        NotJudged(r, Gap::kUndefined, b, &f);
      } else {
        Judged(*f.rate <= r.threshold + kEps, &f);
        f.zh = absl::StrFormat("%s %s（%s，上年同期%s）", PeriodZh(q), SignedPercent(*f.rate),
                               metrics::FormatMoneyZh(*f.value_fen),
                               metrics::FormatMoneyZh(*f.base_fen));
        f.en = absl::StrFormat("%s %s (%s; a year earlier %s)", PeriodEn(q),
                               SignedPercent(*f.rate), metrics::FormatMoneyEn(*f.value_fen),
                               metrics::FormatMoneyEn(*f.base_fen));
      }
      break;
    }
    case RuleKind::kEnterpriseExit: {
      if (pt->reporting_enterprises.empty()) {
        NotJudged(r, Gap::kEnterprisesUnknown, q, &f);
      } else if (!Complete(pt->completeness, min)) {
        NotJudged(r, Gap::kIncomplete, q, &f);
      } else if (base == nullptr) {
        NotJudged(r, Gap::kNoComparison, b, &f);
      } else if (base->reporting_enterprises.empty()) {
        NotJudged(r, Gap::kEnterprisesUnknown, b, &f);
      } else if (!Complete(base->completeness, min)) {
        NotJudged(r, Gap::kComparisonIncomplete, b, &f);
      } else {
        const std::set<std::string> now(pt->reporting_enterprises.begin(),
                                        pt->reporting_enterprises.end());
        const std::set<std::string> before(base->reporting_enterprises.begin(),
                                           base->reporting_enterprises.end());
        f.base_reporters = static_cast<int64_t>(before.size());
        for (const std::string& id : before) {
          if (!now.count(id)) f.exited.push_back(id);
        }
        const int64_t n = static_cast<int64_t>(f.exited.size());
        Judged(n >= r.min_exits, &f);
        if (n == 0) {
          f.zh = absl::StrFormat("%s 无企业退出（上年同期报送的%d家均已报送）", PeriodZh(q),
                                 f.base_reporters);
          f.en = absl::StrFormat("%s no exits (all %d enterprises of a year earlier reported)",
                                 PeriodEn(q), f.base_reporters);
        } else {
          f.zh = absl::StrFormat("%s %d家上年同期报送的企业未报送（上年同期%d家）：%s",
                                 PeriodZh(q), n, f.base_reporters, IdList(f.exited, true));
          f.en = absl::StrFormat(
              "%s %d of %d enterprises that reported a year earlier did not report: %s",
              PeriodEn(q), n, f.base_reporters, IdList(f.exited, false));
        }
      }
      break;
    }
    case RuleKind::kStageDowngrade: {
      f.stage = pt->stage;
      if (base) f.base_stage = base->stage;
      if (!f.stage) {
        NotJudged(r, Gap::kNoFigures, q, &f);
      } else if (!Complete(pt->completeness, min)) {
        NotJudged(r, Gap::kIncomplete, q, &f);
      } else if (!f.base_stage) {
        NotJudged(r, Gap::kNoComparison, b, &f);
      } else if (!Complete(base->completeness, min)) {
        NotJudged(r, Gap::kComparisonIncomplete, b, &f);
      } else {
        Judged(static_cast<int>(*f.stage) < static_cast<int>(*f.base_stage), &f);
        f.zh = absl::StrFormat("%s %s（%s %s）", PeriodZh(q),
                               std::string(metrics::StageNameZh(*f.stage)), PeriodZh(b),
                               std::string(metrics::StageNameZh(*f.base_stage)));
        f.en = absl::StrFormat("%s %s (%s: %s)", PeriodEn(q),
                               std::string(metrics::StageNameEn(*f.stage)), PeriodEn(b),
                               std::string(metrics::StageNameEn(*f.base_stage)));
      }
      break;
    }
    case RuleKind::kLqBelow: {
      f.ratio = pt->lq;
      if (base) f.base_ratio = base->lq;
      if (!f.ratio) {
        NotJudged(r, Gap::kNoFigures, q, &f);
      } else if (!Complete(pt->completeness, min)) {
        NotJudged(r, Gap::kIncomplete, q, &f);
      } else if (!f.base_ratio) {
        NotJudged(r, Gap::kNoComparison, b, &f);
      } else if (!Complete(base->completeness, min)) {
        NotJudged(r, Gap::kComparisonIncomplete, b, &f);
      } else {
        Judged(*f.ratio < r.threshold - kEps && *f.base_ratio >= r.threshold - kEps, &f);
        f.zh = absl::StrFormat("%s 区位商%.2f（%s %.2f）", PeriodZh(q), *f.ratio, PeriodZh(b),
                               *f.base_ratio);
        f.en = absl::StrFormat("%s LQ %.2f (%s: %.2f)", PeriodEn(q), *f.ratio, PeriodEn(b),
                               *f.base_ratio);
      }
      break;
    }
    case RuleKind::kDependency: {
      f.ratio = pt->top_firm_share;
      if (!f.ratio) {
        NotJudged(r, Gap::kNoFigures, q, &f);
      } else if (!Complete(pt->completeness, min)) {
        NotJudged(r, Gap::kIncomplete, q, &f);
      } else {
        Judged(*f.ratio > r.threshold + kEps, &f);
        f.zh = absl::StrFormat("%s 最大企业占比%s", PeriodZh(q), metrics::FormatPercent(*f.ratio));
        f.en = absl::StrFormat("%s largest enterprise %s of output", PeriodEn(q),
                               metrics::FormatPercent(*f.ratio));
      }
      break;
    }
  }
  return f;
}

// ---- One rule at one period ----

AlertEvaluation EvaluateAt(const Rule& r, const SubjectHistory& history,
                           const Points& points, const Period& p, absl::Time now) {
  const Subject& subject = history.subject;
  AlertEvaluation e;
  e.alert_id = AlertId(r.name, subject, p);
  e.rule = r.name;
  e.kind = r.kind;
  e.subject = subject;
  e.period = p;
  e.evaluated_at = now;
  e.judged_from = JudgedFrom(p, r.deadline_days);
  e.confirm_evaluations = r.confirm_evaluations;

  std::vector<Period> run = {p};
  while (static_cast<int>(run.size()) < r.consecutive) {
    run.push_back(PreviousReportingPeriod(run.back()));
  }
  std::reverse(run.begin(), run.end());

  bool broken = false;
  std::optional<Gap> gap;  // of the latest period not judged
  for (const Period& q : run) {
    PeriodFigures f = CheckPeriod(r, points, q);
    if (f.judgement == Judgement::kDoesNotHold) broken = true;
    if (f.judgement == Judgement::kNotJudged) gap = f.gap;
    e.figures.push_back(std::move(f));
  }
  const bool before_deadline = now < e.judged_from;
  if (broken) {
    e.outcome = Outcome::kClear;
  } else if (gap) {
    e.outcome = Outcome::kInsufficient;
    e.gap = *gap;
  } else {
    e.outcome = before_deadline ? Outcome::kProvisional : Outcome::kHolds;
  }
  // An exit cannot be judged before the deadline, whatever the figures say.
  if (before_deadline && r.kind == RuleKind::kEnterpriseExit) {
    e.outcome = Outcome::kInsufficient;
    e.gap = Gap::kBeforeDeadline;
  }

  std::vector<std::string> zh, en;
  for (const PeriodFigures& f : e.figures) {
    zh.push_back(f.zh);
    en.push_back(f.en);
  }
  const std::string figs_zh = absl::StrJoin(zh, "；");
  const std::string figs_en = absl::StrJoin(en, "; ");
  const std::string subj_zh = history.name_zh.empty() ? SubjectZh(subject) : history.name_zh;
  const std::string subj_en = history.name_en.empty() ? SubjectEn(subject) : history.name_en;
  e.subject_zh = subj_zh;
  e.subject_en = subj_en;
  const std::string cond_zh = ConditionZh(r);
  const std::string cond_en = ConditionEn(r);
  const absl::CivilDay deadline = ReportingDeadline(p, r.deadline_days);
  switch (e.outcome) {
    case Outcome::kHolds:
      e.explanation_zh = absl::StrFormat("%s%s：%s", subj_zh, cond_zh, figs_zh);
      e.explanation_en = absl::StrFormat("%s: %s: %s", subj_en, cond_en, figs_en);
      break;
    case Outcome::kProvisional:
      e.explanation_zh = absl::StrFormat("待确认（%s报送截止日%s未过）：%s%s：%s", PeriodZh(p),
                                         DayZh(deadline), subj_zh, cond_zh, figs_zh);
      e.explanation_en = absl::StrFormat(
          "Provisional (the reporting deadline for %s, %s, has not passed): %s: %s: %s",
          PeriodEn(p), DayEn(deadline), subj_en, cond_en, figs_en);
      break;
    case Outcome::kClear:
      e.explanation_zh = absl::StrFormat("%s不满足“%s”：%s", subj_zh, cond_zh, figs_zh);
      e.explanation_en =
          absl::StrFormat("%s: condition not met (%s): %s", subj_en, cond_en, figs_en);
      break;
    case Outcome::kInsufficient:
      if (e.gap == Gap::kBeforeDeadline) {
        e.explanation_zh = absl::StrFormat("%s无法判断“%s”：%s报送截止日%s未过", subj_zh,
                                           cond_zh, PeriodZh(p), DayZh(deadline));
        e.explanation_en = absl::StrFormat(
            "%s: cannot judge whether %s: the reporting deadline for %s, %s, has not passed",
            subj_en, cond_en, PeriodEn(p), DayEn(deadline));
      } else {
        e.explanation_zh = absl::StrFormat("%s无法判断“%s”：%s", subj_zh, cond_zh, figs_zh);
        e.explanation_en =
            absl::StrFormat("%s: cannot judge whether %s: %s", subj_en, cond_en, figs_en);
      }
      break;
  }
  return e;
}

}  // namespace

std::string_view GapName(Gap gap) {
  switch (gap) {
    case Gap::kNone:
      return "none";
    case Gap::kNoFigures:
      return "no_figures";
    case Gap::kIncomplete:
      return "incomplete";
    case Gap::kNoComparison:
      return "no_comparison";
    case Gap::kComparisonIncomplete:
      return "comparison_incomplete";
    case Gap::kUndefined:
      return "undefined";
    case Gap::kEnterprisesUnknown:
      return "enterprises_unknown";
    case Gap::kBeforeDeadline:
      return "before_deadline";
  }
  return "?";
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHolds:
      return "holds";
    case Outcome::kProvisional:
      return "provisional";
    case Outcome::kClear:
      return "clear";
    case Outcome::kInsufficient:
      return "insufficient";
  }
  return "?";
}

std::string PeriodNameEn(const Period& p) { return PeriodEn(p); }

std::string AlertId(std::string_view rule, const Subject& subject, const Period& p) {
  return absl::StrFormat("%s|%s:%s|%s", rule, std::string(SubjectKindName(subject.kind)),
                         subject.id, p.Key());
}

Period PreviousReportingPeriod(const Period& p) {
  if (p.jan_feb || p.month <= 2) return Period{p.year - 1, 12, false};
  if (p.month == 3) return Period{p.year, 2, true};
  return Period{p.year, p.month - 1, false};
}

absl::CivilDay ReportingDeadline(const Period& p, int deadline_days) {
  const absl::CivilDay last_day = absl::CivilDay(absl::CivilMonth(p.year, p.month) + 1) - 1;
  return last_day + deadline_days;
}

absl::Time JudgedFrom(const Period& p, int deadline_days) {
  return absl::FromCivil(ReportingDeadline(p, deadline_days) + 1, ChinaStandardTime());
}

Period LatestJudgedPeriod(absl::Time now, int deadline_days) {
  const absl::CivilMonth month = absl::ToCivilMonth(now, ChinaStandardTime());
  const int y = static_cast<int>(month.year());
  Period p = month.month() <= 2 ? Period{y, 2, true} : Period{y, month.month(), false};
  while (now < JudgedFrom(p, deadline_days)) p = PreviousReportingPeriod(p);
  return p;
}

absl::StatusOr<std::vector<AlertEvaluation>> Evaluate(const AlertConfig& config,
                                                      const SubjectHistory& history,
                                                      absl::Time now) {
  absl::StatusOr<Points> points = Normalise(history);
  if (!points.ok()) return points.status();
  std::vector<AlertEvaluation> out;
  for (const Rule& rule : config.rules) {
    if (!AppliesTo(rule, history.subject.kind)) continue;
    for (const auto& [period, point] : *points) {
      out.push_back(EvaluateAt(rule, history, *points, period, now));
    }
  }
  return out;
}

}  // namespace cw::alerts
