// Alert lifecycle: pending → firing → resolved, as a pure state machine over evaluations
// (evaluate.h). The caller keeps one AlertStatus per alert id (e.g. in the state store),
// feeds every new evaluation of that id through Transition, stores what it returns and
// publishes an event when the state changed.
// Value types and pure functions; thread-safe.
//
// States:
//   pending   the condition holds but is not confirmed: fewer than the rule's
//             confirm_evaluations holding evaluations so far, or the period's reporting
//             deadline has not passed (a provisional evaluation);
//   firing    confirmed: confirm_evaluations evaluations in a row in which the condition
//             held after the deadline (confirm_evaluations = 1, the default, fires on the
//             first such evaluation);
//   resolved  was pending or firing and the condition no longer holds (kClear), e.g. a
//             revision or a late report removed the decline. A resolved alert whose
//             condition holds again (another revision) re-opens: pending or firing again.
// Transitions, by evaluation outcome:
//   kHolds         none/resolved → firing if confirm_evaluations <= 1 else pending (count 1);
//                  pending → count + 1, firing when it reaches confirm_evaluations;
//                  firing → unchanged.
//   kProvisional   none/resolved → pending (count 0); pending, firing → unchanged.
//   kClear         pending, firing → resolved (count reset); none, resolved → unchanged.
//   kInsufficient  unchanged, always: missing data neither raises nor resolves an alert.
// Every state change increments the alert's version by one (the first state is version 1),
// so events of one alert id are totally ordered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/alerts/evaluate.h"

namespace cw::alerts {

enum class AlertState { kPending, kFiring, kResolved };
std::string_view AlertStateName(AlertState state);  // pending, firing, resolved

// The stored state of one alert id.
struct AlertStatus {
  std::string alert_id;
  AlertState state = AlertState::kPending;
  int64_t version = 0;     // 1 for the first state, +1 on every state change
  int confirmations = 0;   // holding evaluations in a row while pending
  absl::Time changed_at;   // evaluated_at of the evaluation that changed the state
  // The explanation of the evaluation that changed the state (the figures that made the
  // alert fire, or that resolved it).
  std::string explanation_zh;
  std::string explanation_en;
  friend bool operator==(const AlertStatus&, const AlertStatus&) = default;
};

struct AlertUpdate {
  AlertStatus status;  // to store under status.alert_id
  bool state_changed = false;  // publish an event (status.version was incremented)
};

// The next status of an alert after `evaluation`; nullopt when nothing changed (nothing to
// store or publish). REQUIRES: previous, when given, has previous->alert_id ==
// evaluation.alert_id.
std::optional<AlertUpdate> Transition(const std::optional<AlertStatus>& previous,
                                      const AlertEvaluation& evaluation);

}  // namespace cw::alerts
