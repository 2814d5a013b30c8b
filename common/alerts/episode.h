// Episodes: an alert is about a subject's current condition, not about one period. The
// evaluations of one rule over one subject's history (evaluate.h, one per reporting
// period) are read in period order and grouped into episodes:
//   - an episode opens at the first period whose outcome is kHolds or kProvisional (the
//     condition holds there) while no episode of the rule and subject is open;
//   - it continues through every later period whose condition holds (its latest period,
//     period count and figures move on) and through periods that are not judged
//     (kInsufficient: missing data neither raises nor ends a condition);
//   - it ends at the first later period that is judged and where the condition does not
//     hold (kClear): that period resolved it.
// So at most one episode of a (rule, subject) is open, and it is open exactly when the
// condition still holds at the latest judged period of the history. Past episodes are the
// alert history.
//
// An episode's alert id is AlertId(rule, subject, first period): stable while the episode
// continues; a revision that moves an episode's start (or removes it) gives another id, and
// the caller resolves the old one (the alerter does, see alerter.h).
//
// Value types and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/alerts/evaluate.h"

namespace cw::alerts {

struct Episode {
  std::string alert_id;           // AlertId(rule, subject, first)
  domain::Period first;           // the first period that met the rule
  domain::Period latest;          // the latest period that met the rule
  int periods = 0;                // periods from first to latest in which the rule held
  std::optional<domain::Period> ended;  // the judged period that resolved it; nullopt: open
  // The evaluation that stands for the episode now, with alert_id set to the episode's id
  // and the explanations saying since when and for how many periods: while open, the
  // evaluation of the latest period (its outcome kHolds or kProvisional, its figures the
  // latest values); once ended, the evaluation of the period that ended it (kClear, the
  // figures that resolved it).
  AlertEvaluation evaluation;
  bool open() const { return !ended.has_value(); }
};

// The episodes of the evaluations of one rule and one subject, oldest first.
// `evaluations` may come in any order. REQUIRES: all of the same rule and subject, distinct
// periods (as Evaluate returns them for one rule).
std::vector<Episode> Episodes(std::vector<AlertEvaluation> evaluations);

// Every rule's episodes from Evaluate's output for one subject, by rule (in the order the
// rules first appear), then oldest first.
std::vector<Episode> EpisodesByRule(const std::vector<AlertEvaluation>& evaluations);

}  // namespace cw::alerts
