// cw-ingest: the gRPC push endpoint for bureaus. Reads the registry topic into memory,
// validates pushes and writes them to Kafka. Flags: see --help.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/kafka/rdkafka.h"
#include "common/kafka/table_follower.h"
#include "common/obs/grpc_server.h"
#include "common/obs/log.h"
#include "common/obs/metrics_server.h"
#include "common/obs/signals.h"
#include "ingest/ingest_service.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9101", "Prometheus /metrics listener");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");
ABSL_FLAG(int64_t, max_records_per_push, 1000000, "records one push may carry");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using cw::obs::Error;
  auto extra = cw::obs::ParseKeyValues(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    Error("ingest", "--kafka_config: ", extra.status().message());
    return 2;
  }
  const std::string sfx = absl::GetFlag(FLAGS_topic_suffix);
  cw::kafka::Topics topics;
  topics.reports = "cw.reports." + sfx;
  topics.registry = "cw.registry." + sfx;
  topics.rejected = "cw.rejected." + sfx;

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    Error("ingest", metrics_server.status().ToString());
    return 1;
  }
  cw::kafka::ClientOptions client{absl::GetFlag(FLAGS_brokers), *extra};
  auto producer = cw::kafka::NewRdKafkaProducer(client);
  if (!producer.ok()) {
    Error("ingest", producer.status().ToString());
    return 1;
  }
  cw::domain::MemoryRegistry parks_and_enterprises;
  cw::kafka::ConsumerOptions follow;
  follow.client = client;
  follow.topics = {topics.registry};
  auto consumer = cw::kafka::NewRdKafkaConsumer(follow);
  if (!consumer.ok()) {
    Error("ingest", consumer.status().ToString());
    return 1;
  }
  cw::kafka::TableFollower follower(
      std::move(*consumer), [&parks_and_enterprises](const auto& messages) {
        for (const auto& m : messages) {
          clusterwatch::v1::RegistryRecord r;
          if (r.ParseFromString(m.value)) parks_and_enterprises.Apply(r);
        }
      });
  follower.Start();
  if (auto s = follower.WaitCaughtUp(absl::Seconds(60)); !s.ok()) {
    Error("ingest", "registry topic ", topics.registry, ": ", s.message());
    return 1;
  }
  cw::obs::SystemClock clock;
  cw::ingest::IngestMetrics metrics(*registry);
  cw::ingest::IngestOptions options;
  options.max_records_per_push = static_cast<size_t>(absl::GetFlag(FLAGS_max_records_per_push));
  cw::ingest::IngestService service(parks_and_enterprises, **producer, clock, topics, metrics,
                                    options);
  auto server = cw::obs::StartGrpcServer({absl::GetFlag(FLAGS_listen)}, {&service});
  if (!server.ok()) {
    Error("ingest", server.status().ToString());
    return 1;
  }
  grpc::Server* raw_server = server->server.get();
  cw::obs::OnTermination([raw_server] {
    raw_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  });
  cw::obs::Info("ingest", "serving on port ", server->port, " (registry: ",
                parks_and_enterprises.Parks("").size(), " parks, ",
                parks_and_enterprises.enterprise_count(), " enterprises); metrics on port ",
                (*metrics_server)->port());
  server->server->Wait();
  follower.Stop();
  cw::obs::Info("ingest", "stopped");
  return 0;
}
