// Tests of the in-memory registry: lookups through a Reader, and Apply against readers.
#include "common/domain/registry.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kUscc[] = "91110000600037341L";
constexpr char kSeller[] = "91310115MA1K3BTP2B";

pb::RegistryRecord Park(const std::string& id, const std::string& county) {
  pb::RegistryRecord r;
  r.mutable_park()->set_id(id);
  r.mutable_park()->set_name("park " + id);
  r.mutable_park()->set_county_code(county);
  return r;
}

pb::RegistryRecord Enterprise(const std::string& uscc, const std::string& park) {
  pb::RegistryRecord r;
  r.mutable_enterprise()->set_uscc(uscc);
  r.mutable_enterprise()->set_park_id(park);
  r.mutable_enterprise()->set_industry("3041");
  return r;
}

// A Reader returns the stored entries (not copies) and null for unknown ids.
TEST(MemoryRegistryTest, ReaderFindsStoredEntries) {
  MemoryRegistry registry;
  registry.Apply(Park("P1", "222401"));
  registry.Apply(Enterprise(kUscc, "P1"));
  const MemoryRegistry::Reader reader(registry);
  const pb::Park* park = reader.FindPark("P1");
  ASSERT_NE(park, nullptr);
  EXPECT_EQ(park->county_code(), "222401");
  EXPECT_EQ(reader.FindPark("P1"), park);  // the same stored message both times
  const pb::Enterprise* e = reader.FindEnterprise(kUscc);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->park_id(), "P1");
  EXPECT_EQ(reader.FindPark("P2"), nullptr);
  EXPECT_EQ(reader.FindEnterprise(kSeller), nullptr);
}

// Two Readers may live at once (pushes validate concurrently).
TEST(MemoryRegistryTest, ReadersShareTheLock) {
  MemoryRegistry registry;
  registry.Apply(Park("P1", "222401"));
  const MemoryRegistry::Reader a(registry);
  std::atomic<bool> found{false};
  std::thread other([&] {
    const MemoryRegistry::Reader b(registry);
    found = b.FindPark("P1") != nullptr;
  });
  other.join();
  EXPECT_TRUE(found.load());
  EXPECT_NE(a.FindPark("P1"), nullptr);
}

// Apply waits until the Reader is gone, then its change is visible to the next Reader.
TEST(MemoryRegistryTest, ApplyWaitsForReaders) {
  MemoryRegistry registry;
  registry.Apply(Park("P1", "222401"));
  std::atomic<bool> applied{false};
  absl::Notification started;
  std::thread writer;
  {
    const MemoryRegistry::Reader reader(registry);
    writer = std::thread([&] {
      started.Notify();
      registry.Apply(Park("P2", "321282"));
      applied = true;
    });
    started.WaitForNotification();
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_FALSE(applied.load());
    EXPECT_EQ(reader.FindPark("P2"), nullptr);
  }
  writer.join();
  EXPECT_TRUE(applied.load());
  const MemoryRegistry::Reader reader(registry);
  ASSERT_NE(reader.FindPark("P2"), nullptr);
  EXPECT_EQ(reader.FindPark("P2")->county_code(), "321282");
}

// AnnotateTax through a Reader: the park's county and the registered seller's park/county.
TEST(MemoryRegistryTest, AnnotateTaxThroughReader) {
  MemoryRegistry registry;
  registry.Apply(Park("P1", "222401"));
  registry.Apply(Park("P2", "321282"));
  registry.Apply(Enterprise(kUscc, "P1"));
  registry.Apply(Enterprise(kSeller, "P2"));
  pb::TaxReport tax;
  tax.set_uscc(kUscc);
  tax.set_park_id("P1");
  tax.add_counterparties()->set_uscc(kSeller);
  tax.add_counterparties()->set_uscc("91110000600037342X");  // not registered
  const MemoryRegistry::Reader reader(registry);
  AnnotateTax(tax, reader);
  EXPECT_EQ(tax.park_county(), "222401");
  EXPECT_EQ(tax.counterparties(0).park_id(), "P2");
  EXPECT_EQ(tax.counterparties(0).county_code(), "321282");
  EXPECT_EQ(tax.counterparties(1).park_id(), "");
  EXPECT_EQ(tax.counterparties(1).county_code(), "");
}

}  // namespace
}  // namespace cw::domain
