// A Producer for tests: records what was produced, and fails on demand. Thread-safe.
#pragma once

#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/kafka/kafka.h"

namespace cw::kafka {

class FakeProducer : public Producer {
 public:
  absl::Status ProduceAll(const std::vector<OutRecord>& records,
                          absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    if (!fault_.ok()) {
      ++errors_;
      return fault_;
    }
    sent_.insert(sent_.end(), records.begin(), records.end());
    return absl::OkStatus();
  }
  int64_t delivery_errors() const override {
    absl::MutexLock lock(&mu_);
    return errors_;
  }
  void SetFaultForTest(absl::Status s) {
    absl::MutexLock lock(&mu_);
    fault_ = std::move(s);
  }
  std::vector<OutRecord> sent_ForTest() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  void Clear_ForTest() {
    absl::MutexLock lock(&mu_);
    sent_.clear();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<OutRecord> sent_ ABSL_GUARDED_BY(mu_);
  absl::Status fault_ ABSL_GUARDED_BY(mu_);
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cw::kafka
