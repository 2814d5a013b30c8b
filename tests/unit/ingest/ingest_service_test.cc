// Tests of the ingest push logic over a recording producer and an in-memory registry.
#include "ingest/ingest_service.h"

#include <map>

#include "common/domain/codes.h"
#include "common/domain/csv_stream.h"
#include "common/domain/revision.h"
#include "common/kafka/fake_producer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace cw::ingest {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kUscc[] = "91321282MA1K3BTP2B";  // check character fixed up in SetUp

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string u(kUscc, 17);
    uscc_ = u + *domain::UsccCheckChar(u);
    pb::RegistryRecord park;
    park.mutable_park()->set_id("P1");
    park.mutable_park()->set_name("靖江经济技术开发区");
    park.mutable_park()->set_county_code("321282");
    registry_.Apply(park);
    pb::RegistryRecord ent;
    ent.mutable_enterprise()->set_uscc(uscc_);
    ent.mutable_enterprise()->set_park_id("P1");
    ent.mutable_enterprise()->set_industry("3731");
    registry_.Apply(ent);
  }

  // An output report of line `line`; each line reports its own month (1 + line % 12) so
  // the records of one push are distinct reports.
  pb::SubmittedRecord Output(int64_t line, int64_t gross_fen, const std::string& park = "P1",
                             int revision = 1) {
    pb::SubmittedRecord r;
    r.set_line(line);
    r.set_raw("raw line " + std::to_string(line));
    auto* o = r.mutable_output();
    o->set_uscc(uscc_);
    o->set_park_id(park);
    o->set_industry("3731");
    o->mutable_period()->set_year(2024);
    o->mutable_period()->set_month(static_cast<int>(1 + line % 12));
    o->set_basis(pb::VALUE_BASIS_MONTH);
    o->mutable_gross_output()->set_fen(gross_fen);
    o->set_revision(revision);
    return r;
  }

  std::string uscc_;
  domain::MemoryRegistry registry_;
  kafka::FakeProducer producer_;
  obs::FakeClock clock_{1'700'000'000'000};
  kafka::Topics topics_;
  prometheus::Registry prom_;
  IngestMetrics metrics_{prom_};
  IngestService service_{registry_, producer_, clock_, topics_, metrics_};
};

