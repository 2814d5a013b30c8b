// Stage 2 of the aggregator, keyed by park: consumes the contributions topic (partitioned
// by park) and keeps the latest contribution of every (park, period, enterprise, kind) and
// the park-period aggregates: a contribution replaces the previous one of its key (subtract
// old, add new), so a replayed or redelivered contribution changes nothing and a move is a
// retraction in one park and an addition in another. At the end of each transaction it
// produces one snapshot per park-period that emitting messages changed (the park-metrics
// topic, compacted, key park|period).
//
// State: "c|<park>|<period>|<uscc>|<o|t>" -> ContributionUpdate, "a|<park>|<period>" ->
// ParkAggregate (without firms), "f|<park>|<period>|<uscc>" -> FirmTotals.
// Not thread-safe (see stage.h).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "aggregator/stage.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/kafka/topics.h"
#include "common/obs/clock.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace cw::aggregator {

struct ParkStageMetrics {
  explicit ParkStageMetrics(prometheus::Registry& registry);
  prometheus::Counter& changed;
  prometheus::Counter& unchanged;
  prometheus::Counter& poison;
  prometheus::Counter& snapshots;
};

class ParkStage : public Stage {
 public:
  ParkStage(kafka::Topics topics, const obs::Clock& clock, ParkStageMetrics& metrics);

  absl::Status Apply(const std::vector<kafka::Message>& messages, bool emit,
                     store::StagedStore& state, std::vector<kafka::OutRecord>& out) override;
  absl::Status Flush(store::StagedStore& state, std::vector<kafka::OutRecord>& out) override;
  void Reset() override;

 private:
  absl::StatusOr<clusterwatch::v1::ParkAggregate*> Aggregate(store::StagedStore& state,
                                                             const std::string& park_period);
  absl::Status ApplyToFirm(store::StagedStore& state, const std::string& park_period,
                           const clusterwatch::v1::Contribution& c, int sign);

  kafka::Topics topics_;
  const obs::Clock& clock_;
  ParkStageMetrics& metrics_;
  // Held for the open transaction, written to the state at Flush.
  std::map<std::string, clusterwatch::v1::ParkAggregate> aggregates_;  // park|period
  struct FirmSlot {
    clusterwatch::v1::FirmTotals firm;
    bool present = false;  // false: removed (or never there)
  };
  std::map<std::string, FirmSlot> firms_;  // park|period|uscc
  std::set<std::string> dirty_;            // park|period to publish
};

}  // namespace cw::aggregator
