// The query gRPC service over the replica's materialised store. Every answer carries its
// freshness (as-of time of the newest snapshot applied). Thread-safe.
#pragma once

#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "clusterwatch/v1/query.grpc.pb.h"
#include "common/kafka/kafka.h"
#include "common/obs/clock.h"
#include "common/store/store.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "common/domain/period.h"
#include "common/metrics/config.h"
#include "query/answer_cache.h"
#include "replica/materializer.h"
#include "common/security/guard.h"
#include "replica/park_metrics.h"
#include "replica/redact.h"

namespace cw::query {

class QueryMetrics {
 public:
  explicit QueryMetrics(prometheus::Registry& registry);
  void Observe(const std::string& method, const grpc::Status& status, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  // The series of each method|code seen: Family::Add builds label maps (and the histogram's
  // bucket list) and hashes them on every call; the series live as long as their family.
  struct Series {
    prometheus::Counter* requests = nullptr;
    prometheus::Histogram* latency = nullptr;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);
};

class QueryService final : public clusterwatch::v1::QueryService::Service {
 public:
  // `guard` authenticates, authorises (bureaus may not query), rate-limits and audits; null
  // admits everyone as an unauthenticated admin (in-process tests).
  // `answer_cache_bytes` bounds the cache of finished GetParkSnapshot answers (0: none).
  QueryService(store::Store& store, const replica::Materializer& materializer, QueryMetrics& metrics,
               metrics::MetricsConfig config = {}, security::Guard* guard = nullptr,
               size_t answer_cache_bytes = kDefaultAnswerCacheBytes);
  static constexpr size_t kDefaultAnswerCacheBytes = size_t{64} << 20;

  // In-process callers (tests). Over gRPC (QueryWireService), GetParkSnapshot is served by
  // GetParkSnapshotWire instead: the same answer, sent from its cached bytes without a
  // parse/serialize round.
  grpc::Status GetParkSnapshot(grpc::ServerContext* context,
                               const clusterwatch::v1::GetParkSnapshotRequest* request,
                               clusterwatch::v1::GetParkSnapshotResponse* response) override;
  grpc::Status GetParkSeries(grpc::ServerContext* context,
                             const clusterwatch::v1::GetParkSeriesRequest* request,
                             clusterwatch::v1::GetParkSeriesResponse* response) override;
  grpc::Status ListParks(grpc::ServerContext* context,
                         const clusterwatch::v1::ListParksRequest* request,
                         clusterwatch::v1::ListParksResponse* response) override;
  grpc::Status GetParkMetrics(grpc::ServerContext* context,
                              const clusterwatch::v1::GetParkMetricsRequest* request,
                              clusterwatch::v1::GetParkMetricsResponse* response) override;
  grpc::Status GetMetricSeries(grpc::ServerContext* context,
                               const clusterwatch::v1::GetMetricSeriesRequest* request,
                               clusterwatch::v1::GetMetricSeriesResponse* response) override;
  grpc::Status RankParks(grpc::ServerContext* context,
                         const clusterwatch::v1::RankParksRequest* request,
                         clusterwatch::v1::RankParksResponse* response) override;
  grpc::Status GetRegionSnapshot(grpc::ServerContext* context,
                                 const clusterwatch::v1::GetRegionSnapshotRequest* request,
                                 clusterwatch::v1::GetRegionSnapshotResponse* response) override;
  grpc::Status GetIndustryMap(grpc::ServerContext* context,
                              const clusterwatch::v1::GetIndustryMapRequest* request,
                              clusterwatch::v1::GetIndustryMapResponse* response) override;
  grpc::Status ListAlerts(grpc::ServerContext* context,
                          const clusterwatch::v1::ListAlertsRequest* request,
                          clusterwatch::v1::ListAlertsResponse* response) override;
  // Stores an acknowledgement, silence or comment (analyst and admin roles): validated
  // (cw::alerts::NewAlertAction), NOT_FOUND for an alert the replica does not have, then
  // produced to the alert-actions topic and answered once Kafka has it (UNAVAILABLE when it
  // did not: nothing was stored, retry). FAILED_PRECONDITION unless EnableAlertActions ran.
  grpc::Status RecordAlertAction(grpc::ServerContext* context,
                                 const clusterwatch::v1::RecordAlertActionRequest* request,
                                 clusterwatch::v1::RecordAlertActionResponse* response) override;
  // Where RecordAlertAction stores actions, and the clock that stamps them.
  void EnableAlertActions(kafka::Producer& producer, std::string topic, const obs::Clock& clock);

