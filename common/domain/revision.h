// The revision rule: whether a report replaces the one already accepted for the same
// enterprise, kind and period. Pure; thread-safe. Written down in docs/semantics.md.
//
//   higher revision                         -> applied (replaces)
//   lower revision                          -> stale (ignored)
//   equal revision, same submission         -> duplicate (a redelivery; ignored)
//   equal revision, another submission      -> applied when received later, else stale
//   nothing accepted yet                    -> applied
#pragma once

#include <cstdint>
#include <string_view>

namespace cw::domain {

// What the rule compares of a report.
struct ReportIdentity {
  int32_t revision = 0;
  std::string_view submission_id;
  int64_t received_unix_ms = 0;
};

enum class RevisionOutcome { kApply, kDuplicate, kStale };

// REQUIRES: `accepted` (null when nothing was accepted yet) and `incoming` are of the same
// enterprise, kind and period.
RevisionOutcome JudgeRevision(const ReportIdentity* accepted, const ReportIdentity& incoming);

}  // namespace cw::domain
