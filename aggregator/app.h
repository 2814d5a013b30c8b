// The aggregator assembled from real parts: RocksDB store, Kafka producer and consumer group,
// and a Runner on its own thread. Used by cw-aggregator's main and the all-in-one process.
// Thread-safe.
#pragma once

#include <memory>
#include <thread>

#include "aggregator/runner.h"
#include "common/store/rocksdb_store.h"

namespace cw::aggregator {

struct AggregatorAppOptions {
  kafka::ClientOptions client;
  kafka::Topics topics;
  std::string group = "cw-aggregator";
  std::string instance_id;  // static membership id; stable across restarts of one instance
  store::RocksDbOptions store;
  RunnerOptions runner;
  AggregatorOptions aggregator;
};

class AggregatorApp {
 public:
  static absl::StatusOr<std::unique_ptr<AggregatorApp>> Start(
      const AggregatorAppOptions& options, prometheus::Registry& metrics);
  ~AggregatorApp();
  // Stops consuming after the batch in progress; Wait() then returns its final status.
  void Shutdown();
  absl::Status Wait();
  bool healthy() const { return runner_->healthy(); }

 private:
  AggregatorApp() = default;
  obs::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<AggregatorMetrics> metrics_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<Runner> runner_;
  std::thread thread_;
  absl::Status final_status_;
};

}  // namespace cw::aggregator
