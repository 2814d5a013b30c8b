#include "common/alerts/lifecycle.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/alerts/evaluate.h"
#include "common/alerts/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::alerts {
namespace {

using domain::Period;
using ::testing::HasSubstr;

absl::Time T(int minute) { return absl::FromUnixSeconds(1'700'000'000) + absl::Minutes(minute); }

AlertEvaluation Ev(Outcome outcome, int confirm = 1, int minute = 0) {
  AlertEvaluation e;
  e.alert_id = "output_decline|park:P001|2024-03";
  e.outcome = outcome;
  e.confirm_evaluations = confirm;
  e.evaluated_at = T(minute);
  e.explanation_zh = std::string("zh:") + std::string(OutcomeName(outcome));
  e.explanation_en = std::string("en:") + std::string(OutcomeName(outcome));
  return e;
}

// Applies `e` to `s` as a caller would: store whatever Transition returns.
std::optional<AlertStatus> Apply(const std::optional<AlertStatus>& s, const AlertEvaluation& e,
                                 bool* changed = nullptr) {
  const std::optional<AlertUpdate> u = Transition(s, e);
  if (changed) *changed = u && u->state_changed;
  return u ? std::optional<AlertStatus>(u->status) : s;
}

// A condition that holds after the deadline fires at once with the default
// confirm_evaluations = 1: version 1, an event, the evaluation's time and explanation.
TEST(TransitionTest, FiresImmediately) {
  const std::optional<AlertUpdate> u = Transition(std::nullopt, Ev(Outcome::kHolds, 1, 5));
  ASSERT_TRUE(u.has_value());
  EXPECT_TRUE(u->state_changed);
  EXPECT_EQ(u->status.alert_id, "output_decline|park:P001|2024-03");
  EXPECT_EQ(u->status.state, AlertState::kFiring);
  EXPECT_EQ(u->status.version, 1);
  EXPECT_EQ(u->status.changed_at, T(5));
  EXPECT_EQ(u->status.explanation_zh, "zh:holds");
  EXPECT_EQ(u->status.explanation_en, "en:holds");
}

// Nothing happens for an alert that never held: clear or insufficient evaluations.
TEST(TransitionTest, NoAlertWithoutCondition) {
  EXPECT_EQ(Transition(std::nullopt, Ev(Outcome::kClear)), std::nullopt);
  EXPECT_EQ(Transition(std::nullopt, Ev(Outcome::kInsufficient)), std::nullopt);
}

// With confirm_evaluations = 3: pending, pending (count stored, no event), then firing.
TEST(TransitionTest, ConfirmationsBeforeFiring) {
  bool changed = false;
  std::optional<AlertStatus> s = Apply(std::nullopt, Ev(Outcome::kHolds, 3, 1), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s->state, AlertState::kPending);
  EXPECT_EQ(s->version, 1);
  EXPECT_EQ(s->confirmations, 1);
  const std::optional<AlertUpdate> second = Transition(s, Ev(Outcome::kHolds, 3, 2));
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->state_changed);
  EXPECT_EQ(second->status.state, AlertState::kPending);
  EXPECT_EQ(second->status.version, 1);
  EXPECT_EQ(second->status.confirmations, 2);
  EXPECT_EQ(second->status.changed_at, T(1));
  s = Apply(second->status, Ev(Outcome::kHolds, 3, 3), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s->state, AlertState::kFiring);
  EXPECT_EQ(s->version, 2);
  EXPECT_EQ(s->changed_at, T(3));
  // Further holding evaluations change nothing.
  EXPECT_EQ(Transition(s, Ev(Outcome::kHolds, 3, 4)), std::nullopt);
}

// Before the deadline a holding condition is pending; after it, it fires.
TEST(TransitionTest, ProvisionalIsPendingUntilDeadline) {
  std::optional<AlertStatus> s = Apply(std::nullopt, Ev(Outcome::kProvisional));
  EXPECT_EQ(s->state, AlertState::kPending);
  EXPECT_EQ(s->confirmations, 0);
  EXPECT_EQ(Transition(s, Ev(Outcome::kProvisional)), std::nullopt);
  s = Apply(s, Ev(Outcome::kHolds));
  EXPECT_EQ(s->state, AlertState::kFiring);
  EXPECT_EQ(s->version, 2);
}

// Firing resolves when the condition no longer holds, and re-opens when it holds again;
// each change adds one to the version.
TEST(TransitionTest, ResolveAndReopen) {
  std::optional<AlertStatus> s = Apply(std::nullopt, Ev(Outcome::kHolds));
  bool changed = false;
  s = Apply(s, Ev(Outcome::kClear, 1, 7), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s->state, AlertState::kResolved);
  EXPECT_EQ(s->version, 2);
  EXPECT_EQ(s->changed_at, T(7));
  EXPECT_EQ(s->explanation_en, "en:clear");
  EXPECT_EQ(Transition(s, Ev(Outcome::kClear)), std::nullopt);
  s = Apply(s, Ev(Outcome::kHolds), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s->state, AlertState::kFiring);
  EXPECT_EQ(s->version, 3);
}

// A pending alert resolves too (e.g. the figures improved before the deadline).
TEST(TransitionTest, PendingResolves) {
  std::optional<AlertStatus> s = Apply(std::nullopt, Ev(Outcome::kProvisional));
  s = Apply(s, Ev(Outcome::kClear));
  EXPECT_EQ(s->state, AlertState::kResolved);
  EXPECT_EQ(s->version, 2);
}

// Missing data neither raises nor resolves: insufficient evaluations change nothing.
TEST(TransitionTest, InsufficientChangesNothing) {
  const std::optional<AlertStatus> firing = Apply(std::nullopt, Ev(Outcome::kHolds));
  EXPECT_EQ(Transition(firing, Ev(Outcome::kInsufficient)), std::nullopt);
  const std::optional<AlertStatus> pending = Apply(std::nullopt, Ev(Outcome::kHolds, 2));
  EXPECT_EQ(Transition(pending, Ev(Outcome::kInsufficient)), std::nullopt);
}

// State names for events and storage.
TEST(AlertStateTest, Names) {
  EXPECT_EQ(AlertStateName(AlertState::kPending), "pending");
  EXPECT_EQ(AlertStateName(AlertState::kFiring), "firing");
  EXPECT_EQ(AlertStateName(AlertState::kResolved), "resolved");
}

// End to end: a decline is pending before the deadline, fires after it, and resolves when
// a revision removes it; the explanations carry the figures of each step.
TEST(LifecycleTest, DeclineRevisionResolves) {
  AlertConfig config;
  config.rules = {MakeRule("output_decline", RuleKind::kDeclineYoY)};
  config.rules[0].consecutive = 1;
  PeriodPoint before;
  before.period = Period{2023, 3, false};
  before.output_month_fen = 100'000'000;  // 100万元
  before.completeness = 1.0;
  PeriodPoint now;
  now.period = Period{2024, 3, false};
  now.output_month_fen = 80'000'000;
  now.completeness = 0.95;
  SubjectHistory h{Subject{SubjectKind::kPark, "P001"}, {before, now}};
  const absl::TimeZone cst = absl::FixedTimeZone(8 * 3600);
  auto eval_2024_03 = [&](absl::Time t) {
    absl::StatusOr<std::vector<AlertEvaluation>> es = Evaluate(config, h, t);
    EXPECT_TRUE(es.ok()) << es.status();
    return es->back();
  };

  std::optional<AlertStatus> s =
      Apply(std::nullopt, eval_2024_03(absl::FromCivil(absl::CivilDay(2024, 4, 10), cst)));
  EXPECT_EQ(s->alert_id, "output_decline|park:P001|2024-03");
  EXPECT_EQ(s->state, AlertState::kPending);

  s = Apply(s, eval_2024_03(absl::FromCivil(absl::CivilDay(2024, 4, 16), cst)));
  EXPECT_EQ(s->state, AlertState::kFiring);
  EXPECT_EQ(s->version, 2);
  EXPECT_THAT(s->explanation_zh, HasSubstr("2024年3月 -20.0%（80.00万元，上年同期100.00万元）"));

  h.points[1].output_month_fen = 95'000'000;  // revision
  bool changed = false;
  s = Apply(s, eval_2024_03(absl::FromCivil(absl::CivilDay(2024, 5, 2), cst)), &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(s->state, AlertState::kResolved);
  EXPECT_EQ(s->version, 3);
  EXPECT_THAT(s->explanation_en, HasSubstr("Mar 2024 -5.0%"));
}

}  // namespace
}  // namespace cw::alerts
