// A query replica assembled from real parts: RocksDB store, a follower of the park-metrics
// and registry topics, and the gRPC server. Used by cw-query's main and the all-in-one
// process. Thread-safe.
#pragma once

#include <memory>
#include <thread>

#include "common/kafka/table_follower.h"
#include "common/obs/grpc_server.h"
#include "common/store/rocksdb_store.h"
#include "common/security/flags.h"
#include "query/query_service.h"

namespace cw::query {

struct QueryAppOptions {
  kafka::ClientOptions client;
  kafka::Topics topics;
  std::string listen = "127.0.0.1:50052";
  store::RocksDbOptions store;
  metrics::MetricsConfig metrics;  // thresholds of the cluster metrics
  security::SecurityConfig security;  // TLS, callers, rate limit, audit
  size_t answer_cache_bytes = QueryService::kDefaultAnswerCacheBytes;  // 0: no answer cache
  int grpc_cqs = 0, grpc_min_pollers = 0, grpc_max_pollers = 0;  // 0: gRPC's defaults
};

class QueryApp {
 public:
  static absl::StatusOr<std::unique_ptr<QueryApp>> Start(const QueryAppOptions& options,
                                                         prometheus::Registry& metrics);
  ~QueryApp();
  int port() const { return server_.port; }
  void Shutdown();
  void Wait() { server_.server->Wait(); }

 private:
  QueryApp() = default;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<kafka::Producer> producer_;  // dead letters, alert actions
  std::unique_ptr<replica::Materializer> materializer_;
  std::unique_ptr<kafka::TableFollower> follower_;
  std::unique_ptr<QueryMetrics> metrics_;
  obs::SystemClock clock_;
  std::unique_ptr<security::Guard> guard_;
  std::unique_ptr<QueryService> service_;
  std::unique_ptr<QueryWireService> wire_;  // service_ as registered with the server
  obs::StartedServer server_;
  std::thread readiness_;
  std::atomic<bool> stopping_{false};  // flips health to SERVING once the topics are read to their end
};

}  // namespace cw::query