  // Streams until the client cancels or the server shuts down (checked every 500 ms).
  grpc::Status WatchAlerts(grpc::ServerContext* context,
                           const clusterwatch::v1::WatchAlertsRequest* request,
                           grpc::ServerWriter<clusterwatch::v1::AlertUpdate>* writer) override;

  // GetParkSnapshot with the answer as bytes (a serialized GetParkSnapshotResponse): the
  // same checks, audit and answer.
  grpc::Status GetParkSnapshotWire(grpc::ServerContext* context,
                                   const clusterwatch::v1::GetParkSnapshotRequest* request,
                                   grpc::ByteBuffer* response);

  // The answer to `request` for `caller` without its freshness: a GetParkSnapshotResponse
  // with the park and the snapshot after disclosure control, serialized; from the answer
  // cache when it was built at the current store version of the park (of every park for
  // aggregate-only callers, whose redaction depends on the whole period).
  // Public for tests (an admitted caller of any role).
  struct SnapshotAnswer {
    grpc::Status status;
    std::shared_ptr<const AnswerCache::Entry> answer;  // set when status is OK
  };
  SnapshotAnswer AnswerSnapshot(const clusterwatch::v1::GetParkSnapshotRequest& request,
                                const security::Caller& caller);

  // WatchAlerts over any writer, for tests: `keep_going` is polled between waits. Each update
  // passes disclosure control for `caller` before `send`; when that fails the stream ends
  // with its error and the update is not sent.
  grpc::Status StreamAlerts(const clusterwatch::v1::WatchAlertsRequest& request,
                            const security::Caller& caller,
                            const std::function<bool(const clusterwatch::v1::AlertUpdate&)>& send,
                            const std::function<bool()>& keep_going);

  // Answers kept in the answer cache (tests).
  size_t cached_answers_ForTest() const { return answers_.entries(); }

 private:
  grpc::Status DoSnapshot(const clusterwatch::v1::GetParkSnapshotRequest& request,
                          clusterwatch::v1::GetParkSnapshotResponse* response);

  grpc::Status DoSeries(const clusterwatch::v1::GetParkSeriesRequest& request,
                        clusterwatch::v1::GetParkSeriesResponse* response);
  grpc::Status DoList(const clusterwatch::v1::ListParksRequest& request,
                      clusterwatch::v1::ListParksResponse* response);
  void Fresh(clusterwatch::v1::Freshness* f) const;
  struct Outcome {
    grpc::Status status;
    int64_t suppressed = 0;  // cells withheld by disclosure control
  };
  grpc::Status Admit(grpc::ServerContext* context, std::string_view method,
                     const std::string& request, security::Caller* caller);
  // Admits the caller, runs `fn`, records the call (metrics, audit). `fn` must only release
  // answers that went through Disclose: use Serve below unless the answer is cached after
  // Disclose (the snapshot paths, via AnswerSnapshot).
  grpc::Status ServeAdmitted(grpc::ServerContext* context, const char* method,
                             const std::string& request,
                             const std::function<Outcome(const security::Caller&)>& fn);
  // A unary method: `build` fills `response` (unredacted), then the answer goes through
  // Disclose for the caller. On any error of either the response is cleared.
  template <class Request, class Response>
  grpc::Status Serve(grpc::ServerContext* context, const char* method, const Request& request,
                     Response* response, const std::function<grpc::Status()>& build);
  grpc::Status DoMetrics(const clusterwatch::v1::GetParkMetricsRequest& request,
                         clusterwatch::v1::GetParkMetricsResponse* response);
  grpc::Status DoMetricSeries(const clusterwatch::v1::GetMetricSeriesRequest& request,
                              clusterwatch::v1::GetMetricSeriesResponse* response);
  grpc::Status DoRank(const clusterwatch::v1::RankParksRequest& request,
                      clusterwatch::v1::RankParksResponse* response);
  grpc::Status DoRegion(const clusterwatch::v1::GetRegionSnapshotRequest& request,
                        clusterwatch::v1::GetRegionSnapshotResponse* response);
  grpc::Status DoIndustryMap(const clusterwatch::v1::GetIndustryMapRequest& request,
                             clusterwatch::v1::GetIndustryMapResponse* response);
  // Loads what ComputeParkMetrics needs; NOT_FOUND when the park or its snapshot is absent.
  absl::StatusOr<replica::ParkMetricsInputs> LoadInputs(const std::string& park_id,
                                               const domain::Period& period,
                                               clusterwatch::v1::ReferenceScope scope);
  absl::StatusOr<std::vector<clusterwatch::v1::Park>> Parks(const std::string& region_prefix);
  // Whether an alert passes a filter (region needs the park's county from the store).
  // An error when the park cannot be read (the alert is neither kept nor dropped silently).
  absl::StatusOr<bool> Matches(const clusterwatch::v1::AlertFilter& filter,
                               const clusterwatch::v1::AlertEvent& e);

