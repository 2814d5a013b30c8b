// librdkafka implementations of Producer and Consumer. See kafka.h for the contracts.
#pragma once

#include <memory>

#include "common/kafka/kafka.h"

namespace cw::kafka {

// An idempotent producer (enable.idempotence=true, acks=all) with a background thread
// serving delivery reports. kInvalidArgument for a bad configuration.
absl::StatusOr<std::unique_ptr<Producer>> NewRdKafkaProducer(const ClientOptions& options);

absl::StatusOr<std::unique_ptr<Consumer>> NewRdKafkaConsumer(const ConsumerOptions& options);

// Starts librdkafka's in-process mock cluster (rdkafka_mock.h) and returns its bootstrap
// servers through `brokers`; the cluster lives as long as the returned handle.
// Limits: in memory, bounded, no compaction, no read_committed.
class MockCluster {
 public:
  virtual ~MockCluster() = default;
  virtual std::string bootstrap() const = 0;
  virtual absl::Status CreateTopic(const std::string& topic, int partitions) = 0;
};
absl::StatusOr<std::unique_ptr<MockCluster>> StartMockCluster(int brokers);

}  // namespace cw::kafka
