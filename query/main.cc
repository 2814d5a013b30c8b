// cw-query: a query replica. Materialises the park-metrics and registry topics into its own
// RocksDB and serves clusterwatch.v1.QueryService with reflection and health. See --help.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/kafka/rdkafka.h"
#include "common/kafka/table_follower.h"
#include "common/obs/grpc_server.h"
#include "common/obs/log.h"
#include "common/obs/metrics_server.h"
#include "common/obs/signals.h"
#include "common/store/rocksdb_store.h"
#include "prometheus/gauge.h"
#include "query/query_service.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9103", "Prometheus /metrics listener");
ABSL_FLAG(std::string, state_dir, "var/query", "RocksDB directory (rebuildable)");
ABSL_FLAG(int64_t, block_cache_mb, 64, "RocksDB block cache size (MiB)");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using cw::obs::Error;
  auto extra = cw::obs::ParseKeyValues(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    Error("query", "--kafka_config: ", extra.status().message());
    return 2;
  }
  const std::string sfx = absl::GetFlag(FLAGS_topic_suffix);
  cw::kafka::Topics topics;
  topics.registry = "cw.registry." + sfx;
  topics.park_metrics = "cw.park-metrics." + sfx;

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    Error("query", metrics_server.status().ToString());
    return 1;
  }
  cw::store::RocksDbOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_state_dir);
  store_options.block_cache_bytes = absl::GetFlag(FLAGS_block_cache_mb) << 20;
  auto store = cw::store::RocksDbStore::Open(store_options);
  if (!store.ok()) {
    Error("query", store.status().ToString());
    return 1;
  }
  cw::query::Materializer materializer(**store, topics);
  if (auto s = materializer.Init(); !s.ok()) {
    Error("query", s.ToString());
    return 1;
  }
  auto& applied_gauge = prometheus::BuildGauge()
                            .Name("cw_query_materialized_records")
                            .Help("park-metrics and registry records applied")
                            .Register(*registry)
                            .Add({});
  auto& lag_gauge = prometheus::BuildGauge()
                        .Name("cw_kafka_consumer_lag")
                        .Help("Messages behind the high watermark")
                        .Register(*registry)
                        .Add({{"topic", "park-metrics+registry"}});
  auto& error_counter = prometheus::BuildCounter()
                            .Name("cw_query_materialize_errors_total")
                            .Help("Store writes that failed while materialising (retried)")
                            .Register(*registry)
                            .Add({});
  cw::kafka::ConsumerOptions follow;
  follow.client = {absl::GetFlag(FLAGS_brokers), *extra};
  follow.topics = {topics.park_metrics, topics.registry};
  follow.start_offset = [&materializer](const cw::kafka::TopicPartition& tp) {
    return materializer.StartOffset(tp);
  };
  auto consumer = cw::kafka::NewRdKafkaConsumer(follow);
  if (!consumer.ok()) {
    Error("query", consumer.status().ToString());
    return 1;
  }
  cw::kafka::TableFollower* follower_ptr = nullptr;
  cw::kafka::TableFollower follower(std::move(*consumer), [&](const auto& messages) {
    // A failed write is retried until it succeeds: skipping would lose snapshots.
    while (true) {
      auto s = materializer.Apply(messages);
      if (s.ok()) break;
      error_counter.Increment();
      Error("query", "materialising: ", s.ToString(), "; retrying");
      absl::SleepFor(absl::Seconds(1));
    }
    applied_gauge.Set(static_cast<double>(materializer.applied()));
    if (follower_ptr) lag_gauge.Set(static_cast<double>(follower_ptr->lag()));
  });
  follower_ptr = &follower;
  follower.Start();
  cw::query::QueryMetrics metrics(*registry);
  cw::query::QueryService service(**store, materializer, metrics);
  auto server = cw::obs::StartGrpcServer({absl::GetFlag(FLAGS_listen)}, {&service});
  if (!server.ok()) {
    Error("query", server.status().ToString());
    return 1;
  }
  grpc::Server* raw_server = server->server.get();
  cw::obs::OnTermination([raw_server] {
    raw_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  });
  cw::obs::Info("query", "serving on port ", server->port, "; metrics on port ",
                (*metrics_server)->port());
  server->server->Wait();
  follower.Stop();
  cw::obs::Info("query", "stopped");
  return 0;
}
