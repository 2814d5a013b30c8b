// The aggregator's two stages share one shape: a Stage applies consumed messages to state
// staged for the open Kafka transaction and says what to produce; a StageRunner
// (stage_runner.h) drives it from a consumer group, transactionally. Implementations:
// EnterpriseStage (reports keyed by enterprise -> contributions keyed by park) and
// ParkStage (contributions -> park-period snapshots). See docs/scale-out.md.
//
// Not thread-safe: one runner thread drives a Stage.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "common/kafka/kafka.h"
#include "common/store/staged_store.h"

namespace cw::aggregator {

class Stage {
 public:
  virtual ~Stage() = default;

  // Applies `messages` (in offset order per partition) to `state`, the staging of the open
  // transaction. With `emit`, appends to `out` the records they produce (or holds them until
  // Flush). Without `emit` the messages are a replay of what an earlier owner of their
  // partitions already produced and committed: state only, nothing produced.
  // An error abandons the transaction (nothing of it is committed; the runner redoes it).
  virtual absl::Status Apply(const std::vector<kafka::Message>& messages, bool emit,
                             store::StagedStore& state, std::vector<kafka::OutRecord>& out) = 0;

  // Before the transaction commits: appends what the stage held back (e.g. one snapshot per
  // changed park-period) and writes what it kept in memory to `state`.
  virtual absl::Status Flush(store::StagedStore& state, std::vector<kafka::OutRecord>& out) = 0;

  // The open transaction was abandoned: forget what the stage held for it.
  virtual void Reset() = 0;
};

}  // namespace cw::aggregator
