// The query replica under test, on fakes: a memory store, the materializer that applies
// topic records to it, and the query service answering from it.
#pragma once

#include "common/kafka/fake_producer.h"
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

}  // namespace cw::query
