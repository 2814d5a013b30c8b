// The alert rules file (YAML): parsing and validation at start-up, with errors that name
// the line, the rule and the field. The format is the one of deploy/alert-rules.yaml:
//
//   defaults:                     # optional; every key optional (see rules.h for defaults)
//     completeness_min: 0.9       # [0, 1]
//     deadline_days: 15           # 0..366
//     confirm_evaluations: 1      # 1..100
//     decline_threshold: -10%     # [-1, 0); a rate (-0.10) or a percentage (-10%)
//     decline_consecutive: 3      # 1..36
//     min_exits: 1                # >= 1
//     lq_threshold: 1.0           # > 0
//     dependency_share: 50%       # (0, 1)
//   rules:                        # required; a list (may be empty: no alerts)
//     - name: output_decline      # required, unique: [A-Za-z0-9_.-]{1,64}
//       kind: decline_yoy         # required: decline_yoy | enterprise_exit |
//                                 #   stage_downgrade | lq_below | dependency
//       metric: output            # decline_yoy: output | tax            (default output)
//       basis: month              # decline_yoy: month | ytd             (default month)
//       threshold: -10%           # decline_yoy, lq_below, dependency     (kind's default)
//       min_exits: 1              # enterprise_exit
//       compare: last_year        # stage_downgrade, lq_below: last_year | previous
//       consecutive: 3            # 1..36; must be 1 with compare: previous
//       subjects: [park, park_industry, region, group]   # kind's default subjects
//       completeness_min: 0.9     # overrides defaults (enterprise_exit: default 0)
//       deadline_days: 15         # overrides defaults
//       confirm_evaluations: 1    # overrides defaults
//
// Rates and shares (threshold of decline_yoy and dependency, completeness_min,
// decline_threshold, dependency_share) may be written as a fraction or with '%'.
// A key a rule's kind does not use is an error, as is any unknown or repeated key.
// Pure function over text (no file I/O); thread-safe.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/alerts/rules.h"

namespace cw::alerts {

// Parses and validates a rules file. Every rule comes back resolved (defaults filled in,
// Rule::line set). Fails with kInvalidArgument, message "line N: ..." (1-based), for YAML
// syntax errors (with the column), a document that is not a mapping, a missing `rules`,
// an unknown, repeated or misplaced key, a missing name or kind, a value of the wrong type
// (a list where a number belongs, "3.5" for a whole number), an unknown kind, metric,
// basis, compare or subject kind, a value out of range (rules.h), and a repeated rule name;
// the message names the rule ('name', or #index when it has none) and the field.
absl::StatusOr<AlertConfig> ParseAlertConfig(std::string_view yaml);

}  // namespace cw::alerts
