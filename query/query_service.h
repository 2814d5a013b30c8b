// The query gRPC service over the replica's materialised store. Every answer carries its
// freshness (as-of time of the newest snapshot applied). Thread-safe.
#pragma once

#include "clusterwatch/v1/query.grpc.pb.h"
#include "common/store/store.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "query/materializer.h"

namespace cw::query {

class QueryMetrics {
 public:
  explicit QueryMetrics(prometheus::Registry& registry);
  void Observe(const std::string& method, const grpc::Status& status, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

class QueryService final : public clusterwatch::v1::QueryService::Service {
 public:
  QueryService(store::Store& store, const Materializer& materializer, QueryMetrics& metrics);

  grpc::Status GetParkSnapshot(grpc::ServerContext* context,
                               const clusterwatch::v1::GetParkSnapshotRequest* request,
                               clusterwatch::v1::GetParkSnapshotResponse* response) override;
  grpc::Status GetParkSeries(grpc::ServerContext* context,
                             const clusterwatch::v1::GetParkSeriesRequest* request,
                             clusterwatch::v1::GetParkSeriesResponse* response) override;
  grpc::Status ListParks(grpc::ServerContext* context,
                         const clusterwatch::v1::ListParksRequest* request,
                         clusterwatch::v1::ListParksResponse* response) override;

 private:
  grpc::Status DoSnapshot(const clusterwatch::v1::GetParkSnapshotRequest& request,
                          clusterwatch::v1::GetParkSnapshotResponse* response);
  grpc::Status DoSeries(const clusterwatch::v1::GetParkSeriesRequest& request,
                        clusterwatch::v1::GetParkSeriesResponse* response);
  grpc::Status DoList(const clusterwatch::v1::ListParksRequest& request,
                      clusterwatch::v1::ListParksResponse* response);
  void Fresh(clusterwatch::v1::Freshness* f) const;

  store::Store& store_;
  const Materializer& materializer_;
  QueryMetrics& metrics_;
};

}  // namespace cw::query
