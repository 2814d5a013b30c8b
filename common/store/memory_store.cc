#include "common/store/memory_store.h"

namespace cw::store {

absl::Status MemoryStore::Read() {
  ++reads_;
  if (read_fault_.ok()) return absl::OkStatus();
  if (reads_before_fault_ > 0) {
    --reads_before_fault_;
    return absl::OkStatus();
  }
  return read_fault_;
}

absl::StatusOr<std::optional<std::string>> MemoryStore::Get(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (auto fault = Read(); !fault.ok()) return fault;
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
  return ScanFrom(prefix, prefix, fn);
}

absl::Status MemoryStore::ScanFrom(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  // Copy the range first so `fn` may call back into the store.
  std::vector<std::pair<std::string, std::string>> range;
  {
    absl::MutexLock lock(&mu_);
    if (auto fault = Read(); !fault.ok()) return fault;
    for (auto it = data_.lower_bound(std::max(prefix, start));
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

void MemoryStore::SetReadFaultForTest(absl::Status fault, int after_reads) {
  absl::MutexLock lock(&mu_);
  read_fault_ = std::move(fault);
  reads_before_fault_ = after_reads;
}

int MemoryStore::reads_ForTest() const {
  absl::MutexLock lock(&mu_);
  return reads_;
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
