#include "query/query_service.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "common/alerts/action.h"
#include "common/domain/period.h"
#include "common/domain/codes.h"
#include "common/domain/totals.h"
#include "common/metrics/land.h"
#include "common/metrics/levels.h"
#include "common/metrics/structure.h"
#include "google/protobuf/descriptor.h"
#include "replica/rollup.h"
#include "replica/keys.h"
#include <map>
#include <set>
#include <tuple>

namespace cw::query {
namespace pb = clusterwatch::v1;
namespace keys = replica::keys;

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

grpc::Status ToGrpc(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, std::string(s.message()));
    case absl::StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
    default:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
  }
}

// An answer that could not pass disclosure control: nothing of it is released. A store
// read error is UNAVAILABLE (retry later), anything else INTERNAL.
grpc::Status DisclosureFailed(const absl::Status& s) {
  return grpc::Status(
      absl::IsUnavailable(s) ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::INTERNAL,
      absl::StrCat("disclosure control could not be applied, so the answer is withheld: ",
                   s.message()));
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
  const std::string code = std::to_string(status.error_code());
  Series series;
  {
    absl::MutexLock lock(&mu_);
    Series& s = series_[absl::StrCat(method, "|", code)];
    if (s.requests == nullptr) {
      s.requests = &requests_.Add({{"method", method}, {"code", code}});
      s.latency = &latency_.Add(
          {{"method", method}},
          prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                  0.0025, 0.005, 0.01, 0.05});
    }
    series = s;
  }
  series.requests->Increment();
  series.latency->Observe(seconds);
}

QueryService::QueryService(store::Store& store, const replica::Materializer& materializer,
                           QueryMetrics& metrics, metrics::MetricsConfig config,
                           security::Guard* guard, size_t answer_cache_bytes)
    : store_(store),
      materializer_(materializer),
      metrics_(metrics),
      config_(std::move(config)),
      guard_(guard),
      redactor_(store),
      answers_(answer_cache_bytes) {}

void QueryService::Fresh(pb::Freshness* f) const {
  f->set_as_of_unix_ms(materializer_.as_of_unix_ms());
  f->set_applied_records(materializer_.applied());
}

grpc::Status QueryService::GetParkSnapshot(grpc::ServerContext* context,
                                           const pb::GetParkSnapshotRequest* request,
                                           pb::GetParkSnapshotResponse* response) {
  return ServeAdmitted(context, "GetParkSnapshot", request->ShortDebugString(),
               [&](const security::Caller& caller) {
                 pb::Freshness fresh;
                 Fresh(&fresh);
                 auto a = AnswerSnapshot(*request, caller);
                 if (!a.status.ok()) return Outcome{a.status, 0};
                 response->ParseFromString(a.answer->bytes);
                 *response->mutable_freshness() = fresh;
                 return Outcome{grpc::Status::OK, a.answer->suppressed};
               });
}

namespace {

void ReleaseAnswer(void* answer) {
  delete static_cast<std::shared_ptr<const AnswerCache::Entry>*>(answer);
}

}  // namespace

grpc::Status QueryService::GetParkSnapshotWire(grpc::ServerContext* context,
                                               const pb::GetParkSnapshotRequest* request,
                                               grpc::ByteBuffer* response) {
  return ServeAdmitted(context, "GetParkSnapshot", request->ShortDebugString(),
               [&](const security::Caller& caller) {
                 pb::GetParkSnapshotResponse fresh;  // freshness only (field 3)
                 Fresh(fresh.mutable_freshness());
                 auto a = AnswerSnapshot(*request, caller);
                 if (!a.status.ok()) return Outcome{a.status, 0};
                 // Two serialized parts of one message: the per-call freshness, and the
                 // cached park and snapshot fields, sent from the cache without a copy.
                 const std::string head = fresh.SerializeAsString();
                 auto* keep = new std::shared_ptr<const AnswerCache::Entry>(a.answer);
                 grpc::Slice parts[2] = {
                     grpc::Slice(head),
                     grpc::Slice(const_cast<char*>(a.answer->bytes.data()),
                                 a.answer->bytes.size(), &ReleaseAnswer, keep)};
                 grpc::ByteBuffer out(parts, 2);
                 response->Swap(&out);
                 return Outcome{grpc::Status::OK, a.answer->suppressed};
               });
}

