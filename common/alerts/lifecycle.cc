// Alert lifecycle. See lifecycle.h.
#include "common/alerts/lifecycle.h"

#include <optional>
#include <string_view>

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
  u.state_changed = true;
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

}  // namespace cw::alerts
