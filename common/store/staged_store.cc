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
  // Merge the base's (sorted) entries with the staged ones under the prefix as they stream
  // by: a staged key shadows the base's, a staged delete hides it.
  auto staged = staged_.lower_bound(prefix);
  auto staged_end = staged;
  while (staged_end != staged_.end() &&
         std::string_view(staged_end->first).substr(0, prefix.size()) == prefix) {
    ++staged_end;
  }
  bool go_on = true;
  // Emits staged entries with keys before `bound` (all of them when bound is null).
  auto emit_staged_before = [&](const std::string_view* bound) {
    while (go_on && staged != staged_end && (bound == nullptr || staged->first < *bound)) {
      if (staged->second) go_on = fn(staged->first, *staged->second);
      ++staged;
    }
  };
  auto s = base_.Scan(prefix, [&](std::string_view k, std::string_view v) {
    emit_staged_before(&k);
    if (!go_on) return false;
    if (staged != staged_end && staged->first == k) {
      if (staged->second) go_on = fn(staged->first, *staged->second);
      ++staged;
      return go_on;
    }
    go_on = fn(k, v);
    return go_on;
  });
  if (!s.ok()) return s;
  emit_staged_before(nullptr);
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
