#include "query/app.h"

#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace cw::query {

absl::StatusOr<std::unique_ptr<QueryApp>> QueryApp::Start(const QueryAppOptions& o,
                                                          prometheus::Registry& metrics) {
  std::unique_ptr<QueryApp> app(new QueryApp());
  auto replica = replica::OpenReplica(o.store, o.client, o.topics);
  if (!replica.ok()) return replica.status();
  app->store_ = std::move(replica->store);
  app->producer_ = std::move(replica->producer);
  app->materializer_ = std::move(replica->materializer);
  auto& applied_gauge = prometheus::BuildGauge()
                            .Name("cw_query_materialized_records")
                            .Help("park-metrics and registry records applied")
                            .Register(metrics)
                            .Add({});
  auto& lag_gauge = prometheus::BuildGauge()
                        .Name("cw_kafka_consumer_lag")
                        .Help("Messages behind the high watermark")
                        .Register(metrics)
                        .Add({{"topic", "park-metrics+registry"}});
  auto& errors = prometheus::BuildCounter()
                     .Name("cw_query_materialize_errors_total")
                     .Help("Store writes that failed while materialising (retried)")
                     .Register(metrics)
                     .Add({});
  kafka::ConsumerOptions follow;
  follow.client = o.client;
  follow.topics = {o.topics.park_metrics, o.topics.registry, o.topics.alerts,
                   o.topics.alert_actions};
  replica::Materializer* materializer = app->materializer_.get();
  follow.start_offset = [materializer](const kafka::TopicPartition& tp) {
    auto off = materializer->StartOffset(tp);
    obs::Info("query", "reading ", tp.topic, "/", tp.partition, " from offset ",
              off ? std::to_string(*off) : std::string("beginning"));
    return off;
  };
  auto consumer = kafka::NewRdKafkaConsumer(follow);
  if (!consumer.ok()) return consumer.status();
  QueryApp* raw = app.get();
  app->follower_ = std::make_unique<kafka::TableFollower>(
      std::move(*consumer), [=, &applied_gauge, &lag_gauge,
                             &errors](const std::vector<kafka::Message>& messages) {
        // A failed write is retried until it succeeds: skipping would lose snapshots.
        while (true) {
          auto s = materializer->Apply(messages);
          if (s.ok()) break;
          errors.Increment();
          obs::Error("query", "materialising: ", s.ToString(), "; retrying");
          absl::SleepFor(absl::Seconds(1));
        }
        applied_gauge.Set(static_cast<double>(materializer->applied()));
        lag_gauge.Set(static_cast<double>(raw->follower_->lag()));
      });
  app->follower_->Start();
  app->metrics_ = std::make_unique<QueryMetrics>(metrics);
  app->guard_ = std::make_unique<security::Guard>(o.security.credentials, o.security.guard,
                                                  app->clock_, metrics);
  app->service_ = std::make_unique<QueryService>(*app->store_, *app->materializer_,
                                                 *app->metrics_, o.metrics, app->guard_.get(),
                                                 o.answer_cache_bytes);
  app->service_->EnableAlertActions(*app->producer_, o.topics.alert_actions, app->clock_);
  obs::GrpcServerOptions server_options;
  server_options.address = o.listen;
  server_options.credentials = o.security.server_credentials;
  server_options.sync_cqs = o.grpc_cqs;
  server_options.sync_min_pollers = o.grpc_min_pollers;
  server_options.sync_max_pollers = o.grpc_max_pollers;
  // NOT_SERVING until the replica has read its topics to the end, so a rebuilding replica
  // is kept out of the load balancer (readiness probe on grpc.health.v1).
  server_options.serving_at_start = false;
  app->wire_ = std::make_unique<QueryWireService>(app->service_.get());
  auto server = obs::StartGrpcServer(server_options, {app->wire_.get()});
  if (!server.ok()) return server.status();
  app->server_ = std::move(*server);
  app->readiness_ = std::thread([raw] {
    while (!raw->follower_->WaitCaughtUp(absl::Seconds(1)).ok()) {
      if (raw->stopping_.load()) return;
    }
    raw->server_.server->GetHealthCheckService()->SetServingStatus(true);
    obs::Info("query", "caught up with its topics after reading ", raw->follower_->applied(),
              " records: SERVING");
  });
  obs::Info("query", "serving on port ", app->server_.port);
  return app;
}

void QueryApp::Shutdown() {
  stopping_.store(true);
  if (server_.server) {
    server_.server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
}

QueryApp::~QueryApp() {
  Shutdown();
  if (readiness_.joinable()) readiness_.join();
  if (follower_) follower_->Stop();
}

}  // namespace cw::query
