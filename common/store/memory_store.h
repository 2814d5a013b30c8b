// An in-memory Store for tests, with fault injection: while a write fault is set, every
// Write fails with it and changes nothing (like RocksDB's SpecialEnv no_space_); while a read
// fault is set, every Get and Scan after a given number of reads fails with it (so a test can
// fail each read of an operation in turn). Thread-safe.
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
  absl::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& fn) override;

  // Makes every following Write fail with `fault` (OkStatus() clears it).
  void SetWriteFaultForTest(absl::Status fault);
  int writes_ForTest() const;
  // Makes every Get and Scan fail with `fault` once `after_reads` more reads have succeeded
  // (OkStatus() clears it). A failing Scan calls its function for no key.
  void SetReadFaultForTest(absl::Status fault, int after_reads = 0);
  // The Get and Scan calls so far, failed ones included.
  int reads_ForTest() const;
  size_t size_ForTest() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string, std::less<>> data_ ABSL_GUARDED_BY(mu_);
  absl::Status fault_ ABSL_GUARDED_BY(mu_);
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status read_fault_ ABSL_GUARDED_BY(mu_);
  int reads_before_fault_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
  // Counts a read; the fault it fails with, or OK.
  absl::Status Read() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
};

}  // namespace cw::store
