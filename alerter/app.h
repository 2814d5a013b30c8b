// cw-alerter assembled: a replica store fed by the park-metrics and registry topics
// (replica::Materializer), the Alerter evaluating changed parks after every batch and every
// park periodically (reporting deadlines pass with time), and the optional webhook and
// Alertmanager.
// Run one alerter per deployment (its publications are idempotent, so a brief overlap
// during a restart is harmless). Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "alerter/alerter.h"
#include "common/kafka/table_follower.h"
#include "common/store/rocksdb_store.h"
#include "replica/materializer.h"

namespace cw::alerter {

struct AlerterAppOptions {
  kafka::ClientOptions client;
  kafka::Topics topics;
  store::RocksDbOptions store;
  alerts::AlertConfig rules;
  metrics::MetricsConfig metrics;
  absl::Duration reevaluate_every = absl::Seconds(60);
  std::string webhook_url;  // empty: no webhook
  // Prometheus Alertmanager base URL ("http://127.0.0.1:9093"); empty: none.
  std::string alertmanager_url;
};

class AlerterApp {
 public:
  static absl::StatusOr<std::unique_ptr<AlerterApp>> Start(const AlerterAppOptions& options,
                                                           prometheus::Registry& metrics);
  ~AlerterApp();
  void Shutdown();
  void Wait();

 private:
  AlerterApp() = default;
  obs::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<replica::Materializer> materializer_;
  std::unique_ptr<WebhookSender> webhook_;
  std::unique_ptr<WebhookSender> alertmanager_;
  std::unique_ptr<Alerter> alerter_;
  std::unique_ptr<kafka::TableFollower> follower_;
  std::thread timer_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cw::alerter
