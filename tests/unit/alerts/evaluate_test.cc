#include "common/alerts/evaluate.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/alerts/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::alerts {
namespace {

using domain::Period;
using metrics::Stage;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Period M(int year, int month) { return Period{year, month, false}; }
Period JF(int year) { return Period{year, 2, true}; }

absl::Time Cst(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0), absl::FixedTimeZone(8 * 3600));
}
// Long after every period of the tests: every deadline has passed.
const absl::Time kLate = Cst(2030, 1, 1);

// A point with a month output value (fen) and full completeness.
PeriodPoint Out(Period p, int64_t output_fen, double completeness = 1.0) {
  PeriodPoint pt;
  pt.period = p;
  pt.output_month_fen = output_fen;
  pt.completeness = completeness;
  return pt;
}

SubjectHistory Park(std::vector<PeriodPoint> points) {
  return SubjectHistory{Subject{SubjectKind::kPark, "P001"}, std::move(points)};
}

AlertConfig Config(Rule rule) {
  AlertConfig c;
  c.rules = {std::move(rule)};
  return c;
}

Rule Decline(int k = 1) {
  Rule r = MakeRule("output_decline", RuleKind::kDeclineYoY);
  r.consecutive = k;
  return r;
}

std::vector<AlertEvaluation> Eval(const AlertConfig& c, const SubjectHistory& h,
                                  absl::Time now = kLate) {
  absl::StatusOr<std::vector<AlertEvaluation>> e = Evaluate(c, h, now);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : std::vector<AlertEvaluation>{};
}

// The evaluation of `period` (of the only rule).
AlertEvaluation At(const std::vector<AlertEvaluation>& es, const Period& period) {
  for (const AlertEvaluation& e : es) {
    if (e.period == period) return e;
  }
  ADD_FAILURE() << "no evaluation for " << period.Key();
  return AlertEvaluation{};
}

std::vector<std::string> PeriodKeys(const std::vector<AlertEvaluation>& es) {
  std::vector<std::string> keys;
  for (const AlertEvaluation& e : es) keys.push_back(e.period.Key());
  return keys;
}

// -10.0% exactly fires a -10% rule (0.9 − 1 is not exactly −0.1 in floating point).
TEST(DeclineTest, ExactlyAtThresholdFires) {
  const auto es = Eval(Config(Decline()), Park({Out(M(2023, 3), 1000), Out(M(2024, 3), 900)}));
  const AlertEvaluation e = At(es, M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  ASSERT_EQ(e.figures.size(), 1u);
  EXPECT_EQ(e.figures[0].value_fen, 900);
  EXPECT_EQ(e.figures[0].base_fen, 1000);
  EXPECT_NEAR(*e.figures[0].rate, -0.10, 1e-12);
  EXPECT_EQ(e.figures[0].base_period, M(2023, 3));
}

// -9.99% does not fire a -10% rule.
TEST(DeclineTest, JustAboveThresholdIsClear) {
  const auto es =
      Eval(Config(Decline()), Park({Out(M(2023, 3), 10000), Out(M(2024, 3), 9001)}));
  const AlertEvaluation e = At(es, M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kClear);
  EXPECT_EQ(e.figures[0].judgement, Judgement::kDoesNotHold);
  EXPECT_NEAR(*e.figures[0].rate, -0.0999, 1e-12);
}

// The first period of a history has no prior-year figure: not judged, not fired.
TEST(DeclineTest, NoComparisonIsInsufficient) {
  const auto es = Eval(Config(Decline()), Park({Out(M(2023, 3), 1000), Out(M(2024, 3), 900)}));
  const AlertEvaluation e = At(es, M(2023, 3));
  EXPECT_EQ(e.outcome, Outcome::kInsufficient);
  EXPECT_EQ(e.gap, Gap::kNoComparison);
  EXPECT_THAT(e.explanation_zh, HasSubstr("无2022年3月工业总产值（当月）数据可比"));
}

// Three consecutive declines fire at the third period, with every period's figures in
// both explanations.
TEST(DeclineTest, ThreeConsecutivePeriodsFire) {
  const auto es = Eval(Config(Decline(3)),
                       Park({Out(M(2023, 3), 100'000'000), Out(M(2023, 4), 100'000'000),
                             Out(M(2023, 5), 100'000'000), Out(M(2024, 3), 87'700'000),
                             Out(M(2024, 4), 89'000'000), Out(M(2024, 5), 84'800'000)}));
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_EQ(e.alert_id, "output_decline|park:P001|2024-05");
  ASSERT_EQ(e.figures.size(), 3u);
  EXPECT_EQ(e.figures[0].period, M(2024, 3));
  EXPECT_EQ(e.figures[2].period, M(2024, 5));
  EXPECT_EQ(e.explanation_zh,
            "园区P001工业总产值（当月）同比连续3期下降10.0%及以上："
            "2024年3月 -12.3%（87.70万元，上年同期100.00万元）；"
            "2024年4月 -11.0%（89.00万元，上年同期100.00万元）；"
            "2024年5月 -15.2%（84.80万元，上年同期100.00万元）");
  EXPECT_EQ(e.explanation_en,
            "Park P001: output (month) fell by 10.0% or more year on year in 3 consecutive "
            "periods: Mar 2024 -12.3% (CNY 0.88 m; a year earlier CNY 1.00 m); "
            "Apr 2024 -11.0% (CNY 0.89 m; a year earlier CNY 1.00 m); "
            "May 2024 -15.2% (CNY 0.85 m; a year earlier CNY 1.00 m)");
  // 2024-04 lacks a third period (2024年1-2月 is not in the history).
  EXPECT_EQ(At(es, M(2024, 4)).outcome, Outcome::kInsufficient);
  EXPECT_EQ(At(es, M(2024, 4)).gap, Gap::kNoFigures);
}

// One period that does not decline breaks the run: clear, whatever the others show.
TEST(DeclineTest, BrokenRunIsClear) {
  const auto es = Eval(Config(Decline(3)),
                       Park({Out(M(2023, 3), 100), Out(M(2023, 4), 100), Out(M(2023, 5), 100),
                             Out(M(2024, 3), 80), Out(M(2024, 4), 95), Out(M(2024, 5), 80)}));
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kClear);
  EXPECT_EQ(e.figures[1].judgement, Judgement::kDoesNotHold);
  EXPECT_THAT(e.explanation_zh, HasSubstr("不满足“工业总产值（当月）同比连续3期下降10.0%及以上”"));
  EXPECT_THAT(e.explanation_en, HasSubstr("condition not met"));
}

