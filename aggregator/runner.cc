#include "aggregator/runner.h"

#include <set>
#include <vector>

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
                     .Add({{"topic", "reports"}})),
      catching_up_gauge_(prometheus::BuildGauge()
                             .Name("cw_aggregator_partitions_catching_up")
                             .Help("Assigned partitions not yet read up to where their previous "
                                   "owner stopped; their snapshots are held until then")
                             .Register(registry)
                             .Add({})) {
  healthy_gauge_.Set(1);
}

absl::Status Runner::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  bool pending_publish = false;  // a publish failed: resend every publishable dirty mark
  std::set<kafka::TopicPartition> publishable;
  while (!stop_.load()) {
    auto batch = consumer_.Poll(options_.max_batch, options_.poll_timeout);
    if (!batch.ok()) return batch.status();
    lag_gauge_.Set(static_cast<double>(consumer_.Lag()));
    // Partitions revoked during the poll leave the publishable set before the batch is
    // applied; a newly assigned one joins it once read up to where its previous owner
    // stopped (positions include this batch, which is committed before anything publishes).
    const auto caught_up = consumer_.CaughtUpPartitions(options_.watermark_timeout);
    std::vector<kafka::TopicPartition> newly;
    for (const auto& tp : caught_up) {
      if (publishable.count(tp) == 0) newly.push_back(tp);
    }
    publishable = {caught_up.begin(), caught_up.end()};
    aggregator_.SetPublishable(caught_up);
    catching_up_gauge_.Set(static_cast<double>(consumer_.Assignment().size() - caught_up.size()));
    if (!batch->empty()) {
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
        if (absl::IsUnavailable(result.status()) ||
            absl::IsDeadlineExceeded(result.status())) {
          // Kafka could not take snapshots or dead letters. If the state already committed,
          // the dirty marks remain and PublishPending sends them; retrying the batch is a
          // no-op for state (duplicates) and resends the dead letters.
          pending_publish = true;
        }
        healthy_.store(false);
        healthy_gauge_.Set(0);
        obs::Error("aggregator", "batch of ", batch->size(), " not committed: ",
                   result.status().ToString(), "; retrying in ",
                   absl::FormatDuration(backoff));
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
      }
    }
    if (pending_publish || !newly.empty()) {
      // What a newly caught-up partition marked while catching up, what an earlier run or
      // ownership left unpublished, or (after a failure) every publishable mark.
      auto n = aggregator_.PublishPending(pending_publish ? caught_up : newly);
      if (n.ok()) {
        for (const auto& tp : newly) {
          obs::Info("aggregator", "caught up with ", tp.topic, "/", tp.partition,
                    "; publishing its snapshots");
        }
        if (*n > 0) obs::Info("aggregator", "published ", *n, " pending snapshots");
        pending_publish = false;
      } else {
        obs::Warn("aggregator", "publishing pending snapshots: ", n.status().ToString());
        pending_publish = true;
      }
    } else if (batch->empty() && aggregator_.has_unpublished()) {
      // Idle: publish what coalescing held back (AggregatorOptions::publish_interval).
      auto n = aggregator_.PublishUnpublished();
      if (!n.ok()) {
        obs::Warn("aggregator", "publishing snapshots: ", n.status().ToString());
        pending_publish = true;
      }
    }
  }
  // A clean stop publishes what coalescing held back (the dirty marks cover a failure).
  if (aggregator_.has_unpublished()) {
    auto n = aggregator_.PublishUnpublished();
    if (!n.ok()) obs::Warn("aggregator", "publishing at stop: ", n.status().ToString());
  }
  return absl::OkStatus();
}

}  // namespace cw::aggregator
