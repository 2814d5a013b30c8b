// Disclosure control fails closed: every query method, called over gRPC by every role, with
// the store failing at each of the reads the answer needs in turn. A restricted caller gets
// either the answer it gets without faults (redacted) or an error with nothing in it, never
// enterprise-level figures; the answer cache never keeps an answer that was not redacted.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/obs/clock.h"
#include "common/security/guard.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "query/query_service.h"
#include "tests/unit/query/replica_fixture.h"

namespace cw::query {
namespace {
namespace pb = clusterwatch::v1;

// Enterprise identifiers that must never reach a department.
const std::vector<std::string> kUsccs = {"91321282SOLO00001X", "91321282AAAA00001X",
                                         "91321282BBBB00001X", "91321282CCCC00001X",
                                         "91321282DDDD00001X", "91321282EEEE00001X",
                                         "91321282FFFF00001X"};
const std::vector<std::string> kRoles = {"bureau", "analyst", "department", "admin"};

struct Firm {
  std::string uscc;
  std::string industry;
  int64_t ytd;
};

// One call of a method: its status and its answer, serialized (empty on errors).
struct Answer {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string bytes;
};

class DisclosureFaultTest : public ReplicaFixture {
 protected:
  void SetUp() override {
    // P1: one firm alone in 3041 (a primary-confidential cell) and three in 3311; P2: three
    // firms in 3311. Period 2024-03, with alerts on P1, its 3041 cell and the county.
    // Protected table (secondary.h): the cheapest cycle through (P1, 3041) withholds P1's
    // 3311 cell and the 3041 and 3311 column totals; P1's park total stays published.
    ASSERT_TRUE(materializer_
                    .Apply({Park("P1"), Park("P2"),
                            Snapshot("P1", {{kUsccs[0], "3041", 7'000'000},
                                            {kUsccs[1], "3311", 1'000'000},
                                            {kUsccs[2], "3311", 1'100'000},
                                            {kUsccs[3], "3311", 1'200'000}}),
                            Snapshot("P2", {{kUsccs[4], "3311", 900'000},
                                            {kUsccs[5], "3311", 1'000'000},
                                            {kUsccs[6], "3311", 1'100'000}}),
                            Alert("decline_yoy", "park", "P1"),
                            Alert("decline_yoy", "park_industry", "P1|3041"),
                            Alert("enterprise_exit", "park", "P1"),
                            Alert("decline_yoy", "region", "321282")})
                    .ok());
    guard_ = std::make_unique<security::Guard>(
        RoleCredentials({"bureau", "analyst", "department", "admin"}),
        security::GuardOptions{.requests_per_second = 0, .audit_path = "/dev/null"}, clock_,
        guard_prom_);
    guarded_ = std::make_unique<QueryService>(store_, materializer_, metrics_,
                                              metrics::MetricsConfig{}, guard_.get());
    server_ = std::make_unique<LoopbackServer>(guarded_.get());
    ASSERT_NE(server_->server, nullptr);
  }

  kafka::Message Park(const std::string& id) {
    pb::RegistryRecord r;
    r.mutable_park()->set_id(id);
    r.mutable_park()->set_name("园区 " + id);
    r.mutable_park()->set_county_code("321282");
    return {topics_.registry, 0, offset_++, "park|" + id, r.SerializeAsString(), 0};
  }
  kafka::Message Snapshot(const std::string& park, const std::vector<Firm>& firms) {
    pb::ParkSnapshot s;
    s.set_park_id(park);
    s.mutable_period()->set_year(2024);
    s.mutable_period()->set_month(3);
    std::map<std::string, int64_t> by_industry;
    int64_t total = 0;
    for (const auto& f : firms) {
      auto* firm = s.add_firms();
      firm->set_uscc(f.uscc);
      firm->set_industry(f.industry);
      firm->mutable_gross_output_ytd()->set_fen(f.ytd);
      by_industry[f.industry] += f.ytd;
      total += f.ytd;
    }
    for (const auto& [industry, ytd] : by_industry) {
      auto* ind = s.add_industries();
      ind->set_industry(industry);
      ind->mutable_month()->mutable_gross_output()->set_fen(ytd / 3);
      ind->mutable_year_to_date()->mutable_gross_output()->set_fen(ytd);
    }
    s.mutable_month()->mutable_gross_output()->set_fen(total / 3);
    s.mutable_year_to_date()->mutable_gross_output()->set_fen(total);
    return {topics_.park_metrics, 0, offset_++, park, s.SerializeAsString(), 0};
  }
  kafka::Message Alert(const std::string& kind, const std::string& subject_kind,
                       const std::string& subject) {
    pb::AlertEvent e;
    e.set_id(absl::StrCat(kind, "|", subject_kind, ":", subject, "|2024-03"));
    e.set_rule(kind);
    e.set_kind(kind);
    e.set_subject_kind(subject_kind);
    e.set_subject_id(subject);
    if (subject_kind != "region") e.set_park_id("P1");
    e.mutable_period()->set_year(2024);
    e.mutable_period()->set_month(3);
    e.set_state(pb::ALERT_STATE_FIRING);
    e.set_version(1);
    e.set_explanation_en(absl::StrCat(subject, " fell 12%"));
    auto* f = e.add_figures();
    f->set_label("rate");
    f->set_period("2024-03");
    f->set_value(-0.12);
    return {topics_.alerts, 0, offset_++, e.id(), e.SerializeAsString(), 0};
  }

  // Every unary method, with a request that has an answer in the fixture.
  using Call = std::function<grpc::Status(grpc::ClientContext*, std::string*)>;
  template <class Request, class Response>
  Call Unary(Request request, grpc::Status (pb::QueryService::Stub::*fn)(
                                  grpc::ClientContext*, const Request&, Response*)) {
    return [this, request, fn](grpc::ClientContext* ctx, std::string* out) {
      Response response;
      grpc::Status s = ((*server_->stub).*fn)(ctx, request, &response);
      // Freshness moves with every applied record (Invalidate); the rest must not.
      if (const auto* f = Response::descriptor()->FindFieldByName("freshness")) {
        response.GetReflection()->ClearField(&response, f);
      }
      *out = response.SerializeAsString();
      return s;
    };
  }
  std::vector<std::pair<std::string, Call>> Methods() {
    using Stub = pb::QueryService::Stub;
    auto period = [](pb::Period* p) {
      p->set_year(2024);
      p->set_month(3);
    };
    std::vector<std::pair<std::string, Call>> m;
    pb::GetParkSnapshotRequest snapshot;
    snapshot.set_park_id("P1");
    period(snapshot.mutable_period());
    m.emplace_back("GetParkSnapshot", Unary(snapshot, &Stub::GetParkSnapshot));
    pb::GetParkSeriesRequest series;
    series.set_park_id("P1");
    period(series.mutable_from());
    period(series.mutable_to());
    m.emplace_back("GetParkSeries", Unary(series, &Stub::GetParkSeries));
    m.emplace_back("ListParks", Unary(pb::ListParksRequest(), &Stub::ListParks));
    pb::GetParkMetricsRequest metrics;
    metrics.set_park_id("P1");
    period(metrics.mutable_period());
    m.emplace_back("GetParkMetrics", Unary(metrics, &Stub::GetParkMetrics));
    for (const std::string metric : {"output_ytd", "firm_cr1", "hhi"}) {
      pb::GetMetricSeriesRequest ms;
      ms.set_park_id("P1");
      ms.set_metric(metric);
      period(ms.mutable_from());
      period(ms.mutable_to());
      m.emplace_back("GetMetricSeries " + metric, Unary(ms, &Stub::GetMetricSeries));
      pb::RankParksRequest rank;
      rank.set_metric(metric);
      period(rank.mutable_period());
      m.emplace_back("RankParks " + metric, Unary(rank, &Stub::RankParks));
    }
    pb::GetRegionSnapshotRequest region;
    region.set_region_code("321282");
    period(region.mutable_period());
    m.emplace_back("GetRegionSnapshot", Unary(region, &Stub::GetRegionSnapshot));
    pb::GetIndustryMapRequest map;
    map.set_industry("30");
    map.set_level(pb::INDUSTRY_LEVEL_DIVISION);
    period(map.mutable_period());
    m.emplace_back("GetIndustryMap", Unary(map, &Stub::GetIndustryMap));
    m.emplace_back("ListAlerts", Unary(pb::ListAlertsRequest(), &Stub::ListAlerts));
    pb::ListAlertsRequest in_county;  // the filter reads each alert's park
    in_county.mutable_filter()->set_region_prefix("3212");
    m.emplace_back("ListAlerts in 3212", Unary(in_county, &Stub::ListAlerts));
    return m;
  }

  Answer Ask(const Call& call, const std::string& role) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer tok-" + role);
    Answer a;
    grpc::Status s = call(&ctx, &a.bytes);
    a.code = s.error_code();
    a.message = s.error_message();
    if (!s.ok()) a.bytes.clear();
    return a;
  }