// A period missing from the middle of the run: the periods are not consecutive, not judged.
TEST(DeclineTest, GapInRunIsInsufficient) {
  const auto es = Eval(Config(Decline(3)),
                       Park({Out(M(2023, 3), 100), Out(M(2023, 4), 100), Out(M(2023, 5), 100),
                             Out(M(2024, 3), 80), Out(M(2024, 5), 80)}));
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kInsufficient);
  EXPECT_EQ(e.gap, Gap::kNoFigures);
  EXPECT_EQ(e.figures[1].period, M(2024, 4));
  EXPECT_EQ(e.figures[1].zh, "2024年4月 不作判断：无该期数据");
}

// 1-2月 is compared with 1-2月, and March follows 1-2月 in a run.
TEST(DeclineTest, JanuaryFebruaryComparedWithJanuaryFebruary) {
  const auto es =
      Eval(Config(Decline(2)),
           Park({Out(M(2022, 12), 100), Out(JF(2023), 200), Out(M(2023, 3), 100),
                 Out(M(2023, 12), 80), Out(JF(2024), 170), Out(M(2024, 3), 85)}));
  const AlertEvaluation jf = At(es, JF(2024));
  EXPECT_EQ(jf.outcome, Outcome::kHolds);
  EXPECT_EQ(jf.alert_id, "output_decline|park:P001|2024-01/02");
  ASSERT_EQ(jf.figures.size(), 2u);
  EXPECT_EQ(jf.figures[0].period, M(2023, 12));
  EXPECT_EQ(jf.figures[1].base_period, JF(2023));
  EXPECT_NEAR(*jf.figures[1].rate, -0.15, 1e-12);
  EXPECT_THAT(jf.explanation_zh, HasSubstr("2024年1-2月 -15.0%"));
  EXPECT_THAT(jf.explanation_en, HasSubstr("Jan-Feb 2024 -15.0%"));
  const AlertEvaluation mar = At(es, M(2024, 3));
  EXPECT_EQ(mar.outcome, Outcome::kHolds);
  EXPECT_EQ(mar.figures[0].period, JF(2024));
  EXPECT_EQ(mar.figures[1].period, M(2024, 3));
}

