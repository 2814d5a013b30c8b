#include "aggregator/app.h"

#include "absl/strings/str_cat.h"
#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"

namespace cw::aggregator {

absl::Status AggregatorApp::StartPart(const AggregatorAppOptions& o,
                                      prometheus::Registry& registry,
                                      const std::string& stage_name, const std::string& topic,
                                      const std::string& group, const std::string& lag_label,
                                      std::unique_ptr<Stage> stage,
                                      std::unique_ptr<kafka::TransactionalProducer> producer) {
  auto part = std::make_unique<Part>();
  part->producer = std::move(producer);
  part->stage = std::move(stage);
  part->metrics = std::make_unique<StageRunnerMetrics>(registry, stage_name, lag_label);
  // The runner exists before the consumer: the consumer's rebalance hooks call into it.
  kafka::ConsumerOptions c;
  c.client = o.client;
  c.client.extra.emplace("isolation.level", "read_committed");
  c.topics = {topic};
  c.group_id = group;
  c.group_instance_id = o.instance_id;
  Part* raw = part.get();
  c.start_offset = [raw](const kafka::TopicPartition& tp) {
    return raw->runner->StartOffset(tp);
  };
  c.on_assigned = [raw](const std::vector<kafka::TopicPartition>& tps) {
    raw->runner->OnAssigned(tps);
  };
  c.on_revoked = [raw](const std::vector<kafka::TopicPartition>& tps) {
    raw->runner->OnRevoked(tps);
  };
  // The hooks run only inside Poll, on the runner's thread, once the runner exists.
  auto made = kafka::NewRdKafkaConsumer(c);
  if (!made.ok()) return made.status();
  part->consumer = std::move(*made);
  part->runner = std::make_unique<StageRunner>(stage_name, *part->consumer, *part->producer,
                                               *store_, *part->stage, *part->metrics, o.runner);
  part->thread = std::thread([raw] { raw->final_status = raw->runner->Run(); });
  obs::Info(stage_name, "consuming ", topic, " as group ", group);
  parts_.push_back(std::move(part));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AggregatorApp>> AggregatorApp::Start(
    const AggregatorAppOptions& o, prometheus::Registry& metrics) {
  std::unique_ptr<AggregatorApp> app(new AggregatorApp());
  auto store = store::RocksDbStore::Open(o.store);
  if (!store.ok()) return store.status();
  app->store_ = std::move(*store);
  // The first version's state (one park-keyed stage) cannot be continued.
  bool old_layout = false;
  auto scanned = app->store_->Scan("d|", [&](std::string_view, std::string_view) {
    old_layout = true;
    return false;
  });
  if (!scanned.ok()) return scanned;
  if (old_layout) {
    return absl::FailedPreconditionError(absl::StrCat(
        o.store.path, ": the state store holds dirty marks (d|...) of the first, park-keyed "
                      "aggregator; delete the state directory: the two-stage aggregator "
                      "rebuilds it from the reports topic (docs/scale-out.md, \"Upgrade\")"));
  }
  if (o.run_enterprise_stage) {
    auto producer = kafka::NewRdKafkaTransactionalProducer(
        o.client, absl::StrCat(o.instance_id, "-enterprise"));
    if (!producer.ok()) return producer.status();
    auto partitions = (*producer)->PartitionCount(o.topics.contributions, absl::Seconds(60));
    if (!partitions.ok()) return partitions.status();
    app->enterprise_metrics_ = std::make_unique<EnterpriseStageMetrics>(metrics);
    auto stage = std::make_unique<EnterpriseStage>(o.topics, *partitions,
                                                   *app->enterprise_metrics_);
    if (auto s = app->StartPart(o, metrics, "enterprise", o.topics.reports, o.group, "reports",
                                std::move(stage), std::move(*producer));
        !s.ok()) {
      return s;
    }
  }
  if (o.run_park_stage) {
    auto producer = kafka::NewRdKafkaTransactionalProducer(
        o.client, absl::StrCat(o.instance_id, "-park"));
    if (!producer.ok()) return producer.status();
    app->park_metrics_ = std::make_unique<ParkStageMetrics>(metrics);
    auto stage = std::make_unique<ParkStage>(o.topics, app->clock_, *app->park_metrics_);
    if (auto s = app->StartPart(o, metrics, "park", o.topics.contributions,
                                absl::StrCat(o.group, "-park"), "contributions",
                                std::move(stage), std::move(*producer));
        !s.ok()) {
      return s;
    }
  }
  return app;
}

bool AggregatorApp::healthy() const {
  for (const auto& p : parts_) {
    if (!p->runner->healthy()) return false;
  }
  return true;
}

void AggregatorApp::Shutdown() {
  for (auto& p : parts_) p->runner->Stop();
}

absl::Status AggregatorApp::Wait() {
  absl::Status first;
  for (auto& p : parts_) {
    if (p->thread.joinable()) p->thread.join();
    if (first.ok()) first = p->final_status;
  }
  return first;
}

AggregatorApp::~AggregatorApp() {
  Shutdown();
  Wait().IgnoreError();
}

}  // namespace cw::aggregator