QueryService::SnapshotAnswer QueryService::AnswerSnapshot(const pb::GetParkSnapshotRequest& request,
                                                          const security::Caller& caller) {
  // Aggregate-only answers depend on every park's snapshot of the period (the protected
  // table); the others on this park's snapshot and registry record only.
  const bool whole_table = replica::Redactor::AggregatesOnly(caller);
  const int64_t version = whole_table ? materializer_.snapshots_version()
                                      : materializer_.ParkVersion(request.park_id());
  std::string key;
  if (answers_.enabled()) {
    // Audience first, length-prefixed, so no request can produce another audience's key.
    key = absl::StrCat(static_cast<int>(caller.role), ":", caller.scope.size(), ":",
                       caller.scope, ":", request.SerializeAsString());
    if (auto hit = answers_.Find(key, version)) return {grpc::Status::OK, std::move(hit)};
  }
  pb::GetParkSnapshotResponse response;
  auto s = DoSnapshot(request, &response);
  if (!s.ok()) return {s, nullptr};
  // The choke point before the cache: an answer that fails disclosure control is neither
  // released nor cached.
  auto withheld = Disclose(caller, request, &response);
  if (!withheld.ok()) return {DisclosureFailed(withheld.status()), nullptr};
  auto entry = std::make_shared<AnswerCache::Entry>();
  entry->suppressed = *withheld;
  response.clear_freshness();
  entry->bytes = response.SerializeAsString();
  entry->version = version;
  if (answers_.enabled()) answers_.Insert(key, entry);
  return {grpc::Status::OK, std::move(entry)};
}

grpc::Status QueryService::GetParkSeries(grpc::ServerContext* context,
                                         const pb::GetParkSeriesRequest* request,
                                         pb::GetParkSeriesResponse* response) {
  return Serve(context, "GetParkSeries", *request, response,
               [&] { return DoSeries(*request, response); });
}

grpc::Status QueryService::ListParks(grpc::ServerContext* context, const pb::ListParksRequest* request,
                                     pb::ListParksResponse* response) {
  return Serve(context, "ListParks", *request, response,
               [&] { return DoList(*request, response); });
}

