#include "query/answer_cache.h"

namespace cw::query {

std::shared_ptr<const AnswerCache::Entry> AnswerCache::Find(const std::string& key,
                                                            int64_t version) const {
  if (max_bytes_ == 0) return nullptr;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second->version != version) return nullptr;
  return it->second;
}

void AnswerCache::Insert(const std::string& key, std::shared_ptr<const Entry> entry) {
  const size_t cost = Cost(key, *entry);
  if (cost > max_bytes_) return;
  std::shared_ptr<const Entry> dropped;  // destroyed outside the lock
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    // Two callers may build the same answer concurrently; keep the newer.
    if (it->second->version > entry->version) return;
    bytes_ -= Cost(key, *it->second);
    dropped = std::move(it->second);
    entries_.erase(it);
  }
  while (bytes_ + cost > max_bytes_ && !entries_.empty()) {
    auto victim = entries_.begin();
    bytes_ -= Cost(victim->first, *victim->second);
    entries_.erase(victim);
  }
  bytes_ += cost;
  entries_.emplace(key, std::move(entry));
}

size_t AnswerCache::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

size_t AnswerCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace cw::query
