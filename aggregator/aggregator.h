// The aggregator's core: applies a batch of report messages to the state store and
// publishes changed park-period snapshots. Kafka consumption lives in runner.h; this class
// sees only the Store, the Producer (for snapshots and dead letters) and the Clock.
//
// Exactly-once in effect: the latest revision of every (enterprise, kind, period), the
// derived contributions, the park aggregates, the "dirty" marks of changed park-periods and
// the next offset of every partition are written in ONE store batch per message batch.
// Snapshots are published after that write and their dirty marks cleared after Kafka
// acknowledges them; a crash in between republishes (idempotent upserts on a compacted
// topic). With several instances, a park's snapshots are published only by the owner of its
// partition and only once that owner has caught up with the partition (SetPublishable):
// a snapshot is then never older than one an earlier owner published, so the last record
// of every key on the compacted topic is the newest state. Revision rule: higher revision
// wins; equal revision from the same submission is a duplicate; equal revision from another
// submission wins when received later.
//
// Not thread-safe: one thread drives an Aggregator.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/kafka/kafka.h"
#include "common/kafka/topics.h"
#include "common/obs/clock.h"
#include "common/store/staged_store.h"
#include "common/store/store.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace cw::aggregator {

struct AggregatorMetrics {
  explicit AggregatorMetrics(prometheus::Registry& registry);
  prometheus::Counter& applied;
  prometheus::Counter& duplicates;
  prometheus::Counter& stale;
  prometheus::Counter& poison;
  prometheus::Counter& batches;
  prometheus::Counter& snapshots;
  prometheus::Counter& store_errors;
  prometheus::Counter& publish_errors;
  prometheus::Histogram& batch_seconds;
  prometheus::Gauge& unpublished;
};

// What happened to each message of a batch (for tests and logs).
struct BatchResult {
  int applied = 0;
  int duplicates = 0;
  int stale = 0;
  int poison = 0;
  int snapshots_published = 0;
};

struct AggregatorOptions {
  // Zero: every batch publishes the snapshots it changed. Positive: a batch publishes the
  // park-periods changed since the last publication only when this much time has passed
  // since it; PublishUnpublished() sends the rest (the runner calls it when idle). A
  // park-period changed by many batches is then published once per interval, not per batch.
  absl::Duration publish_interval = absl::ZeroDuration();
};

class Aggregator {
 public:
  Aggregator(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
             kafka::Topics topics, AggregatorMetrics& metrics, AggregatorOptions options = {});

  // Applies `messages` (in offset order per partition) and commits state + offsets
  // atomically, then publishes the changed snapshots. On a store error nothing is
  // committed and the error is returned: the caller retries the same batch later (the
  // state is unchanged). A publish error after the commit is returned as well; the dirty
  // marks stay and PublishPending() retries.
  absl::StatusOr<BatchResult> ProcessBatch(const std::vector<kafka::Message>& messages);

  // Publishes every park-period still marked dirty (after a crash, a failed publish, or
  // while its partition caught up) whose reports come from a partition in `owned` (all when
  // nullopt): a park whose partition moved to another instance is that instance's to
  // publish, from newer state.
  absl::StatusOr<int> PublishPending(
      const std::optional<std::vector<kafka::TopicPartition>>& owned = std::nullopt);

  // Publishes the park-periods committed by earlier batches but not yet published (see
  // AggregatorOptions).
  absl::StatusOr<int> PublishUnpublished();
  bool has_unpublished() const { return !unpublished_.empty(); }

  // The partitions whose park snapshots this instance may publish: those it owns and has
  // read up to where their previous owner stopped (kafka::Consumer::CaughtUpPartitions).
  // Until called, every partition is publishable (one instance, tests, benchmarks).
  // Park-periods of other partitions are no longer held for publication; their dirty marks
  // stay in the store, and PublishPending sends them once the partition is publishable
  // again. Without this, an instance could publish, after a rebalance, a snapshot older
  // than the one the partition's new owner had already published.
  void SetPublishable(const std::vector<kafka::TopicPartition>& partitions);

  // Fails with kFailedPrecondition when the store holds state in a layout this version
  // does not read (per-report "c|" rows of the first version): delete the state directory
  // and the aggregator rebuilds it from the reports topic.
  absl::Status CheckStateLayout();

  // The next offset to consume for a partition, from the store; nullopt when never seen.
  absl::StatusOr<std::optional<int64_t>> StoredOffset(const kafka::TopicPartition& tp);

 private:
  enum class Outcome { kApplied, kDuplicate, kStale, kPoison };
  struct YearKey {
    std::string uscc;
    char kind;
    int year;
    bool operator<(const YearKey& o) const {
      return std::tie(uscc, kind, year) < std::tie(o.uscc, o.kind, o.year);
    }
  };

  // Whether park-periods whose reports come from `source` ("topic|partition") may be
  // published now; "" (a park no report of the batch named) always may.
  bool Publishable(const std::string& source) const {
    return !publishable_ || source.empty() || publishable_->count(source) > 0;
  }

  // Publishes the snapshots of `dirty_keys` (park|period) and clears their dirty marks;
  // aggregates found in `committed` (this batch's, just written) are not read back.
  absl::Status PublishDirty(
      const std::set<std::string>& dirty_keys,
      const std::map<std::string, clusterwatch::v1::ParkAggregate*>* committed,
      BatchResult& result);

  store::Store& store_;
  kafka::Producer& producer_;
  const obs::Clock& clock_;
  kafka::Topics topics_;
  AggregatorMetrics& metrics_;
  AggregatorOptions options_;
  // Committed but unpublished park-periods -> "topic|partition" of their reports.
  std::map<std::string, std::string> unpublished_;
  // Sources ("topic|partition") whose snapshots may be published; nullopt: all.
  std::optional<std::set<std::string>> publishable_;
  int64_t last_publish_ms_ = 0;
};

// Store key of the next offset of a partition.
std::string OffsetKey(const kafka::TopicPartition& tp);

// Every partition's stored next offset, i.e. where this state resumes each partition it is
// assigned (partitions never consumed are absent). Read by `cw-aggregator --print_offsets`
// on a stopped instance's directory (a backup, a killed instance).
absl::StatusOr<std::map<kafka::TopicPartition, int64_t>> StoredOffsets(store::Store& store);

}  // namespace cw::aggregator
