// The Kafka boundary: a producer that returns only once the broker has acknowledged, and a
// consumer that starts each partition where the caller's own state says. Implementations:
// rdkafka.h (librdkafka) for services; fake_producer.h for tests.
// Producer: safe for concurrent use. Consumer: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cw::kafka {

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0;
};

struct OutRecord {
  std::string topic;
  std::string key;
  std::string value;
  // The partition to write to; kAnyPartition: the producer's partitioner (by key).
  static constexpr int32_t kAnyPartition = -1;
  int32_t partition = kAnyPartition;
};

// An OutRecord whose bytes live elsewhere, at least until ProduceAllRefs returns (ingest
// serializes a whole push into one buffer instead of one string per record).
struct OutRecordRef {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
  bool operator==(const TopicPartition& o) const = default;
};

// Settings every client shares. `extra` passes through to librdkafka unchanged
// (security.protocol, ssl.*, sasl.*, ...).
struct ClientOptions {
  std::string brokers;
  std::map<std::string, std::string> extra;
  // A login the broker keeps refusing (SASL or TLS) for this long, with nothing read or
  // delivered meanwhile, ends the process with kExitLoginRefused (login_watch.h); zero:
  // retry for ever.
  absl::Duration login_refused_exit_after = absl::Seconds(30);
};

// The exit status of a program whose Kafka login was refused (EX_CONFIG of sysexits.h: a
// configuration error, which a restart alone does not fix).
inline constexpr int kExitLoginRefused = 78;

class Producer {
 public:
  virtual ~Producer() = default;
  // Sends every record and waits until the broker has acknowledged each one (acks=all,
  // idempotent). OK only when all are stored; otherwise the first delivery error
  // (kUnavailable, kDeadlineExceeded after `timeout`; kResourceExhausted for a record the
  // broker will never take, such as one above its message.max.bytes), and the caller must
  // treat the whole
  // set as not stored (retrying is safe: consumers deduplicate).
  virtual absl::Status ProduceAll(const std::vector<OutRecord>& records,
                                  absl::Duration timeout) = 0;
  // ProduceAll for records by reference. The default copies them into OutRecords and calls
  // ProduceAll (fakes); the librdkafka producer reads them in place.
  virtual absl::Status ProduceAllRefs(const std::vector<OutRecordRef>& records,
                                      absl::Duration timeout) {
    std::vector<OutRecord> copies;
    copies.reserve(records.size());
    for (const auto& r : records) {
      copies.push_back({std::string(r.topic), std::string(r.key), std::string(r.value)});
    }
    return ProduceAll(copies, timeout);
  }
  // Delivery failures seen so far (for metrics).
  virtual int64_t delivery_errors() const = 0;
};

struct ConsumerOptions {
  ClientOptions client;
  std::vector<std::string> topics;
  // With a group id: subscribe as a member of that consumer group (cooperative-sticky).
  // Without: assign every partition of `topics` (a global-table reader).
  std::string group_id;
  // Static group membership (KIP-345): a member that restarts with the same instance id
  // gets its partitions back at once, without a rebalance or waiting for its session to
  // expire. Empty: dynamic membership.
  std::string group_instance_id;
  // Where to start a partition: the next offset to read, or nullopt for the beginning.
  // Called on every assignment, so state kept beside the offsets decides (not the group).
  std::function<std::optional<int64_t>(const TopicPartition&)> start_offset;
  // Called (from Poll) when partitions are taken away or given, after the change.
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
  std::function<void(const std::vector<TopicPartition>&)> on_assigned;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Up to `max` messages, waiting at most `timeout` for the first. Messages consumed before
  // their partition was revoked during the call are dropped; those read after it was
  // assigned again in the same call are kept. An error only for a fatal consumer error.
  virtual absl::StatusOr<std::vector<Message>> Poll(size_t max, absl::Duration timeout) = 0;
  // Records consumed positions in the group (informational: lag tools, monitoring).
  virtual absl::Status CommitToGroup(const std::map<TopicPartition, int64_t>& next) = 0;
  // Messages between the consumer's positions and the high watermarks (from the last fetch).
  virtual int64_t Lag() = 0;
  // True once every assigned partition has been read up to the high watermark that the
  // broker reported when this was first called (a "caught up" check for global tables).
  virtual absl::StatusOr<bool> CaughtUp(absl::Duration timeout) = 0;
  // The assigned partitions that have been read up to the high watermark the broker reported
  // after their latest assignment (asked once per assignment, waiting at most `timeout`; a
  // partition whose watermark cannot be read yet is not in the answer). A partition stays
  // in the answer until it is revoked. The aggregator publishes a partition's snapshots
  // only from then on: its state then holds everything earlier owners had.
  virtual std::vector<TopicPartition> CaughtUpPartitions(absl::Duration timeout) = 0;
  virtual std::vector<TopicPartition> Assignment() = 0;
  // The group's committed next offsets of `partitions` (those with none are absent). With
  // transactions (TransactionalProducer::Commit) these move with the outputs; waits for
  // pending transactional commits to settle (KIP-447 stable offsets), at most `timeout`.
  virtual absl::StatusOr<std::map<TopicPartition, int64_t>> Committed(
      const std::vector<TopicPartition>& partitions, absl::Duration timeout) = 0;
  // Moves the position of assigned partitions back (or forward) to `next`: the messages
  // from there on are delivered again (after an aborted transaction). Unassigned partitions
  // are ignored.
  virtual absl::Status Seek(const std::map<TopicPartition, int64_t>& next) = 0;
};

// A transactional producer tied to a consumer group (Kafka transactions, KIP-98, with the
// group generation fencing of KIP-447): the records sent between Begin and Commit become
// visible to read_committed consumers together with the consumed offsets committed to the
// group, or not at all. A member that lost its partitions (a "zombie" that was frozen past
// its session timeout) cannot commit: the group coordinator refuses its offsets because its
// generation is stale, and its transaction is aborted.
// One thread at a time.
class TransactionalProducer {
 public:
  virtual ~TransactionalProducer() = default;
  // Opens a transaction. REQUIRES: none open.
  virtual absl::Status Begin() = 0;
  // Queues records in the open transaction (asynchronously; delivery errors surface at
  // Commit).
  virtual absl::Status Send(const std::vector<OutRecord>& records) = 0;
  // Commits `offsets` (next offsets to consume) for `consumer`'s group at its current
  // generation together with every record sent. OK: all visible. kAborted: the transaction
  // was aborted (fenced by a newer group generation, or an abortable broker error): none of
  // it is visible and no offset moved; the caller redoes the work from its last commit.
  // Other errors (kUnavailable, kDeadlineExceeded): outcome unknown, treat as aborted.
  virtual absl::Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                              Consumer& consumer) = 0;
  // Aborts the open transaction, if any.
  virtual absl::Status Abort() = 0;
  // The number of partitions of `topic` (for records that choose their partition).
  virtual absl::StatusOr<int> PartitionCount(const std::string& topic,
                                             absl::Duration timeout) = 0;
};

// A stable partition for a string key (FNV-1a, 32 bit): the same key goes to the same
// partition from every process and version. REQUIRES: partitions > 0.
int32_t PartitionFor(std::string_view key, int partitions);

}  // namespace cw::kafka
