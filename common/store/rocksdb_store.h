// Store over RocksDB. One instance owns one database directory. Thread-safe (RocksDB's DB
// is safe for concurrent use).
#pragma once

#include <memory>
#include <string>

#include "common/store/store.h"

namespace rocksdb {
class DB;
class Cache;
}  // namespace rocksdb

namespace cw::store {

struct RocksDbOptions {
  std::string path;
  size_t block_cache_bytes = 64 << 20;    // bounded block cache
  size_t write_buffer_bytes = 32 << 20;   // per memtable
  int max_write_buffers = 2;
  bool sync_writes = false;  // WAL without fsync survives process crashes, not power loss
};

class RocksDbStore : public Store {
 public:
  // Opens (creating if missing) the database. kUnavailable / kDataLoss with RocksDB's
  // message when it cannot.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(const RocksDbOptions& options);
  ~RocksDbStore() override;

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::Status Write(const Batch& batch) override;
  absl::Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) override;
  absl::Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& fn) override;
  std::vector<std::pair<std::string, double>> Stats() override;

 private:
  RocksDbStore(std::unique_ptr<rocksdb::DB> db, std::shared_ptr<rocksdb::Cache> cache,
               bool sync);
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<rocksdb::Cache> cache_;
  bool sync_;
};

}  // namespace cw::store
