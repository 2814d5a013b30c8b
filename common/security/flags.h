// Command-line flags shared by the gRPC services (cw-ingest, cw-query, cw-allinone):
//   --tls_cert, --tls_key       server certificate and key (PEM)
//   --tls_client_ca             verify client certificates signed by this CA (PEM)
//   --tls_require_client_cert   ... and refuse clients without one
//   --tls_reload_interval_s     re-read those files this often (rotation without restart)
//   --plaintext                 serve without TLS (must be asked for explicitly)
//   --credentials               token/certificate → role file (auth.h), reloaded on SIGHUP
//   --allow_unauthenticated     accept every caller as admin (development only)
//   --audit_log                 append audit records here (default: stderr)
//   --audit_log_max_bytes       rotate it past this size (0: never) ...
//   --audit_log_keep            ... keeping this many rotated files
//   --rate_limit_rps            requests per second per caller (0: unlimited)
// Linked once per binary.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/security/guard.h"

namespace cw::security {

struct SecurityConfig {
  std::shared_ptr<grpc::ServerCredentials> server_credentials;
  Credentials credentials;
  GuardOptions guard;
};

// Reads the flags above; kInvalidArgument with the flag to fix.
absl::StatusOr<SecurityConfig> SecurityFromFlags();

}  // namespace cw::security
