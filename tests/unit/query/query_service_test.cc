// Tests of the query replica: materialising topics into a store and answering from it.
#include "query/query_service.h"

#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

class QueryServiceTest : public ::testing::Test {
 protected:
  kafka::Message Snapshot(const std::string& park, int year, int month, int64_t gross,
                          int64_t computed_ms, bool jan_feb = false) {
    pb::ParkSnapshot s;
    s.set_park_id(park);
    s.mutable_period()->set_year(year);
    s.mutable_period()->set_month(month);
    s.mutable_period()->set_jan_feb(jan_feb);
    s.mutable_month()->mutable_gross_output()->set_fen(gross);
    s.set_computed_unix_ms(computed_ms);
    return {topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0};
  }
  kafka::Message Park(const std::string& id, const std::string& county) {
    pb::RegistryRecord r;
    r.mutable_park()->set_id(id);
    r.mutable_park()->set_name("园区 " + id);
    r.mutable_park()->set_county_code(county);
    return {topics_.registry, 0, offset_++, "park|" + id, r.SerializeAsString(), 0};
  }

  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  kafka::Topics topics_;
  Materializer materializer_{store_, producer_, topics_};
  prometheus::Registry prom_;
  QueryMetrics metrics_{prom_};
  QueryService service_{store_, materializer_, metrics_};
  int64_t offset_ = 0;
};

// The latest snapshot of a park-period is served with the as-of of the newest applied.
TEST_F(QueryServiceTest, ServesLatestSnapshotWithFreshness) {
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321282"), Snapshot("P1", 2024, 3, 100, 5000),
                                   Snapshot("P1", 2024, 3, 130, 7000)})
                  .ok());
  pb::GetParkSnapshotRequest req;
  req.set_park_id("P1");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(3);
  pb::GetParkSnapshotResponse resp;
  auto s = service_.GetParkSnapshot(nullptr, &req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.snapshot().month().gross_output().fen(), 130);
  EXPECT_EQ(resp.park().county_code(), "321282");
  EXPECT_EQ(resp.freshness().as_of_unix_ms(), 7000);
  EXPECT_EQ(resp.freshness().applied_records(), 3);
}

// Unknown parks and periods without data are NOT_FOUND; bad periods INVALID_ARGUMENT.
TEST_F(QueryServiceTest, NotFoundAndInvalidArgument) {
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321282")}).ok());
  pb::GetParkSnapshotRequest req;
  pb::GetParkSnapshotResponse resp;
  req.set_park_id("P9");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(3);
  EXPECT_EQ(service_.GetParkSnapshot(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  req.set_park_id("P1");
  EXPECT_EQ(service_.GetParkSnapshot(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  req.mutable_period()->set_month(13);
  EXPECT_EQ(service_.GetParkSnapshot(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// A series returns the periods within [from, to] in order, January–February included.
TEST_F(QueryServiceTest, SeriesInPeriodOrder) {
  ASSERT_TRUE(materializer_.Apply({Snapshot("P1", 2024, 3, 3, 1), Snapshot("P1", 2024, 2, 2, 1,
                                                                           true),
                                   Snapshot("P1", 2023, 12, 1, 1), Snapshot("P1", 2024, 5, 5, 1),
                                   Snapshot("P2", 2024, 3, 9, 1)})
                  .ok());
  pb::GetParkSeriesRequest req;
  req.set_park_id("P1");
  req.mutable_from()->set_year(2023);
  req.mutable_from()->set_month(12);
  req.mutable_to()->set_year(2024);
  req.mutable_to()->set_month(4);
  pb::GetParkSeriesResponse resp;
  ASSERT_TRUE(service_.GetParkSeries(nullptr, &req, &resp).ok());
  ASSERT_EQ(resp.snapshots_size(), 3);
  EXPECT_EQ(resp.snapshots(0).month().gross_output().fen(), 1);
  EXPECT_EQ(resp.snapshots(1).month().gross_output().fen(), 2);
  EXPECT_EQ(resp.snapshots(2).month().gross_output().fen(), 3);
}

// Parks are listed by region prefix; offsets are stored so a restart resumes.
TEST_F(QueryServiceTest, ListParksByRegionAndResumeOffsets) {
  ASSERT_TRUE(materializer_.Apply({Park("A", "222401"), Park("B", "321282"),
                                   Park("C", "222404")})
                  .ok());
  pb::ListParksRequest req;
  req.set_region_prefix("2224");
  pb::ListParksResponse resp;
  ASSERT_TRUE(service_.ListParks(nullptr, &req, &resp).ok());
  ASSERT_EQ(resp.parks_size(), 2);
  EXPECT_EQ(resp.parks(0).id(), "A");
  EXPECT_EQ(resp.parks(1).id(), "C");
  EXPECT_EQ(materializer_.StartOffset({topics_.registry, 0}), std::optional<int64_t>(3));
  Materializer restarted(store_, producer_, topics_);
  ASSERT_TRUE(restarted.Init().ok());
  EXPECT_EQ(restarted.applied(), 3);
}

// Undecodable park-metrics bytes go to the rejected topic, are counted and never served.
TEST_F(QueryServiceTest, UndecodableSnapshotIsDeadLettered) {
  kafka::Message bad{topics_.park_metrics, 2, 41, "x", "\xff\xfe garbage", 0};
  ASSERT_TRUE(materializer_.Apply({bad, Park("P1", "321282")}).ok());
  EXPECT_EQ(materializer_.undecodable(), 1);
  EXPECT_EQ(materializer_.applied(), 1);
  auto sent = producer_.sent_ForTest();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].topic, topics_.rejected);
  EXPECT_EQ(sent[0].key, topics_.park_metrics + "|2|41");
  pb::RejectedRecord rej;
  ASSERT_TRUE(rej.ParseFromString(sent[0].value));
  EXPECT_EQ(rej.stage(), "query");
  EXPECT_EQ(rej.raw(), "\xff\xfe garbage");
}

// When the rejected topic cannot take a dead letter, nothing is stored (retried later).
TEST_F(QueryServiceTest, DeadLetterFailureStoresNothing) {
  producer_.SetFaultForTest(absl::UnavailableError("broker down"));
  kafka::Message bad{topics_.park_metrics, 0, 0, "x", "\xff", 0};
  EXPECT_EQ(materializer_.Apply({bad}).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(materializer_.StartOffset({topics_.park_metrics, 0}), std::nullopt);
}

}  // namespace
}  // namespace cw::query
