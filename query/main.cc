// cw-query: a query replica. Materialises the park-metrics and registry topics into its own
// RocksDB and serves clusterwatch.v1.QueryService with reflection and health. See --help.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/obs/log.h"
#include "common/obs/kafka_settings.h"
#include "common/obs/metrics_server.h"
#include "common/obs/program.h"
#include "common/obs/signals.h"
#include "query/app.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9103", "Prometheus /metrics listener");
ABSL_FLAG(std::string, state_dir, "var/query", "RocksDB directory (rebuildable)");
ABSL_FLAG(int64_t, block_cache_mb, 64, "RocksDB block cache size (MiB)");
ABSL_FLAG(int, grpc_cqs, 0, "gRPC sync-server completion queues (0: gRPC's default)");
ABSL_FLAG(int, grpc_min_pollers, 0, "gRPC sync-server min polling threads per queue (0: default)");
ABSL_FLAG(int, grpc_max_pollers, 0, "gRPC sync-server max polling threads per queue (0: default)");
ABSL_FLAG(int64_t, answer_cache_mb, 64,
          "memory for finished GetParkSnapshot answers, reused until a newer snapshot of the "
          "park is applied (MiB; 0: none)");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");
ABSL_FLAG(std::string, metrics_config, "",
          "file of cluster-metric thresholds, 'key = value' per line (see "
          "deploy/metrics.conf); empty: the documented defaults");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  cw::obs::InitProgram(argc, argv, "a query replica: materialises the topics, serves gRPC");
  auto extra = cw::obs::KafkaSettings(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    cw::obs::Error("query", extra.status().message());
    return 2;
  }
  cw::query::QueryAppOptions options;
  options.client = {absl::GetFlag(FLAGS_brokers), *extra,
                    cw::obs::KafkaLoginRefusedExitAfter()};
  options.topics = cw::kafka::Topics::WithSuffix(absl::GetFlag(FLAGS_topic_suffix));
  options.listen = absl::GetFlag(FLAGS_listen);
  options.store.path = absl::GetFlag(FLAGS_state_dir);
  options.store.block_cache_bytes = absl::GetFlag(FLAGS_block_cache_mb) << 20;
  options.grpc_cqs = absl::GetFlag(FLAGS_grpc_cqs);
  options.grpc_min_pollers = absl::GetFlag(FLAGS_grpc_min_pollers);
  options.grpc_max_pollers = absl::GetFlag(FLAGS_grpc_max_pollers);
  options.answer_cache_bytes =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_answer_cache_mb))) << 20;
  if (const std::string path = absl::GetFlag(FLAGS_metrics_config); !path.empty()) {
    std::ifstream in(path);
    if (!in) {
      cw::obs::Error("query", "--metrics_config: cannot read ", path);
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto config = cw::metrics::ParseMetricsConfig(text.str());
    if (!config.ok()) {
      cw::obs::Error("query", "--metrics_config ", path, ": ", config.status().message());
      return 2;
    }
    options.metrics = *config;
  }
  auto security = cw::security::SecurityFromFlags();
  if (!security.ok()) {
    cw::obs::Error("query", security.status().message());
    return 2;
  }
  options.security = std::move(*security);
  if (cw::obs::FlagCheckDone()) return 0;
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    cw::obs::Error("query", metrics_server.status().ToString());
    return 1;
  }
  auto app = cw::query::QueryApp::Start(options, *registry);
  if (!app.ok()) {
    cw::obs::Error("query", app.status().ToString());
    return 1;
  }
  cw::query::QueryApp* raw = app->get();
  cw::obs::OnTermination([raw] { raw->Shutdown(); });
  cw::obs::Info("query", "metrics on port ", (*metrics_server)->port());
  raw->Wait();
  cw::obs::Info("query", "stopped");
  return 0;
}
