// cw-aggregator: consumes the reports topic in a consumer group, keeps per-park state in
// RocksDB and publishes park-period snapshots. Flags: see --help.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "aggregator/runner.h"
#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"
#include "common/obs/metrics_server.h"
#include "common/obs/signals.h"
#include "common/store/rocksdb_store.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, group, "cw-aggregator", "consumer group id");
ABSL_FLAG(std::string, state_dir, "var/aggregator", "RocksDB directory");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9102", "Prometheus /metrics listener");
ABSL_FLAG(int64_t, block_cache_mb, 64, "RocksDB block cache size (MiB)");
ABSL_FLAG(int64_t, max_batch, 5000, "messages per committed batch");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using cw::obs::Error;
  auto extra = cw::obs::ParseKeyValues(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    Error("aggregator", "--kafka_config: ", extra.status().message());
    return 2;
  }
  cw::kafka::Topics topics;
  const std::string sfx = absl::GetFlag(FLAGS_topic_suffix);
  topics.reports = "cw.reports." + sfx;
  topics.rejected = "cw.rejected." + sfx;
  topics.park_metrics = "cw.park-metrics." + sfx;

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server = cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                                      registry);
  if (!metrics_server.ok()) {
    Error("aggregator", metrics_server.status().ToString());
    return 1;
  }
  cw::store::RocksDbOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_state_dir);
  store_options.block_cache_bytes = absl::GetFlag(FLAGS_block_cache_mb) << 20;
  auto store = cw::store::RocksDbStore::Open(store_options);
  if (!store.ok()) {
    Error("aggregator", store.status().ToString());
    return 1;
  }
  cw::kafka::ClientOptions client{absl::GetFlag(FLAGS_brokers), *extra};
  auto producer = cw::kafka::NewRdKafkaProducer(client);
  if (!producer.ok()) {
    Error("aggregator", producer.status().ToString());
    return 1;
  }
  cw::obs::SystemClock clock;
  cw::aggregator::AggregatorMetrics metrics(*registry);
  cw::aggregator::Aggregator aggregator(**store, **producer, clock, topics, metrics);

  cw::kafka::ConsumerOptions consumer_options;
  consumer_options.client = client;
  consumer_options.topics = {topics.reports};
  consumer_options.group_id = absl::GetFlag(FLAGS_group);
  consumer_options.start_offset =
      [&aggregator](const cw::kafka::TopicPartition& tp) -> std::optional<int64_t> {
    auto off = aggregator.StoredOffset(tp);
    // Unreadable: replay from the start; revisions and duplicates make replay a no-op.
    if (!off.ok()) return std::nullopt;
    cw::obs::Info("aggregator", "assigned ", tp.topic, "/", tp.partition, " from offset ",
                  off->has_value() ? std::to_string(**off) : std::string("beginning"));
    return *off;
  };
  consumer_options.on_revoked = [](const std::vector<cw::kafka::TopicPartition>& tps) {
    for (const auto& tp : tps) {
      cw::obs::Info("aggregator", "revoked ", tp.topic, "/", tp.partition);
    }
  };
  auto consumer = cw::kafka::NewRdKafkaConsumer(consumer_options);
  if (!consumer.ok()) {
    Error("aggregator", consumer.status().ToString());
    return 1;
  }
  cw::aggregator::RunnerOptions runner_options;
  runner_options.max_batch = static_cast<size_t>(absl::GetFlag(FLAGS_max_batch));
  cw::aggregator::Runner runner(**consumer, aggregator, *registry, runner_options);
  cw::obs::OnTermination([&runner] { runner.Stop(); });
  cw::obs::Info("aggregator", "consuming ", topics.reports, " as group ",
                consumer_options.group_id, "; metrics on port ", (*metrics_server)->port());
  auto status = runner.Run();
  if (!status.ok()) {
    Error("aggregator", status.ToString());
    return 1;
  }
  cw::obs::Info("aggregator", "stopped");
  return 0;
}
