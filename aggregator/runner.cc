#include "aggregator/runner.h"

#include "common/obs/log.h"

namespace cw::aggregator {

Runner::Runner(kafka::Consumer& consumer, Aggregator& aggregator,
               prometheus::Registry& registry, RunnerOptions options)
    : consumer_(consumer),
      aggregator_(aggregator),
      options_(options),
      healthy_gauge_(prometheus::BuildGauge()
                         .Name("cw_aggregator_healthy")
                         .Help("1 while batches commit; 0 while a store or Kafka fault "
                               "holds consumption")
                         .Register(registry)
                         .Add({})),
      lag_gauge_(prometheus::BuildGauge()
                     .Name("cw_kafka_consumer_lag")
                     .Help("Messages behind the high watermark over assigned partitions")
                     .Register(registry)
                     .Add({{"topic", "reports"}})) {
  healthy_gauge_.Set(1);
}

absl::Status Runner::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  bool pending_publish = true;  // republish what a previous run left unacknowledged
  while (!stop_.load()) {
    const auto owned = consumer_.Assignment();
    if (pending_publish && !owned.empty()) {
      auto n = aggregator_.PublishPending(owned);
      if (n.ok()) {
        if (*n > 0) obs::Info("aggregator", "republished ", *n, " pending snapshots");
        pending_publish = false;
      } else {
        obs::Warn("aggregator", "publishing pending snapshots: ", n.status().ToString());
      }
    }
    auto batch = consumer_.Poll(options_.max_batch, options_.poll_timeout);
    if (!batch.ok()) return batch.status();
    lag_gauge_.Set(static_cast<double>(consumer_.Lag()));
    if (batch->empty()) {
      // Idle: publish what coalescing held back (AggregatorOptions::publish_interval).
      if (aggregator_.has_unpublished()) {
        auto n = aggregator_.PublishUnpublished(consumer_.Assignment());
        if (!n.ok()) {
          obs::Warn("aggregator", "publishing snapshots: ", n.status().ToString());
          pending_publish = true;
        }
      }
      continue;
    }
    // Retry the same batch until it commits: the store is unchanged after a failed write.
    while (!stop_.load()) {
      auto result = aggregator_.ProcessBatch(*batch);
      if (result.ok()) {
        if (!healthy_.exchange(true)) obs::Info("aggregator", "recovered; consuming again");
        healthy_gauge_.Set(1);
        backoff = absl::Milliseconds(100);
        std::map<kafka::TopicPartition, int64_t> next;
        for (const auto& m : *batch) next[{m.topic, m.partition}] = m.offset + 1;
        consumer_.CommitToGroup(next).IgnoreError();  // informational only
        break;
      }
      if (absl::IsUnavailable(result.status()) || absl::IsDeadlineExceeded(result.status())) {
        // Kafka could not take snapshots or dead letters. If the state already committed,
        // the dirty marks remain and the next PublishPending sends them; retrying the batch
        // is a no-op for state (duplicates) and resends the dead letters.
        pending_publish = true;
      }
      healthy_.store(false);
      healthy_gauge_.Set(0);
      obs::Error("aggregator", "batch of ", batch->size(), " not committed: ",
                 result.status().ToString(), "; retrying in ", absl::FormatDuration(backoff));
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  // A clean stop publishes what coalescing held back (the dirty marks cover a failure).
  if (aggregator_.has_unpublished()) {
    auto n = aggregator_.PublishUnpublished(consumer_.Assignment());
    if (!n.ok()) obs::Warn("aggregator", "publishing at stop: ", n.status().ToString());
  }
  return absl::OkStatus();
}

}  // namespace cw::aggregator
