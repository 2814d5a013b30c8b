// cw-ingest: the gRPC push endpoint for bureaus. Reads the registry topic into memory,
// validates pushes and writes them to Kafka. Flags: see --help.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/obs/log.h"
#include "common/obs/kafka_settings.h"
#include "common/obs/metrics_server.h"
#include "common/obs/program.h"
#include "common/obs/signals.h"
#include "ingest/app.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9101", "Prometheus /metrics listener");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");
ABSL_FLAG(int64_t, max_records_per_push, 1000000, "records one push may carry");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  cw::obs::InitProgram(argc, argv, "the gRPC push endpoint for bureaus (Kafka producer)");
  auto extra = cw::obs::KafkaSettings(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    cw::obs::Error("ingest", extra.status().message());
    return 2;
  }
  auto security = cw::security::SecurityFromFlags();
  if (!security.ok()) {
    cw::obs::Error("ingest", security.status().message());
    return 2;
  }
  if (cw::obs::FlagCheckDone()) return 0;
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    cw::obs::Error("ingest", metrics_server.status().ToString());
    return 1;
  }
  cw::ingest::IngestAppOptions options;
  options.client = {absl::GetFlag(FLAGS_brokers), *extra};
  options.topics = cw::kafka::Topics::WithSuffix(absl::GetFlag(FLAGS_topic_suffix));
  options.listen = absl::GetFlag(FLAGS_listen);
  options.ingest.max_records_per_push =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_records_per_push));
  options.security = std::move(*security);
  auto app = cw::ingest::IngestApp::Start(options, *registry);
  if (!app.ok()) {
    cw::obs::Error("ingest", app.status().ToString());
    return 1;
  }
  cw::ingest::IngestApp* raw = app->get();
  cw::obs::OnTermination([raw] { raw->Shutdown(); });
  cw::obs::Info("ingest", "metrics on port ", (*metrics_server)->port());
  raw->Wait();
  cw::obs::Info("ingest", "stopped");
  return 0;
}