  store::Store& store_;
  const replica::Materializer& materializer_;
  QueryMetrics& metrics_;
  metrics::MetricsConfig config_;
  security::Guard* guard_;
  replica::Redactor redactor_;
  AnswerCache answers_;
  kafka::Producer* actions_producer_ = nullptr;
  std::string actions_topic_;
  const obs::Clock* clock_ = nullptr;

  // The disclosure choke point: every answer leaves the service (or enters the answer
  // cache) through one of these. For aggregate-only callers (Redactor::AggregatesOnly) each
  // applies disclosure control to the answer and returns the number of figures withheld; it
  // fails closed: when the protected table cannot be read or computed it returns the error
  // and the caller must release nothing of the answer. Other callers' answers pass
  // unchanged (no store read).
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetParkSnapshotRequest& q,
                                   clusterwatch::v1::GetParkSnapshotResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetParkSeriesRequest& q,
                                   clusterwatch::v1::GetParkSeriesResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::ListParksRequest& q,
                                   clusterwatch::v1::ListParksResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetParkMetricsRequest& q,
                                   clusterwatch::v1::GetParkMetricsResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetMetricSeriesRequest& q,
                                   clusterwatch::v1::GetMetricSeriesResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::RankParksRequest& q,
                                   clusterwatch::v1::RankParksResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetRegionSnapshotRequest& q,
                                   clusterwatch::v1::GetRegionSnapshotResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::GetIndustryMapRequest& q,
                                   clusterwatch::v1::GetIndustryMapResponse* r);
  absl::StatusOr<int64_t> Disclose(const security::Caller& c,
                                   const clusterwatch::v1::ListAlertsRequest& q,
                                   clusterwatch::v1::ListAlertsResponse* r);
  // One alert (ListAlerts and WatchAlerts).
  absl::StatusOr<int64_t> DiscloseAlert(const security::Caller& c,
                                        clusterwatch::v1::AlertEvent* event);
  absl::StatusOr<std::shared_ptr<const replica::PeriodProtection>> Protection(
      const clusterwatch::v1::Period& period);
};

// What cw-query registers with its gRPC server: QueryService's methods under the same names
// and types, except that GetParkSnapshot answers with GetParkSnapshotWire's bytes (the same
// message on the wire). The generated service cannot swap one sync handler's response type,
// so the methods are registered here as the generated code does; the constructor aborts if
// the proto has a method not registered (a method added to query.proto must be added here).
class QueryWireService final : public grpc::Service {
 public:
  explicit QueryWireService(QueryService* service);

 private:
  template <class Request, class Response>
  void Unary(const char* method,
             grpc::Status (QueryService::*fn)(grpc::ServerContext*, const Request*, Response*));
  QueryService* service_;
};

}  // namespace cw::query
