// The upgrade guard of AggregatorApp: state left by the first, park-keyed aggregator (its
// "d|" dirty marks) is refused at start, before any Kafka connection, with what to do.
#include "aggregator/app.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {

TEST(AggregatorAppTest, RefusesTheFirstVersionsState) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cw-app-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  store::RocksDbOptions so;
  so.path = dir.string();
  {
    auto store = store::RocksDbStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status();
    store::Batch b;
    b.Put("d|P1|2024-03", "cw.reports.v1|0");
    ASSERT_TRUE((*store)->Write(b).ok());
  }
  AggregatorAppOptions o;
  o.client.brokers = "127.0.0.1:1";  // never reached
  o.store = so;
  o.instance_id = "test";
  prometheus::Registry registry;
  auto app = AggregatorApp::Start(o, registry);
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(app.status().message()),
              ::testing::HasSubstr("delete the state directory"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cw::aggregator
