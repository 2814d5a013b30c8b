#include "query/query_service.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"

namespace cw::query {
namespace pb = clusterwatch::v1;

namespace {

grpc::Status FromAbsl(const absl::Status& s) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
}

// Validates a period of a request; empty optional when fine.
std::optional<grpc::Status> BadPeriod(const pb::Period& p, const char* field) {
  if (p.year() < 1949 || p.year() > 2100 || p.month() < 1 || p.month() > 12 ||
      (p.jan_feb() && p.month() != 2)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(field, ": expected year 1949..2100, month 1..12 (month 2 "
                                            "with jan_feb for January–February), got year ",
                                     p.year(), " month ", p.month()));
  }
  return std::nullopt;
}

template <typename Fn>
grpc::Status Timed(QueryMetrics& metrics, const char* method, Fn fn) {
  const auto start = std::chrono::steady_clock::now();
  grpc::Status s = fn();
  metrics.Observe(method, s,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                      .count());
  return s;
}

}  // namespace

QueryMetrics::QueryMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("cw_query_requests_total")
                    .Help("Query calls by method and status code")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("cw_query_latency_seconds")
                   .Help("Query handler latency by method")
                   .Register(registry)) {}

void QueryMetrics::Observe(const std::string& method, const grpc::Status& status,
                           double seconds) {
  requests_.Add({{"method", method}, {"code", std::to_string(status.error_code())}})
      .Increment();
  latency_
      .Add({{"method", method}},
           prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                   0.0025, 0.005, 0.01, 0.05})
      .Observe(seconds);
}

QueryService::QueryService(store::Store& store, const Materializer& materializer,
                           QueryMetrics& metrics)
    : store_(store), materializer_(materializer), metrics_(metrics) {}

void QueryService::Fresh(pb::Freshness* f) const {
  f->set_as_of_unix_ms(materializer_.as_of_unix_ms());
  f->set_applied_records(materializer_.applied());
}

grpc::Status QueryService::GetParkSnapshot(grpc::ServerContext*,
                                           const pb::GetParkSnapshotRequest* request,
                                           pb::GetParkSnapshotResponse* response) {
  return Timed(metrics_, "GetParkSnapshot", [&] { return DoSnapshot(*request, response); });
}

grpc::Status QueryService::GetParkSeries(grpc::ServerContext*,
                                         const pb::GetParkSeriesRequest* request,
                                         pb::GetParkSeriesResponse* response) {
  return Timed(metrics_, "GetParkSeries", [&] { return DoSeries(*request, response); });
}

grpc::Status QueryService::ListParks(grpc::ServerContext*, const pb::ListParksRequest* request,
                                     pb::ListParksResponse* response) {
  return Timed(metrics_, "ListParks", [&] { return DoList(*request, response); });
}

grpc::Status QueryService::DoSnapshot(const pb::GetParkSnapshotRequest& request,
                                      pb::GetParkSnapshotResponse* response) {
  if (request.park_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "park_id is required");
  }
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  Fresh(response->mutable_freshness());
  auto park = store_.Get(absl::StrCat("p|", request.park_id()));
  if (!park.ok()) return FromAbsl(park.status());
  if (!park->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("park '", request.park_id(), "' is not in the registry"));
  }
  response->mutable_park()->ParseFromString(**park);
  const auto period = domain::FromProto(request.period());
  auto snap = store_.Get(absl::StrCat("s|", request.park_id(), "|", period.Key()));
  if (!snap.ok()) return FromAbsl(snap.status());
  if (!snap->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no reports for park '", request.park_id(), "' in ",
                                     period.Key(), " (as of ",
                                     materializer_.as_of_unix_ms(), " ms)"));
  }
  response->mutable_snapshot()->ParseFromString(**snap);
  return grpc::Status::OK;
}

grpc::Status QueryService::DoSeries(const pb::GetParkSeriesRequest& request,
                                    pb::GetParkSeriesResponse* response) {
  if (request.park_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "park_id is required");
  }
  if (auto bad = BadPeriod(request.from(), "from")) return *bad;
  if (auto bad = BadPeriod(request.to(), "to")) return *bad;
  const std::string from = domain::FromProto(request.from()).Key();
  const std::string to = domain::FromProto(request.to()).Key();
  if (to < from) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("'to' (", to, ") is before 'from' (", from, ")"));
  }
  Fresh(response->mutable_freshness());
  const std::string prefix = absl::StrCat("s|", request.park_id(), "|");
  auto s = store_.Scan(prefix, [&](std::string_view k, std::string_view v) {
    std::string_view key = k.substr(prefix.size());
    if (key < from) return true;
    if (key > to) return false;
    response->add_snapshots()->ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  });
  if (!s.ok()) return FromAbsl(s);
  return grpc::Status::OK;
}

grpc::Status QueryService::DoList(const pb::ListParksRequest& request,
                                  pb::ListParksResponse* response) {
  Fresh(response->mutable_freshness());
  auto s = store_.Scan("p|", [&](std::string_view, std::string_view v) {
    pb::Park park;
    park.ParseFromArray(v.data(), static_cast<int>(v.size()));
    if (absl::StartsWith(park.county_code(), request.region_prefix())) {
      *response->add_parks() = std::move(park);
    }
    return true;
  });
  if (!s.ok()) return FromAbsl(s);
  return grpc::Status::OK;
}

}  // namespace cw::query
