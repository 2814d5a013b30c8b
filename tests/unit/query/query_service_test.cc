// Tests of the query replica: materialising topics into a store and answering from it.
#include "query/query_service.h"

#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/query/replica_fixture.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

class QueryServiceTest : public ReplicaFixture {
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
  // A snapshot with one firm of industry 3041 (enterprise-level detail).
  kafka::Message WithFirm(const std::string& park, int month, int64_t gross,
                          const std::string& uscc) {
    pb::ParkSnapshot s;
    s.set_park_id(park);
    s.mutable_period()->set_year(2024);
    s.mutable_period()->set_month(month);
    s.mutable_month()->mutable_gross_output()->set_fen(gross);
    s.mutable_year_to_date()->mutable_gross_output()->set_fen(gross);
    auto* f = s.add_firms();
    f->set_uscc(uscc);
    f->set_industry("3041");
    f->mutable_gross_output_ytd()->set_fen(gross);
    return {topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0};
  }
  static pb::GetParkSnapshotRequest Req(const std::string& park, int month) {
    pb::GetParkSnapshotRequest req;
    req.set_park_id(park);
    req.mutable_period()->set_year(2024);
    req.mutable_period()->set_month(month);
    return req;
  }
  // A snapshot of 2024-03 with industries given as {class, month gross, ytd gross}; the
  // park totals are their sums.
  struct Cell {
    std::string industry;
    int64_t month;
    int64_t ytd;
  };
  kafka::Message WithIndustries(const std::string& park, const std::vector<Cell>& cells) {
    pb::ParkSnapshot s;
    s.set_park_id(park);
    s.mutable_period()->set_year(2024);
    s.mutable_period()->set_month(3);
    int64_t month = 0, ytd = 0;
    for (const auto& c : cells) {
      auto* ind = s.add_industries();
      ind->set_industry(c.industry);
      ind->mutable_month()->mutable_gross_output()->set_fen(c.month);
      ind->mutable_year_to_date()->mutable_gross_output()->set_fen(c.ytd);
      month += c.month;
      ytd += c.ytd;
    }
    s.mutable_month()->mutable_gross_output()->set_fen(month);
    s.mutable_year_to_date()->mutable_gross_output()->set_fen(ytd);
    return {topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0};
  }
  kafka::Message Park(const std::string& id, const std::string& county) {
    pb::RegistryRecord r;
    r.mutable_park()->set_id(id);
    r.mutable_park()->set_name("园区 " + id);
    r.mutable_park()->set_county_code(county);
    return {topics_.registry, 0, offset_++, "park|" + id, r.SerializeAsString(), 0};
  }

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
  replica::Materializer restarted(store_, producer_, topics_);
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

// A cached answer is served until a newer snapshot of the park is applied, never after.
TEST_F(QueryServiceTest, CachedAnswerIsReplacedByNewerSnapshot) {
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321282"), Snapshot("P1", 2024, 3, 100, 5000)})
                  .ok());
  const auto req = Req("P1", 3);
  pb::GetParkSnapshotResponse resp;
  ASSERT_TRUE(service_.GetParkSnapshot(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.snapshot().month().gross_output().fen(), 100);
  ASSERT_TRUE(service_.GetParkSnapshot(nullptr, &req, &resp).ok());  // from the cache
  EXPECT_EQ(resp.snapshot().month().gross_output().fen(), 100);
  ASSERT_TRUE(materializer_.Apply({Snapshot("P1", 2024, 3, 130, 7000)}).ok());
  resp.Clear();
  ASSERT_TRUE(service_.GetParkSnapshot(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.snapshot().month().gross_output().fen(), 130);
  EXPECT_EQ(resp.freshness().as_of_unix_ms(), 7000);
  EXPECT_EQ(resp.freshness().applied_records(), 3);
  // A changed registry record (the park is part of the answer) too.
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321283")}).ok());
  ASSERT_TRUE(service_.GetParkSnapshot(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.park().county_code(), "321283");
  // An older republished snapshot is not applied and changes nothing.
  const int64_t version = materializer_.ParkVersion("P1");
  pb::ParkSnapshot older;
  older.set_park_id("P1");
  older.mutable_period()->set_year(2024);
  older.mutable_period()->set_month(3);
  older.set_source_offset(-1);
  ASSERT_TRUE(materializer_
                  .Apply({{topics_.park_metrics, 0, offset_++, "P1", older.SerializeAsString(), 0}})
                  .ok());
  EXPECT_EQ(materializer_.ParkVersion("P1"), version);
}

// Versions move per park: another park's snapshot leaves a park's cached answer valid for
// callers that see firms, but not for aggregate-only callers (their redaction depends on the
// whole period's table).
TEST_F(QueryServiceTest, AnswerCacheVersionsPerParkAndAudience) {
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321282"), Park("P2", "321282"),
                                   WithFirm("P1", 3, 100, "U1"), WithFirm("P2", 3, 50, "U2")})
                  .ok());
  const security::Caller analyst{"a", security::Role::kAnalyst, "", true};
  const security::Caller department{"d", security::Role::kDepartment, "", true};
  const auto req = Req("P1", 3);
  auto a1 = service_.AnswerSnapshot(req, analyst);
  auto d1 = service_.AnswerSnapshot(req, department);
  ASSERT_TRUE(a1.status.ok() && d1.status.ok());
  EXPECT_NE(a1.answer, d1.answer);
  EXPECT_EQ(service_.AnswerSnapshot(req, analyst).answer, a1.answer);     // hit
  EXPECT_EQ(service_.AnswerSnapshot(req, department).answer, d1.answer);  // hit
  ASSERT_TRUE(materializer_.Apply({WithFirm("P2", 3, 60, "U2")}).ok());
  EXPECT_EQ(service_.AnswerSnapshot(req, analyst).answer, a1.answer);
  auto d2 = service_.AnswerSnapshot(req, department);
  EXPECT_NE(d2.answer, d1.answer);
  ASSERT_TRUE(materializer_.Apply({WithFirm("P1", 3, 120, "U1")}).ok());
  auto a2 = service_.AnswerSnapshot(req, analyst);
  EXPECT_NE(a2.answer, a1.answer);
  // Each audience keeps its own answer: firms for the analyst, none for the department.
  pb::GetParkSnapshotResponse as_analyst, as_department;
  ASSERT_TRUE(as_analyst.ParseFromString(a2.answer->bytes));
  ASSERT_TRUE(as_department.ParseFromString(service_.AnswerSnapshot(req, department).answer->bytes));
  ASSERT_EQ(as_analyst.snapshot().firms_size(), 1);
  EXPECT_EQ(as_analyst.snapshot().firms(0).gross_output_ytd().fen(), 120);
  EXPECT_EQ(as_department.snapshot().firms_size(), 0);
  EXPECT_EQ(as_department.snapshot().park_id(), "P1");
  // Other roles and scopes are other entries.
  const security::Caller admin{"x", security::Role::kAdmin, "", true};
  EXPECT_NE(service_.AnswerSnapshot(req, admin).answer, a2.answer);
}

