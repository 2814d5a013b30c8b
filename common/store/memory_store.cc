#include "common/store/memory_store.h"

namespace cw::store {

absl::StatusOr<std::optional<std::string>> MemoryStore::Get(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status MemoryStore::Write(const Batch& batch) {
  absl::MutexLock lock(&mu_);
  if (!fault_.ok()) return fault_;
  for (const auto& op : batch.ops()) {
    if (op.value) {
      data_[op.key] = *op.value;
    } else {
      data_.erase(op.key);
    }
  }
  ++writes_;
  return absl::OkStatus();
}

absl::Status MemoryStore::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  // Copy the range first so `fn` may call back into the store.
  std::vector<std::pair<std::string, std::string>> range;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = data_.lower_bound(prefix);
         it != data_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
         ++it) {
      range.emplace_back(it->first, it->second);
    }
  }
  for (const auto& [k, v] : range) {
    if (!fn(k, v)) break;
  }
  return absl::OkStatus();
}

void MemoryStore::SetWriteFaultForTest(absl::Status fault) {
  absl::MutexLock lock(&mu_);
  fault_ = std::move(fault);
}

int MemoryStore::writes_ForTest() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

size_t MemoryStore::size_ForTest() const {
  absl::MutexLock lock(&mu_);
  return data_.size();
}

}  // namespace cw::store