// Separate January and February points are combined into 1-2月; lone months are not
// evaluated.
TEST(DeclineTest, SeparateJanuaryAndFebruaryCombined) {
  PeriodPoint jan = Out(M(2023, 1), 90, 0.95);
  PeriodPoint feb = Out(M(2023, 2), 110, 0.92);
  const auto es = Eval(Config(Decline()),
                       Park({jan, feb, Out(M(2024, 2), 50), Out(JF(2024), 170)}));
  EXPECT_THAT(PeriodKeys(es), ElementsAre("2023-01/02", "2024-01/02"));
  const AlertEvaluation e = At(es, JF(2024));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_EQ(e.figures[0].base_fen, 200);
  EXPECT_EQ(e.figures[0].base_completeness, 0.92);
}

// An incomplete period never fires, even with a steep decline; the explanation says why.
TEST(DeclineTest, IncompletePeriodNeverFires) {
  const auto es =
      Eval(Config(Decline()), Park({Out(M(2023, 3), 1000), Out(M(2024, 3), 500, 0.85)}));
  const AlertEvaluation e = At(es, M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kInsufficient);
  EXPECT_EQ(e.gap, Gap::kIncomplete);
  EXPECT_EQ(e.explanation_zh,
            "园区P001无法判断“工业总产值（当月）同比下降10.0%及以上”：2024年3月 不作判断：报送率"
            "85.0%，低于90.0%");
  EXPECT_EQ(e.explanation_en,
            "Park P001: cannot judge whether output (month) fell by 10.0% or more year on "
            "year: Mar 2024 not judged: completeness 85.0% is below 90.0%");
}

// Completeness exactly at the minimum is complete; unknown completeness is not.
TEST(DeclineTest, CompletenessBoundaryAndUnknown) {
  EXPECT_EQ(At(Eval(Config(Decline()), Park({Out(M(2023, 3), 1000), Out(M(2024, 3), 500, 0.9)})),
               M(2024, 3))
                .outcome,
            Outcome::kHolds);
  PeriodPoint unknown = Out(M(2024, 3), 500);
  unknown.completeness.reset();
  const AlertEvaluation e =
      At(Eval(Config(Decline()), Park({Out(M(2023, 3), 1000), unknown})), M(2024, 3));
  EXPECT_EQ(e.gap, Gap::kIncomplete);
  EXPECT_THAT(e.explanation_en, HasSubstr("completeness unknown"));
}

// An incomplete comparison period (a year earlier) is not judged either.
TEST(DeclineTest, IncompleteComparisonIsInsufficient) {
  const AlertEvaluation e =
      At(Eval(Config(Decline()), Park({Out(M(2023, 3), 1000, 0.8), Out(M(2024, 3), 500)})),
         M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kInsufficient);
  EXPECT_EQ(e.gap, Gap::kComparisonIncomplete);
  EXPECT_THAT(e.explanation_zh, HasSubstr("2023年3月报送率80.0%，低于90.0%"));
}

// An incomplete period inside the run blocks the alert although the latest period holds.
TEST(DeclineTest, IncompletePeriodInRunBlocks) {
  const auto es = Eval(Config(Decline(2)), Park({Out(M(2023, 3), 100), Out(M(2023, 4), 100),
                                                 Out(M(2024, 3), 50, 0.5), Out(M(2024, 4), 50)}));
  const AlertEvaluation e = At(es, M(2024, 4));
  EXPECT_EQ(e.outcome, Outcome::kInsufficient);
  EXPECT_EQ(e.gap, Gap::kIncomplete);
  EXPECT_EQ(e.figures[1].judgement, Judgement::kHolds);
}

// Before the reporting deadline a holding decline is only provisional; from 00:00 CST on
// the day after the deadline it holds.
TEST(DeclineTest, DeadlineGating) {
  const SubjectHistory h = Park({Out(M(2023, 3), 1000), Out(M(2024, 3), 800)});
  const AlertEvaluation early = At(Eval(Config(Decline()), h, Cst(2024, 4, 15, 23)), M(2024, 3));
  EXPECT_EQ(early.outcome, Outcome::kProvisional);
  EXPECT_TRUE(early.condition());
  EXPECT_EQ(early.judged_from, Cst(2024, 4, 16));
  EXPECT_THAT(early.explanation_zh, HasSubstr("待确认（2024年3月报送截止日2024年4月15日未过）"));
  EXPECT_THAT(early.explanation_en,
              HasSubstr("Provisional (the reporting deadline for Mar 2024, 2024-04-15"));
  EXPECT_EQ(At(Eval(Config(Decline()), h, Cst(2024, 4, 16)), M(2024, 3)).outcome,
            Outcome::kHolds);
}

