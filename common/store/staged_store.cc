#include "common/store/staged_store.h"

namespace cw::store {

absl::StatusOr<std::optional<std::string>> StagedStore::Get(std::string_view key) {
  auto it = staged_.find(key);
  if (it != staged_.end()) return it->second;
  return base_.Get(key);
}

absl::Status StagedStore::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::map<std::string, std::string, std::less<>> merged;
  auto s = base_.Scan(prefix, [&merged](std::string_view k, std::string_view v) {
    merged.emplace(std::string(k), std::string(v));
    return true;
  });
  if (!s.ok()) return s;
  for (auto it = staged_.lower_bound(prefix);
       it != staged_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
       ++it) {
    if (it->second) {
      merged[it->first] = *it->second;
    } else {
      merged.erase(it->first);
    }
  }
  for (const auto& [k, v] : merged) {
    if (!fn(k, v)) break;
  }
  return absl::OkStatus();
}

absl::Status StagedStore::Commit() {
  Batch batch;
  for (auto& [k, v] : staged_) {
    if (v) {
      batch.Put(k, std::move(*v));
    } else {
      batch.Delete(k);
    }
  }
  staged_.clear();
  if (batch.empty()) return absl::OkStatus();
  return base_.Write(batch);
}

}  // namespace cw::store
