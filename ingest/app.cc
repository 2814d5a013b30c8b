#include "ingest/app.h"

#include "common/domain/dead_letter.h"
#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"

namespace cw::ingest {

absl::StatusOr<std::unique_ptr<IngestApp>> IngestApp::Start(const IngestAppOptions& o,
                                                            prometheus::Registry& metrics) {
  std::unique_ptr<IngestApp> app(new IngestApp());
  auto producer = kafka::NewRdKafkaProducer(o.client);
  if (!producer.ok()) return producer.status();
  app->producer_ = std::move(*producer);
  kafka::ConsumerOptions follow;
  follow.client = o.client;
  follow.topics = {o.topics.registry};
  auto consumer = kafka::NewRdKafkaConsumer(follow);
  if (!consumer.ok()) return consumer.status();
  auto* registry = &app->registry_;
  auto* producer_ptr = app->producer_.get();
  const std::string rejected_topic = o.topics.rejected;
  app->follower_ = std::make_unique<kafka::TableFollower>(
      std::move(*consumer),
      [registry, producer_ptr, rejected_topic](const std::vector<kafka::Message>& messages) {
        std::vector<kafka::OutRecord> dead;
        for (const auto& m : messages) {
          clusterwatch::v1::RegistryRecord r;
          if (r.ParseFromString(m.value) &&
              r.body_case() != clusterwatch::v1::RegistryRecord::BODY_NOT_SET) {
            registry->Apply(r);
            continue;
          }
          dead.push_back({rejected_topic, domain::DeadLetterKey(m.topic, m.partition, m.offset),
                          domain::DeadLetter("ingest",
                                             "value is not a clusterwatch.v1.RegistryRecord "
                                             "with a park or enterprise",
                                             m.topic, m.partition, m.offset, m.value)
                              .SerializeAsString()});
        }
        // The registry is re-read from the beginning at every start, so a dead letter lost
        // here is written again next time (same key on the compacted rejected topic).
        if (!dead.empty()) {
          if (auto s = producer_ptr->ProduceAll(dead, absl::Seconds(30)); !s.ok()) {
            obs::Warn("ingest", "dead letters for the registry topic: ", s.ToString());
          }
        }
      });
  app->follower_->Start();
  if (auto s = app->follower_->WaitCaughtUp(o.registry_timeout); !s.ok()) {
    return absl::DeadlineExceededError(
        absl::StrCat("registry topic ", o.topics.registry, ": ", s.message()));
  }
  app->metrics_ = std::make_unique<IngestMetrics>(metrics);
  app->guard_ = std::make_unique<security::Guard>(o.security.credentials, o.security.guard,
                                                  app->clock_, metrics);
  app->service_ = std::make_unique<IngestService>(app->registry_, *app->producer_, app->clock_,
                                                  o.topics, *app->metrics_, o.ingest,
                                                  app->guard_.get());
  obs::GrpcServerOptions server_options;
  server_options.address = o.listen;
  server_options.credentials = o.security.server_credentials;
  auto server = obs::StartGrpcServer(server_options, {app->service_.get()});
  if (!server.ok()) return server.status();
  app->server_ = std::move(*server);
  obs::Info("ingest", "serving on port ", app->server_.port, " (registry: ",
            app->registry_.Parks("").size(), " parks, ", app->registry_.enterprise_count(),
            " enterprises)");
  return app;
}

void IngestApp::Shutdown() {
  if (server_.server) {
    server_.server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
}

IngestApp::~IngestApp() {
  Shutdown();
  if (follower_) follower_->Stop();
}

}  // namespace cw::ingest