grpc::Status QueryService::DoSnapshot(const pb::GetParkSnapshotRequest& request,
                                      pb::GetParkSnapshotResponse* response) {
  if (request.park_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "park_id is required");
  }
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  Fresh(response->mutable_freshness());
  auto park = store_.Get(keys::Park(request.park_id()));
  if (!park.ok()) return FromAbsl(park.status());
  if (!park->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("park '", request.park_id(), "' is not in the registry"));
  }
  response->mutable_park()->ParseFromString(**park);
  const auto period = domain::FromProto(request.period());
  auto snap = store_.Get(keys::Snapshot(request.park_id(), period.Key()));
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
  const std::string prefix = keys::Snapshots(request.park_id());
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
  auto s = store_.Scan(keys::kParks, [&](std::string_view, std::string_view v) {
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

grpc::Status QueryService::GetParkMetrics(grpc::ServerContext* context,
                                          const pb::GetParkMetricsRequest* request,
                                          pb::GetParkMetricsResponse* response) {
  return Serve(context, "GetParkMetrics", *request, response,
               [&] { return DoMetrics(*request, response); });
}

grpc::Status QueryService::GetMetricSeries(grpc::ServerContext* context,
                                           const pb::GetMetricSeriesRequest* request,
                                           pb::GetMetricSeriesResponse* response) {
  return Serve(context, "GetMetricSeries", *request, response,
               [&] { return DoMetricSeries(*request, response); });
}

grpc::Status QueryService::DoMetricSeries(const pb::GetMetricSeriesRequest& request,
                                          pb::GetMetricSeriesResponse* response) {
  if (request.park_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "park_id is required");
  }
  if (auto bad = BadPeriod(request.from(), "from")) return *bad;
  if (auto bad = BadPeriod(request.to(), "to")) return *bad;
  if (auto v = replica::MetricValue(pb::ParkMetrics(), request.metric()); !v.ok()) {
    return ToGrpc(v.status());
  }
  Fresh(response->mutable_freshness());
  const std::string from = domain::FromProto(request.from()).Key();
  const std::string to = domain::FromProto(request.to()).Key();
  std::vector<domain::Period> periods;
  const std::string prefix = keys::Snapshots(request.park_id());
  auto s = store_.Scan(prefix, [&](std::string_view k, std::string_view v) {
    std::string_view key = k.substr(prefix.size());
    if (key < from) return true;
    if (key > to) return false;
    pb::ParkSnapshot snap;
    snap.ParseFromArray(v.data(), static_cast<int>(v.size()));
    periods.push_back(domain::FromProto(snap.period()));
    return true;
  });
  if (!s.ok()) return ToGrpc(s);
  for (const auto& period : periods) {
    auto in = LoadInputs(request.park_id(), period, pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) return ToGrpc(in.status());
    in->level = replica::LevelFromProto(request.level());
    auto m = replica::ComputeParkMetrics(*in, config_);
    if (!m.ok()) return ToGrpc(m.status());
    auto* point = response->add_points();
    *point->mutable_period() = domain::ToProto(period);
    auto v = replica::MetricValue(*m, request.metric());
    if (v.ok() && v->has_value()) point->set_value(**v);
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::RankParks(grpc::ServerContext* context, const pb::RankParksRequest* request,
                                     pb::RankParksResponse* response) {
  return Serve(context, "RankParks", *request, response,
               [&] { return DoRank(*request, response); });
}

grpc::Status QueryService::GetRegionSnapshot(grpc::ServerContext* context,
                                             const pb::GetRegionSnapshotRequest* request,
                                             pb::GetRegionSnapshotResponse* response) {
  return Serve(context, "GetRegionSnapshot", *request, response,
               [&] { return DoRegion(*request, response); });
}

grpc::Status QueryService::GetIndustryMap(grpc::ServerContext* context,
                                          const pb::GetIndustryMapRequest* request,
                                          pb::GetIndustryMapResponse* response) {
  return Serve(context, "GetIndustryMap", *request, response,
               [&] { return DoIndustryMap(*request, response); });
}

absl::StatusOr<std::vector<pb::Park>> QueryService::Parks(const std::string& region_prefix) {
  std::vector<pb::Park> parks;
  auto s = store_.Scan(keys::kParks, [&](std::string_view, std::string_view v) {
    pb::Park park;
    park.ParseFromArray(v.data(), static_cast<int>(v.size()));
    if (absl::StartsWith(park.county_code(), region_prefix)) parks.push_back(std::move(park));
    return true;
  });
  if (!s.ok()) return s;
  return parks;
}

absl::StatusOr<replica::ParkMetricsInputs> QueryService::LoadInputs(const std::string& park_id,
                                                           const domain::Period& period,
                                                           pb::ReferenceScope scope) {
  return replica::LoadParkMetricsInputs(store_, park_id, period, scope);
}


grpc::Status QueryService::DoMetrics(const pb::GetParkMetricsRequest& request,
                                     pb::GetParkMetricsResponse* response) {
  if (request.park_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "park_id is required");
  }
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  Fresh(response->mutable_freshness());
  const auto period = domain::FromProto(request.period());
  auto in = LoadInputs(request.park_id(), period, request.reference());
  if (!in.ok()) return ToGrpc(in.status());
  in->level = replica::LevelFromProto(request.level());
  // Strong-cluster flags and stars compare the park with the parks of its reference scope.
  auto cells = replica::LoadIndustryCells(store_, period, in->level);
  if (!cells.ok()) return ToGrpc(cells.status());
  auto spec = replica::SpecialisationByPark(*cells, {in->park}, request.reference(),
                                   config_.specialisation);
  if (!spec.ok()) return ToGrpc(spec.status());
  if (auto it = spec->find(in->park.id()); it != spec->end()) {
    in->specialisation = std::move(it->second);
  }
  auto m = replica::ComputeParkMetrics(*in, config_);
  if (!m.ok()) return ToGrpc(m.status());
  *response->mutable_park() = in->park;
  *response->mutable_metrics() = std::move(*m);
  return grpc::Status::OK;
}

grpc::Status QueryService::DoRank(const pb::RankParksRequest& request,
                                  pb::RankParksResponse* response) {
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  {
    pb::ParkMetrics probe;
    if (auto v = replica::MetricValue(probe, request.metric()); !v.ok()) return ToGrpc(v.status());
  }
  Fresh(response->mutable_freshness());
  auto parks = Parks(request.region_prefix());
  if (!parks.ok()) return ToGrpc(parks.status());
  const auto period = domain::FromProto(request.period());
  std::vector<metrics::ScoredUnit> scored;
  std::map<std::string, std::string> names;
  for (const auto& park : *parks) {
    names[park.id()] = park.name();
    auto in = LoadInputs(park.id(), period, pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) {
      if (absl::IsNotFound(in.status())) {
        scored.push_back({park.id(), std::nullopt});
        continue;
      }
      return ToGrpc(in.status());
    }
    in->level = replica::LevelFromProto(request.level());
    auto m = replica::ComputeParkMetrics(*in, config_);
    if (!m.ok()) return ToGrpc(m.status());
    scored.push_back({park.id(), *replica::MetricValue(*m, request.metric())});
  }
  auto graded = metrics::GradeByRank(scored, config_.land);
  if (!graded.ok()) return ToGrpc(graded.status());
  for (const auto& g : *graded) {
    if (request.limit() > 0 && response->parks_size() >= request.limit()) break;
    auto* out = response->add_parks();
    out->set_rank(g.rank);
    out->set_park_id(g.id);
    out->set_name(names[g.id]);
    if (g.score) out->set_value(*g.score);
    out->set_grade(g.grade == metrics::Grade::kNone ? "" : std::string(metrics::GradeName(g.grade)));
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::DoRegion(const pb::GetRegionSnapshotRequest& request,
                                    pb::GetRegionSnapshotResponse* response) {
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  Fresh(response->mutable_freshness());
  const std::string code =
      request.group().empty() ? "r:" + request.region_code() : "g:" + request.group();
  const auto period = domain::FromProto(request.period());
  auto bytes = store_.Get(keys::Rollup(code, period.Key()));
  if (!bytes.ok()) return ToGrpc(bytes.status());
  if (!bytes->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no parks with reports in ",
                                     request.group().empty()
                                         ? absl::StrCat("region '", request.region_code(), "'")
                                         : absl::StrCat("group '", request.group(), "'"),
                                     " for ", period.Key()));
  }
  pb::RollupAggregate agg;
  agg.ParseFromString(**bytes);
  const metrics::IndustryLevel level = replica::LevelFromProto(request.level());
  if (level == metrics::IndustryLevel::kDivision) {
    agg = domain::RegroupRollup(agg, [](const std::string& industry) {
      return metrics::IndustryAtLevel(industry, metrics::IndustryLevel::kDivision);
    });
  }
  response->set_level(replica::LevelToProto(level));
  response->set_name(request.group().empty()
                         ? std::string(domain::RegionName(request.region_code()))
                         : request.group());
  *response->mutable_month() = agg.month();
  *response->mutable_year_to_date() = agg.year_to_date();
  response->set_parks(agg.parks());
  pb::ParkAggregate as_park;  // reuse the snapshot ordering and shares
  *as_park.mutable_month() = agg.month();
  *as_park.mutable_year_to_date() = agg.year_to_date();
  *as_park.mutable_industries() = agg.industries();
  auto snap = domain::BuildSnapshot("", period, as_park, 0);
  *response->mutable_industries() = snap.industries();
  std::vector<metrics::IndustryValue> inds;
  for (const auto& ind : snap.industries()) {
    if (ind.year_to_date().gross_output().fen() > 0) {
      inds.push_back({ind.industry(), ind.year_to_date().gross_output().fen()});
    }
  }
  auto structure = metrics::ComputeStructure(inds, {});
  if (structure.ok()) {
    if (structure->hhi) response->set_hhi(*structure->hhi);
    if (structure->cr5) response->set_industry_cr5(*structure->cr5);
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::DoIndustryMap(const pb::GetIndustryMapRequest& request,
                                         pb::GetIndustryMapResponse* response) {
  if (request.industry().size() != 2 && request.industry().size() != 4) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("industry '", request.industry(),
                                     "': expected a GB/T 4754 division (2 digits) or class "
                                     "(4 digits)"));
  }
  const metrics::IndustryLevel level = replica::LevelFromProto(request.level());
  if (level == metrics::IndustryLevel::kDivision && request.industry().size() != 2) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("industry '", request.industry(),
                                     "' is a class: at the division level expected a GB/T "
                                     "4754 division (2 digits, e.g. '",
                                     request.industry().substr(0, 2), "')"));
  }
  if (auto bad = BadPeriod(request.period(), "period")) return *bad;
  Fresh(response->mutable_freshness());
  auto parks = Parks(request.region_prefix());
  if (!parks.ok()) return ToGrpc(parks.status());
  const auto period = domain::FromProto(request.period());
  // Strong-cluster flags and stars: every park against the parks of its reference scope
  // (also parks outside region_prefix), computed once for the request.
  auto cells = replica::LoadIndustryCells(store_, period, level);
  if (!cells.ok()) return ToGrpc(cells.status());
  auto spec = replica::SpecialisationByPark(*cells, *parks, request.reference(), config_.specialisation);
  if (!spec.ok()) return ToGrpc(spec.status());
  auto rank = [](const std::string& stage) {
    return stage == "cluster" ? 3 : stage == "agglomeration" ? 2 : stage == "concentration" ? 1 : 0;
  };
  std::vector<pb::IndustryMapEntry> entries;
  for (const auto& park : *parks) {
    auto in = LoadInputs(park.id(), period, request.reference());
    if (!in.ok()) {
      if (absl::IsNotFound(in.status())) continue;
      return ToGrpc(in.status());
    }
    in->level = level;
    if (auto it = spec->find(park.id()); it != spec->end()) {
      in->specialisation = std::move(it->second);
    }
    auto m = replica::ComputeParkMetrics(*in, config_);
    if (!m.ok()) return ToGrpc(m.status());
    for (const auto& im : m->industry_metrics()) {
      if (!absl::StartsWith(im.industry(), request.industry())) continue;
      if (im.ytd_output().fen() <= 0) continue;
      pb::IndustryMapEntry e;
      e.set_park_id(park.id());
      e.set_park_name(park.name());
      e.set_industry(im.industry());
      *e.mutable_ytd_output() = im.ytd_output();
      if (im.has_lq()) e.set_lq(im.lq());
      *e.mutable_stage() = im.stage();
      e.set_enterprises(im.enterprises());
      if (im.has_strong_cluster()) *e.mutable_strong_cluster() = im.strong_cluster();
      if (im.has_stars()) *e.mutable_stars() = im.stars();
      entries.push_back(std::move(e));
    }
  }
  std::sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
    if (rank(a.stage().stage()) != rank(b.stage().stage())) {
      return rank(a.stage().stage()) > rank(b.stage().stage());
    }
    if (a.ytd_output().fen() != b.ytd_output().fen()) {
      return a.ytd_output().fen() > b.ytd_output().fen();
    }
    return std::tie(a.park_id(), a.industry()) < std::tie(b.park_id(), b.industry());
  });
  for (auto& e : entries) *response->add_entries() = std::move(e);
  return grpc::Status::OK;
}

