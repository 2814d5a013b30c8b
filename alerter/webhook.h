// Delivers alert state changes to an HTTP webhook (POST, JSON body of the AlertEvent),
// retrying with exponential backoff. A bounded queue on its own thread: Enqueue never
// blocks the alerter; when the queue is full the oldest change is dropped and counted
// (the alerts topic remains the record). Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace cw::alerter {

// The HTTP boundary, so tests can fake the receiver.
class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // The HTTP status code, or 0 when no answer was received.
  virtual int Post(const std::string& url, const std::string& json_body) = 0;
};

// libcurl implementation (10 s timeout).
std::unique_ptr<HttpPoster> NewCurlPoster();

struct WebhookOptions {
  std::string url;
  // The request body of an event; empty: the AlertEvent as JSON (proto field names).
  std::function<std::string(const clusterwatch::v1::AlertEvent&)> body{};
  // The counter's "channel" label (cw_alert_webhook_total{channel=...}).
  std::string channel = "webhook";
  size_t max_queue = 10'000;
  int max_attempts = 8;
  absl::Duration first_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(60);
};

class WebhookSender {
 public:
  WebhookSender(WebhookOptions options, std::unique_ptr<HttpPoster> poster,
                prometheus::Registry& registry);
  ~WebhookSender();
  void Enqueue(const clusterwatch::v1::AlertEvent& event);
  // Waits until the queue is empty or `timeout` passes (tests, shutdown).
  bool Drain(absl::Duration timeout);

 private:
  void Run();
  WebhookOptions options_;
  std::unique_ptr<HttpPoster> poster_;
  prometheus::Family<prometheus::Counter>& sent_;
  absl::Mutex mu_;
  std::deque<clusterwatch::v1::AlertEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cw::alerter
