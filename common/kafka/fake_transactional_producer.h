// A TransactionalProducer for tests: records sent in a transaction become visible in
// committed_ForTest() only when it commits, and the offsets go to the consumer's group
// (Consumer::CommitToGroup). Faults on demand: the next Commit fails with a given status
// (kAborted: as if fenced) and nothing of that transaction is visible. One thread at a time.
#pragma once

#include <vector>

#include "common/kafka/kafka.h"

namespace cw::kafka {

class FakeTransactionalProducer : public TransactionalProducer {
 public:
  explicit FakeTransactionalProducer(int partitions = 6) : partitions_(partitions) {}

  absl::Status Begin() override {
    if (open_) return absl::FailedPreconditionError("a transaction is already open");
    open_ = true;
    pending_.clear();
    return absl::OkStatus();
  }
  absl::Status Send(const std::vector<OutRecord>& records) override {
    if (!open_) return absl::FailedPreconditionError("no open transaction");
    pending_.insert(pending_.end(), records.begin(), records.end());
    return absl::OkStatus();
  }
  absl::Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                      Consumer& consumer) override {
    if (!open_) return absl::FailedPreconditionError("no open transaction");
    open_ = false;
    if (!fault_.ok()) {
      auto f = fault_;
      fault_ = absl::OkStatus();
      pending_.clear();
      ++aborted_;
      return f;
    }
    committed_.insert(committed_.end(), pending_.begin(), pending_.end());
    pending_.clear();
    ++commits_;
    return consumer.CommitToGroup(offsets);
  }
  absl::Status Abort() override {
    if (open_) ++aborted_;
    open_ = false;
    pending_.clear();
    return absl::OkStatus();
  }
  absl::StatusOr<int> PartitionCount(const std::string&, absl::Duration) override {
    return partitions_;
  }

  // The next Commit fails with `s` (and aborts).
  void FailNextCommitForTest(absl::Status s) { fault_ = std::move(s); }
  const std::vector<OutRecord>& committed_ForTest() const { return committed_; }
  void ClearForTest() { committed_.clear(); }
  int commits_ForTest() const { return commits_; }
  int aborted_ForTest() const { return aborted_; }
  bool open_ForTest() const { return open_; }

 private:
  int partitions_;
  bool open_ = false;
  std::vector<OutRecord> pending_;
  std::vector<OutRecord> committed_;
  absl::Status fault_;
  int commits_ = 0;
  int aborted_ = 0;
};

}  // namespace cw::kafka