absl::StatusOr<bool> QueryService::Matches(const pb::AlertFilter& f, const pb::AlertEvent& e) {
  if (f.state() != pb::ALERT_STATE_UNSPECIFIED && f.state() != e.state()) return false;
  if (!f.park_id().empty() && f.park_id() != e.park_id()) return false;
  if (!f.rule().empty() && f.rule() != e.rule()) return false;
  if (!f.subject_kind().empty() && f.subject_kind() != e.subject_kind()) return false;
  if (!f.subject_id().empty() && f.subject_id() != e.subject_id()) return false;
  if (!f.region_prefix().empty() && e.subject_kind() == "region") {
    return absl::StartsWith(e.subject_id(), f.region_prefix());
  }
  if (!f.region_prefix().empty()) {
    if (e.park_id().empty()) return false;  // a group: not within one region
    auto park = store_.Get(keys::Park(e.park_id()));
    if (!park.ok()) return park.status();
    if (!park->has_value()) return false;
    pb::Park p;
    p.ParseFromString(**park);
    if (!absl::StartsWith(p.county_code(), f.region_prefix())) return false;
  }
  return true;
}

grpc::Status QueryService::ListAlerts(grpc::ServerContext* context, const pb::ListAlertsRequest* request,
                                      pb::ListAlertsResponse* response) {
  return Serve(context, "ListAlerts", *request, response, [&] {
    Fresh(response->mutable_freshness());
    std::vector<pb::AlertEvent> alerts;
    auto s = store_.Scan(keys::kAlerts, [&](std::string_view, std::string_view v) {
      alerts.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
      return true;
    });
    if (!s.ok()) return ToGrpc(s);
    for (auto& e : alerts) {
      auto match = Matches(request->filter(), e);
      if (!match.ok()) return ToGrpc(match.status());
      if (!*match) continue;
      // What staff did about it, oldest first (Disclose removes it for aggregate-only callers).
      auto read = store_.Scan(keys::AlertActions(e.id()), [&](std::string_view, std::string_view v) {
        e.add_actions()->ParseFromArray(v.data(), static_cast<int>(v.size()));
        return true;
      });
      if (!read.ok()) return ToGrpc(read);
      *response->add_alerts() = std::move(e);
    }
    return grpc::Status::OK;
  });
}

