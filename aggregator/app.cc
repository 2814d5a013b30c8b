#include "aggregator/app.h"

#include "absl/strings/str_cat.h"
#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"

namespace cw::aggregator {

absl::StatusOr<std::unique_ptr<AggregatorApp>> AggregatorApp::Start(
    const AggregatorAppOptions& o, prometheus::Registry& metrics) {
  std::unique_ptr<AggregatorApp> app(new AggregatorApp());
  auto store = store::RocksDbStore::Open(o.store);
  if (!store.ok()) return store.status();
  app->store_ = std::move(*store);
  auto producer = kafka::NewRdKafkaProducer(o.client);
  if (!producer.ok()) return producer.status();
  app->producer_ = std::move(*producer);
  app->metrics_ = std::make_unique<AggregatorMetrics>(metrics);
  app->aggregator_ = std::make_unique<Aggregator>(*app->store_, *app->producer_, app->clock_,
                                                  o.topics, *app->metrics_, o.aggregator);
  kafka::ConsumerOptions c;
  c.client = o.client;
  c.topics = {o.topics.reports};
  c.group_id = o.group;
  c.group_instance_id = o.instance_id;
  if (auto s = app->aggregator_->CheckStateLayout(); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(o.store.path, ": ", s.message()));
  }
  Aggregator* aggregator = app->aggregator_.get();
  c.start_offset = [aggregator](const kafka::TopicPartition& tp) -> std::optional<int64_t> {
    auto off = aggregator->StoredOffset(tp);
    // Unreadable: replay from the start; revisions and duplicates make replay a no-op.
    if (!off.ok()) return std::nullopt;
    obs::Info("aggregator", "assigned ", tp.topic, "/", tp.partition, " from offset ",
              off->has_value() ? std::to_string(**off) : std::string("beginning"));
    return *off;
  };
  c.on_revoked = [aggregator](const std::vector<kafka::TopicPartition>& tps) {
    // Called between batches: the stored offset is where this instance stopped, and where it
    // resumes if the partition comes back.
    for (const auto& tp : tps) {
      auto off = aggregator->StoredOffset(tp);
      obs::Info("aggregator", "revoked ", tp.topic, "/", tp.partition, " at offset ",
                off.ok() && off->has_value() ? std::to_string(**off) : std::string("beginning"));
    }
  };
  auto consumer = kafka::NewRdKafkaConsumer(c);
  if (!consumer.ok()) return consumer.status();
  app->consumer_ = std::move(*consumer);
  app->runner_ = std::make_unique<Runner>(*app->consumer_, *app->aggregator_, metrics, o.runner);
  AggregatorApp* raw = app.get();
  app->thread_ = std::thread([raw] { raw->final_status_ = raw->runner_->Run(); });
  obs::Info("aggregator", "consuming ", o.topics.reports, " as group ", o.group);
  return app;
}

void AggregatorApp::Shutdown() {
  if (runner_) runner_->Stop();
}

absl::Status AggregatorApp::Wait() {
  if (thread_.joinable()) thread_.join();
  return final_status_;
}

AggregatorApp::~AggregatorApp() {
  Shutdown();
  Wait().IgnoreError();
}

}  // namespace cw::aggregator
