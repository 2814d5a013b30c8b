// The query replica under test, on fakes: a memory store, the materializer that applies
// topic records to it, and the query service answering from it.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/kafka/fake_producer.h"
#include "common/obs/clock.h"
#include "common/security/auth.h"
#include "common/security/guard.h"
#include "common/obs/sha256.h"
#include "grpcpp/grpcpp.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "query/query_service.h"

namespace cw::query {

class ReplicaFixture : public ::testing::Test {
 protected:
  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  kafka::Topics topics_;
  replica::Materializer materializer_{store_, producer_, topics_};
  prometheus::Registry prom_;
  QueryMetrics metrics_{prom_};
  QueryService service_{store_, materializer_, metrics_};
};

// `service` behind a QueryWireService on a loopback port (plaintext) and a stub to it.
struct LoopbackServer {
  explicit LoopbackServer(QueryService* service) : wire(service) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&wire);
    server = builder.BuildAndStart();
    if (server != nullptr) {
      stub = clusterwatch::v1::QueryService::NewStub(grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    }
  }
  ~LoopbackServer() {
    if (server) server->Shutdown();
  }
  QueryWireService wire;
  std::unique_ptr<grpc::Server> server;  // null if it could not start
  std::unique_ptr<clusterwatch::v1::QueryService::Stub> stub;
};

// Credentials with one token per role: "tok-<role>" admits caller "<role>-caller"; bureaus
// are scoped to 3212.
inline security::Credentials RoleCredentials(std::initializer_list<std::string> roles) {
  std::string text;
  for (const auto& role : roles) {
    absl::StrAppend(&text, "token ", security::Sha256Hex("tok-" + role), " ", role, " ",
                    role == "bureau" ? "3212" : "-", " ", role, "-caller\n");
  }
  return *security::Credentials::Parse(text);
}

}  // namespace cw::query