void QueryService::EnableAlertActions(kafka::Producer& producer, std::string topic,
                                      const obs::Clock& clock) {
  actions_producer_ = &producer;
  actions_topic_ = std::move(topic);
  clock_ = &clock;
}

grpc::Status QueryService::RecordAlertAction(grpc::ServerContext* context,
                                             const pb::RecordAlertActionRequest* request,
                                             pb::RecordAlertActionResponse* response) {
  return ServeAdmitted(
      context, "RecordAlertAction", request->ShortDebugString(),
      [&](const security::Caller& caller) -> Outcome {
        if (auto allowed = security::Guard::Require(
                caller, {security::Role::kAnalyst, security::Role::kAdmin}, "act on alerts");
            !allowed.ok()) {
          return {allowed, 0};
        }
        if (actions_producer_ == nullptr) {
          return {grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                               "this query service stores no alert actions"),
                  0};
        }
        auto action = alerts::NewAlertAction(*request, caller.name, clock_->NowUnixMs());
        if (!action.ok()) return {ToGrpc(action.status()), 0};
        auto alert = store_.Get(keys::Alert(action->alert_id()));
        if (!alert.ok()) return {ToGrpc(alert.status()), 0};
        if (!alert->has_value()) {
          return {grpc::Status(grpc::StatusCode::NOT_FOUND,
                               absl::StrCat("alert_id: no alert '", action->alert_id(),
                                            "' (ListAlerts lists the ids)")),
                  0};
        }
        if (request->validate_only()) {
          *response->mutable_action() = std::move(*action);
          return {grpc::Status::OK, 0};
        }
        auto stored = actions_producer_->ProduceAll(
            {{actions_topic_, action->alert_id(), action->SerializeAsString()}},
            absl::Seconds(10));
        if (!stored.ok()) {
          return {grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               absl::StrCat("Kafka did not store the action (",
                                            stored.message(), "); nothing was recorded — retry")),
                  0};
        }
        *response->mutable_action() = std::move(*action);
        return {grpc::Status::OK, 0};
      });
}

