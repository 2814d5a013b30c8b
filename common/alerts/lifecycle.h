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
//
// Episodes (episode.h): the alert of an episode goes through the same states, fed with the
// episode's evaluation (TransitionEpisode). While it stays open, each later period that
// meets the rule (latest period or period count changed) is a new version of the same
// state (an update: new figures, no state change).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/alerts/episode.h"
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
  // Episodes: the latest period that met the rule and how many periods did.
  std::optional<domain::Period> latest_period;
  int periods = 0;
  // The alerter's bookkeeping: the alert was notified (webhook) while open, so its
  // resolution is notified too.
  bool notified = false;
  friend bool operator==(const AlertStatus&, const AlertStatus&) = default;
};

struct AlertUpdate {
  AlertStatus status;  // to store under status.alert_id
  bool state_changed = false;  // the state changed (status.version was incremented)
  bool new_version = false;    // publish an event: state_changed, or an open episode moved on
};

// The next status of an alert after `evaluation`; nullopt when nothing changed (nothing to
// store or publish). REQUIRES: previous, when given, has previous->alert_id ==
// evaluation.alert_id.
std::optional<AlertUpdate> Transition(const std::optional<AlertStatus>& previous,
                                      const AlertEvaluation& evaluation);

// The next status of an episode's alert: Transition over episode.evaluation, the status
// carrying the episode's latest period and period count; an open alert whose episode moved
// on (latest period or count changed) without a state change gets a new version
// (new_version, not state_changed) with the latest figures. An episode that has already
// ended when its alert is first seen (a backfill of history) is stored resolved, version 1.
// `notified` is kept.
// REQUIRES: previous, when given, has previous->alert_id == episode.alert_id.
std::optional<AlertUpdate> TransitionEpisode(const std::optional<AlertStatus>& previous,
                                             const Episode& episode);

// The status of an open alert resolved because its episode no longer exists as it was
// (a revision, or periods that arrived late, moved its start: it belongs to
// `successor_id`; or removed it: `successor_id` empty): version + 1,
// `at` as changed_at, an explanation naming the successor. REQUIRES: previous is open.
AlertUpdate Superseded(const AlertStatus& previous, const std::string& successor_id,
                       absl::Time at);

}  // namespace cw::alerts
