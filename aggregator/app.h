// The aggregator assembled from real parts: one RocksDB store, and for each stage it runs
// (enterprise, park; both by default) a Kafka consumer group member, a transactional
// producer and a StageRunner on a thread of its own, so one instance keeps two cores busy.
// Used by cw-aggregator's main and the all-in-one process. Thread-safe.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "aggregator/enterprise_stage.h"
#include "aggregator/park_stage.h"
#include "aggregator/stage_runner.h"
#include "common/obs/clock.h"
#include "common/store/rocksdb_store.h"

namespace cw::aggregator {

struct AggregatorAppOptions {
  kafka::ClientOptions client;
  kafka::Topics topics;
  // The enterprise stage's consumer group; the park stage's is "<group>-park".
  std::string group = "cw-aggregator";
  // Static membership id and transactional id base; stable across restarts of one instance.
  std::string instance_id;
  store::RocksDbOptions store;
  StageRunnerOptions runner;
  bool run_enterprise_stage = true;
  bool run_park_stage = true;
};

class AggregatorApp {
 public:
  static absl::StatusOr<std::unique_ptr<AggregatorApp>> Start(
      const AggregatorAppOptions& options, prometheus::Registry& metrics);
  ~AggregatorApp();
  // Stops consuming after the transaction in progress is committed; Wait() then returns
  // the first error of a stage, if any.
  void Shutdown();
  absl::Status Wait();
  bool healthy() const;

 private:
  struct Part {
    std::unique_ptr<kafka::TransactionalProducer> producer;
    std::unique_ptr<Stage> stage;
    std::unique_ptr<StageRunnerMetrics> metrics;
    std::unique_ptr<StageRunner> runner;
    std::unique_ptr<kafka::Consumer> consumer;
    std::thread thread;
    absl::Status final_status;
  };
  AggregatorApp() = default;
  absl::Status StartPart(const AggregatorAppOptions& o, prometheus::Registry& registry,
                         const std::string& stage_name, const std::string& topic,
                         const std::string& group, const std::string& lag_label,
                         std::unique_ptr<Stage> stage,
                         std::unique_ptr<kafka::TransactionalProducer> producer);

  obs::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EnterpriseStageMetrics> enterprise_metrics_;
  std::unique_ptr<ParkStageMetrics> park_metrics_;
  std::vector<std::unique_ptr<Part>> parts_;
};

}  // namespace cw::aggregator
