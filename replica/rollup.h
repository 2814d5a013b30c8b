// Region and park-group roll-ups of park snapshots, maintained incrementally: each query
// replica subtracts a park's previous snapshot and adds the new one. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/state.pb.h"

namespace cw::replica {

// The roll-up codes a park belongs to: "r:<county>", "r:<prefecture xxxx00>",
// "r:<province xx0000>", "r:" (the whole system), and "g:<group>" for each group.
std::vector<std::string> RollupCodes(const clusterwatch::v1::Park& park);

// Adds (sign +1) or removes (sign -1) one park snapshot.
void ApplySnapshot(clusterwatch::v1::RollupAggregate& rollup,
                   const clusterwatch::v1::ParkSnapshot& snapshot, int sign);

}  // namespace cw::replica