// Deadlines: the period's last day + deadline_days (1-2月 ends with February).
TEST(DeadlineTest, ReportingDeadline) {
  EXPECT_EQ(ReportingDeadline(M(2024, 3), 15), absl::CivilDay(2024, 4, 15));
  EXPECT_EQ(ReportingDeadline(JF(2024), 15), absl::CivilDay(2024, 3, 15));  // 29 Feb + 15
  EXPECT_EQ(ReportingDeadline(JF(2023), 15), absl::CivilDay(2023, 3, 15));
  EXPECT_EQ(ReportingDeadline(M(2024, 12), 15), absl::CivilDay(2025, 1, 15));
  EXPECT_EQ(ReportingDeadline(M(2024, 4), 0), absl::CivilDay(2024, 4, 30));
  EXPECT_EQ(JudgedFrom(M(2024, 4), 0), Cst(2024, 5, 1));
}

// The reporting sequence: March follows 1-2月, 1-2月 follows December.
TEST(PeriodSequenceTest, PreviousReportingPeriod) {
  EXPECT_EQ(PreviousReportingPeriod(M(2024, 3)), JF(2024));
  EXPECT_EQ(PreviousReportingPeriod(JF(2024)), M(2023, 12));
  EXPECT_EQ(PreviousReportingPeriod(M(2024, 7)), M(2024, 6));
}

// Growth from a zero base is undefined: not judged.
TEST(DeclineTest, ZeroBaseIsInsufficient) {
  const AlertEvaluation e =
      At(Eval(Config(Decline()), Park({Out(M(2023, 3), 0), Out(M(2024, 3), 500)})), M(2024, 3));
  EXPECT_EQ(e.gap, Gap::kUndefined);
}

// Tax and year-to-date rules read their own figures; a missing figure is not zero.
TEST(DeclineTest, TaxYearToDate) {
  Rule r = Decline();
  r.name = "tax_ytd";
  r.metric = Metric::kTax;
  r.basis = Basis::kYearToDate;
  PeriodPoint a = Out(M(2023, 6), 1000);
  a.tax_ytd_fen = 5000;
  PeriodPoint b = Out(M(2024, 6), 1000);
  b.tax_ytd_fen = 4000;
  PeriodPoint c = Out(M(2024, 7), 1);  // no tax figure
  const auto es = Eval(Config(r), Park({a, b, c}));
  const AlertEvaluation e = At(es, M(2024, 6));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_NEAR(*e.figures[0].rate, -0.2, 1e-12);
  EXPECT_THAT(e.explanation_zh, HasSubstr("税收（1—本月累计）同比下降10.0%及以上"));
  EXPECT_THAT(e.explanation_en, HasSubstr("tax (year to date) fell by 10.0%"));
  EXPECT_EQ(At(es, M(2024, 7)).gap, Gap::kNoFigures);
}

// Alert ids depend on rule, subject and period only: not on the order of the history or
// on the time of evaluation.
TEST(AlertIdTest, StableIds) {
  EXPECT_EQ(AlertId("lq", Subject{SubjectKind::kParkIndustry, "P001|3670"}, M(2024, 3)),
            "lq|park_industry:P001|3670|2024-03");
  EXPECT_EQ(AlertId("tax_decline", Subject{SubjectKind::kRegion, "222400"}, JF(2024)),
            "tax_decline|region:222400|2024-01/02");
  std::vector<PeriodPoint> pts = {Out(M(2023, 3), 100), Out(M(2023, 4), 100),
                                  Out(M(2024, 3), 80), Out(M(2024, 4), 95)};
  const auto a = Eval(Config(Decline()), Park(pts), Cst(2024, 4, 1));
  std::reverse(pts.begin(), pts.end());
  const auto b = Eval(Config(Decline()), Park(pts), kLate);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].alert_id, b[i].alert_id);
  EXPECT_THAT(PeriodKeys(b), ElementsAre("2023-03", "2023-04", "2024-03", "2024-04"));
}

