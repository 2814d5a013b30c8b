#include "common/kafka/login_watch.h"

namespace cw::kafka {

void LoginWatch::Refused(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_ == absl::InfiniteFuture()) since_ = now;
  last_was_refusal_ = true;
}

void LoginWatch::OtherError() {
  std::lock_guard<std::mutex> lock(mu_);
  last_was_refusal_ = false;
}

void LoginWatch::Succeeded() {
  std::lock_guard<std::mutex> lock(mu_);
  since_ = absl::InfiniteFuture();
  last_was_refusal_ = false;
}

absl::Time LoginWatch::Deadline() {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_ == absl::InfiniteFuture() || give_up_after_ <= absl::ZeroDuration()) {
    return absl::InfiniteFuture();
  }
  return since_ + give_up_after_;
}

bool LoginWatch::Decide(absl::Time now, bool probe_succeeded) {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_ == absl::InfiniteFuture()) return false;
  if (probe_succeeded) {
    since_ = absl::InfiniteFuture();
    last_was_refusal_ = false;
    return false;
  }
  if (last_was_refusal_ && give_up_after_ > absl::ZeroDuration()) return true;
  since_ = now;
  return false;
}

absl::Duration LoginWatch::RefusingFor(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_ == absl::InfiniteFuture()) return absl::ZeroDuration();
  return now - since_;
}

}  // namespace cw::kafka
