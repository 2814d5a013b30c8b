#include "aggregator/stage_runner.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/obs/log.h"

namespace cw::aggregator {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::string OffsetKey(const kafka::TopicPartition& tp) {
  return absl::StrCat("o|", tp.topic, "|", tp.partition);
}

absl::StatusOr<std::map<kafka::TopicPartition, int64_t>> StoredOffsets(store::Store& store) {
  std::map<kafka::TopicPartition, int64_t> out;
  std::string bad;
  auto s = store.Scan("o|", [&](std::string_view key, std::string_view value) {
    // o|<topic>|<partition>: topic names contain no '|'.
    const size_t bar = key.rfind('|');
    int partition = 0;
    int64_t offset = 0;
    if (bar <= 2 || !absl::SimpleAtoi(std::string(key.substr(bar + 1)), &partition) ||
        !absl::SimpleAtoi(std::string(value), &offset)) {
      bad = std::string(key);
      return false;
    }
    out[{std::string(key.substr(2, bar - 2)), partition}] = offset;
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.empty()) return absl::DataLossError(absl::StrCat("malformed offset entry ", bad));
  return out;
}

StageRunnerMetrics::StageRunnerMetrics(prometheus::Registry& registry, const std::string& stage,
                                       const std::string& topic_label)
    : healthy(prometheus::BuildGauge()
                  .Name("cw_aggregator_healthy")
                  .Help("1 while transactions commit; 0 while a store or Kafka fault holds a "
                        "stage back")
                  .Register(registry)
                  .Add({{"stage", stage}})),
      lag(prometheus::BuildGauge()
              .Name("cw_kafka_consumer_lag")
              .Help("Messages behind the high watermark over assigned partitions")
              .Register(registry)
              .Add({{"topic", topic_label}})),
      replaying(prometheus::BuildGauge()
                    .Name("cw_aggregator_partitions_catching_up")
                    .Help("Assigned partitions still replaying (as state only) up to the "
                          "group's committed offset, where their previous owner stopped")
                    .Register(registry)
                    .Add({{"stage", stage}})),
      commits(prometheus::BuildCounter()
                  .Name("cw_aggregator_transactions_total")
                  .Help("Kafka transactions of a stage by outcome")
                  .Register(registry)
                  .Add({{"stage", stage}, {"outcome", "committed"}})),
      aborts(prometheus::BuildCounter()
                 .Name("cw_aggregator_transactions_total")
                 .Help("Kafka transactions of a stage by outcome")
                 .Register(registry)
                 .Add({{"stage", stage}, {"outcome", "abandoned"}})),
      store_errors(prometheus::BuildCounter()
                       .Name("cw_aggregator_store_errors_total")
                       .Help("Failed state-store reads or writes (the work is redone)")
                       .Register(registry)
                       .Add({{"stage", stage}})),
      outputs(prometheus::BuildCounter()
                  .Name("cw_aggregator_records_produced_total")
                  .Help("Records produced in committed transactions")
                  .Register(registry)
                  .Add({{"stage", stage}})),
      commit_seconds(prometheus::BuildHistogram()
                         .Name("cw_aggregator_commit_seconds")
                         .Help("Time to commit one transaction (Kafka, then the store)")
                         .Register(registry)
                         .Add({{"stage", stage}},
                              prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05,
                                                                      0.1, 0.5, 1, 5})),
      open_messages(prometheus::BuildGauge()
                        .Name("cw_aggregator_open_transaction_messages")
                        .Help("Messages consumed into the open transaction (0: none open); "
                              "with zero lag, everything consumed is committed")
                        .Register(registry)
                        .Add({{"stage", stage}})) {}

StageRunner::StageRunner(std::string name, kafka::Consumer& consumer,
                         kafka::TransactionalProducer& producer, store::Store& store,
                         Stage& stage, StageRunnerMetrics& metrics, StageRunnerOptions options)
    : name_(std::move(name)),
      consumer_(consumer),
      producer_(producer),
      store_(store),
      stage_(stage),
      metrics_(metrics),
      options_(options),
      staged_(store) {
  metrics_.healthy.Set(1);
}

absl::StatusOr<std::optional<int64_t>> StageRunner::StoredOffset(
    const kafka::TopicPartition& tp) {
  auto v = store_.Get(OffsetKey(tp));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<int64_t>();
  int64_t off = 0;
  if (!absl::SimpleAtoi(**v, &off)) {
    return absl::DataLossError(absl::StrCat("stored offset of ", tp.topic, "/", tp.partition,
                                            " is not a number: ", **v));
  }
  return std::optional<int64_t>(off);
}

std::optional<int64_t> StageRunner::StartOffset(const kafka::TopicPartition& tp) {
  auto off = StoredOffset(tp);
  // Unreadable: replay from the start; the replay is silent up to the group's offset.
  if (!off.ok()) {
    obs::Warn("aggregator", "stored offset of ", tp.topic, "/", tp.partition, ": ",
              off.status().ToString(), "; replaying from the beginning");
    return std::nullopt;
  }
  // The line tests and operators read to see where a partition resumes.
  obs::Info("aggregator", "assigned ", tp.topic, "/", tp.partition, " from offset ",
            off->has_value() ? std::to_string(**off) : std::string("beginning"));
  return *off;
}

void StageRunner::OnAssigned(const std::vector<kafka::TopicPartition>& tps) {
  for (const auto& tp : tps) {
    emit_from_.erase(tp);
    unresolved_.insert(tp);
  }
}

void StageRunner::OnRevoked(const std::vector<kafka::TopicPartition>& tps) {
  for (const auto& tp : tps) {
    emit_from_.erase(tp);
    unresolved_.erase(tp);
    // Where this instance's state stops for the partition (and resumes if it comes back).
    auto off = StoredOffset(tp);
    obs::Info("aggregator", "revoked ", tp.topic, "/", tp.partition, " at offset ",
              off.ok() && off->has_value() ? std::to_string(**off) : std::string("beginning"));
  }
  revoked_ = true;
}

void StageRunner::SetHealthy(bool ok) {
  if (ok && !healthy_.exchange(true)) obs::Info(name_, "recovered; committing again");
  if (!ok) healthy_.store(false);
  metrics_.healthy.Set(ok ? 1 : 0);
  if (ok) {
    backoff_ = absl::Milliseconds(100);
  } else {
    absl::SleepFor(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  }
}

void StageRunner::Abandon(const std::string& why) {
  obs::Warn(name_, "abandoning the open transaction (", transaction_messages_,
            " messages): ", why, "; rewinding to the stored offsets");
  if (open_) producer_.Abort().IgnoreError();
  if (open_) metrics_.aborts.Increment();
  open_ = false;
  staged_.Discard();
  stage_.Reset();
  next_offsets_.clear();
  emitted_offsets_.clear();
  transaction_messages_ = 0;
  metrics_.open_messages.Set(0);
  produced_ = 0;
  std::map<kafka::TopicPartition, int64_t> rewind;
  for (const auto& tp : consumer_.Assignment()) {
    auto off = StoredOffset(tp);
    rewind[tp] = off.ok() && off->has_value() ? **off : -2;  // -2: the beginning
  }
  if (auto s = consumer_.Seek(rewind); !s.ok()) {
    // The positions are unknown now: the only safe way on is a new start.
    obs::Error(name_, "cannot rewind after abandoning a transaction: ", s.ToString());
    std::abort();
  }
}

absl::Status StageRunner::ResolveAssigned() {
  std::vector<kafka::TopicPartition> ask(unresolved_.begin(), unresolved_.end());
  auto committed = consumer_.Committed(ask, options_.committed_timeout);
  if (!committed.ok()) return committed.status();
  for (const auto& tp : ask) {
    auto it = committed->find(tp);
    const int64_t from = it == committed->end() ? 0 : it->second;
    emit_from_[tp] = from;
    obs::Info(name_, tp.topic, "/", tp.partition, ": the group committed ", from,
              "; replaying as state only up to there");
  }
  unresolved_.clear();
  return absl::OkStatus();
}

absl::Status StageRunner::Produce(std::vector<kafka::OutRecord>& out) {
  if (out.empty()) return absl::OkStatus();
  auto s = producer_.Send(out);
  produced_ += out.size();
  out.clear();
  return s;
}

absl::Duration StageRunner::CommitInterval() const {
  return lag_ > options_.backlog_messages ? options_.backlog_commit_interval
                                          : options_.commit_interval;
}

absl::Status StageRunner::Step() {
  absl::Duration timeout = options_.poll_timeout;
  if (open_) {
    const absl::Duration left = CommitInterval() - absl::Seconds(SecondsSince(opened_at_));
    timeout = std::clamp(left, absl::ZeroDuration(), std::min(timeout, options_.idle_wait));
  }
  auto batch = consumer_.Poll(options_.max_batch, timeout);
  if (!batch.ok()) return batch.status();  // fatal consumer error
  lag_ = consumer_.Lag();
  metrics_.lag.Set(static_cast<double>(lag_));
  if (revoked_) {
    revoked_ = false;
    // What the open transaction did for revoked partitions must not become visible after
    // their new owner started from the group's offsets: drop all of it and redo the rest.
    if (open_) {
      Abandon("partitions were revoked");
      return absl::OkStatus();
    }
  }
  if (!unresolved_.empty()) {
    if (auto s = ResolveAssigned(); !s.ok()) {
      obs::Warn(name_, "committed offsets of new partitions: ", s.ToString());
      if (open_ || !batch->empty()) Abandon("committed offsets unavailable");
      SetHealthy(false);
      return absl::OkStatus();
    }
  }
  if (!batch->empty()) {
    std::vector<kafka::Message> silent, emitting;
    for (auto& m : *batch) {
      const kafka::TopicPartition tp{m.topic, m.partition};
      auto from = emit_from_.find(tp);
      if (from != emit_from_.end() && m.offset < from->second) {
        silent.push_back(std::move(m));
      } else {
        emitting.push_back(std::move(m));
      }
    }
    if (!open_) {
      if (auto s = producer_.Begin(); !s.ok()) {
        Abandon(absl::StrCat("begin transaction: ", s.ToString()));
        SetHealthy(false);
        return absl::OkStatus();
      }
      open_ = true;
      opened_at_ = std::chrono::steady_clock::now();
    }
    std::vector<kafka::OutRecord> out;
    absl::Status s = stage_.Apply(silent, false, staged_, out);
    if (s.ok()) s = stage_.Apply(emitting, true, staged_, out);
    if (s.ok()) s = Produce(out);
    if (!s.ok()) {
      if (!absl::IsAborted(s)) metrics_.store_errors.Increment();
      Abandon(s.ToString());
      SetHealthy(false);
      return absl::OkStatus();
    }
    for (const auto& m : silent) next_offsets_[{m.topic, m.partition}] = m.offset + 1;
    for (const auto& m : emitting) {
      next_offsets_[{m.topic, m.partition}] = m.offset + 1;
      emitted_offsets_[{m.topic, m.partition}] = m.offset + 1;
    }
    transaction_messages_ += silent.size() + emitting.size();
    metrics_.open_messages.Set(static_cast<double>(transaction_messages_));
  }
  int replaying = 0;
  for (const auto& [tp, from] : emit_from_) {
    auto stored = next_offsets_.find(tp);
    int64_t at = 0;
    if (stored != next_offsets_.end()) {
      at = stored->second;
    } else if (auto s = StoredOffset(tp); s.ok() && s->has_value()) {
      at = **s;
    }
    if (at < from) ++replaying;
  }
  metrics_.replaying.Set(replaying);
  if (open_ && (batch->empty() || transaction_messages_ >= options_.max_transaction_messages ||
                absl::Seconds(SecondsSince(opened_at_)) >= CommitInterval())) {
    CommitOpen().IgnoreError();  // logged and redone inside
  }
  return absl::OkStatus();
}

absl::Status StageRunner::CommitOpen() {
  if (!open_) return absl::OkStatus();
  const auto started = std::chrono::steady_clock::now();
  std::vector<kafka::OutRecord> out;
  absl::Status s = stage_.Flush(staged_, out);
  if (s.ok()) s = Produce(out);
  if (!s.ok()) {
    metrics_.store_errors.Increment();
    Abandon(s.ToString());
    SetHealthy(false);
    return s;
  }
  for (const auto& [tp, off] : next_offsets_) staged_.Put(OffsetKey(tp), absl::StrCat(off));
  // Only the offsets of emitted messages go to the group: a silent replay is below the
  // group's offsets, and committing it would move them back.
  s = producer_.Commit(emitted_offsets_, consumer_);
  if (!s.ok()) {
    Abandon(absl::StrCat("commit: ", s.ToString()));
    SetHealthy(false);
    return s;
  }
  open_ = false;
  metrics_.commits.Increment();
  metrics_.outputs.Increment(static_cast<double>(produced_));
  produced_ = 0;
  s = staged_.Commit();
  if (!s.ok()) {
    // Kafka has the transaction; the store stays behind it. Replay up to it silently.
    metrics_.store_errors.Increment();
    for (const auto& [tp, off] : emitted_offsets_) {
      auto [it, added] = emit_from_.emplace(tp, off);
      if (!added) it->second = std::max(it->second, off);
    }
    Abandon(absl::StrCat("store write after a committed transaction: ", s.ToString()));
    SetHealthy(false);
    return s;
  }
  next_offsets_.clear();
  emitted_offsets_.clear();
  transaction_messages_ = 0;
  metrics_.open_messages.Set(0);
  metrics_.commit_seconds.Observe(SecondsSince(started));
  SetHealthy(true);
  return absl::OkStatus();
}

absl::Status StageRunner::Run() {
  while (!stop_.load()) {
    if (auto s = Step(); !s.ok()) {
      obs::Error(name_, "consumer failed: ", s.ToString());
      return s;
    }
  }
  if (auto s = CommitOpen(); !s.ok()) {
    obs::Warn(name_, "commit at stop: ", s.ToString());
  }
  return absl::OkStatus();
}

}  // namespace cw::aggregator