// Valid records go to the reports topic keyed by park, with provenance set by ingest.
TEST_F(IngestServiceTest, AcceptedRecordsGoToReportsWithProvenance) {
  pb::PushResponse resp;
  auto s = service_.HandlePush("sub-1", "bureau-321282", {Output(2, 100'00)}, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.accepted(), 1);
  EXPECT_EQ(resp.rejected(), 0);
  auto sent = producer_.sent_ForTest();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].topic, topics_.reports);
  pb::ReportEnvelope env;
  ASSERT_TRUE(env.ParseFromString(sent[0].value));
  // Keyed by enterprise: one partition, and one aggregator instance, holds its history.
  EXPECT_EQ(sent[0].key, env.output().uscc());
  EXPECT_EQ(env.provenance().submission_id(), "sub-1");
  EXPECT_EQ(env.provenance().source_bureau(), "bureau-321282");
  EXPECT_EQ(env.provenance().received_unix_ms(), 1'700'000'000'000);
  EXPECT_EQ(env.provenance().line(), 2);
  EXPECT_EQ(env.output().gross_output().fen(), 100'00);
}

// Invalid records are answered with line, field and reason, and kept on the rejected topic.
TEST_F(IngestServiceTest, RejectedRecordsAreAnsweredAndKept) {
  pb::PushResponse resp;
  auto neg = Output(3, -5);
  pb::SubmittedRecord parse;
  parse.set_line(4);
  parse.set_raw("x,y,z");
  parse.mutable_parse_error()->set_field("gross_output");
  parse.mutable_parse_error()->set_reason("'12a' is not a decimal number");
  auto s = service_.HandlePush("sub-2", "b", {Output(2, 1), neg, parse, Output(5, 1, "NOPE")},
                               &resp);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(resp.accepted(), 1);
  EXPECT_EQ(resp.rejected(), 3);
  ASSERT_EQ(resp.rejections_size(), 3);
  EXPECT_EQ(resp.rejections(0).line(), 3);
  EXPECT_EQ(resp.rejections(0).field(), "gross_output");
  EXPECT_EQ(resp.rejections(1).line(), 4);
  EXPECT_EQ(resp.rejections(1).reason(), "'12a' is not a decimal number");
  EXPECT_EQ(resp.rejections(2).line(), 5);
  EXPECT_EQ(resp.rejections(2).field(), "park_id");
  std::map<int64_t, pb::RejectedRecord> kept;
  for (const auto& r : producer_.sent_ForTest()) {
    if (r.topic != topics_.rejected) continue;
    pb::RejectedRecord rej;
    ASSERT_TRUE(rej.ParseFromString(r.value));
    EXPECT_EQ(r.key, "sub-2|" + std::to_string(rej.provenance().line()));
    kept[rej.provenance().line()] = rej;
  }
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[3].stage(), "ingest");
  EXPECT_EQ(kept[3].raw(), "raw line 3");
  EXPECT_EQ(kept[4].raw(), "x,y,z");
  EXPECT_EQ(kept[4].field(), "gross_output");
  EXPECT_EQ(kept[5].field(), "park_id");
}

// One submission reporting an enterprise's period twice with one revision: the first line
// is taken, the repeat refused with the line it repeats; another revision, another period
// or another kind is no repeat.
TEST_F(IngestServiceTest, RepeatedReportInOneSubmissionIsRefused) {
  pb::PushResponse resp;
  auto repeat = Output(14, 9);    // month 3, like line 2
  auto revised = Output(26, 5, "P1", 2);  // month 3, revision 2
  auto s = service_.HandlePush("sub-r", "b", {Output(2, 7), Output(3, 8), repeat, revised}, &resp);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(resp.accepted(), 3);
  ASSERT_EQ(resp.rejections_size(), 1);
  EXPECT_EQ(resp.rejections(0).line(), 14);
  EXPECT_EQ(resp.rejections(0).field(), "revision");
  EXPECT_EQ(resp.rejections(0).reason(),
            "line 2 of this submission already reports " + uscc_ +
                " for 2024-03 with revision 1; a correction needs a higher revision");
  int reports = 0;
  for (const auto& r : producer_.sent_ForTest()) {
    if (r.topic != topics_.reports) continue;
    ++reports;
    pb::ReportEnvelope env;
    ASSERT_TRUE(env.ParseFromString(r.value));
    EXPECT_NE(env.provenance().line(), 14);
  }
  EXPECT_EQ(reports, 3);
  // The same report in another submission is not refused (it is the aggregator's to judge).
  pb::PushResponse again;
  ASSERT_TRUE(service_.HandlePush("sub-r2", "b", {Output(2, 7)}, &again).ok());
  EXPECT_EQ(again.accepted(), 1);
}

// A retried push with the same submission id is answered again without producing.
TEST_F(IngestServiceTest, RetryWithSameSubmissionIdProducesNothing) {
  pb::PushResponse first, second;
  ASSERT_TRUE(service_.HandlePush("sub-3", "b", {Output(2, 1)}, &first).ok());
  ASSERT_TRUE(service_.HandlePush("sub-3", "b", {Output(2, 1)}, &second).ok());
  EXPECT_FALSE(first.replayed());
  EXPECT_TRUE(second.replayed());
  EXPECT_EQ(second.accepted(), 1);
  EXPECT_EQ(producer_.sent_ForTest().size(), 1u);
}

// When Kafka does not acknowledge, the push fails UNAVAILABLE and is not remembered.
TEST_F(IngestServiceTest, UnacknowledgedPushIsNotAcknowledged) {
  producer_.SetFaultForTest(absl::UnavailableError("broker down"));
  pb::PushResponse resp;
  auto s = service_.HandlePush("sub-4", "b", {Output(2, 1)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  producer_.SetFaultForTest(absl::OkStatus());
  ASSERT_TRUE(service_.HandlePush("sub-4", "b", {Output(2, 1)}, &resp).ok());
  EXPECT_FALSE(resp.replayed());
  EXPECT_EQ(producer_.sent_ForTest().size(), 1u);
}

// A push without a submission id is refused before anything is produced.
TEST_F(IngestServiceTest, MissingSubmissionIdIsInvalid) {
  pb::PushResponse resp;
  auto s = service_.HandlePush("", "b", {Output(2, 1)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(producer_.sent_ForTest().empty());
}

// Record metrics are counted per push after the ack: accepted, and rejected by field.
TEST_F(IngestServiceTest, RecordMetricsByOutcomeAndField) {
  pb::PushResponse resp;
  ASSERT_TRUE(service_
                  .HandlePush("sub-5", "b",
                              {Output(2, 1), Output(3, -5), Output(4, -6), Output(5, 1, "NOPE"),
                               Output(6, 2)},
                              &resp)
                  .ok());
  std::map<std::string, double> got;
  for (const auto& family : prom_.Collect()) {
    if (family.name != "cw_ingest_records_total") continue;
    for (const auto& m : family.metric) {
      std::string key;
      for (const auto& l : m.label) key += l.name + "=" + l.value + ",";
      got[key] = m.counter.value;
    }
  }
  EXPECT_EQ(got["field=,outcome=accepted,"], 2);
  EXPECT_EQ(got["field=gross_output,outcome=rejected,"], 2);
  EXPECT_EQ(got["field=park_id,outcome=rejected,"], 1);
  EXPECT_EQ(got.size(), 3u);
}

// The streaming Push (requests parsed on an arena) over a real in-process gRPC server:
// records from several messages, envelopes with provenance, rejections in line order.
class IngestGrpcTest : public IngestServiceTest {
 protected:
  void SetUp() override {
    IngestServiceTest::SetUp();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port_, 0);
    stub_ = pb::IngestService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Push(const std::vector<pb::PushRequest>& requests, pb::PushResponse* resp) {
    grpc::ClientContext ctx;
    auto writer = stub_->Push(&ctx, resp);
    for (const auto& r : requests) {
      if (!writer->Write(r)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::IngestService::Stub> stub_;
};

TEST_F(IngestGrpcTest, StreamedPushAcrossMessages) {
  std::vector<pb::PushRequest> reqs(3);
  reqs[0].set_submission_id("grpc-1");
  reqs[0].set_source_bureau("bureau-321282");
  *reqs[0].add_records() = Output(2, 7);
  *reqs[0].add_records() = Output(3, -1);
  *reqs[1].add_records() = Output(4, 8);
  pb::SubmittedRecord tax;
  tax.set_line(5);
  tax.set_raw("tax line");
  tax.mutable_tax()->set_uscc(uscc_);
  tax.mutable_tax()->mutable_period()->set_year(2024);
  tax.mutable_tax()->mutable_period()->set_month(3);
  tax.mutable_tax()->set_basis(pb::VALUE_BASIS_MONTH);
  tax.mutable_tax()->mutable_total_tax()->set_fen(900);
  tax.mutable_tax()->add_counterparties()->set_uscc(uscc_);
  *reqs[2].add_records() = tax;
  pb::PushResponse resp;
  auto s = Push(reqs, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.submission_id(), "grpc-1");
  EXPECT_EQ(resp.accepted(), 3);
  EXPECT_EQ(resp.rejected(), 1);
  ASSERT_EQ(resp.rejections_size(), 1);
  EXPECT_EQ(resp.rejections(0).line(), 3);
  EXPECT_EQ(resp.rejections(0).field(), "gross_output");
  std::vector<pb::ReportEnvelope> reports;
  for (const auto& r : producer_.sent_ForTest()) {
    if (r.topic == topics_.rejected) {
      pb::RejectedRecord rej;
      ASSERT_TRUE(rej.ParseFromString(r.value));
      EXPECT_EQ(r.key, "grpc-1|3");
      EXPECT_EQ(rej.provenance().line(), 3);
      EXPECT_EQ(rej.provenance().source_bureau(), "bureau-321282");
      EXPECT_EQ(rej.raw(), "raw line 3");
      continue;
    }
    EXPECT_EQ(r.topic, topics_.reports);
    ASSERT_TRUE(reports.emplace_back().ParseFromString(r.value));
    const auto& e = reports.back();
    EXPECT_EQ(r.key, e.has_output() ? e.output().uscc() : e.tax().uscc());
  }
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].output().gross_output().fen(), 7);
  EXPECT_EQ(reports[0].provenance().line(), 2);
  EXPECT_EQ(reports[0].provenance().submission_id(), "grpc-1");
  EXPECT_EQ(reports[0].provenance().received_unix_ms(), 1'700'000'000'000);
  EXPECT_EQ(reports[1].provenance().line(), 4);
  // The tax report was completed from the registry and annotated.
  EXPECT_EQ(reports[2].tax().park_id(), "P1");
  EXPECT_EQ(reports[2].tax().industry(), "3731");
  EXPECT_EQ(reports[2].tax().park_county(), "321282");
  EXPECT_EQ(reports[2].tax().counterparties(0).park_id(), "P1");
  EXPECT_EQ(reports[2].tax().counterparties(0).county_code(), "321282");
  EXPECT_EQ(reports[2].provenance().line(), 5);
  // A retry of the same submission is answered from memory.
  pb::PushResponse again;
  ASSERT_TRUE(Push(reqs, &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.accepted(), 3);
  EXPECT_EQ(producer_.sent_ForTest().size(), 4u);
}

// A stream with more records than max_records_per_push is refused and nothing is produced.
TEST_F(IngestGrpcTest, TooManyRecordsAreRefused) {
  IngestOptions options;
  options.max_records_per_push = 2;
  IngestService small{registry_, producer_, clock_, topics_, metrics_, options};
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&small);
  auto server = builder.BuildAndStart();
  auto stub = pb::IngestService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  std::vector<pb::PushRequest> reqs(2);
  reqs[0].set_submission_id("grpc-2");
  *reqs[0].add_records() = Output(2, 1);
  *reqs[0].add_records() = Output(3, 1);
  *reqs[1].add_records() = Output(4, 1);
  grpc::ClientContext ctx;
  pb::PushResponse resp;
  auto writer = stub->Push(&ctx, &resp);
  for (const auto& r : reqs) writer->Write(r);
  writer->WritesDone();
  auto s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(producer_.sent_ForTest().empty());
  server->Shutdown();
}


// A producer whose ProduceAll calls after the first `ok_calls` fail as `fault` (ingest
// losing Kafka part-way through a push).
class FailingAfterProducer : public kafka::FakeProducer {
 public:
  FailingAfterProducer(int ok_calls, absl::Status fault)
      : ok_calls_(ok_calls), fault_(std::move(fault)) {}
  absl::Status ProduceAll(const std::vector<kafka::OutRecord>& records,
                          absl::Duration timeout) override {
    if (calls_++ >= ok_calls_) return fault_;
    return FakeProducer::ProduceAll(records, timeout);
  }
  int calls() const { return calls_; }

 private:
  const int ok_calls_;
  const absl::Status fault_;
  int calls_ = 0;
};

// A service over its own producer and options, served in-process.
class StreamedIngestTest : public IngestServiceTest {
 protected:
  void Serve(kafka::Producer& producer, IngestOptions options) {
    service2_ = std::make_unique<IngestService>(registry_, producer, clock_, topics_, metrics_,
                                                options);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service2_.get());
    server_ = builder.BuildAndStart();
    stub_ = pb::IngestService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  // Pushes `records` as submission `id`, `per_message` records a message.
  grpc::Status Push(const std::string& id, const std::vector<pb::SubmittedRecord>& records,
                    size_t per_message, pb::PushResponse* resp) {
    grpc::ClientContext ctx;
    auto writer = stub_->Push(&ctx, resp);
    pb::PushRequest req;
    req.set_submission_id(id);
    req.set_source_bureau("bureau-321282");
    for (const auto& r : records) {
      *req.add_records() = r;
      if (static_cast<size_t>(req.records_size()) == per_message) {
        if (!writer->Write(req)) break;
        req.Clear();
      }
    }
    if (req.records_size() > 0) writer->Write(req);
    writer->WritesDone();
    return writer->Finish();
  }
  // Distinct reports: line i reports month 1 + i % 12 of year 2000 + i / 12.
  std::vector<pb::SubmittedRecord> Distinct(int n) {
    std::vector<pb::SubmittedRecord> out;
    for (int i = 0; i < n; ++i) {
      auto r = Output(i + 2, 100 + i);
      r.mutable_output()->mutable_period()->set_year(2000 + i / 12);
      r.mutable_output()->mutable_period()->set_month(1 + i % 12);
      out.push_back(r);
    }
    return out;
  }

  int port_ = 0;
  std::unique_ptr<IngestService> service2_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::IngestService::Stub> stub_;
};

// A push longer than a batch is produced batch by batch (one ProduceAll per batch of whole
// messages reaching batch_records) and answered once, every record in line order.
TEST_F(StreamedIngestTest, LongPushIsProducedBatchByBatch) {
  FailingAfterProducer producer(1000, absl::OkStatus());
  IngestOptions options;
  options.batch_records = 4;
  Serve(producer, options);
  pb::PushResponse resp;
  auto s = Push("long-1", Distinct(10), 3, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.accepted(), 10);
  EXPECT_EQ(resp.rejected(), 0);
  EXPECT_EQ(producer.calls(), 2);  // messages of 3, 3 | 3, 1 records
  const auto sent = producer.sent_ForTest();
  ASSERT_EQ(sent.size(), 10u);
  for (size_t i = 0; i < sent.size(); ++i) {
    pb::ReportEnvelope env;
    ASSERT_TRUE(env.ParseFromString(sent[i].value));
    EXPECT_EQ(env.provenance().line(), static_cast<int64_t>(i) + 2);
    EXPECT_EQ(env.provenance().submission_id(), "long-1");
  }
}

// A repeat is found across batches, naming the line it repeats.
TEST_F(StreamedIngestTest, RepeatAcrossBatchesIsRefused) {
  kafka::FakeProducer producer;
  IngestOptions options;
  options.batch_records = 2;
  Serve(producer, options);
  auto records = Distinct(5);
  auto repeat = records[0];
  repeat.set_line(40);
  records.push_back(repeat);
  pb::PushResponse resp;
  ASSERT_TRUE(Push("long-2", records, 1, &resp).ok());
  EXPECT_EQ(resp.accepted(), 5);
  ASSERT_EQ(resp.rejections_size(), 1);
  EXPECT_EQ(resp.rejections(0).line(), 40);
  EXPECT_EQ(resp.rejections(0).reason(),
            "line 2 of this submission already reports " + uscc_ +
                " for 2000-01 with revision 1; a correction needs a higher revision");
}

// Kafka lost after the first batch: the push fails UNAVAILABLE, not remembered; the retry
// with the same id sends everything again, and each record that was already stored comes
// again with the same submission, line and revision, which the aggregator's revision rule
// takes as a duplicate. So every record is applied once.
TEST_F(StreamedIngestTest, PushCutPartWayResumesWithoutDoubles) {
  FailingAfterProducer producer(1, absl::UnavailableError("broker gone"));
  IngestOptions options;
  options.batch_records = 3;
  Serve(producer, options);
  pb::PushResponse resp;
  auto s = Push("cut-1", Distinct(7), 3, &resp);  // the second batch fails
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("taken as duplicates"), std::string::npos)
      << s.error_message();
  const auto first = producer.sent_ForTest();
  ASSERT_EQ(first.size(), 3u);

  kafka::FakeProducer healthy;
  server_->Shutdown();
  server_.reset();
  Serve(healthy, options);  // ingest restarted
  ASSERT_TRUE(Push("cut-1", Distinct(7), 7, &resp).ok());
  EXPECT_EQ(resp.accepted(), 7);
  EXPECT_FALSE(resp.replayed());
  const auto second = healthy.sent_ForTest();
  ASSERT_EQ(second.size(), 7u);
  // What the aggregator applies: per report key, the revision rule over arrivals.
  std::map<std::string, domain::ReportIdentity> accepted;
  std::vector<std::string> storage;  // keeps submission ids alive for the string_views
  storage.reserve(10);
  int applied = 0, duplicates = 0;
  for (const auto* batch : {&first, &second}) {
    for (const auto& r : *batch) {
      pb::ReportEnvelope env;
      ASSERT_TRUE(env.ParseFromString(r.value));
      storage.push_back(env.provenance().submission_id());
      const std::string key = env.output().uscc() + "|" +
                              std::to_string(env.output().period().year()) + "-" +
                              std::to_string(env.output().period().month());
      domain::ReportIdentity incoming{env.output().revision(), storage.back(),
                                      env.provenance().received_unix_ms()};
      auto it = accepted.find(key);
      switch (domain::JudgeRevision(it == accepted.end() ? nullptr : &it->second, incoming)) {
        case domain::RevisionOutcome::kApply:
          ++applied;
          accepted[key] = incoming;
          break;
        case domain::RevisionOutcome::kDuplicate:
          ++duplicates;
          break;
        case domain::RevisionOutcome::kStale:
          ADD_FAILURE() << "stale " << key;
      }
    }
  }
  EXPECT_EQ(applied, 7);
  EXPECT_EQ(duplicates, 3);
}

// A line longer than the limit is refused as that line and kept cut, with its length and
// hash; the other lines go through.
TEST_F(StreamedIngestTest, OversizeLineIsRefusedAsThatLine) {
  kafka::FakeProducer producer;
  IngestOptions options;
  options.max_line_bytes = 100;
  options.kept_line_bytes = 8;
  Serve(producer, options);
  auto records = Distinct(3);
  const std::string big(5000, 'q');
  records[1].set_raw(big);
  pb::PushResponse resp;
  ASSERT_TRUE(Push("big-1", records, 10, &resp).ok());
  EXPECT_EQ(resp.accepted(), 2);
  ASSERT_EQ(resp.rejections_size(), 1);
  EXPECT_EQ(resp.rejections(0).line(), 3);
  EXPECT_EQ(resp.rejections(0).field(), "line");
  EXPECT_EQ(resp.rejections(0).reason(),
            domain::OversizeLineReason(5000, 100, 8, domain::Fnv1a64(big)));
  int kept = 0;
  for (const auto& r : producer.sent_ForTest()) {
    if (r.topic != topics_.rejected) continue;
    pb::RejectedRecord rej;
    ASSERT_TRUE(rej.ParseFromString(r.value));
    EXPECT_EQ(rej.raw(), "qqqqqqqq");
    EXPECT_EQ(rej.field(), "line");
    EXPECT_EQ(r.key, "big-1|3");
    ++kept;
  }
  EXPECT_EQ(kept, 1);
}

// Kafka refusing a record outright (too large for the broker) is no UNAVAILABLE: a retry
// cannot fix it.
TEST_F(StreamedIngestTest, RecordKafkaNeverTakesIsNotUnavailable) {
  FailingAfterProducer producer(0, absl::ResourceExhaustedError("Message size too large"));
  Serve(producer, {});
  pb::PushResponse resp;
  auto s = Push("never-1", Distinct(2), 2, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("a retry cannot succeed"), std::string::npos);
}

// The answer lists at most max_listed_rejections; `rejected` and the topic have them all.
TEST_F(StreamedIngestTest, RejectionListIsBounded) {
  kafka::FakeProducer producer;
  IngestOptions options;
  options.max_listed_rejections = 2;
  Serve(producer, options);
  std::vector<pb::SubmittedRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(Output(i + 2, 1, "NOPE"));
  pb::PushResponse resp;
  ASSERT_TRUE(Push("bad-1", records, 5, &resp).ok());
  EXPECT_EQ(resp.rejected(), 5);
  EXPECT_EQ(resp.rejections_size(), 2);
  EXPECT_EQ(producer.sent_ForTest().size(), 5u);
}


// A client that goes away mid-push leaves the submission incomplete: its retry with the same
// id is handled again (not answered from memory) and answers for the whole file.
TEST_F(StreamedIngestTest, CancelledPushIsNotRemembered) {
  kafka::FakeProducer producer;
  IngestOptions options;
  options.batch_records = 2;
  Serve(producer, options);
  {
    grpc::ClientContext ctx;
    pb::PushResponse resp;
    auto writer = stub_->Push(&ctx, &resp);
    pb::PushRequest req;
    req.set_submission_id("gone-1");
    for (const auto& r : Distinct(2)) *req.add_records() = r;
    ASSERT_TRUE(writer->Write(req));
    ctx.TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  pb::PushResponse resp;
  ASSERT_TRUE(Push("gone-1", Distinct(4), 2, &resp).ok());
  EXPECT_FALSE(resp.replayed());
  EXPECT_EQ(resp.accepted(), 4);
}
}  // namespace
}  // namespace cw::ingest
