// Arithmetic on Totals (exact, integer fen) and park snapshots built from aggregates.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/period.h"

namespace cw::domain {

// a += sign * b, field by field (sign is +1 or -1).
void AddTotals(clusterwatch::v1::Totals& a, const clusterwatch::v1::Totals& b, int sign);

// Adds (sign +1) or removes (sign -1) a contribution to a park aggregate, including its
// industry breakdown and (output contributions) its firm; industries whose totals become
// all zero are dropped, and so are firms whose figures a removal brings to zero.
// = ApplyContributionTotals + ApplyContributionToFirm on agg.firms.
void ApplyContribution(clusterwatch::v1::ParkAggregate& agg,
                       const clusterwatch::v1::Contribution& c, int sign);

// The park and industry part of ApplyContribution (agg.firms untouched).
void ApplyContributionTotals(clusterwatch::v1::ParkAggregate& agg,
                             const clusterwatch::v1::Contribution& c, int sign);

// True when `c` is an output contribution of a named enterprise: one with a firm entry.
bool HasFirm(const clusterwatch::v1::Contribution& c);

// The firm part of ApplyContribution: applies `c` to `firm` (empty when the firm had no
// entry). Returns false when the firm's entry is to be removed.
bool ApplyContributionToFirm(clusterwatch::v1::FirmTotals& firm,
                             const clusterwatch::v1::Contribution& c, int sign);

// True when every field of `t` is zero.
bool IsZero(const clusterwatch::v1::Totals& t);

// True when every field of `a` equals the same field of `b`.
bool SameTotals(const clusterwatch::v1::Totals& a, const clusterwatch::v1::Totals& b);

// The published snapshot of a park-period: totals, and industries sorted by month gross
// output (largest first, ties by code) with each one's share of the park's month output.
clusterwatch::v1::ParkSnapshot BuildSnapshot(const std::string& park_id, const Period& period,
                                             const clusterwatch::v1::ParkAggregate& agg,
                                             int64_t computed_unix_ms);

// Maps an industry code to the code it is regrouped under (e.g. a class to its division).
using IndustryRegrouping = std::function<std::string(const std::string&)>;

// `s` with its industries regrouped by `code_of`: the totals of the industries that map to
// one code are added (AddTotals), the industries re-sorted and their shares recomputed as
// BuildSnapshot does, and each firm's industry replaced by its mapped code. Park totals,
// period and provenance are kept; disclosure marks are dropped (they belong to the codes
// they were computed for).
clusterwatch::v1::ParkSnapshot RegroupSnapshot(const clusterwatch::v1::ParkSnapshot& s,
                                               const IndustryRegrouping& code_of);

// `r` with its industries and establishment counts regrouped by `code_of` (added).
clusterwatch::v1::RollupAggregate RegroupRollup(const clusterwatch::v1::RollupAggregate& r,
                                                const IndustryRegrouping& code_of);

clusterwatch::v1::Period ToProto(const Period& p);
Period FromProto(const clusterwatch::v1::Period& p);

}  // namespace cw::domain