// The bytes sent over gRPC are the same message the in-process handler returns.
TEST_F(QueryServiceTest, WireAnswerEqualsMessageAnswer) {
  ASSERT_TRUE(materializer_.Apply({Park("P1", "321282"), WithFirm("P1", 3, 100, "U1")}).ok());
  const auto req = Req("P1", 3);
  for (int round = 0; round < 2; ++round) {  // built, then from the cache
    grpc::ByteBuffer wire;
    ASSERT_TRUE(service_.GetParkSnapshotWire(nullptr, &req, &wire).ok());
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(wire.Dump(&slices).ok());
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    pb::GetParkSnapshotResponse from_wire, direct;
    ASSERT_TRUE(from_wire.ParseFromString(bytes));
    ASSERT_TRUE(service_.GetParkSnapshot(nullptr, &req, &direct).ok());
    EXPECT_EQ(from_wire.SerializeAsString(), direct.SerializeAsString());
    EXPECT_EQ(from_wire.snapshot().firms_size(), 1);
    EXPECT_EQ(from_wire.freshness().applied_records(), 2);
  }
  pb::GetParkSnapshotRequest missing = Req("P9", 3);
  grpc::ByteBuffer wire;
  EXPECT_EQ(service_.GetParkSnapshotWire(nullptr, &missing, &wire).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Every method of query.proto is registered on the server (QueryWireService aborts if not).
TEST_F(QueryServiceTest, WireServiceRegistersEveryMethod) {
  QueryWireService wire(&service_);
  EXPECT_TRUE(wire.has_synchronous_methods());
}

// The answer cache: version mismatch misses, the byte budget evicts, a newer entry is
// never replaced by an older one, and a zero budget keeps nothing.
TEST(AnswerCacheTest, VersionsBudgetAndDisabled) {
  AnswerCache cache(4096);
  auto entry = [](int64_t version, size_t size) {
    auto e = std::make_shared<AnswerCache::Entry>();
    e->version = version;
    e->bytes.assign(size, 'x');
    return e;
  };
  cache.Insert("k", entry(2, 10));
  EXPECT_NE(cache.Find("k", 2), nullptr);
  EXPECT_EQ(cache.Find("k", 3), nullptr);
  cache.Insert("k", entry(1, 10));  // older: ignored
  EXPECT_NE(cache.Find("k", 2), nullptr);
  cache.Insert("k", entry(3, 10));
  EXPECT_EQ(cache.Find("k", 2), nullptr);
  EXPECT_NE(cache.Find("k", 3), nullptr);
  for (int i = 0; i < 20; ++i) cache.Insert(absl::StrCat("b", i), entry(1, 1000));
  EXPECT_LE(cache.bytes(), 4096u);
  EXPECT_LT(cache.entries(), 21u);
  cache.Insert("huge", entry(1, 5000));
  EXPECT_EQ(cache.Find("huge", 1), nullptr);
  AnswerCache off(0);
  off.Insert("k", entry(1, 10));
  EXPECT_EQ(off.Find("k", 1), nullptr);
}

// A region at the division level: each division is the sum of its classes over the
// region's parks; shares, HHI and CR5 are computed on the divisions. Hand-computed:
// divisions 30 = 3041 (100 + 25) + 3042 (50) = 175 in the month, 300 + 125 + 150 = 575
// year to date; 33 = 200 / 400. Region month 375, year to date 975.
TEST_F(QueryServiceTest, RegionSnapshotAtDivisionLevel) {
  ASSERT_TRUE(materializer_
                  .Apply({Park("P1", "321282"), Park("P2", "321283"),
                          WithIndustries("P1", {{"3041", 100, 300}, {"3042", 50, 150}}),
                          WithIndustries("P2", {{"3311", 200, 400}, {"3041", 25, 125}})})
                  .ok());
  pb::GetRegionSnapshotRequest req;
  req.set_region_code("321200");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(3);
  pb::GetRegionSnapshotResponse classes;
  ASSERT_TRUE(service_.GetRegionSnapshot(nullptr, &req, &classes).ok());
  EXPECT_EQ(classes.level(), pb::INDUSTRY_LEVEL_CLASS);
  ASSERT_EQ(classes.industries_size(), 3);
  EXPECT_EQ(classes.industries(0).industry(), "3311");
  EXPECT_EQ(classes.industries(1).industry(), "3041");
  EXPECT_EQ(classes.industries(1).month().gross_output().fen(), 125);
  EXPECT_EQ(classes.industries(2).industry(), "3042");

  req.set_level(pb::INDUSTRY_LEVEL_DIVISION);
  pb::GetRegionSnapshotResponse divisions;
  ASSERT_TRUE(service_.GetRegionSnapshot(nullptr, &req, &divisions).ok());
  EXPECT_EQ(divisions.level(), pb::INDUSTRY_LEVEL_DIVISION);
  EXPECT_EQ(divisions.parks(), 2);
  EXPECT_EQ(divisions.month().gross_output().fen(), 375);
  EXPECT_EQ(divisions.year_to_date().gross_output().fen(), 975);
  ASSERT_EQ(divisions.industries_size(), 2);
  EXPECT_EQ(divisions.industries(0).industry(), "33");
  EXPECT_EQ(divisions.industries(0).month().gross_output().fen(), 200);
  EXPECT_EQ(divisions.industries(0).year_to_date().gross_output().fen(), 400);
  EXPECT_DOUBLE_EQ(divisions.industries(0).output_share(), 200.0 / 375.0);
  EXPECT_EQ(divisions.industries(1).industry(), "30");
  EXPECT_EQ(divisions.industries(1).month().gross_output().fen(), 175);
  EXPECT_EQ(divisions.industries(1).year_to_date().gross_output().fen(), 575);
  EXPECT_DOUBLE_EQ(divisions.industries(1).output_share(), 175.0 / 375.0);
  ASSERT_TRUE(divisions.has_hhi());
  const double s30 = 575.0 / 975.0, s33 = 400.0 / 975.0;
  EXPECT_NEAR(divisions.hhi(), s30 * s30 + s33 * s33, 1e-12);
  ASSERT_TRUE(divisions.has_industry_cr5());
  EXPECT_NEAR(divisions.industry_cr5(), 1.0, 1e-12);
  ASSERT_TRUE(classes.has_hhi());
  EXPECT_LT(classes.hhi(), divisions.hhi());  // three classes are less concentrated
}

}  // namespace
}  // namespace cw::query
