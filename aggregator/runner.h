// Drives an Aggregator from a Kafka consumer group: poll, apply, commit, publish; on a
// store or Kafka error it keeps the batch, marks itself unhealthy, backs off and retries
// the same batch, so nothing is skipped or applied twice. A partition's snapshots are
// published only once it is caught up (Aggregator::SetPublishable): a partition that came
// from another instance, or back after a restart, first replays what it missed. Runs on the
// calling thread until Stop() is called (from any thread).
#pragma once

#include <atomic>
#include <memory>

#include "aggregator/aggregator.h"
#include "prometheus/gauge.h"

namespace cw::aggregator {

struct RunnerOptions {
  size_t max_batch = 5000;
  absl::Duration poll_timeout = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // How long to wait for a newly assigned partition's high watermark.
  absl::Duration watermark_timeout = absl::Milliseconds(500);
};

class Runner {
 public:
  Runner(kafka::Consumer& consumer, Aggregator& aggregator, prometheus::Registry& registry,
         RunnerOptions options = {});
  // Returns when stopped, or with an error for a fatal consumer error.
  absl::Status Run();
  void Stop() { stop_.store(true); }
  bool healthy() const { return healthy_.load(); }

 private:
  kafka::Consumer& consumer_;
  Aggregator& aggregator_;
  RunnerOptions options_;
  prometheus::Gauge& healthy_gauge_;
  prometheus::Gauge& lag_gauge_;
  prometheus::Gauge& catching_up_gauge_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> healthy_{true};
};

}  // namespace cw::aggregator
