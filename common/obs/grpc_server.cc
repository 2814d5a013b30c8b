#include "common/obs/grpc_server.h"

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace cw::obs {

absl::StatusOr<StartedServer> StartGrpcServer(const GrpcServerOptions& options,
                                              const std::vector<grpc::Service*>& services) {
  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service answers grpc.health.v1 without a protobuf descriptor, so
  // reflection could name the service but not describe it ("server does not expose service").
  // Touching the generated descriptor links proto/grpc/health/v1/health.proto into the binary
  // and registers it in the pool that reflection reads.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  StartedServer started;
  builder.AddListeningPort(
      options.address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &started.port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  using Sync = grpc::ServerBuilder::SyncServerOption;
  if (options.sync_cqs > 0) builder.SetSyncServerOption(Sync::NUM_CQS, options.sync_cqs);
  if (options.sync_min_pollers > 0) {
    builder.SetSyncServerOption(Sync::MIN_POLLERS, options.sync_min_pollers);
  }
  if (options.sync_max_pollers > 0) {
    builder.SetSyncServerOption(Sync::MAX_POLLERS, options.sync_max_pollers);
  }
  for (auto* s : services) builder.RegisterService(s);
  started.server = builder.BuildAndStart();
  if (!started.server || started.port == 0) {
    return absl::UnavailableError(absl::StrCat("gRPC server could not listen on ",
                                               options.address));
  }
  started.server->GetHealthCheckService()->SetServingStatus(options.serving_at_start);
  return started;
}

}  // namespace cw::obs
