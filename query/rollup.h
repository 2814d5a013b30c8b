// Region and park-group roll-ups of park snapshots, maintained incrementally: each query
// replica subtracts a park's previous snapshot and adds the new one. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/state.pb.h"

namespace cw::query {

// The roll-up codes a park belongs to: "r:<county>", "r:<prefecture xxxx00>",
// "r:<province xx0000>", "r:" (the whole system), and "g:<group>" for each group.
std::vector<std::string> RollupCodes(const clusterwatch::v1::Park& park);

// Store key of a roll-up in one period: "r|<code>|<period key>".
std::string RollupKey(const std::string& code, const std::string& period_key);

// Adds (sign +1) or removes (sign -1) one park snapshot.
void ApplySnapshot(clusterwatch::v1::RollupAggregate& rollup,
                   const clusterwatch::v1::ParkSnapshot& snapshot, int sign);

}  // namespace cw::query