// A revision that removes the decline turns the evaluation from holds to clear.
TEST(DeclineTest, RevisionRemovesDecline) {
  std::vector<PeriodPoint> pts = {Out(M(2023, 3), 1000), Out(M(2024, 3), 850)};
  EXPECT_EQ(At(Eval(Config(Decline()), Park(pts)), M(2024, 3)).outcome, Outcome::kHolds);
  pts[1].output_month_fen = 990;  // the revised report replaces the figure
  const AlertEvaluation e = At(Eval(Config(Decline()), Park(pts)), M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kClear);
  EXPECT_THAT(e.explanation_zh, HasSubstr("2024年3月 -1.0%"));
}

// A rule applies only to its subject kinds; the park × industry subject is worded in
// both languages.
TEST(EvaluateTest, SubjectKinds) {
  Rule r = Decline();
  r.subjects = {SubjectKind::kParkIndustry};
  const std::vector<PeriodPoint> pts = {Out(M(2023, 3), 1000), Out(M(2024, 3), 800)};
  EXPECT_TRUE(Eval(Config(r), Park(pts)).empty());
  const auto es =
      Eval(Config(r), SubjectHistory{Subject{SubjectKind::kParkIndustry, "P001|3670"}, pts});
  const AlertEvaluation e = At(es, M(2024, 3));
  EXPECT_EQ(e.alert_id, "output_decline|park_industry:P001|3670|2024-03");
  EXPECT_THAT(e.explanation_zh, HasSubstr("园区P001·行业3670"));
  EXPECT_THAT(e.explanation_en, HasSubstr("Park P001, industry 3670:"));
}

// Invalid input is refused with the subject and period named.
TEST(EvaluateTest, InvalidHistory) {
  absl::StatusOr<std::vector<AlertEvaluation>> e =
      Evaluate(Config(Decline()), Park({Out(M(2024, 3), 1), Out(M(2024, 3), 2)}), kLate);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("subject park:P001: period 2024-03 appears more than once"));
  e = Evaluate(Config(Decline()), Park({Out(M(2024, 3), 1, 1.2)}), kLate);
  EXPECT_EQ(e.status().message(),
            "subject park:P001, period 2024-03: completeness 1.2 is outside [0, 1]");
  e = Evaluate(Config(Decline()), Park({Out(Period{2024, 1, true}, 1)}), kLate);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- Enterprise exits ----

PeriodPoint Firms(Period p, std::vector<std::string> ids, double completeness = 1.0) {
  PeriodPoint pt;
  pt.period = p;
  pt.completeness = completeness;
  pt.reporters = static_cast<int64_t>(ids.size());
  pt.reporting_enterprises = std::move(ids);
  return pt;
}

// An enterprise that reported a year earlier but not by this period's deadline exits; the
// explanation names it.
TEST(EnterpriseExitTest, ExitFires) {
  const Rule r = MakeRule("exit", RuleKind::kEnterpriseExit);
  const auto es = Eval(Config(r), Park({Firms(M(2023, 5), {"A", "B", "C"}),
                                        Firms(M(2024, 5), {"A", "C", "D"}, 0.5)}));
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kHolds);  // completeness 0.5 does not gate exits
  EXPECT_THAT(e.figures[0].exited, ElementsAre("B"));
  EXPECT_EQ(e.figures[0].base_reporters, 3);
  EXPECT_EQ(e.explanation_zh,
            "园区P001有1家及以上上年同期报送的企业在报送截止日后未报送：2024年5月 "
            "1家上年同期报送的企业未报送（上年同期3家）：B");
  EXPECT_EQ(e.explanation_en,
            "Park P001: 1 or more enterprises that reported a year earlier did not report by "
            "the deadline: May 2024 1 of 3 enterprises that reported a year earlier did not "
            "report: B");
}

// min_exits is a boundary: exactly min_exits fires, one fewer does not.
TEST(EnterpriseExitTest, MinExitsBoundary) {
  Rule r = MakeRule("exit", RuleKind::kEnterpriseExit);
  r.min_exits = 2;
  const SubjectHistory two =
      Park({Firms(M(2023, 5), {"A", "B", "C"}), Firms(M(2024, 5), {"A"})});
  EXPECT_EQ(At(Eval(Config(r), two), M(2024, 5)).outcome, Outcome::kHolds);
  const SubjectHistory one =
      Park({Firms(M(2023, 5), {"A", "B", "C"}), Firms(M(2024, 5), {"A", "C"})});
  EXPECT_EQ(At(Eval(Config(r), one), M(2024, 5)).outcome, Outcome::kClear);
}