grpc::Status QueryService::StreamAlerts(const pb::WatchAlertsRequest& request,
                                        const security::Caller& caller,
                                        const std::function<bool(const pb::AlertUpdate&)>& send,
                                        const std::function<bool()>& keep_going) {
  int64_t after = -1;
  if (!request.resume_token().empty() && !absl::SimpleAtoi(request.resume_token(), &after)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("resume_token '", request.resume_token(),
                                     "' is not a token from an AlertUpdate"));
  }
  int64_t seen = materializer_.alert_sequence();
  bool changed = true;  // the first pass reads what is already there
  while (keep_going()) {
    if (changed) {
      // Everything after the token, in offset order: the scan resumes at the token's key,
      // so a wake-up reads only the changes since (not the whole alert history).
      const std::string from = keys::AlertChange(after + 1);
      std::vector<std::pair<int64_t, pb::AlertEvent>> batch;
      auto s = store_.ScanFrom(keys::kAlertChanges, from, [&](std::string_view k, std::string_view v) {
        const auto off = keys::ParseAlertChange(k);
        if (!off) return true;
        batch.emplace_back(*off, pb::AlertEvent());
        batch.back().second.ParseFromArray(v.data(), static_cast<int>(v.size()));
        return true;
      });
      if (!s.ok()) return ToGrpc(s);
      for (auto& [off, e] : batch) {
        auto match = Matches(request.filter(), e);
        if (!match.ok()) return ToGrpc(match.status());
        after = off;
        if (!*match) continue;
        pb::AlertUpdate u;
        *u.mutable_event() = std::move(e);
        if (auto disclosed = DiscloseAlert(caller, u.mutable_event()); !disclosed.ok()) {
          return DisclosureFailed(disclosed.status());
        }
        u.set_resume_token(absl::StrCat(off));
        if (!send(u)) return grpc::Status::OK;  // the client went away
      }
    }
    // A wake-up without a new alert change (the timeout, to notice a cancelled client)
    // reads nothing.
    const int64_t now = materializer_.WaitForAlertChanges(seen, absl::Milliseconds(500));
    changed = now != seen;
    seen = now;
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::WatchAlerts(grpc::ServerContext* context,
                                       const pb::WatchAlertsRequest* request,
                                       grpc::ServerWriter<pb::AlertUpdate>* writer) {
  security::Caller caller;
  if (auto admitted = Admit(context, "WatchAlerts", request->ShortDebugString(), &caller);
      !admitted.ok()) {
    return admitted;
  }
  metrics_.Observe("WatchAlerts", grpc::Status::OK, 0);
  return StreamAlerts(
      *request, caller, [writer](const pb::AlertUpdate& u) { return writer->Write(u); },
      [context] { return !context->IsCancelled(); });
}

grpc::Status QueryService::Admit(grpc::ServerContext* context, std::string_view method,
                                 const std::string& request, security::Caller* caller) {
  if (guard_ == nullptr) {
    *caller = {"anonymous", security::Role::kAdmin, "", false, "none"};
    return grpc::Status::OK;
  }
  auto admitted = guard_->Admit(context, caller);
  if (admitted.ok()) {
    admitted = security::Guard::Require(
        *caller,
        {security::Role::kAnalyst, security::Role::kDepartment, security::Role::kAdmin},
        "query cluster metrics");
  }
  if (!admitted.ok()) guard_->Audit(*caller, method, request, admitted);
  return admitted;
}

grpc::Status QueryService::ServeAdmitted(grpc::ServerContext* context, const char* method,
                                         const std::string& request,
                                         const std::function<Outcome(const security::Caller&)>& fn) {
  return Timed(metrics_, method, [&] {
    security::Caller caller;
    if (auto admitted = Admit(context, method, request, &caller); !admitted.ok()) {
      return admitted;
    }
    Outcome out = fn(caller);
    if (guard_ != nullptr) guard_->Audit(caller, method, request, out.status, out.suppressed);
    return out.status;
  });
}

absl::StatusOr<std::shared_ptr<const replica::PeriodProtection>> QueryService::Protection(
    const pb::Period& period) {
  return redactor_.ForPeriod(domain::FromProto(period).Key(), materializer_.applied());
}

template <class Request, class Response>
grpc::Status QueryService::Serve(grpc::ServerContext* context, const char* method,
                                 const Request& request, Response* response,
                                 const std::function<grpc::Status()>& build) {
  return ServeAdmitted(
      context, method, request.ShortDebugString(), [&](const security::Caller& caller) {
        grpc::Status s = build();
        if (!s.ok()) {
          response->Clear();
          return Outcome{s, 0};
        }
        auto withheld = Disclose(caller, request, response);
        if (!withheld.ok()) {
          response->Clear();
          return Outcome{DisclosureFailed(withheld.status()), 0};
        }
        return Outcome{grpc::Status::OK, *withheld};
      });
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetParkSnapshotRequest& q,
                                               pb::GetParkSnapshotResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  auto p = Protection(q.period());
  if (!p.ok()) return p.status();
  return redactor_.Snapshot(**p, r->mutable_snapshot());
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetParkSeriesRequest&,
                                               pb::GetParkSeriesResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  int64_t withheld = 0;
  for (auto& s : *r->mutable_snapshots()) {
    auto p = Protection(s.period());
    if (!p.ok()) return p.status();
    withheld += redactor_.Snapshot(**p, &s);
  }
  return withheld;
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller&,
                                               const pb::ListParksRequest&,
                                               pb::ListParksResponse*) {
  return 0;  // registry records only: names, codes, land area, groups (no reported figure)
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetParkMetricsRequest& q,
                                               pb::GetParkMetricsResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  auto p = Protection(q.period());
  if (!p.ok()) return p.status();
  return redactor_.Metrics(**p, r->mutable_metrics());
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetMetricSeriesRequest& q,
                                               pb::GetMetricSeriesResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  int64_t withheld = 0;
  for (auto& point : *r->mutable_points()) {
    auto p = Protection(point.period());
    if (!p.ok()) return p.status();
    if (!replica::MetricWithheld(**p, q.park_id(), q.metric())) continue;
    point.clear_value();
    point.set_confidential(true);
    ++withheld;
  }
  return withheld;
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::RankParksRequest& q,
                                               pb::RankParksResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  auto p = Protection(q.period());
  if (!p.ok()) return p.status();
  int64_t withheld = 0;
  for (auto& rp : *r->mutable_parks()) {
    if (!replica::MetricWithheld(**p, rp.park_id(), q.metric())) continue;
    rp.clear_value();
    rp.set_grade("");
    rp.set_confidential(true);
    ++withheld;
  }
  return withheld;
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetIndustryMapRequest& q,
                                               pb::GetIndustryMapResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  auto p = Protection(q.period());
  if (!p.ok()) return p.status();
  int64_t withheld = 0;
  for (auto& e : *r->mutable_entries()) {
    replica::RedactSpecialisationCuts(e.mutable_strong_cluster(), e.mutable_stars());
    if (!(*p)->CellConfidential(e.park_id(), e.industry()) &&
        !(*p)->ParkConfidential(e.park_id())) {
      continue;
    }
    replica::RedactSpecialisationFigures(e.mutable_strong_cluster(), e.mutable_stars());
    e.clear_ytd_output();
    e.clear_lq();
    e.mutable_stage()->clear_criteria();
    e.mutable_stage()->set_explanation_zh("数据保密（统计法）：不公布判定数字");
    e.mutable_stage()->set_explanation_en("confidential (Statistics Law): figures withheld");
    e.set_confidential(true);
    ++withheld;
  }
  return withheld;
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::ListAlertsRequest&,
                                               pb::ListAlertsResponse* r) {
  int64_t withheld = 0;
  for (auto& a : *r->mutable_alerts()) {
    auto n = DiscloseAlert(c, &a);
    if (!n.ok()) return n.status();
    withheld += *n;
  }
  return withheld;
}

absl::StatusOr<int64_t> QueryService::DiscloseAlert(const security::Caller& c,
                                                    pb::AlertEvent* event) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  return replica::RedactAlertAt(redactor_, materializer_.applied(), event);
}

