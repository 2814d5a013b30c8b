// librdkafka implementations of Producer and Consumer. See kafka.h for the contracts.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/kafka/kafka.h"

namespace cw::kafka {

// An idempotent producer (enable.idempotence=true, acks=all) with a background thread
// serving delivery reports. kInvalidArgument for a bad configuration.
absl::StatusOr<std::unique_ptr<Producer>> NewRdKafkaProducer(const ClientOptions& options);

// The librdkafka settings NewRdKafkaProducer starts from (ClientOptions' brokers and extra
// settings win): idempotence, acks=all, linger.ms=5, lz4, timeouts. The load tools produce
// with them to measure against the same producer.
std::map<std::string, std::string> ProducerDefaults();

// A transactional producer (kafka.h) with the given transactional.id, registered with the
// broker (init_transactions) before it is returned: one id per instance and stage, stable
// across restarts, so a restarted instance fences its previous incarnation.
absl::StatusOr<std::unique_ptr<TransactionalProducer>> NewRdKafkaTransactionalProducer(
    const ClientOptions& options, const std::string& transactional_id);

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
