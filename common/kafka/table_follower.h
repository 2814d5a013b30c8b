// Follows topics from the beginning on a background thread (no consumer group: every
// partition), handing each message to a callback — the way each service materialises a
// global table (registry, park metrics). Thread-safe: Start/WaitCaughtUp/Stop from any
// thread; the callback runs on the follower's thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "common/kafka/kafka.h"

namespace cw::kafka {

class TableFollower {
 public:
  using Apply = std::function<void(const std::vector<Message>&)>;
  TableFollower(std::unique_ptr<Consumer> consumer, Apply apply);
  ~TableFollower();
  void Start();
  // OK once the topics have been read to the high watermarks seen at the first check;
  // kDeadlineExceeded after `timeout`.
  absl::Status WaitCaughtUp(absl::Duration timeout);
  void Stop();
  int64_t applied() const { return applied_.load(); }
  int64_t lag() const { return lag_.load(); }

 private:
  std::unique_ptr<Consumer> consumer_;
  Apply apply_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> lag_{0};
  std::thread thread_;
};

}  // namespace cw::kafka
