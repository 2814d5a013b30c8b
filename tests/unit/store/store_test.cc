// Tests of the Store implementations and the staging overlay.
#include <filesystem>

#include "common/store/memory_store.h"
#include "common/store/rocksdb_store.h"
#include "common/store/staged_store.h"
#include "gtest/gtest.h"

namespace cw::store {
namespace {

std::vector<std::string> Keys(Store& s, std::string_view prefix) {
  std::vector<std::string> keys;
  EXPECT_TRUE(s.Scan(prefix, [&](std::string_view k, std::string_view) {
                 keys.emplace_back(k);
                 return true;
               }).ok());
  return keys;
}

// RocksDB: a batch is applied whole, survives reopening, and scans stay within the prefix.
TEST(RocksDbStoreTest, BatchIsAtomicAndDurableAcrossReopen) {
  auto dir = std::filesystem::temp_directory_path() /
             ("cw-store-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto db = RocksDbStore::Open({.path = dir.string()});
    ASSERT_TRUE(db.ok()) << db.status();
    Batch b;
    b.Put("a|1", "x");
    b.Put("a|2", "y");
    b.Put("b|1", "z");
    b.Delete("a|2");
    ASSERT_TRUE((*db)->Write(b).ok());
  }
  auto db = RocksDbStore::Open({.path = dir.string()});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(Keys(**db, "a|"), std::vector<std::string>{"a|1"});
  auto v = (*db)->Get("b|1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value(), "z");
  std::filesystem::remove_all(dir);
}

std::vector<std::string> KeysFrom(Store& s, std::string_view prefix, std::string_view start) {
  std::vector<std::string> keys;
  EXPECT_TRUE(s.ScanFrom(prefix, start, [&](std::string_view k, std::string_view) {
                 keys.emplace_back(k);
                 return true;
               }).ok());
  return keys;
}

// A resumed scan starts at `start` (or at the prefix when `start` sorts before it) and
// stays within the prefix, in RocksDB and in the memory store alike.
TEST(StoreTest, ScanFromResumesWithinThePrefix) {
  auto dir = std::filesystem::temp_directory_path() /
             ("cw-store-scanfrom-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto db = RocksDbStore::Open({.path = dir.string()});
  ASSERT_TRUE(db.ok()) << db.status();
  MemoryStore memory;
  for (Store* s : {static_cast<Store*>(db->get()), static_cast<Store*>(&memory)}) {
    Batch b;
    for (const char* k : {"a|9", "w|001", "w|002", "w|003", "x|001"}) b.Put(k, "v");
    ASSERT_TRUE(s->Write(b).ok());
    EXPECT_EQ(KeysFrom(*s, "w|", "w|002"), (std::vector<std::string>{"w|002", "w|003"}));
    EXPECT_EQ(KeysFrom(*s, "w|", "a|"), (std::vector<std::string>{"w|001", "w|002", "w|003"}));
    EXPECT_EQ(KeysFrom(*s, "w|", "w|004"), std::vector<std::string>{});
  }
  db->reset();
  std::filesystem::remove_all(dir);
}

// The memory store's injected fault fails writes without applying any op.
TEST(MemoryStoreTest, InjectedFaultAppliesNothing) {
  MemoryStore s;
  s.SetWriteFaultForTest(absl::ResourceExhaustedError("no space"));
  Batch b;
  b.Put("k", "v");
  EXPECT_EQ(s.Write(b).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.size_ForTest(), 0u);
}


// The read fault lets the given number of reads succeed, then fails every Get and Scan
// (a failing Scan visits no key); clearing it restores reads.
TEST(MemoryStoreTest, InjectedReadFaultAfterGivenReads) {
  MemoryStore s;
  Batch b;
  b.Put("k|1", "v");
  ASSERT_TRUE(s.Write(b).ok());
  s.SetReadFaultForTest(absl::UnavailableError("disk gone"), 1);
  EXPECT_EQ(s.Get("k|1")->value(), "v");
  EXPECT_EQ(s.Get("k|1").status().code(), absl::StatusCode::kUnavailable);
  int visited = 0;
  EXPECT_EQ(s.Scan("k|", [&](std::string_view, std::string_view) { return ++visited > 0; })
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(visited, 0);
  EXPECT_EQ(s.reads_ForTest(), 3);
  s.SetReadFaultForTest(absl::OkStatus());
  EXPECT_EQ(Keys(s, "k|"), std::vector<std::string>{"k|1"});
}
// Staged reads see staged puts and deletes merged over the base, in key order.
TEST(StagedStoreTest, ReadsYourWritesAndCommitsOnce) {
  MemoryStore base;
  Batch b;
  b.Put("p|1", "base1");
  b.Put("p|3", "base3");
  ASSERT_TRUE(base.Write(b).ok());
  StagedStore staged(base);
  staged.Put("p|2", "new2");
  staged.Delete("p|3");
  EXPECT_EQ(Keys(base, "p|"), (std::vector<std::string>{"p|1", "p|3"}));
  std::vector<std::string> seen;
  ASSERT_TRUE(staged.Scan("p|", [&](std::string_view k, std::string_view) {
                      seen.emplace_back(k);
                      return true;
                    }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"p|1", "p|2"}));
  EXPECT_EQ(staged.Get("p|2")->value(), "new2");
  EXPECT_FALSE(staged.Get("p|3")->has_value());
  ASSERT_TRUE(staged.Commit().ok());
  EXPECT_EQ(base.writes_ForTest(), 2);
  EXPECT_EQ(Keys(base, "p|"), (std::vector<std::string>{"p|1", "p|2"}));
}

}  // namespace
}  // namespace cw::store
