// cw-ingest: the gRPC push endpoint for bureaus. Reads the registry topic into memory,
// validates pushes and writes them to Kafka. Flags: see --help.
#include <algorithm>

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
ABSL_FLAG(int64_t, max_records_per_push, 0,
          "records one push may carry (0: no limit; a push is streamed in batches)");
ABSL_FLAG(int64_t, batch_records, 50000,
          "records of a push validated and produced at a time (memory grows with it)");
ABSL_FLAG(int64_t, max_line_bytes, 256 << 10,
          "a record whose source line is longer is refused as that line and kept on the "
          "rejected topic cut to 4 KiB with its length and hash; keep it below the broker's "
          "message.max.bytes");

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
  options.client = {absl::GetFlag(FLAGS_brokers), *extra,
                    cw::obs::KafkaLoginRefusedExitAfter()};
  options.topics = cw::kafka::Topics::WithSuffix(absl::GetFlag(FLAGS_topic_suffix));
  options.listen = absl::GetFlag(FLAGS_listen);
  options.ingest.max_records_per_push =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_max_records_per_push)));
  options.ingest.batch_records =
      static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_batch_records)));
  options.ingest.max_line_bytes =
      static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_max_line_bytes)));
  options.ingest.kept_line_bytes = std::min<size_t>(options.ingest.max_line_bytes, 4096);
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
