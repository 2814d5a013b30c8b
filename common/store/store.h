// The state store boundary: an ordered key-value store with atomic batch writes.
// Implementations: RocksDbStore (rocksdb_store.h) for services, MemoryStore (memory_store.h)
// for tests, with write-fault injection. All implementations are safe for concurrent use
// from multiple threads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cw::store {

// A set of puts and deletes applied atomically by Store::Write, in order.
class Batch {
 public:
  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  void Put(std::string key, std::string value) {
    ops_.push_back({std::move(key), std::move(value)});
  }
  void Delete(std::string key) { ops_.push_back({std::move(key), std::nullopt}); }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

 private:
  std::vector<Op> ops_;
};

class Store {
 public:
  virtual ~Store() = default;

  // The value at `key`, nullopt when absent; an error when the store cannot be read.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;

  // Applies every op of `batch` or none (atomic, durable against process crashes).
  // Fails with the store's error (kUnavailable, kResourceExhausted for a full disk,
  // kDataLoss for corruption); then nothing of the batch is visible.
  virtual absl::Status Write(const Batch& batch) = 0;

  // Calls `fn` for each key starting with `prefix`, in key order, until it returns false.
  virtual absl::Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;

  // Calls `fn` for each key starting with `prefix` and not before `start`, in key order,
  // until it returns false: a resumed scan (e.g. of an append-only log keyed by position).
  // This default scans the whole prefix and skips; stores that can seek override it so
  // the cost does not grow with the keys before `start`.
  virtual absl::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) {
    return Scan(prefix, [&](std::string_view k, std::string_view v) {
      return k < start ? true : fn(k, v);
    });
  }

  // Store statistics for metrics (approximate), e.g. {"estimate-num-keys", 123}.
  virtual std::vector<std::pair<std::string, double>> Stats() { return {}; }
};

}  // namespace cw::store
