// Primary disclosure control of one published cell (a park total, a park × industry cell, a
// region roll-up): the threshold, dominance (n,k) and p% rules over the cell's contributing
// enterprises (China's Statistics Law: no recipient may see or infer one enterprise's
// figures). Value types and pure functions; thread-safe.
//
// Confidential cells are MARKED (CellStatus), never dropped or zeroed here: the caller blanks
// the value and sets its confidentiality flag. `reason` and the explanations are for the
// statistics office's own audit trail. What goes to other departments should be one uniform
// flag for every confidential cell (e.g. "保密"): telling a recipient that a cell is
// confidential by the threshold rule tells them it has fewer than n_min enterprises, and
// telling primary from secondary suppressions narrows down where the small cells are.
// Explanations never contain values or shares of values, only the enterprise count (for the
// threshold rule) and the rule parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/disclosure/rules.h"

namespace cw::disclosure {

// One enterprise's figure in a cell: `id` is the enterprise (USCC), `value` >= 0 is fen or a
// count. Entries with the same id are one enterprise (their values add up), within a cell
// and, for margins, across the cells of a table.
struct Contributor {
  std::string id;
  int64_t value = 0;
  friend bool operator==(const Contributor&, const Contributor&) = default;
};

// A cell to publish: its id and its contributors, in any order. No contributors is a
// structural zero (published as 0, never confidential).
struct CellInput {
  std::string id;
  std::vector<Contributor> contributors;
};

// Why a cell is confidential. Primary rules are checked in the order threshold, dominance,
// p%; the first that fires is the reason. kSecondary: not confidential itself, suppressed so
// that a confidential cell cannot be derived from published totals (secondary.h).
// kCarried: withheld in an earlier period of the same cumulative series (year to date), so
// withheld now, or the earlier value would be this one minus the period's own (Table::carried).
enum class Reason { kNone, kThreshold, kDominance, kPPercent, kSecondary, kCarried };

// "none", "threshold", "dominance", "p_percent", "secondary", "carried".
std::string_view ReasonName(Reason reason);

struct CellStatus {
  std::string id;
  bool confidential = false;
  Reason reason = Reason::kNone;
  bool structural_zero = false;  // no contributors: published as 0, not confidential
  // E.g. "2 家企业，少于 3 家（门槛规则）" / "2 enterprises, fewer than 3 (threshold rule)";
  // "可公布" / "publishable" when not confidential.
  std::string explanation_zh;
  std::string explanation_en;
  friend bool operator==(const CellStatus&, const CellStatus&) = default;
};

// The contributors of a cell with entries of the same enterprise summed, largest value
// first (ties by id ascending). Fails with kInvalidArgument naming `cell_id` and the entry
// for a contributor without an id, a negative value, or a cell total beyond int64.
absl::StatusOr<std::vector<Contributor>> MergeContributors(
    std::string_view cell_id, const std::vector<Contributor>& contributors);

// The primary status of `cell` (reason kNone, kThreshold, kDominance or kPPercent), with
// enterprises counted after merging entries of the same id. With T the cell total and
// x1 >= x2 >= ... the merged values:
//   - no contributors: structural zero, not confidential;
//   - threshold: fewer than n_min enterprises;
//   - dominance: x1 + ... + x_n > dominance_k · T (n = dominance_n; all of them if fewer);
//   - p%: T − x1 − x2 < p · x1 (x2 = 0 for a single enterprise).
// Comparisons are exact integer arithmetic (shares at 1e-6, see rules.h). Fails with
// kInvalidArgument for invalid rules (ValidateRules) or contributors (MergeContributors).
absl::StatusOr<CellStatus> PrimaryStatus(const CellInput& cell, const Rules& rules);

// The protection a confidential cell whose largest enterprise has `largest` needs from its
// complements (secondary.h): max(1, ceil(p · largest)), in the cell's unit.
// REQUIRES: ValidateRules(rules).ok(), largest >= 0.
int64_t ProtectionLevel(int64_t largest, const Rules& rules);

// The status of a cell suppressed as a complement (reason kSecondary).
CellStatus SecondaryStatus(std::string id);

// The status of a cell withheld because it was withheld earlier in the year (kCarried).
CellStatus CarriedStatus(std::string id);

}  // namespace cw::disclosure
