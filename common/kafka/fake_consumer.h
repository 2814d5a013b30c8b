// A Consumer for tests: hands out scripted batches (and rebalances) in order, then nothing.
// Records what was committed to the group. Its assignment is every partition of the batches
// added so far, or what SetAssignmentForTest or a scripted rebalance set. Thread-safe.
#pragma once

#include <deque>
#include <optional>
#include <set>

#include "absl/synchronization/mutex.h"
#include "common/kafka/kafka.h"

namespace cw::kafka {

class FakeConsumer : public Consumer {
 public:
  void AddBatchForTest(std::vector<Message> batch) {
    absl::MutexLock lock(&mu_);
    for (const auto& m : batch) seen_.insert({m.topic, m.partition});
    batches_.push_back({std::move(batch), std::nullopt});
  }
  // A rebalance in the poll after the batches added so far: that poll sets the assignment
  // to `assignment` and returns no message.
  void AddRebalanceForTest(std::vector<TopicPartition> assignment) {
    absl::MutexLock lock(&mu_);
    batches_.push_back({{}, std::move(assignment)});
  }
  void SetAssignmentForTest(std::vector<TopicPartition> assignment) {
    absl::MutexLock lock(&mu_);
    assignment_ = std::move(assignment);
  }
  absl::StatusOr<std::vector<Message>> Poll(size_t, absl::Duration timeout) override {
    {
      absl::MutexLock lock(&mu_);
      ++polls_;
      if (!batches_.empty()) {
        auto step = std::move(batches_.front());
        batches_.pop_front();
        if (step.rebalance) assignment_ = std::move(step.rebalance);
        return std::move(step.batch);
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
  // The assignment less the partitions SetBehindForTest named.
  std::vector<TopicPartition> CaughtUpPartitions(absl::Duration) override {
    std::vector<TopicPartition> out;
    for (const auto& tp : Assignment()) {
      absl::MutexLock lock(&mu_);
      if (behind_.count(tp) == 0) out.push_back(tp);
    }
    return out;
  }
  void SetBehindForTest(std::set<TopicPartition> behind) {
    absl::MutexLock lock(&mu_);
    behind_ = std::move(behind);
  }
  std::vector<TopicPartition> Assignment() override {
    absl::MutexLock lock(&mu_);
    if (assignment_) return *assignment_;
    return {seen_.begin(), seen_.end()};
  }

  absl::StatusOr<std::map<TopicPartition, int64_t>> Committed(
      const std::vector<TopicPartition>& partitions, absl::Duration) override {
    absl::MutexLock lock(&mu_);
    std::map<TopicPartition, int64_t> out;
    for (const auto& tp : partitions) {
      auto it = committed_.find(tp);
      if (it != committed_.end()) out[tp] = it->second;
    }
    return out;
  }
  // Records the seek; the scripted batches are not changed (a test scripts what follows).
  absl::Status Seek(const std::map<TopicPartition, int64_t>& next) override {
    absl::MutexLock lock(&mu_);
    seeks_.push_back(next);
    return absl::OkStatus();
  }
  std::vector<std::map<TopicPartition, int64_t>> seeks_ForTest() const {
    absl::MutexLock lock(&mu_);
    return seeks_;
  }
  // As if another member had committed `next` to the group.
  void SetCommittedForTest(std::map<TopicPartition, int64_t> next) {
    absl::MutexLock lock(&mu_);
    committed_ = std::move(next);
  }

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
  struct Step {
    std::vector<Message> batch;
    std::optional<std::vector<TopicPartition>> rebalance;
  };
  std::deque<Step> batches_ ABSL_GUARDED_BY(mu_);
  std::map<TopicPartition, int64_t> committed_ ABSL_GUARDED_BY(mu_);
  int polls_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<TopicPartition> seen_ ABSL_GUARDED_BY(mu_);
  std::optional<std::vector<TopicPartition>> assignment_ ABSL_GUARDED_BY(mu_);
  std::set<TopicPartition> behind_ ABSL_GUARDED_BY(mu_);
  std::vector<std::map<TopicPartition, int64_t>> seeks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cw::kafka
