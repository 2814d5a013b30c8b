// Evaluation of the alert rules over one subject's history of periods: for each applicable
// rule and each reporting period, whether the rule's condition holds, with the figures
// that decided it and an explanation in Chinese and English. Re-evaluating after a revision
// or a late report is simply evaluating the changed history again (lifecycle.h turns the
// new evaluations into state changes, e.g. a resolution when a revision removed a decline).
// Value types and pure functions; thread-safe.
//
// Reporting periods. January and February count as one period, 1-2月, as published in
// Chinese industrial statistics: the sequence of a year is 1-2月, 3月, ..., 12月; March
// follows 1-2月 and 1-2月 follows the prior December. A point for 1-2月 is used as given;
// without one, separate January and February points are combined into 1-2月 (month values
// added, year to date and stage/LQ/share taken from February, completeness the lower of
// the two, reporting enterprises the union); a lone January or February is not evaluated.
//
// A rule's condition at period p holds when its per-period condition holds at p and at
// the `consecutive` − 1 reporting periods before it (each must be in the history). The
// per-period condition compares period q with its base period: the same period a year
// earlier (1-2月 with 1-2月), or for compare: previous the reporting period before q:
//   decline_yoy      rate = value(q) / value(base) − 1 <= threshold (+1e-9), value = the
//                    metric's month value or year to date; undefined when value(base) <= 0.
//   enterprise_exit  |enterprises(base) − enterprises(q)| >= min_exits.
//   stage_downgrade  stage(q) < stage(base).
//   lq_below         lq(q) < threshold (−1e-9) and lq(base) >= threshold (−1e-9).
//   dependency       top_firm_share(q) > threshold (+1e-9); no base period.
//
// Gates (no false alarms from missing data). A period is not judged (Gap) when a figure it
// needs is missing, when its completeness is unknown or below the rule's completeness_min
// (or its base period's, where there is one), when an enterprise list is empty (exits),
// or when the growth rate is undefined. The outcome at p is then:
//   kClear         some period of the run was judged and the condition does not hold there
//                  (whatever the others: the run is broken);
//   kInsufficient  otherwise, when some period of the run was not judged (`gap` is the
//                  latest such period's); an incomplete period therefore never fires;
//   kHolds         every period of the run was judged and holds, and p is past its
//                  reporting deadline;
//   kProvisional   the same but before the deadline (becomes a pending alert). For
//                  enterprise_exit, before the deadline is kInsufficient (kBeforeDeadline):
//                  an exit only exists after the deadline.
// The reporting deadline of p is the day `deadline_days` after p's last day (1-2月 ends on
// the last day of February); p is judged from 00:00 China Standard Time (UTC+8) on the day
// after that (March, 15 days: deadline 15 April, judged from 16 April 00:00 CST).
//
// Alert ids are stable: "<rule>|<subject kind>:<subject id>|<period key>", e.g.
// "output_decline|park_industry:P001|3670|2024-03", "tax_decline|region:222400|2024-01/02";
// they depend neither on `now` nor on the order of the history.
//
// Explanations of enterprise_exit name enterprises (USCC): for authorised roles only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/alerts/rules.h"
#include "common/domain/period.h"
#include "common/metrics/stage.h"

