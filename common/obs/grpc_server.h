// Builds and starts a gRPC server the way every clusterwatch service does: the given
// services plus server reflection and the standard health service (grpc.health.v1).
// Thread-safe (the returned server is gRPC's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace cw::obs {

struct GrpcServerOptions {
  std::string address = "127.0.0.1:0";  // port 0 picks a free port
  int max_message_bytes = 64 << 20;
  // TLS or plaintext (common/security/guard.h); null = plaintext (tests only).
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Health at start; a replica that must catch up first starts NOT_SERVING and flips later.
  bool serving_at_start = true;
  // Sync-server threads (grpc::ServerBuilder::SyncServerOption; 0 = gRPC's default, which
  // is 1 completion queue, 1 min and 2 max pollers). With few pollers allowed, a loaded
  // server keeps creating and ending threads (ThreadManager); docs/performance.md.
  int sync_cqs = 0;
  int sync_min_pollers = 0;
  int sync_max_pollers = 0;
};

struct StartedServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

absl::StatusOr<StartedServer> StartGrpcServer(const GrpcServerOptions& options,
                                              const std::vector<grpc::Service*>& services);

}  // namespace cw::obs
