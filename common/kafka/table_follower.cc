#include "common/kafka/table_follower.h"

#include "absl/time/clock.h"

namespace cw::kafka {

TableFollower::TableFollower(std::unique_ptr<Consumer> consumer, Apply apply)
    : consumer_(std::move(consumer)), apply_(std::move(apply)) {}

TableFollower::~TableFollower() { Stop(); }

void TableFollower::Start() {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      auto batch = consumer_->Poll(2000, absl::Milliseconds(100));
      if (batch.ok() && !batch->empty()) {
        apply_(*batch);
        applied_.fetch_add(static_cast<int64_t>(batch->size()));
      }
      if (!caught_up_.load()) {
        auto c = consumer_->CaughtUp(absl::Seconds(5));
        if (c.ok() && *c) caught_up_.store(true);
      }
      lag_.store(consumer_->Lag());
    }
  });
}

absl::Status TableFollower::WaitCaughtUp(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!caught_up_.load()) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("topic not read to its end in time");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::OkStatus();
}

void TableFollower::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace cw::kafka
