// An in-memory Store for tests, with fault injection: while a fault is set, every Write
// fails with it and changes nothing (like RocksDB's SpecialEnv no_space_). Thread-safe.
#pragma once

#include <map>

#include "absl/synchronization/mutex.h"
#include "common/store/store.h"

namespace cw::store {

class MemoryStore : public Store {
 public:
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Write(const Batch& batch) override;
  absl::Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) override;

  // Makes every following Write fail with `fault` (OkStatus() clears it).
  void SetWriteFaultForTest(absl::Status fault);
  int writes_ForTest() const;
  size_t size_ForTest() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string, std::less<>> data_ ABSL_GUARDED_BY(mu_);
  absl::Status fault_ ABSL_GUARDED_BY(mu_);
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cw::store
