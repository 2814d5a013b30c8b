#include "alerter/webhook.h"

#include "common/http/http_client.h"
#include "common/obs/log.h"
#include "google/protobuf/util/json_util.h"

namespace cw::alerter {
namespace {

class CurlPoster : public HttpPoster {
 public:
  int Post(const std::string& url, const std::string& body) override {
    return http::RequestJson("POST", url, body, absl::Seconds(10)).status;
  }
};

}  // namespace

std::unique_ptr<HttpPoster> NewCurlPoster() { return std::make_unique<CurlPoster>(); }

WebhookSender::WebhookSender(WebhookOptions options, std::unique_ptr<HttpPoster> poster,
                             prometheus::Registry& registry)
    : options_(std::move(options)),
      poster_(std::move(poster)),
      sent_(prometheus::BuildCounter()
                .Name("cw_alert_webhook_total")
                .Help("Alert changes sent to the webhook, by result")
                .Register(registry)) {
  thread_ = std::thread([this] { Run(); });
}

WebhookSender::~WebhookSender() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void WebhookSender::Enqueue(const clusterwatch::v1::AlertEvent& event) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= options_.max_queue) {
    queue_.pop_front();
    sent_.Add({{"channel", options_.channel}, {"result", "dropped"}}).Increment();
  }
  queue_.push_back(event);
}

bool WebhookSender::Drain(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.empty() && !busy_; };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

void WebhookSender::Run() {
  for (;;) {
    clusterwatch::v1::AlertEvent event;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      event = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    std::string json;
    if (options_.body) {
      json = options_.body(event);
    } else {
      google::protobuf::util::JsonPrintOptions opts;
      opts.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(event, &json, opts);
    }
    absl::Duration backoff = options_.first_backoff;
    bool delivered = false;
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      const int code = poster_->Post(options_.url, json);
      if (code >= 200 && code < 300) {
        delivered = true;
        break;
      }
      obs::Warn("alerter", options_.channel, " answered ", code, " for ", event.id(), " (attempt ",
                attempt, "); retrying in ", absl::FormatDuration(backoff));
      {
        absl::MutexLock lock(&mu_);
        auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
      }
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    sent_.Add({{"channel", options_.channel}, {"result", delivered ? "delivered" : "failed"}})
        .Increment();
    absl::MutexLock lock(&mu_);
    busy_ = false;
  }
}

}  // namespace cw::alerter