// Exits are never judged before the deadline, nor without the lists of enterprises.
TEST(EnterpriseExitTest, DeadlineAndUnknownList) {
  const Rule r = MakeRule("exit", RuleKind::kEnterpriseExit);
  const SubjectHistory h = Park({Firms(M(2023, 5), {"A", "B"}), Firms(M(2024, 5), {"A"})});
  const AlertEvaluation early = At(Eval(Config(r), h, Cst(2024, 6, 10)), M(2024, 5));
  EXPECT_EQ(early.outcome, Outcome::kInsufficient);
  EXPECT_EQ(early.gap, Gap::kBeforeDeadline);
  EXPECT_THAT(early.explanation_zh, HasSubstr("2024年5月报送截止日2024年6月15日未过"));
  const AlertEvaluation unknown =
      At(Eval(Config(r), Park({Firms(M(2023, 5), {"A", "B"}), Firms(M(2024, 5), {})})),
         M(2024, 5));
  EXPECT_EQ(unknown.gap, Gap::kEnterprisesUnknown);
}

// A rule-level completeness_min gates exits too when set.
TEST(EnterpriseExitTest, OptionalCompletenessGate) {
  Rule r = MakeRule("exit", RuleKind::kEnterpriseExit);
  r.completeness_min = 0.9;
  const AlertEvaluation e =
      At(Eval(Config(r), Park({Firms(M(2023, 5), {"A", "B"}), Firms(M(2024, 5), {"A"}, 0.5)})),
         M(2024, 5));
  EXPECT_EQ(e.gap, Gap::kIncomplete);
}

// ---- Cluster stage ----

PeriodPoint StageAt(Period p, Stage s, double completeness = 1.0) {
  PeriodPoint pt;
  pt.period = p;
  pt.stage = s;
  pt.completeness = completeness;
  return pt;
}

SubjectHistory Cell(std::vector<PeriodPoint> pts) {
  return SubjectHistory{Subject{SubjectKind::kParkIndustry, "P001|3670"}, std::move(pts)};
}

// 集群 a year ago and 集聚 now is a downgrade; the same stage or an upgrade is not.
TEST(StageDowngradeTest, AgainstLastYear) {
  const Rule r = MakeRule("stage", RuleKind::kStageDowngrade);
  const auto es = Eval(Config(r), Cell({StageAt(M(2023, 5), Stage::kCluster),
                                        StageAt(M(2023, 6), Stage::kAgglomeration),
                                        StageAt(M(2024, 5), Stage::kAgglomeration),
                                        StageAt(M(2024, 6), Stage::kCluster)}));
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_EQ(e.explanation_zh,
            "园区P001·行业3670产业集群阶段低于上年同期：2024年5月 集聚（2023年5月 集群）");
  EXPECT_EQ(e.explanation_en,
            "Park P001, industry 3670: the cluster stage was lower than a year earlier: "
            "May 2024 agglomeration (May 2023: cluster)");
  EXPECT_EQ(At(es, M(2024, 6)).outcome, Outcome::kClear);
}

// compare: previous compares with the previous reporting period (March with 1-2月).
TEST(StageDowngradeTest, AgainstPreviousPeriod) {
  Rule r = MakeRule("stage", RuleKind::kStageDowngrade);
  r.compare = Compare::kPrevious;
  const auto es = Eval(Config(r), Cell({StageAt(JF(2024), Stage::kCluster),
                                        StageAt(M(2024, 3), Stage::kConcentration),
                                        StageAt(M(2024, 4), Stage::kConcentration)}));
  const AlertEvaluation e = At(es, M(2024, 3));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_EQ(e.figures[0].base_period, JF(2024));
  EXPECT_EQ(At(es, M(2024, 4)).outcome, Outcome::kClear);
}

// An incomplete period's stage is not judged.
TEST(StageDowngradeTest, IncompleteNotJudged) {
  const Rule r = MakeRule("stage", RuleKind::kStageDowngrade);
  const auto es = Eval(Config(r), Cell({StageAt(M(2023, 5), Stage::kCluster),
                                        StageAt(M(2024, 5), Stage::kNone, 0.4)}));
  EXPECT_EQ(At(es, M(2024, 5)).gap, Gap::kIncomplete);
}

// ---- Location quotient ----

PeriodPoint LqAt(Period p, double lq) {
  PeriodPoint pt;
  pt.period = p;
  pt.lq = lq;
  pt.completeness = 1.0;
  return pt;
}

