// Drives one Stage from a Kafka consumer group in transactions (Kafka Streams' exactly-once
// model, KIP-447): poll, apply to state staged in memory, produce what the stage emits, and
// every commit interval commit the transaction with the consumed offsets (fenced by the
// group generation), then write the staged state and the same offsets to the store in one
// batch. So:
//   - what a committed transaction produced and the group's committed offsets move
//     together; a zombie (an instance frozen past its session timeout) cannot commit, and
//     nothing it produced becomes visible;
//   - the store is never ahead of the group: it is written only after the commit. A crash in
//     between leaves it behind; it resumes from its own offsets and replays up to the
//     group's committed offsets as state only ("silent"), producing nothing that was already
//     committed, then goes on emitting. A partition that comes from another instance is
//     rebuilt the same way from wherever this instance's store left it (or the beginning);
//   - on an aborted transaction, a revoked or lost partition or a store fault, the open
//     transaction is abandoned, the stage forgets it, and every assigned partition is
//     rewound to the store's offsets.
// Run() runs on the calling thread until Stop() (from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aggregator/stage.h"
#include "common/kafka/kafka.h"
#include "common/store/staged_store.h"
#include "common/store/store.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace cw::aggregator {

struct StageRunnerOptions {
  size_t max_batch = 5000;
  absl::Duration poll_timeout = absl::Milliseconds(100);
  // A transaction commits when this much time has passed since it began, when it holds
  // max_transaction_messages, or when a poll returns nothing (idle).
  absl::Duration commit_interval = absl::Milliseconds(100);
  // While a transaction is open, a poll waits at most this long for more: a pushed figure
  // then reaches the next stage a few milliseconds after the push, not a commit interval.
  absl::Duration idle_wait = absl::Milliseconds(5);
  // With more than backlog_messages behind the high watermarks (a replay, a rebuild, a
  // burst), transactions commit every backlog_commit_interval instead: each commit costs
  // one snapshot per changed park-period, and a longer transaction changes the same
  // park-periods many times over for one snapshot each.
  int64_t backlog_messages = 20000;
  absl::Duration backlog_commit_interval = absl::Seconds(2);
  size_t max_transaction_messages = 100000;
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration committed_timeout = absl::Seconds(30);
};

struct StageRunnerMetrics {
  StageRunnerMetrics(prometheus::Registry& registry, const std::string& stage,
                     const std::string& topic_label);
  prometheus::Gauge& healthy;
  prometheus::Gauge& lag;
  prometheus::Gauge& replaying;
  prometheus::Counter& commits;
  prometheus::Counter& aborts;
  prometheus::Counter& store_errors;
  prometheus::Counter& outputs;
  prometheus::Histogram& commit_seconds;
  prometheus::Gauge& open_messages;
};

class StageRunner {
 public:
  StageRunner(std::string name, kafka::Consumer& consumer,
              kafka::TransactionalProducer& producer, store::Store& store, Stage& stage,
              StageRunnerMetrics& metrics, StageRunnerOptions options = {});

  // Returns when stopped (after committing the open transaction), or with an error for a
  // fatal consumer error.
  absl::Status Run();
  void Stop() { stop_.store(true); }
  bool healthy() const { return healthy_.load(); }

  // One poll and what follows it (Run's loop body); for tests.
  absl::Status Step();
  // Commits the open transaction, if any (Run calls it when idle, on an interval, at stop).
  absl::Status CommitOpen();

  // The consumer's rebalance hooks (ConsumerOptions::start_offset, on_assigned,
  // on_revoked): called from inside Consumer::Poll on the runner's thread.
  std::optional<int64_t> StartOffset(const kafka::TopicPartition& tp);
  void OnAssigned(const std::vector<kafka::TopicPartition>& tps);
  void OnRevoked(const std::vector<kafka::TopicPartition>& tps);

 private:
  // The store's next offset of `tp`; nullopt when never committed here.
  absl::StatusOr<std::optional<int64_t>> StoredOffset(const kafka::TopicPartition& tp);
  // Learns the group's committed offsets of newly assigned partitions (the replay bound).
  absl::Status ResolveAssigned();
  // Drops the open transaction and rewinds every assigned partition to the store.
  void Abandon(const std::string& why);
  absl::Status Produce(std::vector<kafka::OutRecord>& out);
  // The commit interval in force: longer while a backlog is being worked off.
  absl::Duration CommitInterval() const;
  void SetHealthy(bool ok);

  std::string name_;
  kafka::Consumer& consumer_;
  kafka::TransactionalProducer& producer_;
  store::Store& store_;
  Stage& stage_;
  StageRunnerMetrics& metrics_;
  StageRunnerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> healthy_{true};
  absl::Duration backoff_ = absl::Milliseconds(100);
  int64_t lag_ = 0;  // from the last poll

  // Per assigned partition: the first offset to emit from (the group's committed offset at
  // assignment; below it, messages are replayed silently). Absent: not yet resolved.
  std::map<kafka::TopicPartition, int64_t> emit_from_;
  std::set<kafka::TopicPartition> unresolved_;
  bool revoked_ = false;

  // The open transaction.
  bool open_ = false;
  std::chrono::steady_clock::time_point opened_at_;
  size_t transaction_messages_ = 0;
  size_t produced_ = 0;  // records sent in the open transaction
  store::StagedStore staged_;
  std::map<kafka::TopicPartition, int64_t> next_offsets_;  // all consumed in the transaction
  std::map<kafka::TopicPartition, int64_t> emitted_offsets_;  // of emitting messages only
};

// Store key of the next offset of a partition.
std::string OffsetKey(const kafka::TopicPartition& tp);

// Every partition's stored next offset, i.e. where this state resumes each partition it is
// assigned (partitions never consumed are absent). Read by `cw-aggregator --print_offsets`.
absl::StatusOr<std::map<kafka::TopicPartition, int64_t>> StoredOffsets(store::Store& store);

}  // namespace cw::aggregator
