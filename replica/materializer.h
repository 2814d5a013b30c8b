// Materialises the park-metrics, registry, alerts and alert-actions topics into a replica's
// own store (keys built by replica/keys.h):
//   s|<park>|<period>  ParkSnapshot     p|<park>  Park     o|<topic>|<partition>  next offset
//   e|<park>|<uscc>    Enterprise       u|<uscc>  its park
//   r|<code>|<period>  RollupAggregate of a region ("r:<gb2260>", "r:" = all) or group
//                      ("g:<name>"), kept up to date by subtracting a park's previous
//                      snapshot and adding the new one (replica/rollup.h)
//   al|<alert id>      the latest AlertEvent of an alert (a republished older or equal
//                      version is ignored)
//   w|<offset, 20 digits>  the alert-change log WatchAlerts streams (the alerts topic has
//                      one partition, so its offset orders changes; it is the resume token)
//   aa|<alert id>|<offset>  an AlertAction (acknowledge, silence, comment), oldest first
// Each batch of messages and the offsets it advances are written in one store batch, so a
// restarted replica resumes where it stopped, and a new replica rebuilds from the topics.
// Messages that do not decode are sent to the rejected topic (before the store write, so a
// crash cannot lose them) and counted. Thread-safe: Apply runs on the follower thread;
// readers use the store and freshness().
#pragma once

#include <atomic>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "common/kafka/kafka.h"
#include "common/kafka/topics.h"
#include "common/store/rocksdb_store.h"
#include "common/store/store.h"

namespace cw::replica {

class Materializer {
 public:
  // `dead_letters` receives undecodable messages; it must outlive the Materializer.
  Materializer(store::Store& store, kafka::Producer& dead_letters, kafka::Topics topics);
  // Loads the stored freshness; call once before serving.
  absl::Status Init();
  absl::Status Apply(const std::vector<kafka::Message>& messages);
  std::optional<int64_t> StartOffset(const kafka::TopicPartition& tp);

  // Blocks until alert changes beyond `seen` exist or `timeout` passes; returns the current
  // alert-change sequence (a counter that grows whenever w| entries are added).
  int64_t WaitForAlertChanges(int64_t seen, absl::Duration timeout) const;
  int64_t alert_sequence() const;

  // Change versions for answer caches. Every committed batch that stores a newer snapshot of
  // a park, or the park's registry record, takes the next version (after the store write is
  // committed); ParkVersion is the version of the park's last such change (0: none since
  // this Materializer was made), snapshots_version the newest of all parks. A reader that
  // takes a version before reading the store has read data at least that new, so an answer
  // cached with the version is stale exactly when the version has moved on.
  int64_t ParkVersion(const std::string& park_id) const;
  int64_t snapshots_version() const { return snapshots_version_.load(); }

  int64_t as_of_unix_ms() const { return as_of_.load(); }
  int64_t applied() const { return applied_.load(); }
  int64_t undecodable() const { return undecodable_.load(); }

 private:
  store::Store& store_;
  kafka::Producer& dead_letters_;
  kafka::Topics topics_;
  std::atomic<int64_t> as_of_{0};
  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> undecodable_{0};
  std::atomic<int64_t> snapshots_version_{0};
  mutable absl::Mutex versions_mu_;
  absl::flat_hash_map<std::string, int64_t> park_versions_ ABSL_GUARDED_BY(versions_mu_);
  mutable absl::Mutex alerts_mu_;
  int64_t alert_seq_ ABSL_GUARDED_BY(alerts_mu_) = 0;
};

// The parts every materialising service (cw-query, cw-alerter) opens the same way: its
// RocksDB store, a producer for dead letters, and the Materializer over them (initialised).
struct Replica {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<Materializer> materializer;
};
absl::StatusOr<Replica> OpenReplica(const store::RocksDbOptions& store_options,
                                    const kafka::ClientOptions& client, kafka::Topics topics);

}  // namespace cw::replica