// Falling below 1.0 from at or above it fires; exactly 1.0 does not; being below already
// a year earlier does not.
TEST(LqBelowTest, Boundaries) {
  const Rule r = MakeRule("lq", RuleKind::kLqBelow);
  auto outcome = [&](double before, double now) {
    return At(Eval(Config(r), Cell({LqAt(M(2023, 5), before), LqAt(M(2024, 5), now)})),
              M(2024, 5))
        .outcome;
  };
  EXPECT_EQ(outcome(1.15, 0.92), Outcome::kHolds);
  EXPECT_EQ(outcome(1.15, 1.0), Outcome::kClear);
  EXPECT_EQ(outcome(1.15, 0.999), Outcome::kHolds);
  EXPECT_EQ(outcome(1.0, 0.9), Outcome::kHolds);
  EXPECT_EQ(outcome(0.95, 0.9), Outcome::kClear);
}

// The LQ explanation gives both figures and the threshold.
TEST(LqBelowTest, Explanation) {
  const Rule r = MakeRule("lq", RuleKind::kLqBelow);
  const AlertEvaluation e =
      At(Eval(Config(r), Cell({LqAt(M(2023, 5), 1.15), LqAt(M(2024, 5), 0.92)})), M(2024, 5));
  EXPECT_EQ(e.explanation_zh,
            "园区P001·行业3670区位商跌破1.00（上年同期不低于1.00）：2024年5月 区位商0.92"
            "（2023年5月 1.15）");
  EXPECT_EQ(e.explanation_en,
            "Park P001, industry 3670: the location quotient fell below 1.00 (from at or above "
            "it a year earlier): May 2024 LQ 0.92 (May 2023: 1.15)");
}

// ---- Dependency ----

PeriodPoint ShareAt(Period p, double share, double completeness = 1.0) {
  PeriodPoint pt;
  pt.period = p;
  pt.top_firm_share = share;
  pt.completeness = completeness;
  return pt;
}

// A share above 50% fires; exactly 50% does not; incomplete periods are not judged.
TEST(DependencyTest, Boundaries) {
  const Rule r = MakeRule("dependency", RuleKind::kDependency);
  const auto es = Eval(Config(r), Park({ShareAt(M(2024, 3), 0.5), ShareAt(M(2024, 4), 0.5001),
                                        ShareAt(M(2024, 5), 0.62),
                                        ShareAt(M(2024, 6), 0.9, 0.7)}));
  EXPECT_EQ(At(es, M(2024, 3)).outcome, Outcome::kClear);
  EXPECT_EQ(At(es, M(2024, 4)).outcome, Outcome::kHolds);
  const AlertEvaluation e = At(es, M(2024, 5));
  EXPECT_EQ(e.outcome, Outcome::kHolds);
  EXPECT_EQ(e.figures[0].base_period, std::nullopt);
  EXPECT_EQ(e.explanation_zh, "园区P001单一企业占工业总产值比重超过50.0%：2024年5月 最大企业占比62.0%");
  EXPECT_EQ(e.explanation_en,
            "Park P001: one enterprise had more than 50.0% of output: May 2024 largest "
            "enterprise 62.0% of output");
  EXPECT_EQ(At(es, M(2024, 6)).gap, Gap::kIncomplete);
}

// Several rules: evaluations come rule by rule, each period in order.
TEST(EvaluateTest, RuleOrder) {
  AlertConfig c;
  c.rules = {MakeRule("dependency", RuleKind::kDependency), Decline()};
  PeriodPoint a = ShareAt(M(2023, 3), 0.2);
  a.output_month_fen = 100;
  PeriodPoint b = ShareAt(M(2024, 3), 0.7);
  b.output_month_fen = 50;
  const auto es = Eval(c, Park({b, a}));
  ASSERT_EQ(es.size(), 4u);
  EXPECT_EQ(es[0].alert_id, "dependency|park:P001|2023-03");
  EXPECT_EQ(es[1].alert_id, "dependency|park:P001|2024-03");
  EXPECT_EQ(es[2].alert_id, "output_decline|park:P001|2023-03");
  EXPECT_EQ(es[3].alert_id, "output_decline|park:P001|2024-03");
  EXPECT_EQ(es[3].outcome, Outcome::kHolds);
}

}  // namespace
}  // namespace cw::alerts
