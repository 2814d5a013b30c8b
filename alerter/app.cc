#include "alerter/app.h"

#include "alerter/alertmanager.h"

#include "common/kafka/rdkafka.h"
#include "common/obs/log.h"
#include "prometheus/counter.h"

namespace cw::alerter {

absl::StatusOr<std::unique_ptr<AlerterApp>> AlerterApp::Start(const AlerterAppOptions& o,
                                                              prometheus::Registry& metrics) {
  std::unique_ptr<AlerterApp> app(new AlerterApp());
  auto replica = replica::OpenReplica(o.store, o.client, o.topics);
  if (!replica.ok()) return replica.status();
  app->store_ = std::move(replica->store);
  app->producer_ = std::move(replica->producer);
  app->materializer_ = std::move(replica->materializer);
  if (!o.webhook_url.empty()) {
    app->webhook_ = std::make_unique<WebhookSender>(WebhookOptions{.url = o.webhook_url},
                                                    NewCurlPoster(), metrics);
  }
  if (!o.alertmanager_url.empty()) {
    // Open alerts are re-sent at every periodic evaluation; they stay firing four periods.
    const absl::Duration ttl = 4 * o.reevaluate_every;
    WebhookOptions am{.url = AlertmanagerAlertsUrl(o.alertmanager_url)};
    am.body = [ttl](const clusterwatch::v1::AlertEvent& e) {
      return AlertmanagerBody(e, absl::Now(), ttl);
    };
    am.channel = "alertmanager";
    app->alertmanager_ = std::make_unique<WebhookSender>(std::move(am), NewCurlPoster(), metrics);
  }
  app->alerter_ = std::make_unique<Alerter>(*app->store_, *app->producer_, app->clock_, o.rules,
                                            o.metrics, o.topics, metrics, app->webhook_.get(),
                                            app->alertmanager_.get());
  kafka::ConsumerOptions follow;
  follow.client = o.client;
  follow.topics = {o.topics.park_metrics, o.topics.registry};
  replica::Materializer* materializer = app->materializer_.get();
  follow.start_offset = [materializer](const kafka::TopicPartition& tp) {
    return materializer->StartOffset(tp);
  };
  auto consumer = kafka::NewRdKafkaConsumer(follow);
  if (!consumer.ok()) return consumer.status();
  Alerter* alerter = app->alerter_.get();
  const std::string park_metrics = o.topics.park_metrics;
  app->follower_ = std::make_unique<kafka::TableFollower>(
      std::move(*consumer), [=](const std::vector<kafka::Message>& messages) {
        while (true) {
          auto s = materializer->Apply(messages);
          if (s.ok()) break;
          obs::Error("alerter", "materialising: ", s.ToString(), "; retrying");
          absl::SleepFor(absl::Seconds(1));
        }
        std::set<std::string> parks;
        for (const auto& m : messages) {
          if (m.topic == park_metrics) parks.insert(m.key.substr(0, m.key.find('|')));
        }
        if (parks.empty()) return;
        // A failure is retried by the periodic evaluation of every park.
        if (auto s = alerter->EvaluateParks(parks); !s.ok()) {
          obs::Warn("alerter", "evaluation: ", s.ToString());
        }
      });
  app->follower_->Start();
  AlerterApp* raw = app.get();
  const absl::Duration every = o.reevaluate_every;
  // Completed periodic evaluations (every park judged, the resulting alert changes stored on
  // Kafka): what a test or an operator waits for to know a re-evaluation has happened.
  prometheus::Counter& periodic =
      prometheus::BuildCounter()
          .Name("cw_alerter_periodic_evaluations_total")
          .Help("Periodic evaluations of every park completed, alert changes acknowledged")
          .Register(metrics)
          .Add({});
  app->timer_ = std::thread([raw, every, &periodic] {
    for (;;) {
      {
        absl::MutexLock lock(&raw->mu_);
        auto stopping = [raw]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(raw->mu_) { return raw->stop_; };
        if (raw->mu_.AwaitWithTimeout(absl::Condition(&stopping), every)) return;
      }
      if (auto s = raw->alerter_->EvaluateAll(); !s.ok()) {
        obs::Warn("alerter", "periodic evaluation: ", s.ToString());
      } else {
        periodic.Increment();
      }
    }
  });
  obs::Info("alerter", "evaluating ", o.rules.rules.size(), " rules; re-evaluating every ",
            absl::FormatDuration(every));
  return app;
}

void AlerterApp::Shutdown() {
  absl::MutexLock lock(&mu_);
  stop_ = true;
}

void AlerterApp::Wait() {
  if (timer_.joinable()) timer_.join();
}

AlerterApp::~AlerterApp() {
  Shutdown();
  Wait();
  if (follower_) follower_->Stop();
}

}  // namespace cw::alerter