  // Makes every cached answer and period protection stale, as a newer record would: the next
  // call reads the store again.
  void Invalidate() { ASSERT_TRUE(materializer_.Apply({Park("P1")}).ok()); }

  obs::FakeClock clock_;
  prometheus::Registry guard_prom_;
  std::unique_ptr<security::Guard> guard_;
  std::unique_ptr<QueryService> guarded_;
  std::unique_ptr<LoopbackServer> server_;
  int64_t offset_ = 0;
};

bool NamesAnEnterprise(const std::string& bytes) {
  for (const auto& uscc : kUsccs) {
    if (absl::StrContains(bytes, uscc)) return true;
  }
  return false;
}

// Every method, every role, the store failing after 0, 1, ... reads: bureaus are refused
// before any read; the others get exactly their fault-free answer or UNAVAILABLE with an
// empty answer. Department answers never name an enterprise.
TEST_F(DisclosureFaultTest, EveryMethodEveryRoleUnderReadFaults) {
  for (const auto& [method, call] : Methods()) {
    int analyst_reads = 0;
    for (const auto& role : kRoles) {
      SCOPED_TRACE(absl::StrCat(method, " as ", role));
      Invalidate();
      const int before = store_.reads_ForTest();
      const Answer reference = Ask(call, role);
      const int reads = store_.reads_ForTest() - before;
      if (role == "bureau") {
        EXPECT_EQ(reference.code, grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_EQ(reads, 0);
      } else {
        ASSERT_EQ(reference.code, grpc::StatusCode::OK) << reference.message;
      }
      if (role == "analyst") analyst_reads = reads;
      if (role != "bureau") {
        EXPECT_GT(reads, 0);
      }
      if (role == "department") {
        EXPECT_FALSE(NamesAnEnterprise(reference.bytes));
        // The protected table is read too (and so faulted in the sweep), except for the
        // park list, which carries no figure.
        if (method != "ListParks") {
          EXPECT_GT(reads, analyst_reads);
        }
      }
      for (int ok_reads = 0; ok_reads <= reads; ++ok_reads) {
        SCOPED_TRACE(absl::StrCat("store fails after ", ok_reads, " of ", reads, " reads"));
        Invalidate();
        store_.SetReadFaultForTest(absl::UnavailableError("injected read fault"), ok_reads);
        const Answer a = Ask(call, role);
        store_.SetReadFaultForTest(absl::OkStatus());
        if (ok_reads == reads || role == "bureau") {
          EXPECT_EQ(a.code, reference.code);
          EXPECT_EQ(a.bytes, reference.bytes);
          continue;
        }
        EXPECT_EQ(a.code, grpc::StatusCode::UNAVAILABLE) << a.message;
        EXPECT_TRUE(absl::StrContains(a.message, "injected read fault")) << a.message;
        EXPECT_EQ(a.bytes, "");
      }
    }
  }
}

// The faults that used to leak: the answer's own reads succeed and only the read of the
// protected table fails. The department gets UNAVAILABLE naming disclosure control, nothing
// is cached; the analyst, who needs no protection, gets the firms.
TEST_F(DisclosureFaultTest, ProtectionReadFaultWithholdsAnswerAndCachesNothing) {
  pb::GetParkSnapshotRequest req;
  req.set_park_id("P1");
  req.mutable_period()->set_year(2024);
  req.mutable_period()->set_month(3);
  const security::Caller department{"d", security::Role::kDepartment, "", true};
  const security::Caller analyst{"a", security::Role::kAnalyst, "", true};
  // GetParkSnapshot reads the park and the snapshot, then the period's table.
  store_.SetReadFaultForTest(absl::UnavailableError("disk gone"), 2);
  auto d = service_.AnswerSnapshot(req, department);
  EXPECT_EQ(d.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(d.status.error_message(),
            "disclosure control could not be applied, so the answer is withheld: disk gone");
  EXPECT_EQ(d.answer, nullptr);
  EXPECT_EQ(service_.cached_answers_ForTest(), 0u);
  store_.SetReadFaultForTest(absl::UnavailableError("disk gone"), 2);
  auto a = service_.AnswerSnapshot(req, analyst);
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  pb::GetParkSnapshotResponse as_analyst;
  ASSERT_TRUE(as_analyst.ParseFromString(a.answer->bytes));
  EXPECT_EQ(as_analyst.snapshot().firms_size(), 4);
  EXPECT_EQ(service_.cached_answers_ForTest(), 1u);
  // Once the store reads again, the department gets the redacted answer: no firms, the
  // lone firm's cell withheld.
  store_.SetReadFaultForTest(absl::OkStatus());
  auto again = service_.AnswerSnapshot(req, department);
  ASSERT_TRUE(again.status.ok()) << again.status.error_message();
  pb::GetParkSnapshotResponse as_department;
  ASSERT_TRUE(as_department.ParseFromString(again.answer->bytes));
  EXPECT_EQ(as_department.snapshot().firms_size(), 0);
  bool cell_withheld = false;
  for (const auto& ind : as_department.snapshot().industries()) {
    if (ind.industry() == "3041") {
      cell_withheld = ind.confidential() && !ind.has_year_to_date();
    }
  }
  EXPECT_TRUE(cell_withheld);
  EXPECT_EQ(service_.cached_answers_ForTest(), 2u);
}

// For a department, an alert keeps its figures and explanation only when its park total and
// cell are published; enterprise-exit explanations never list enterprises. The analyst sees
// the alerts unchanged.
TEST_F(DisclosureFaultTest, AlertFiguresFollowTheProtectedTable) {
  const security::Caller department{"d", security::Role::kDepartment, "", true};
  const security::Caller analyst{"a", security::Role::kAnalyst, "", true};
  auto watch = [&](const security::Caller& caller, std::map<std::string, pb::AlertEvent>* got) {
    return service_.StreamAlerts(
        pb::WatchAlertsRequest(), caller,
        [got](const pb::AlertUpdate& u) {
          (*got)[u.event().id()] = u.event();
          return true;
        },
        [rounds = 0]() mutable { return rounds++ < 1; });
  };
  std::map<std::string, pb::AlertEvent> d, a;
  ASSERT_TRUE(watch(department, &d).ok());
  ASSERT_TRUE(watch(analyst, &a).ok());
  ASSERT_EQ(d.size(), 4u);
  const auto& park = d["decline_yoy|park:P1|2024-03"];
  EXPECT_EQ(park.figures_size(), 1);
  EXPECT_EQ(park.explanation_en(), "P1 fell 12%");
  const auto& cell = d["decline_yoy|park_industry:P1|3041|2024-03"];
  EXPECT_EQ(cell.figures_size(), 0);
  EXPECT_EQ(cell.explanation_en(), "confidential (Statistics Law): the alert's figures are withheld");
  const auto& region = d["decline_yoy|region:321282|2024-03"];
  EXPECT_EQ(region.figures_size(), 0);
  EXPECT_EQ(region.explanation_en(), "confidential (Statistics Law): the alert's figures are withheld");
  const auto& exit = d["enterprise_exit|park:P1|2024-03"];
  EXPECT_EQ(exit.figures_size(), 1);
  EXPECT_EQ(exit.explanation_en(), "enterprise exit alert (the enterprises are confidential)");
  for (const auto& [id, e] : a) {
    EXPECT_EQ(e.figures_size(), 1) << id;
    EXPECT_TRUE(absl::EndsWith(e.explanation_en(), " fell 12%")) << id;
  }
  // Under a read fault the watch ends with the error before sending anything.
  store_.SetReadFaultForTest(absl::UnavailableError("disk gone"), 0);
  d.clear();
  EXPECT_EQ(watch(department, &d).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace cw::query
