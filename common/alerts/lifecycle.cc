// Alert lifecycle. See lifecycle.h.
#include "common/alerts/lifecycle.h"

#include <optional>
#include <string_view>

#include "absl/strings/str_format.h"

namespace cw::alerts {
namespace {

bool Open(const std::optional<AlertStatus>& s) {
  return s && (s->state == AlertState::kPending || s->state == AlertState::kFiring);
}

AlertUpdate ChangeTo(const std::optional<AlertStatus>& previous, const AlertEvaluation& e,
                     AlertState state, int confirmations) {
  AlertUpdate u;
  u.status.alert_id = e.alert_id;
  u.status.state = state;
  u.status.version = (previous ? previous->version : 0) + 1;
  u.status.confirmations = confirmations;
  u.status.changed_at = e.evaluated_at;
  u.status.explanation_zh = e.explanation_zh;
  u.status.explanation_en = e.explanation_en;
  u.status.latest_period = previous ? previous->latest_period : std::nullopt;
  u.status.periods = previous ? previous->periods : 0;
  u.status.notified = previous ? previous->notified : false;
  u.state_changed = true;
  u.new_version = true;
  return u;
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "?";
}

std::optional<AlertUpdate> Transition(const std::optional<AlertStatus>& previous,
                                      const AlertEvaluation& e) {
  const int needed = e.confirm_evaluations < 1 ? 1 : e.confirm_evaluations;
  switch (e.outcome) {
    case Outcome::kInsufficient:
      return std::nullopt;
    case Outcome::kClear:
      if (!Open(previous)) return std::nullopt;
      return ChangeTo(previous, e, AlertState::kResolved, 0);
    case Outcome::kProvisional:
      if (Open(previous)) return std::nullopt;
      return ChangeTo(previous, e, AlertState::kPending, 0);
    case Outcome::kHolds:
      if (!Open(previous)) {
        return ChangeTo(previous, e, needed <= 1 ? AlertState::kFiring : AlertState::kPending,
                        1);
      }
      if (previous->state == AlertState::kFiring) return std::nullopt;
      {
        const int count = previous->confirmations + 1;
        if (count >= needed) return ChangeTo(previous, e, AlertState::kFiring, count);
        AlertUpdate u;
        u.status = *previous;
        u.status.confirmations = count;
        u.state_changed = false;
        return u;
      }
  }
  return std::nullopt;
}

std::optional<AlertUpdate> TransitionEpisode(const std::optional<AlertStatus>& previous,
                                             const Episode& episode) {
  if (!previous && !episode.open()) {
    // History: an episode that began and ended before this alert was first seen.
    AlertUpdate h = ChangeTo(previous, episode.evaluation, AlertState::kResolved, 0);
    h.status.latest_period = episode.latest;
    h.status.periods = episode.periods;
    return h;
  }
  std::optional<AlertUpdate> u = Transition(previous, episode.evaluation);
  if (!u) {
    if (!Open(previous) || !episode.open() ||
        (previous->latest_period == episode.latest && previous->periods == episode.periods)) {
      return std::nullopt;
    }
    u.emplace();
    u->status = *previous;
    u->status.version = previous->version + 1;
    u->status.changed_at = episode.evaluation.evaluated_at;
    u->status.explanation_zh = episode.evaluation.explanation_zh;
    u->status.explanation_en = episode.evaluation.explanation_en;
    u->new_version = true;
  } else if (!u->state_changed && previous &&
             (previous->latest_period != episode.latest ||
              previous->periods != episode.periods)) {
    // A pending alert counting confirmations whose episode also moved on.
    u->status.version = previous->version + 1;
    u->status.changed_at = episode.evaluation.evaluated_at;
    u->status.explanation_zh = episode.evaluation.explanation_zh;
    u->status.explanation_en = episode.evaluation.explanation_en;
    u->new_version = true;
  }
  u->status.latest_period = episode.latest;
  u->status.periods = episode.periods;
  return u;
}

AlertUpdate Superseded(const AlertStatus& previous, const std::string& successor_id,
                       absl::Time at) {
  AlertUpdate u;
  u.status = previous;
  u.status.state = AlertState::kResolved;
  u.status.version = previous.version + 1;
  u.status.confirmations = 0;
  u.status.changed_at = at;
  if (successor_id.empty()) {
    u.status.explanation_zh = "据修订或迟到的数据，该告警的起始期已不满足条件，告警解除";
    u.status.explanation_en =
        "Revised or late figures: the alert's first period no longer meets the rule; resolved";
  } else {
    u.status.explanation_zh =
        absl::StrFormat("据修订或迟到的数据，该情况并入告警%s，本告警解除", successor_id);
    u.status.explanation_en = absl::StrFormat(
        "Revised or late figures: the condition belongs to alert %s; this one is resolved",
        successor_id);
  }
  u.state_changed = true;
  u.new_version = true;
  return u;
}

}  // namespace cw::alerts
