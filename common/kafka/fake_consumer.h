// A Consumer for tests: hands out scripted batches in order, then nothing. Records what was
// committed to the group. Thread-safe.
#pragma once

#include <deque>

#include "absl/synchronization/mutex.h"
#include "common/kafka/kafka.h"

namespace cw::kafka {

class FakeConsumer : public Consumer {
 public:
  void AddBatchForTest(std::vector<Message> batch) {
    absl::MutexLock lock(&mu_);
    batches_.push_back(std::move(batch));
  }
  absl::StatusOr<std::vector<Message>> Poll(size_t, absl::Duration timeout) override {
    {
      absl::MutexLock lock(&mu_);
      ++polls_;
      if (!batches_.empty()) {
        auto b = std::move(batches_.front());
        batches_.pop_front();
        return b;
      }
    }
    absl::SleepFor(std::min(timeout, absl::Milliseconds(5)));
    return std::vector<Message>();
  }
  absl::Status CommitToGroup(const std::map<TopicPartition, int64_t>& next) override {
    absl::MutexLock lock(&mu_);
    for (const auto& [tp, off] : next) committed_[tp] = off;
    return absl::OkStatus();
  }
  int64_t Lag() override { return 0; }
  absl::StatusOr<bool> CaughtUp(absl::Duration) override { return true; }
  std::vector<TopicPartition> Assignment() override { return {}; }

  std::map<TopicPartition, int64_t> committed_ForTest() const {
    absl::MutexLock lock(&mu_);
    return committed_;
  }
  int polls_ForTest() const {
    absl::MutexLock lock(&mu_);
    return polls_;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<std::vector<Message>> batches_ ABSL_GUARDED_BY(mu_);
  std::map<TopicPartition, int64_t> committed_ ABSL_GUARDED_BY(mu_);
  int polls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cw::kafka
