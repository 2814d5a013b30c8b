// cw-aggregator: the two-stage aggregator (docs/scale-out.md). The enterprise stage consumes
// the reports topic (keyed by enterprise) and produces per-park contributions; the park stage
// consumes those and publishes park-period snapshots; both in Kafka transactions, with their
// state in one RocksDB. Flags: see --help.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include <filesystem>
#include <iostream>
#include "aggregator/app.h"
#include "common/obs/log.h"
#include "common/obs/kafka_settings.h"
#include "common/obs/metrics_server.h"
#include "common/obs/program.h"
#include "common/obs/signals.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, group, "cw-aggregator", "consumer group id");
ABSL_FLAG(std::string, instance_id, "",
          "static group membership id, stable across restarts of this instance (e.g. the "
          "StatefulSet pod name); empty: derived from the absolute --state_dir");
ABSL_FLAG(std::string, state_dir, "var/aggregator", "RocksDB directory");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9102", "Prometheus /metrics listener");
ABSL_FLAG(int64_t, block_cache_mb, 64, "RocksDB block cache size (MiB)");
ABSL_FLAG(int64_t, write_buffer_mb, 32, "RocksDB memtable size (MiB)");
ABSL_FLAG(int64_t, max_batch, 5000, "messages per poll");
ABSL_FLAG(int64_t, commit_interval_ms, 100,
          "commit each stage's Kafka transaction (and its state) at least this often under "
          "load; at once when idle. A park-period's snapshot is published once per commit");
ABSL_FLAG(int64_t, backlog_commit_interval_ms, 2000,
          "the commit interval while a stage is more than --backlog_messages behind (a "
          "replay, a rebuild): fewer, larger transactions, one snapshot per park-period each");
ABSL_FLAG(int64_t, backlog_messages, 20000,
          "consumer lag above which a stage works off a backlog (see "
          "--backlog_commit_interval_ms)");
ABSL_FLAG(std::string, stages, "enterprise,park",
          "the stages this instance runs: enterprise (reports -> contributions), park "
          "(contributions -> park snapshots), or both; each scales out on its own");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");
ABSL_FLAG(bool, print_offsets, false,
          "print the stored next offset of every partition in --state_dir (\"<topic> "
          "<partition> <offset>\" per line: where this state resumes) and exit; the instance "
          "must be stopped");

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  cw::obs::InitProgram(argc, argv, "two-stage aggregator: reports (by enterprise) -> contributions -> park snapshots");
  if (absl::GetFlag(FLAGS_print_offsets)) {
    cw::store::RocksDbOptions o;
    o.path = absl::GetFlag(FLAGS_state_dir);
    if (!std::filesystem::exists(o.path + "/CURRENT")) {
      cw::obs::Error("aggregator", "--print_offsets: no RocksDB database in ", o.path);
      return 1;
    }
    auto store = cw::store::RocksDbStore::Open(o);
    if (!store.ok()) {
      cw::obs::Error("aggregator", store.status().ToString());
      return 1;
    }
    auto offsets = cw::aggregator::StoredOffsets(**store);
    if (!offsets.ok()) {
      cw::obs::Error("aggregator", offsets.status().ToString());
      return 1;
    }
    for (const auto& [tp, off] : *offsets) {
      std::cout << tp.topic << " " << tp.partition << " " << off << "\n";
    }
    return 0;
  }
  auto extra = cw::obs::KafkaSettings(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    cw::obs::Error("aggregator", extra.status().message());
    return 2;
  }
  bool run_enterprise = false, run_park = false;
  const std::string stages = absl::GetFlag(FLAGS_stages);
  for (absl::string_view stage : absl::StrSplit(stages, ',')) {
    if (stage == "enterprise") {
      run_enterprise = true;
    } else if (stage == "park") {
      run_park = true;
    } else {
      cw::obs::Error("aggregator", "--stages: unknown stage '", stage,
                     "' (expected enterprise, park or both, comma-separated)");
      return 2;
    }
  }
  if (cw::obs::FlagCheckDone()) return 0;
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    cw::obs::Error("aggregator", metrics_server.status().ToString());
    return 1;
  }
  cw::aggregator::AggregatorAppOptions options;
  options.client = {absl::GetFlag(FLAGS_brokers), *extra,
                    cw::obs::KafkaLoginRefusedExitAfter()};
  options.topics = cw::kafka::Topics::WithSuffix(absl::GetFlag(FLAGS_topic_suffix));
  options.group = absl::GetFlag(FLAGS_group);
  options.instance_id = absl::GetFlag(FLAGS_instance_id);
  if (options.instance_id.empty()) {
    // One state directory is one instance: its state and its partitions go together.
    std::error_code ec;
    auto abs = std::filesystem::absolute(absl::GetFlag(FLAGS_state_dir), ec).string();
    options.instance_id = absl::StrFormat("cw-aggregator-%016x", std::hash<std::string>{}(abs));
  }
  options.store.path = absl::GetFlag(FLAGS_state_dir);
  options.store.block_cache_bytes = absl::GetFlag(FLAGS_block_cache_mb) << 20;
  options.store.write_buffer_bytes = absl::GetFlag(FLAGS_write_buffer_mb) << 20;
  options.runner.max_batch = static_cast<size_t>(absl::GetFlag(FLAGS_max_batch));
  options.runner.commit_interval = absl::Milliseconds(absl::GetFlag(FLAGS_commit_interval_ms));
  options.runner.backlog_commit_interval =
      absl::Milliseconds(absl::GetFlag(FLAGS_backlog_commit_interval_ms));
  options.runner.backlog_messages = absl::GetFlag(FLAGS_backlog_messages);
  options.run_enterprise_stage = run_enterprise;
  options.run_park_stage = run_park;
  auto app = cw::aggregator::AggregatorApp::Start(options, *registry);
  if (!app.ok()) {
    cw::obs::Error("aggregator", app.status().ToString());
    return 1;
  }
  cw::aggregator::AggregatorApp* raw = app->get();
  cw::obs::OnTermination([raw] { raw->Shutdown(); });
  cw::obs::Info("aggregator", "metrics on port ", (*metrics_server)->port());
  auto status = raw->Wait();
  if (!status.ok()) {
    cw::obs::Error("aggregator", status.ToString());
    return 1;
  }
  cw::obs::Info("aggregator", "stopped");
  return 0;
}
