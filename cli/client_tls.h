// The TLS material clusterctl presents to the services, read from the files named by
// --tls_ca, --tls_cert and --tls_key. Refuses anything that would silently weaken the
// connection: an unreadable or empty CA file (gRPC would fall back to the public roots), a
// client certificate without its key or the other way round, or either without a CA (they
// would be dropped and the call made in plaintext). Thread-compatible (reads files).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace cw::cli {

struct ClientTls {
  std::string root_certs;   // PEM of the CA that signs the servers' certificates
  std::string cert_chain;   // PEM client certificate; "" without mutual TLS
  std::string private_key;  // PEM key of cert_chain; "" without mutual TLS
};

// The files' contents; nullopt (plaintext) when all three paths are empty. Fails with
// kInvalidArgument naming the flag, the path and what is wrong: a file that cannot be read,
// is empty or holds no PEM block, or a combination above.
absl::StatusOr<std::optional<ClientTls>> LoadClientTls(const std::string& ca_path,
                                                       const std::string& cert_path,
                                                       const std::string& key_path);

// clusterctl exits kExitUsage (cli/exit_codes.h) when LoadClientTls fails.

}  // namespace cw::cli