absl::StatusOr<int64_t> QueryService::Disclose(const security::Caller& c,
                                               const pb::GetRegionSnapshotRequest& request,
                                               pb::GetRegionSnapshotResponse* r) {
  if (!replica::Redactor::AggregatesOnly(c)) return 0;
  auto p = Protection(request.period());
  if (!p.ok()) return p.status();
  // The region's parks.
  std::set<std::string> parks;
  std::string prefix = request.region_code();
  while (prefix.size() > 2 && prefix.substr(prefix.size() - 2) == "00") {
    prefix = prefix.substr(0, prefix.size() - 2);
  }
  auto all = Parks("");
  if (!all.ok()) return all.status();
  for (const auto& park : *all) {
    const bool in = request.group().empty()
                        ? absl::StartsWith(park.county_code(), prefix)
                        : std::find(park.groups().begin(), park.groups().end(),
                                    request.group()) != park.groups().end();
    if (in) parks.insert(park.id());
  }
  // Publish a region figure only when it is a sum of figures published anyway.
  int64_t withheld = 0;
  bool total_ok = true;
  for (const auto& park : parks) total_ok = total_ok && !(*p)->ParkConfidential(park);
  bool any_cell = false;
  for (auto& ind : *r->mutable_industries()) {
    bool ok = true;
    for (const auto& park : parks) ok = ok && !(*p)->CellConfidential(park, ind.industry());
    if (ok) continue;
    any_cell = true;
    ind.clear_month();
    ind.clear_year_to_date();
    ind.set_output_share(0);
    ind.set_confidential(true);
    ind.set_confidential_reason("contains a confidential park cell");
    ++withheld;
  }
  if (!total_ok) {
    r->clear_month();
    r->clear_year_to_date();
    ++withheld;
  }
  if (any_cell || !total_ok) {
    r->clear_hhi();
    r->clear_industry_cr5();
  }
  return withheld;
}

