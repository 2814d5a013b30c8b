// A bounded in-memory cache of finished query answers: the serialized bytes of an answer
// after disclosure control, for one request and one audience (role and scope of the caller),
// tagged with the store versions (Materializer::ParkVersion / snapshots_version) read before
// the answer was built. A lookup returns an entry only when the caller's current versions
// equal the entry's, so an answer built before a newer snapshot was applied is never served
// again. Entries are dropped in no particular order when the byte budget is exceeded.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace cw::query {

class AnswerCache {
 public:
  struct Entry {
    std::string bytes;        // the serialized answer (without per-call fields)
    int64_t suppressed = 0;   // figures withheld by disclosure control, for the audit log
    int64_t version = 0;      // store version the answer was built at
  };

  // `max_bytes` = 0 disables the cache (Find misses, Insert drops).
  explicit AnswerCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  bool enabled() const { return max_bytes_ > 0; }

  // The entry under `key` when it was built at `version`; null otherwise.
  std::shared_ptr<const Entry> Find(const std::string& key, int64_t version) const;
  // Stores `entry` under `key` (replacing an older one); entries larger than the budget are
  // not kept.
  void Insert(const std::string& key, std::shared_ptr<const Entry> entry);

  size_t entries() const;
  size_t bytes() const;

 private:
  static size_t Cost(const std::string& key, const Entry& e) {
    return key.size() + e.bytes.size() + sizeof(Entry) + 64;
  }
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Entry>> entries_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cw::query
