#include "common/store/rocksdb_store.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace cw::store {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat("rocksdb ", std::string(what), ": ", s.ToString());
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::UnavailableError(msg);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbOptions& o) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = o.write_buffer_bytes;
  options.max_write_buffer_number = o.max_write_buffers;
  options.max_background_jobs = 2;
  auto cache = rocksdb::NewLRUCache(o.block_cache_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  // Partitioned index and Bloom filters: with one index block per SST file, a national-scale
  // state (a 64 MiB file's index is ~1 MiB, larger than a block-cache shard) re-read and
  // decompressed a whole index block on every Get (bench/national.sh: ~1,100 reports/s, 84 %
  // of the CPU in snappy and memmove). Partitions of metadata_block_size are cached like data
  // blocks, the small top level stays pinned, and the filters answer the many Gets of keys not
  // stored yet (an enterprise-year's first report) without reading data blocks.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Compression: none on the two small, hot levels (rewritten by every compaction; the
  // aggregator's records are rewritten month after month), LZ4 below them (cheaper than the
  // default Snappy to decompress), when this RocksDB build supports it.
  const auto supported = rocksdb::GetSupportedCompressions();
  const bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) !=
                   supported.end();
  options.compression_per_level.assign(static_cast<size_t>(options.num_levels),
                                       lz4 ? rocksdb::kLZ4Compression
                                           : rocksdb::kSnappyCompression);
  options.compression_per_level[0] = rocksdb::kNoCompression;
  options.compression_per_level[1] = rocksdb::kNoCompression;
  options.level_compaction_dynamic_level_bytes = true;
  // RocksDB creates the directory itself but not its parents.
  std::error_code ec;
  std::filesystem::create_directories(o.path, ec);
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, o.path, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open ", o.path));
  return std::unique_ptr<RocksDbStore>(
      new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw), std::move(cache), o.sync_writes));
}

RocksDbStore::RocksDbStore(std::unique_ptr<rocksdb::DB> db,
                           std::shared_ptr<rocksdb::Cache> cache, bool sync)
    : db_(std::move(db)), cache_(std::move(cache)), sync_(sync) {}

RocksDbStore::~RocksDbStore() {
  if (db_) db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<std::string>> RocksDbStore::Get(std::string_view key) {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "get");
  return std::optional<std::string>(std::move(value));
}

absl::Status RocksDbStore::Write(const Batch& batch) {
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops()) {
    if (op.value) {
      wb.Put(op.key, *op.value);
    } else {
      wb.Delete(op.key);
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->Write(wo, &wb), "write");
}

absl::Status RocksDbStore::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanFrom(prefix, prefix, fn);
}

absl::Status RocksDbStore::ScanFrom(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  rocksdb::Slice p(prefix.data(), prefix.size());
  const std::string_view first = std::max(prefix, start);
  for (it->Seek(rocksdb::Slice(first.data(), first.size()));
       it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scan");
}

std::vector<std::pair<std::string, double>> RocksDbStore::Stats() {
  std::vector<std::pair<std::string, double>> out;
  for (const char* prop : {"rocksdb.estimate-num-keys", "rocksdb.cur-size-all-mem-tables",
                           "rocksdb.total-sst-files-size"}) {
    uint64_t v = 0;
    if (db_->GetIntProperty(prop, &v)) out.emplace_back(prop, static_cast<double>(v));
  }
  out.emplace_back("rocksdb.block-cache-usage", static_cast<double>(cache_->GetUsage()));
  return out;
}

}  // namespace cw::store
