// cw-allinone: ingest, aggregator and query in one process on librdkafka's built-in mock
// cluster — the embedded trial mode where no Kafka broker is at hand. The mock cluster is
// in memory and bounded (about 100k batches per partition), has no compaction and no
// read_committed; everything is lost when the process ends. Use a real broker for anything
// beyond a trial (docs/operations.md).
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "aggregator/app.h"
#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"
#include "common/obs/metrics_server.h"
#include "common/obs/program.h"
#include "common/obs/signals.h"
#include "ingest/app.h"
#include "query/app.h"

ABSL_FLAG(std::string, ingest_listen, "127.0.0.1:50051", "ingest gRPC listen address");
ABSL_FLAG(std::string, query_listen, "127.0.0.1:50052", "query gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9100", "Prometheus /metrics listener");
ABSL_FLAG(std::string, state_dir, "var/allinone", "RocksDB directories (wiped at start)");
ABSL_FLAG(int32_t, partitions, 4, "partitions of the reports and park-metrics topics");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  cw::obs::InitProgram(argc, argv, "ingest, aggregator and query on librdkafka's mock cluster (trial mode)");
  using cw::obs::Error;
  auto security = cw::security::SecurityFromFlags();
  if (!security.ok()) {
    Error("allinone", security.status().message());
    return 2;
  }
  if (cw::obs::FlagCheckDone()) return 0;
  auto cluster = cw::kafka::StartMockCluster(1);
  if (!cluster.ok()) {
    Error("allinone", cluster.status().ToString());
    return 1;
  }
  cw::kafka::Topics topics;
  const int parts = absl::GetFlag(FLAGS_partitions);
  for (const auto& [topic, n] : std::vector<std::pair<std::string, int>>{
           {topics.reports, parts}, {topics.registry, 1}, {topics.rejected, 1},
           {topics.park_metrics, parts}, {topics.contributions, parts}, {topics.alerts, 1}}) {
    if (auto s = (*cluster)->CreateTopic(topic, n); !s.ok()) {
      Error("allinone", s.ToString());
      return 1;
    }
  }
  // The mock cluster loses everything at exit, so state from an earlier run would be stale.
  const std::string dir = absl::GetFlag(FLAGS_state_dir);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const cw::kafka::ClientOptions client{(*cluster)->bootstrap(), {}};
  cw::obs::Info("allinone", "mock Kafka cluster at ", client.brokers);

  auto ingest_metrics = std::make_shared<prometheus::Registry>();
  auto aggregator_metrics = std::make_shared<prometheus::Registry>();
  auto query_metrics = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), ingest_metrics);
  if (!metrics_server.ok()) {
    Error("allinone", metrics_server.status().ToString());
    return 1;
  }
  (*metrics_server)->Add(aggregator_metrics);
  (*metrics_server)->Add(query_metrics);

  cw::ingest::IngestAppOptions io;
  io.security = *security;
  io.client = client;
  io.topics = topics;
  io.listen = absl::GetFlag(FLAGS_ingest_listen);
  auto ingest = cw::ingest::IngestApp::Start(io, *ingest_metrics);
  if (!ingest.ok()) {
    Error("allinone", "ingest: ", ingest.status().ToString());
    return 1;
  }
  cw::aggregator::AggregatorAppOptions ao;
  ao.client = client;
  ao.topics = topics;
  ao.store.path = dir + "/aggregator";
  ao.instance_id = "cw-allinone";
  auto aggregator = cw::aggregator::AggregatorApp::Start(ao, *aggregator_metrics);
  if (!aggregator.ok()) {
    Error("allinone", "aggregator: ", aggregator.status().ToString());
    return 1;
  }
  cw::query::QueryAppOptions qo;
  qo.client = client;
  qo.topics = topics;
  qo.listen = absl::GetFlag(FLAGS_query_listen);
  qo.store.path = dir + "/query";
  qo.security = *security;
  auto query = cw::query::QueryApp::Start(qo, *query_metrics);
  if (!query.ok()) {
    Error("allinone", "query: ", query.status().ToString());
    return 1;
  }
  auto* i = ingest->get();
  auto* a = aggregator->get();
  auto* q = query->get();
  cw::obs::OnTermination([i, a, q] {
    i->Shutdown();
    q->Shutdown();
    a->Shutdown();
  });
  cw::obs::Info("allinone", "ingest on port ", i->port(), ", query on port ", q->port(),
                ", metrics on port ", (*metrics_server)->port());
  i->Wait();
  q->Wait();
  auto status = a->Wait();
  cw::obs::Info("allinone", "stopped");
  return status.ok() ? 0 : 1;
}