namespace cw::alerts {

// One subject's figures for one period. Money is int64 fen; a figure that is not known is
// nullopt (never 0).
struct PeriodPoint {
  domain::Period period;
  std::optional<int64_t> output_month_fen;  // 工业总产值, month value (本月; 1-2月 both months)
  std::optional<int64_t> output_ytd_fen;    // 工业总产值, 1—本月累计
  std::optional<int64_t> tax_month_fen;
  std::optional<int64_t> tax_ytd_fen;
  std::optional<double> completeness;  // 报送率 in [0, 1]
  int64_t reporters = 0;               // enterprises that reported
  // USCCs of the enterprises that reported (for enterprise_exit); empty when unknown.
  std::vector<std::string> reporting_enterprises;
  std::optional<metrics::Stage> stage;    // park × industry cluster stage
  std::optional<double> lq;               // location quotient
  std::optional<double> top_firm_share;   // the largest enterprise's share of output, [0, 1]
};

struct SubjectHistory {
  Subject subject;
  std::vector<PeriodPoint> points;  // any order; distinct periods
  // The subject in words for explanations, e.g. "园区宝应玻璃产业园（P1）" and
  // "Park 宝应玻璃产业园 (P1)"; empty: named by kind and id ("园区P1", "Park P1").
  std::string name_zh{};
  std::string name_en{};
};

// Why a period was not judged.
enum class Gap {
  kNone,
  kNoFigures,             // no point for the period, or not the figure the rule needs
  kIncomplete,            // completeness unknown or below completeness_min
  kNoComparison,          // no point, or not the figure, for the base period
  kComparisonIncomplete,  // the base period's completeness unknown or below the minimum
  kUndefined,             // growth undefined: the base value is zero or negative
  kEnterprisesUnknown,    // enterprise_exit: a list of reporting enterprises is empty
  kBeforeDeadline,        // enterprise_exit: p's reporting deadline has not passed
};
std::string_view GapName(Gap gap);  // none, no_figures, incomplete, ...

enum class Judgement { kHolds, kDoesNotHold, kNotJudged };

// One period of a rule's run with its figures; which fields are set depends on the kind.
struct PeriodFigures {
  domain::Period period;
  std::optional<domain::Period> base_period;  // nullopt for dependency
  Judgement judgement = Judgement::kNotJudged;
  Gap gap = Gap::kNone;  // when kNotJudged
  std::optional<double> completeness;
  std::optional<double> base_completeness;
  std::optional<int64_t> value_fen;       // decline_yoy
  std::optional<int64_t> base_fen;        // decline_yoy
  std::optional<double> rate;             // decline_yoy
  std::vector<std::string> exited;        // enterprise_exit: USCCs, sorted
  int64_t base_reporters = 0;             // enterprise_exit: enterprises in the base list
  std::optional<metrics::Stage> stage;    // stage_downgrade
  std::optional<metrics::Stage> base_stage;
  std::optional<double> ratio;            // lq_below: LQ; dependency: share
  std::optional<double> base_ratio;       // lq_below
  std::string zh;                         // the figures in words: "2024年3月 -12.3%（…）"
  std::string en;
};

enum class Outcome { kHolds, kProvisional, kClear, kInsufficient };
std::string_view OutcomeName(Outcome outcome);  // holds, provisional, clear, insufficient

struct AlertEvaluation {
  std::string alert_id;
  std::string rule;
  RuleKind kind = RuleKind::kDeclineYoY;
  Subject subject;
  domain::Period period;
  Outcome outcome = Outcome::kInsufficient;
  Gap gap = Gap::kNone;                 // when kInsufficient
  std::vector<PeriodFigures> figures;   // the run, oldest first, ending at `period`
  absl::Time evaluated_at;              // `now`
  absl::Time judged_from;               // end of the reporting deadline of `period`
  int confirm_evaluations = 1;          // the rule's, for the lifecycle
  std::string subject_zh;               // the subject in words (SubjectHistory names)
  std::string subject_en;
  std::string explanation_zh;
  std::string explanation_en;
  // The condition holds on the figures (kHolds or kProvisional).
  bool condition() const {
    return outcome == Outcome::kHolds || outcome == Outcome::kProvisional;
  }
};

// A period in English words: "Mar 2024", "Jan-Feb 2024" (Chinese: Period::Chinese()).
std::string PeriodNameEn(const domain::Period& p);

// "<rule>|<subject kind>:<subject id>|<period key>".
std::string AlertId(std::string_view rule, const Subject& subject, const domain::Period& p);

// The reporting period before `p` in the sequence 1-2月, 3月, ..., 12月 (March → 1-2月 of
// the same year, 1-2月 → December of the year before). REQUIRES: p is 1-2月 or 3..12.
domain::Period PreviousReportingPeriod(const domain::Period& p);

// The last day reports for `p` are accepted: p's last day + deadline_days.
absl::CivilDay ReportingDeadline(const domain::Period& p, int deadline_days);

// The instant from which `p` is judged: 00:00 China Standard Time on the day after
// ReportingDeadline(p, deadline_days).
absl::Time JudgedFrom(const domain::Period& p, int deadline_days);

// The latest reporting period judged at `now` (JudgedFrom(p, deadline_days) <= now): on
// 7 December 2026 with 15 days, October 2026 (judged from 16 November).
domain::Period LatestJudgedPeriod(absl::Time now, int deadline_days);

// Evaluates every rule of `config` that applies to the subject's kind at every reporting
// period of the history (as combined above), ordered by rule (config order) then period.
// Fails with kInvalidArgument, naming the subject and period, when a period is not a valid
// period (month outside 1..12, 1-2月 with month != 2) or repeats, completeness is outside
// [0, 1], top_firm_share outside [0, 1], lq negative or not finite, or reporters negative.
// REQUIRES: ValidateAlertConfig(config).ok().
absl::StatusOr<std::vector<AlertEvaluation>> Evaluate(const AlertConfig& config,
                                                      const SubjectHistory& history,
                                                      absl::Time now);

}  // namespace cw::alerts
