// Read-your-writes staging over a Store: reads see staged puts/deletes first, and Commit
// writes everything staged as one atomic Batch (e.g. state and consumed offsets together).
// Not thread-safe: one staging per processing thread.
#pragma once

#include <map>

#include "common/store/store.h"

namespace cw::store {

class StagedStore {
 public:
  explicit StagedStore(Store& base) : base_(base) {}

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key);
  void Put(std::string key, std::string value) { staged_[std::move(key)] = std::move(value); }
  void Delete(std::string key) { staged_[std::move(key)] = std::nullopt; }

  // Base entries under `prefix` merged with staged ones, in key order.
  absl::Status Scan(std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& fn);

  // Writes all staged ops in one batch, then clears the staging (also on failure: the
  // caller recomputes from the store, which is unchanged after a failed write).
  absl::Status Commit();
  void Discard() { staged_.clear(); }
  size_t staged_size() const { return staged_.size(); }

 private:
  Store& base_;
  std::map<std::string, std::optional<std::string>, std::less<>> staged_;
};

}  // namespace cw::store