template <class Request, class Response>
void QueryWireService::Unary(const char* method,
                             grpc::Status (QueryService::*fn)(grpc::ServerContext*, const Request*,
                                                              Response*)) {
  AddMethod(new grpc::internal::RpcServiceMethod(
      method, grpc::internal::RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<QueryService, Request, Response,
                                           google::protobuf::MessageLite,
                                           google::protobuf::MessageLite>(
          [fn](QueryService* s, grpc::ServerContext* c, const Request* q, Response* r) {
            return (s->*fn)(c, q, r);
          },
          service_)));
}

QueryWireService::QueryWireService(QueryService* service) : service_(service) {
  const std::string prefix = "/clusterwatch.v1.QueryService/";
  std::set<std::string> registered;
  auto name = [&](const char* method) {
    registered.insert(method);
    // RpcServiceMethod keeps the pointer: names live as long as the process.
    static absl::Mutex mu;
    static auto* names = new std::set<std::string>;
    absl::MutexLock lock(&mu);
    return names->insert(prefix + method).first->c_str();
  };
  AddMethod(new grpc::internal::RpcServiceMethod(
      name("GetParkSnapshot"), grpc::internal::RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<QueryService, pb::GetParkSnapshotRequest,
                                           grpc::ByteBuffer, google::protobuf::MessageLite,
                                           grpc::ByteBuffer>(
          [](QueryService* s, grpc::ServerContext* c, const pb::GetParkSnapshotRequest* q,
             grpc::ByteBuffer* r) { return s->GetParkSnapshotWire(c, q, r); },
          service_)));
  Unary(name("GetParkSeries"), &QueryService::GetParkSeries);
  Unary(name("ListParks"), &QueryService::ListParks);
  Unary(name("GetParkMetrics"), &QueryService::GetParkMetrics);
  Unary(name("GetMetricSeries"), &QueryService::GetMetricSeries);
  Unary(name("RankParks"), &QueryService::RankParks);
  Unary(name("GetRegionSnapshot"), &QueryService::GetRegionSnapshot);
  Unary(name("GetIndustryMap"), &QueryService::GetIndustryMap);
  Unary(name("ListAlerts"), &QueryService::ListAlerts);
  AddMethod(new grpc::internal::RpcServiceMethod(
      name("WatchAlerts"), grpc::internal::RpcMethod::SERVER_STREAMING,
      new grpc::internal::ServerStreamingHandler<QueryService, pb::WatchAlertsRequest,
                                                 pb::AlertUpdate>(
          [](QueryService* s, grpc::ServerContext* c, const pb::WatchAlertsRequest* q,
             grpc::ServerWriter<pb::AlertUpdate>* w) { return s->WatchAlerts(c, q, w); },
          service_)));
  Unary(name("RecordAlertAction"), &QueryService::RecordAlertAction);
  const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "clusterwatch.v1.QueryService");
  for (int i = 0; i < descriptor->method_count(); ++i) {
    if (registered.count(descriptor->method(i)->name()) == 0) {
      std::fprintf(stderr, "QueryWireService: method %s of query.proto is not registered\n",
                   descriptor->method(i)->name().c_str());
      std::abort();
    }
  }
}

}  // namespace cw::query
