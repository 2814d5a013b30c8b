// clusterctl: the command line for clusterwatch.
//   clusterctl push FILE...            push output/tax report CSVs (UTF-8 or GBK) or .xlsx
//                                      workbooks to ingest [--sheet=NAME] [--header_map=FILE]
//   clusterctl registry FILE...        push park / enterprise registry CSVs (or .xlsx) to ingest
//   clusterctl parks [--region=2224]   list parks known to the query service
//   clusterctl report --period=2024-12 [--park=ID]   readable park report(s)
//   clusterctl metrics --park=ID --period=P [--reference=system|province|prefecture]
//                      [--level=class|division]
//   clusterctl rank --metric=output_ytd --period=P [--region=32] [--level=class|division]
//   clusterctl series --park=ID --metric=output_ytd_yoy --from=P --to=P [--level=...]
//   clusterctl region --region=321200 | --group=延龙图核心  --period=P
//                     [--level=class|division]
//   clusterctl industry-map --industry=30 --period=P [--region=32] [--level=class|division]
//                           [--reference=system|province|prefecture]
//   clusterctl alerts list [--state=firing] [--park=ID] [--region=32] [--subject_kind=region]
//                          [--brief]                  one line per alert
//                          [--summary]                by subject, for one screen
//   clusterctl alerts watch [--resume=TOKEN] [--count=N] [--park=ID]   follow changes live
//   clusterctl alerts silence --id=ALERT_ID --duration=2h --by=NAME --comment=TEXT
//                             [--alertmanager=http://127.0.0.1:9093]   an Alertmanager silence,
//                                                  recorded with the alert (RecordAlertAction)
//   clusterctl alerts ack --id=ALERT_ID --by=NAME --comment=TEXT [--duration=720h]
//                                                  acknowledge: a silence marked ACK, recorded
//   clusterctl alerts comment --id=ALERT_ID --comment=TEXT   a comment recorded with the alert
//   clusterctl hash-token TOKEN                    the digest to put in a credentials file
//   clusterctl health ADDRESS [SERVICE]            grpc.health.v1 Check (SERVING or not)
//   clusterctl default-config                      print the metric thresholds' defaults
//   clusterctl export --period=P [--region=R|--group=G] --out=DIR [--format=csv,xlsx]
//                                                  a period's figures as CSV and/or XLSX
//   clusterctl gen-sample --out=DIR [--seed=N]      write the deterministic sample data
// Read commands take --output=table|json|csv (cli/output.h).
// Exit status (cli/exit_codes.h): 0 done (all accepted, all found); 1 error (a call failed,
// a file unreadable); 2 usage (unknown command or flag, missing argument, bad flag value,
// unusable TLS files); 3 push answered with refused lines (the summary says how many);
// 4 not found (e.g. report --park=NOPE).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/alert_actions.h"
#include "cli/client_tls.h"
#include "cli/exit_codes.h"
#include "cli/export.h"
#include "cli/xlsx.h"
#include "cli/xlsx_read.h"
#include "cli/output.h"
#include "cli/render.h"
#include "cli/report_stream.h"
#include "cli/sample/generator.h"
#include "clusterwatch/v1/ingest.grpc.pb.h"
#include "clusterwatch/v1/query.grpc.pb.h"
#include "common/domain/csv.h"
#include "common/domain/csv_stream.h"
#include "common/http/http_client.h"
#include "common/domain/period.h"
#include "common/domain/report_csv.h"
#include "common/domain/totals.h"
#include "common/metrics/config.h"
#include "common/security/auth.h"
#include "common/obs/program.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, ingest, "127.0.0.1:50051", "ingest service address");
ABSL_FLAG(std::string, query, "127.0.0.1:50052", "query service address");
ABSL_FLAG(std::string, bureau, "", "pushing bureau (default: bureau-<region of the file>)");
ABSL_FLAG(std::string, submission_id, "",
          "submission id (default: derived from the file's bytes, so re-pushing the same "
          "file is idempotent)");
ABSL_FLAG(std::string, period, "", "period, e.g. 2024-12 or 2024-01/02 or 2024年1-2月");
ABSL_FLAG(std::string, park, "", "park id (report: default all parks)");
ABSL_FLAG(std::string, region, "", "GB/T 2260 region prefix filter");
ABSL_FLAG(std::string, tls_ca, "", "CA certificate (PEM) of the servers; enables TLS");
ABSL_FLAG(std::string, tls_cert, "", "client certificate (PEM) for mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "client private key (PEM) for mutual TLS");
ABSL_FLAG(std::string, token, "", "bearer token (default: $CW_TOKEN); needs TLS");
ABSL_FLAG(std::string, metric, "output_ytd", "rank: the metric to rank parks by");
ABSL_FLAG(std::string, from, "", "series: first period");
ABSL_FLAG(std::string, to, "", "series: last period");
ABSL_FLAG(std::string, group, "", "region: a named park group instead of a region");
ABSL_FLAG(std::string, industry, "", "industry-map: GB/T 4754 division or class");
ABSL_FLAG(std::string, reference, "system",
          "metrics, industry-map: LQ, strong-cluster and star reference "
          "(system|province|prefecture)");
ABSL_FLAG(std::string, level, "class",
          "metrics, industry-map, rank, series, region: GB/T 4754 level of the industry figures "
          "(class|division)");
ABSL_FLAG(int32_t, limit, 0, "rank: at most this many parks (0: all)");
ABSL_FLAG(std::string, state, "", "alerts: pending, firing or resolved (default any)");
ABSL_FLAG(std::string, rule, "", "alerts: only this rule");
ABSL_FLAG(std::string, subject_kind, "",
          "alerts: only subjects of this kind (park, park_industry, region, group)");
ABSL_FLAG(std::string, resume, "", "alerts watch: resume after this token");
ABSL_FLAG(int32_t, count, 0, "alerts watch: stop after this many changes (0: never)");
ABSL_FLAG(bool, brief, false, "alerts list: one line per alert (subject, rule, since when)");
ABSL_FLAG(bool, summary, false,
          "alerts list: by subject, for one screen (a park with its industries, a region)");
ABSL_FLAG(std::string, id, "", "alerts silence|ack|comment: the alert id");
ABSL_FLAG(std::string, duration, "",
          "alerts silence|ack: how long (2h, 30m; ack default 720h)");
ABSL_FLAG(std::string, by, "", "alerts silence|ack: who (default $USER)");
ABSL_FLAG(std::string, comment, "", "alerts silence|ack|comment: why / what");
ABSL_FLAG(std::string, alertmanager, "http://127.0.0.1:9093",
          "alerts silence|ack: Prometheus Alertmanager base URL (\"\": record the action "
          "with the alert only, no Alertmanager silence)");
ABSL_FLAG(std::string, out, "",
          "gen-sample: output directory (default: sample); export: the directory to write "
          "the files to (required)");
ABSL_FLAG(std::string, format, "csv,xlsx",
          "export: csv (one file per sheet), xlsx (one workbook) or csv,xlsx");
ABSL_FLAG(uint64_t, seed, 20241, "gen-sample: random seed");
ABSL_FLAG(int32_t, years, 2, "gen-sample: years of months");
ABSL_FLAG(int32_t, scale, 1, "gen-sample: enterprises per park multiplied by this");
ABSL_FLAG(int32_t, retries, 5, "push: retries of a push that failed in transit");
ABSL_FLAG(int32_t, batch, 2000, "push: records per stream message");
ABSL_FLAG(int64_t, max_line_bytes, 256 << 10,
          "push: a longer line is refused as that line (sent cut to its first 4 KiB, with "
          "its length and hash); the other lines go through");
ABSL_FLAG(std::string, header_map, "",
          "push, registry: a file of extra header names, one alias=canonical per line (e.g. "
          "期间=period); docs/operations.md");
ABSL_FLAG(std::string, sheet, "",
          "push, registry: the sheet of an .xlsx workbook to read (default: the first)");
ABSL_FLAG(std::string, output, "table",
          "read commands (parks, report, metrics, rank, series, region, industry-map, alerts "
          "list|watch): table (readable, with units), json (the answer's proto3 JSON, fen as "
          "exact decimal strings) or csv (a header row, fen as integers)");

namespace {
namespace pb = clusterwatch::v1;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The TLS material of the flags, checked once in main before any call (LoadClientTls);
// nullopt: plaintext.
std::optional<cw::cli::ClientTls> g_tls;

// TLS when --tls_ca is given (with a client certificate for mutual TLS), and the bearer
// token as call credentials; plaintext otherwise (local development).
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() {
  if (!g_tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = g_tls->root_certs;
  opts.pem_cert_chain = g_tls->cert_chain;
  opts.pem_private_key = g_tls->private_key;
  auto creds = grpc::SslCredentials(opts);
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty()) {
    if (const char* env = std::getenv("CW_TOKEN")) token = env;
  }
  if (!token.empty()) {
    creds = grpc::CompositeChannelCredentials(creds, grpc::AccessTokenCredentials(token));
  }
  return creds;
}

std::shared_ptr<grpc::Channel> IngestChannel() {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_ingest), ChannelCredentials(), args);
}

std::unique_ptr<pb::IngestService::Stub> IngestStub() {
  return pb::IngestService::NewStub(IngestChannel());
}

std::unique_ptr<pb::QueryService::Stub> QueryStub() {
  return pb::QueryService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_query), ChannelCredentials()));
}

using cw::cli::kExitError;
using cw::cli::kExitNotFound;
using cw::cli::kExitOk;
using cw::cli::kExitUsage;
using cw::cli::kExitOk;
using cw::cli::kExitRefused;

int Fail(const std::string& what) {
  std::cerr << "clusterctl: " << what << "\n";
  return kExitError;
}

// A usage error: the message and the usage line; exit 2.
int Usage(const std::string& what) { return cw::obs::UsageError(what); }

// A failed call: 4 when the service says what was asked for does not exist, else 1.
int CallFailed(const grpc::Status& status) {
  std::cerr << "clusterctl: " << status.error_message() << "\n";
  return status.error_code() == grpc::StatusCode::NOT_FOUND ? kExitNotFound : kExitError;
}

// The --output format, checked once in main before any call for the read commands.
cw::cli::OutputFormat g_output = cw::cli::OutputFormat::kTable;

// Prints one answer in the --output format: `table` as rendered, json as its proto3 JSON,
// csv as the table `csv` gives.
void Print(const google::protobuf::Message& answer, const std::string& table,
           const std::function<cw::cli::CsvTable()>& csv) {
  switch (g_output) {
    case cw::cli::OutputFormat::kTable: std::cout << table; break;
    case cw::cli::OutputFormat::kJson: std::cout << cw::cli::ToJson(answer); break;
    case cw::cli::OutputFormat::kCsv: std::cout << cw::cli::FormatCsv(csv()); break;
  }
}

// `health ADDRESS [SERVICE]`: grpc.health.v1.Health/Check over the same TLS settings as every
// other command (a probe that Kubernetes' native gRPC probe cannot make against a TLS port).
// Prints SERVING or NOT_SERVING; exit 0 only when SERVING. The request and the answer are
// two tiny protobuf messages (field 1: service name; field 1: status enum, SERVING = 1),
// written and read here by hand so that the client needs no generated health stubs.
int Health(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) return Usage("health: give ADDRESS [SERVICE]");
  std::string request;
  if (args.size() == 2 && !args[1].empty()) {
    if (args[1].size() > 127) return Usage("health: service name too long (at most 127 bytes)");
    request = std::string("\x0a", 1) + static_cast<char>(args[1].size()) + args[1];
  }
  grpc::GenericStub stub(grpc::CreateChannel(args[0], ChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &in, &out,
                 [&done](grpc::Status st) { done.set_value(std::move(st)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return Fail(absl::StrCat("health ", args[0], ": ", status.error_code(), " ",
                             status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  std::string answer;
  if (out.Dump(&slices).ok()) {
    for (const auto& sl : slices) answer.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  const bool serving = answer.size() == 2 && answer[0] == 0x08 && answer[1] == 0x01;
  std::cout << (serving ? "SERVING" : "NOT_SERVING") << "\n";
  return serving ? 0 : 1;
}

// Progress of a push on stderr (rows, rows/s, bytes), at most twice a second, and only when
// stderr is a terminal: scripts and logs see nothing of it.
class PushProgress {
 public:
  PushProgress(std::string file, uint64_t total_bytes)
      : file_(std::move(file)),
        total_bytes_(total_bytes),
        enabled_(isatty(STDERR_FILENO) == 1),
        started_(std::chrono::steady_clock::now()) {}
  void Update(int64_t rows, uint64_t bytes, bool last = false) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!last && now - shown_ < std::chrono::milliseconds(500)) return;
    shown_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    std::cerr << absl::StrFormat("\r%s: %d rows, %.0f rows/s, %.1f of %.1f MB", file_, rows,
                                 seconds > 0 ? rows / seconds : 0.0, bytes / 1e6,
                                 total_bytes_ / 1e6)
              << (last ? "\n" : "") << std::flush;
  }

 private:
  const std::string file_;
  const uint64_t total_bytes_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point shown_{};
};

cw::domain::CsvReadLimits LineLimits() {
  cw::domain::CsvReadLimits limits;
  limits.max_record_bytes = static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_max_line_bytes)));
  limits.kept_bytes = std::min<size_t>(limits.max_record_bytes, 4096);
  return limits;
}

// One attempt at streaming `file` as submission `id`: the file is read a batch at a time
// (--batch records, at most 4 MiB of text) and each batch is sent as it is read, so memory
// holds one batch whatever the file's size. The first message carries the header.
// A workbook's records were read before (`preloaded`, not null) and are sent in batches alike.
grpc::Status PushOnce(grpc::Channel& channel, pb::IngestService::Stub& stub,
                      const std::string& id,
                      const std::string& bureau, const std::string& file,
                      const cw::domain::CsvSurvey& survey,
                      const cw::domain::HeaderMap& header_map,
                      const std::vector<pb::SubmittedRecord>* preloaded,
                      pb::PushResponse* response) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("cannot open ", file));
  cw::cli::ReportStream stream(in, survey.encoding, LineLimits(), &header_map);
  size_t next_preloaded = 0;
  const size_t batch = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_batch)));
  auto next_batch = [&](std::vector<pb::SubmittedRecord>* out) {
    if (preloaded == nullptr) return stream.NextBatch(batch, 4 << 20, out);
    out->clear();
    size_t bytes = 0;
    while (next_preloaded < preloaded->size() && out->size() < batch && bytes < (4u << 20)) {
      bytes += (*preloaded)[next_preloaded].raw().size();
      out->push_back((*preloaded)[next_preloaded++]);
    }
    return !out->empty();
  };
  if (preloaded == nullptr) {
    if (auto s = stream.Start(); !s.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
    }
  }
  // Waits up to 5 minutes for a restarting ingest instead of failing at once; the push itself
  // has no deadline (a file of millions of rows takes minutes), and fails at once when the
  // connection is lost mid-way.
  if (!channel.WaitForConnected(std::chrono::system_clock::now() + std::chrono::minutes(5))) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("no connection to ingest at ", absl::GetFlag(FLAGS_ingest),
                                     " within 5 minutes"));
  }
  grpc::ClientContext ctx;
  auto writer = stub.Push(&ctx, response);
  PushProgress progress(file, survey.bytes);
  pb::PushRequest req;
  req.set_submission_id(id);
  req.set_source_bureau(bureau);
  std::vector<pb::SubmittedRecord> records;
  bool sent_header = false;
  while (next_batch(&records)) {
    for (auto& r : records) *req.add_records() = std::move(r);
    sent_header = true;
    // A failed write means the call has ended (refused, or ingest gone): Finish says why.
    if (!writer->Write(req)) break;
    req.Clear();
    progress.Update(stream.records(), stream.bytes_read());
  }
  if (!sent_header) writer->Write(req);  // a file of no rows: the header message alone
  writer->WritesDone();
  auto status = writer->Finish();
  progress.Update(stream.records(), stream.bytes_read(), /*last=*/true);
  return status;
}

// The --header_map file (an empty map without the flag).
absl::StatusOr<cw::domain::HeaderMap> LoadHeaderMap() {
  const std::string path = absl::GetFlag(FLAGS_header_map);
  if (path.empty()) return cw::domain::HeaderMap();
  auto text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat("--header_map: cannot open ", path));
  auto map = cw::domain::HeaderMap::Parse(*text);
  if (!map.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--header_map ", path, ": ",
                                                   map.status().message()));
  }
  return map;
}

void PrintWarnings(const std::string& file, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "clusterctl: " << file << ": warning: " << w << "\n";
}

// A sheet of an .xlsx workbook as a table (--sheet, else the first sheet).
absl::StatusOr<cw::domain::CsvTable> ReadWorkbook(const std::string& file) {
  cw::cli::XlsxReadOptions options;
  options.sheet = absl::GetFlag(FLAGS_sheet);
  return cw::cli::ReadXlsxTable(file, options);
}

int Push(const std::vector<std::string>& files) {
  if (files.empty()) return Usage("push: name at least one report CSV file (or .xlsx workbook)");
  auto header_map = LoadHeaderMap();
  if (!header_map.ok()) return Fail(std::string(header_map.status().message()));
  auto channel = IngestChannel();
  auto stub = pb::IngestService::NewStub(channel);
  cw::cli::PushTally tally;
  for (const auto& file : files) {
    // A first pass: the content id, the encoding and the size, in blocks.
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(absl::StrCat("cannot open ", file));
    auto survey = cw::domain::SurveyCsv(in);
    if (!survey.ok()) return Fail(absl::StrCat(file, ": ", survey.status().message()));
    // A workbook is read whole (a sheet has at most 1,048,576 rows); a CSV file streams.
    std::optional<std::vector<pb::SubmittedRecord>> preloaded;
    if (cw::cli::IsXlsxPath(file)) {
      auto table = ReadWorkbook(file);
      if (!table.ok()) return Fail(absl::StrCat(file, ": ", table.status().message()));
      std::vector<std::string> warnings;
      auto records = cw::domain::ReportsFromCsv(*table, {&*header_map, &warnings});
      if (!records.ok()) return Fail(absl::StrCat(file, ": ", records.status().message()));
      PrintWarnings(file, warnings);
      preloaded = *std::move(records);
    } else {
      // The header, checked before anything is sent.
      std::ifstream head_in(file, std::ios::binary);
      cw::cli::ReportStream head(head_in, survey->encoding, LineLimits(), &*header_map);
      if (auto s = head.Start(); !s.ok()) return Fail(absl::StrCat(file, ": ", s.message()));
      PrintWarnings(file, head.warnings());
    }
    std::string id = absl::GetFlag(FLAGS_submission_id);
    if (id.empty()) id = absl::StrFormat("%s-%016x", BaseName(file), survey->fnv1a64);
    std::string bureau = absl::GetFlag(FLAGS_bureau);
    if (bureau.empty()) bureau = "bureau-" + BaseName(file).substr(0, 6);
    pb::PushResponse response;
    grpc::Status status;
    // A push that failed in transit (ingest restarting, Kafka unavailable) is sent again
    // from its first line with the same submission id: the records already stored come
    // again with the same submission and line, and the aggregator takes them as duplicates.
    for (int attempt = 0;; ++attempt) {
      response.Clear();
      status = PushOnce(*channel, *stub, id, bureau, file, *survey, *header_map,
                        preloaded ? &*preloaded : nullptr, &response);
      const bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      if (status.ok() || !transient || attempt >= absl::GetFlag(FLAGS_retries)) break;
      std::cerr << "clusterctl: " << file << ": " << status.error_message() << "; retrying ("
                << attempt + 1 << "/" << absl::GetFlag(FLAGS_retries) << ")\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(200) * std::min(1 << attempt, 16));
    }
    if (!status.ok()) {
      std::cerr << "clusterctl: " << file << ": push failed (" << status.error_code()
                << "): " << status.error_message() << "\n";
      tally.Failed();
      continue;
    }
    std::cout << cw::cli::RenderPushResult(file, response);
    tally.Answered(response.accepted(), response.rejected());
  }
  std::cout << std::flush;
  if (tally.Exit() != kExitOk || files.size() > 1) std::cerr << tally.Summary() << "\n";
  return tally.Exit();
}

int Registry(const std::vector<std::string>& files) {
  if (files.empty()) return Usage("registry: name parks.csv and/or enterprises.csv");
  auto header_map = LoadHeaderMap();
  if (!header_map.ok()) return Fail(std::string(header_map.status().message()));
  const cw::domain::HeaderMap* map = &*header_map;
  pb::RegistryPushRequest req;
  for (const auto& file : files) {
    absl::StatusOr<cw::domain::CsvTable> table;
    if (cw::cli::IsXlsxPath(file)) {
      table = ReadWorkbook(file);
    } else {
      auto bytes = ReadFile(file);
      if (!bytes.ok()) return Fail(std::string(bytes.status().message()));
      table = cw::domain::ParseCsv(*bytes);
    }
    if (!table.ok()) return Fail(absl::StrCat(file, ": ", table.status().message()));
    // A corrects_from column marks a table of registry corrections.
    bool corrections = false;
    for (const auto& cell : table->header) {
      corrections = corrections || absl::StrContains(cell, "corrects_from") ||
                    absl::StrContains(cell, "起始期");
    }
    if (corrections) {
      auto records = cw::domain::CorrectionsFromCsv(*table, map);
      if (!records.ok()) return Fail(absl::StrCat(file, ": ", records.status().message()));
      for (auto& r : *records) *req.add_records() = std::move(r);
      continue;
    }
    auto parks = cw::domain::ParksFromCsv(*table, map);
    auto records = parks.ok() ? parks : cw::domain::EnterprisesFromCsv(*table, map);
    if (!records.ok()) {
      return Fail(absl::StrCat(file, ": neither a park nor an enterprise table: ",
                               parks.status().message(), " / ", records.status().message()));
    }
    for (auto& r : *records) *req.add_records() = std::move(r);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
  pb::RegistryPushResponse response;
  auto status = IngestStub()->PushRegistry(&ctx, req, &response);
  if (!status.ok()) return Fail(absl::StrCat("registry push failed: ", status.error_message()));
  std::cout << "registry: " << response.accepted() << " records stored\n";
  return 0;
}

absl::StatusOr<pb::ListParksResponse> ListParks(const std::string& region) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::ListParksRequest req;
  req.set_region_prefix(region);
  pb::ListParksResponse resp;
  auto status = QueryStub()->ListParks(&ctx, req, &resp);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return resp;
}

int Parks() {
  auto resp = ListParks(absl::GetFlag(FLAGS_region));
  if (!resp.ok()) return Fail(std::string(resp.status().message()));
  const std::vector<pb::Park> parks(resp->parks().begin(), resp->parks().end());
  if (g_output == cw::cli::OutputFormat::kTable) {
    std::cout << cw::cli::RenderParkList(parks);
  } else {
    Print(*resp, "", [&] { return cw::cli::ParksCsv(parks); });
  }
  return 0;
}

int Report() {
  auto period = cw::domain::ParsePeriod(absl::GetFlag(FLAGS_period));
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  std::vector<std::string> parks;
  if (!absl::GetFlag(FLAGS_park).empty()) {
    parks.push_back(absl::GetFlag(FLAGS_park));
  } else {
    auto resp = ListParks(absl::GetFlag(FLAGS_region));
    if (!resp.ok()) return Fail(std::string(resp.status().message()));
    for (const auto& p : resp->parks()) parks.push_back(p.id());
  }
  auto stub = QueryStub();
  int rc = 0;
  std::vector<pb::GetParkSnapshotResponse> answers;  // json, csv: printed at the end
  for (const auto& id : parks) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    pb::GetParkSnapshotRequest req;
    req.set_park_id(id);
    *req.mutable_period() = cw::domain::ToProto(*period);
    pb::GetParkSnapshotResponse resp;
    auto status = stub->GetParkSnapshot(&ctx, req, &resp);
    if (!status.ok()) {
      if (g_output == cw::cli::OutputFormat::kTable) {
        std::cout << "━━ " << id << " ━━ " << status.error_message() << "\n\n";
      } else if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
        std::cerr << "clusterctl: report --park=" << id << ": " << status.error_message()
                  << "\n";
      }
      if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
        rc = kExitError;
      } else if (!absl::GetFlag(FLAGS_park).empty()) {
        // The park asked for by name is unknown or has no figures for the period; with all
        // parks, a park without reports in the period is simply skipped.
        std::cerr << "clusterctl: report --park=" << id << ": " << status.error_message() << "\n";
        rc = kExitNotFound;
      }
      continue;
    }
    if (g_output == cw::cli::OutputFormat::kTable) {
      std::cout << cw::cli::RenderParkReport(resp) << "\n";
    } else {
      answers.push_back(std::move(resp));
    }
  }
  if (g_output == cw::cli::OutputFormat::kJson) {
    std::vector<const google::protobuf::Message*> messages;
    for (const auto& a : answers) messages.push_back(&a);
    std::cout << cw::cli::ToJsonArray(messages);
  } else if (g_output == cw::cli::OutputFormat::kCsv) {
    std::cout << cw::cli::FormatCsv(cw::cli::ReportCsv(answers));
  }
  return rc;
}

absl::StatusOr<pb::Period> PeriodFlag() {
  auto period = cw::domain::ParsePeriod(absl::GetFlag(FLAGS_period));
  if (!period.ok()) return period.status();
  return cw::domain::ToProto(*period);
}

grpc::ClientContext* WithDeadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return &ctx;
}

absl::StatusOr<pb::IndustryLevel> LevelFlag() {
  const std::string level = absl::GetFlag(FLAGS_level);
  if (level == "class") return pb::INDUSTRY_LEVEL_CLASS;
  if (level == "division") return pb::INDUSTRY_LEVEL_DIVISION;
  return absl::InvalidArgumentError(
      absl::StrCat("--level='", level, "': expected class or division"));
}

absl::StatusOr<pb::ReferenceScope> ReferenceFlag() {
  const std::string ref = absl::GetFlag(FLAGS_reference);
  if (ref == "system") return pb::REFERENCE_SCOPE_SYSTEM;
  if (ref == "province") return pb::REFERENCE_SCOPE_PROVINCE;
  if (ref == "prefecture") return pb::REFERENCE_SCOPE_PREFECTURE;
  return absl::InvalidArgumentError(
      absl::StrCat("--reference='", ref, "': expected system, province or prefecture"));
}

int Metrics() {
  if (absl::GetFlag(FLAGS_park).empty()) return Usage("metrics: give --park=ID");
  auto period = PeriodFlag();
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  auto level = LevelFlag();
  if (!level.ok()) return Usage(std::string(level.status().message()));
  auto ref = ReferenceFlag();
  if (!ref.ok()) return Usage(std::string(ref.status().message()));
  pb::GetParkMetricsRequest req;
  req.set_park_id(absl::GetFlag(FLAGS_park));
  *req.mutable_period() = *period;
  req.set_reference(*ref);
  req.set_level(*level);
  pb::GetParkMetricsResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->GetParkMetrics(WithDeadline(ctx), req, &resp);
  if (!status.ok()) return CallFailed(status);
  Print(resp, cw::cli::RenderParkMetrics(resp), [&] { return cw::cli::MetricsCsv(resp); });
  return 0;
}

int Rank() {
  auto period = PeriodFlag();
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  auto level = LevelFlag();
  if (!level.ok()) return Usage(std::string(level.status().message()));
  auto metric = cw::cli::LookupMetric(absl::GetFlag(FLAGS_metric));
  if (!metric.ok()) return Usage(std::string(metric.status().message()));
  pb::RankParksRequest req;
  req.set_level(*level);
  req.set_metric(absl::GetFlag(FLAGS_metric));
  req.set_region_prefix(absl::GetFlag(FLAGS_region));
  req.set_limit(absl::GetFlag(FLAGS_limit));
  *req.mutable_period() = *period;
  pb::RankParksResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->RankParks(WithDeadline(ctx), req, &resp);
  if (!status.ok()) return CallFailed(status);
  Print(resp, cw::cli::RenderRanking(req.metric(), resp),
        [&] { return cw::cli::RankCsv(*metric, resp); });
  return 0;
}

int Series() {
  if (absl::GetFlag(FLAGS_park).empty()) return Usage("series: give --park=ID");
  auto from = cw::domain::ParsePeriod(absl::GetFlag(FLAGS_from));
  auto to = cw::domain::ParsePeriod(absl::GetFlag(FLAGS_to));
  if (!from.ok()) return Usage(absl::StrCat("--from: ", from.status().message()));
  if (!to.ok()) return Usage(absl::StrCat("--to: ", to.status().message()));
  auto level = LevelFlag();
  if (!level.ok()) return Usage(std::string(level.status().message()));
  auto metric = cw::cli::LookupMetric(absl::GetFlag(FLAGS_metric));
  if (!metric.ok()) return Usage(std::string(metric.status().message()));
  pb::GetMetricSeriesRequest req;
  req.set_level(*level);
  req.set_park_id(absl::GetFlag(FLAGS_park));
  req.set_metric(absl::GetFlag(FLAGS_metric));
  *req.mutable_from() = cw::domain::ToProto(*from);
  *req.mutable_to() = cw::domain::ToProto(*to);
  pb::GetMetricSeriesResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->GetMetricSeries(WithDeadline(ctx), req, &resp);
  if (!status.ok()) return CallFailed(status);
  Print(resp, cw::cli::RenderSeries(req.park_id(), *metric, resp),
        [&] { return cw::cli::SeriesCsv(req.park_id(), *metric, resp); });
  return 0;
}

int Region() {
  auto period = PeriodFlag();
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  auto level = LevelFlag();
  if (!level.ok()) return Usage(std::string(level.status().message()));
  pb::GetRegionSnapshotRequest req;
  req.set_region_code(absl::GetFlag(FLAGS_region));
  req.set_group(absl::GetFlag(FLAGS_group));
  *req.mutable_period() = *period;
  req.set_level(*level);
  pb::GetRegionSnapshotResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->GetRegionSnapshot(WithDeadline(ctx), req, &resp);
  if (!status.ok()) return CallFailed(status);
  const std::string label = req.group().empty()
                                ? (req.region_code().empty() ? std::string("全部 all")
                                                             : req.region_code())
                                : req.group();
  Print(resp, cw::cli::RenderRegion(label, *period, resp),
        [&] { return cw::cli::RegionCsv(label, *period, resp); });
  return 0;
}

int IndustryMap() {
  if (absl::GetFlag(FLAGS_industry).empty()) {
    return Usage("industry-map: give --industry=CODE (a GB/T 4754 division or class)");
  }
  auto period = PeriodFlag();
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  auto level = LevelFlag();
  if (!level.ok()) return Usage(std::string(level.status().message()));
  auto ref = ReferenceFlag();
  if (!ref.ok()) return Usage(std::string(ref.status().message()));
  pb::GetIndustryMapRequest req;
  req.set_level(*level);
  req.set_reference(*ref);
  req.set_industry(absl::GetFlag(FLAGS_industry));
  req.set_region_prefix(absl::GetFlag(FLAGS_region));
  *req.mutable_period() = *period;
  pb::GetIndustryMapResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->GetIndustryMap(WithDeadline(ctx), req, &resp);
  if (!status.ok()) return CallFailed(status);
  Print(resp, cw::cli::RenderIndustryMap(req.industry(), resp),
        [&] { return cw::cli::IndustryMapCsv(resp); });
  return 0;
}

// The alert filter of the flags; kInvalidArgument for an unknown --state or --subject_kind
// (naming the accepted values).
absl::StatusOr<pb::AlertFilter> AlertFilterFlags() {
  pb::AlertFilter f;
  auto state = cw::cli::ParseAlertState(absl::GetFlag(FLAGS_state));
  if (!state.ok()) return state.status();
  auto kind = cw::cli::ParseSubjectKind(absl::GetFlag(FLAGS_subject_kind));
  if (!kind.ok()) return kind.status();
  f.set_state(*state);
  f.set_park_id(absl::GetFlag(FLAGS_park));
  f.set_rule(absl::GetFlag(FLAGS_rule));
  f.set_region_prefix(absl::GetFlag(FLAGS_region));
  f.set_subject_kind(*kind);
  return f;
}

// Records an action with the query service (RecordAlertAction). `validate_only`: checks it
// without storing. Exit 0 with the stored action in `out`; 2 for a refused field; 4 for an
// unknown alert; 1 otherwise.
int RecordAction(pb::RecordAlertActionRequest req, bool validate_only, pb::AlertAction* out) {
  req.set_validate_only(validate_only);
  pb::RecordAlertActionResponse resp;
  grpc::ClientContext ctx;
  auto status = QueryStub()->RecordAlertAction(WithDeadline(ctx), req, &resp);
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    std::cerr << "clusterctl: " << status.error_message() << "\n";
    return kExitUsage;
  }
  if (!status.ok()) return CallFailed(status);
  *out = resp.action();
  return kExitOk;
}

// alerts comment: a comment recorded with the alert.
int CommentAlert() {
  pb::RecordAlertActionRequest req;
  req.set_alert_id(absl::GetFlag(FLAGS_id));
  req.set_kind(pb::ALERT_ACTION_KIND_COMMENT);
  req.set_comment(absl::GetFlag(FLAGS_comment));
  pb::AlertAction action;
  if (int rc = RecordAction(req, false, &action); rc != kExitOk) return rc;
  std::cout << "commented on " << action.alert_id() << " as " << action.by() << "\n";
  return kExitOk;
}

// alerts silence / ack: a silence of one alert in Alertmanager (cli/alert_actions.h), recorded
// with the alert by the query service: checked there first (validate_only), so nothing is
// silenced for an action the service would refuse; then the silence; then the record with
// the silence's id.
int SilenceAlert(bool ack) {
  cw::cli::SilenceRequest r;
  r.alert_id = absl::GetFlag(FLAGS_id);
  r.starts = absl::Now();
  std::string duration = absl::GetFlag(FLAGS_duration);
  if (duration.empty() && ack) duration = "720h";
  if (!absl::ParseDuration(duration, &r.duration)) {
    std::cerr << "clusterctl: --duration '" << duration
              << "' is not a duration (expected e.g. 2h, 30m, 90s)\n";
    return 2;
  }
  r.created_by = absl::GetFlag(FLAGS_by);
  if (r.created_by.empty() && std::getenv("USER") != nullptr) r.created_by = std::getenv("USER");
  r.comment = absl::GetFlag(FLAGS_comment);
  pb::RecordAlertActionRequest record;
  record.set_alert_id(r.alert_id);
  record.set_kind(ack ? pb::ALERT_ACTION_KIND_ACKNOWLEDGE : pb::ALERT_ACTION_KIND_SILENCE);
  record.set_comment(r.comment);
  record.set_until_unix_ms(absl::ToUnixMillis(r.starts + r.duration));
  if (ack && !r.comment.empty()) r.comment = "ACK " + r.comment;
  auto body = cw::cli::SilenceBody(r);
  if (!body.ok()) {
    std::cerr << "clusterctl: " << body.status().message() << "\n";
    return 2;
  }
  pb::AlertAction action;
  if (int rc = RecordAction(record, true, &action); rc != kExitOk) return rc;
  std::string base = absl::GetFlag(FLAGS_alertmanager);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) {
    if (int rc = RecordAction(record, false, &action); rc != kExitOk) return rc;
    std::cout << (ack ? "acknowledged " : "silenced ") << r.alert_id << " until "
              << absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", r.starts + r.duration,
                                  absl::UTCTimeZone())
              << " (recorded as " << action.by() << "; no Alertmanager silence)\n";
    return kExitOk;
  }
  const cw::http::HttpResponse answer =
      cw::http::RequestJson("POST", base + "/api/v2/silences", *body, absl::Seconds(10));
  if (answer.status != 200) {
    return Fail(absl::StrCat("Alertmanager at ", base, " answered ", answer.status, ": ",
                             answer.body));
  }
  auto id = cw::cli::SilenceIdOf(answer.body);
  if (!id.ok()) return Fail(std::string(id.status().message()));
  record.set_silence_id(*id);
  if (int rc = RecordAction(record, false, &action); rc != kExitOk) {
    std::cerr << "clusterctl: Alertmanager silence " << *id
              << " was created but the query service did not record it; record it with "
                 "`clusterctl alerts comment --id=... --comment=...` or expire the silence\n";
    return rc;
  }
  std::cout << (ack ? "acknowledged " : "silenced ") << r.alert_id << " until "
            << absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", r.starts + r.duration,
                                absl::UTCTimeZone())
            << " (silence " << *id << ", by " << r.created_by << ")\n";
  return 0;
}

int Alerts(const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "list" : args[0];
  if (sub == "list") {
    auto filter = AlertFilterFlags();
    if (!filter.ok()) return Usage(std::string(filter.status().message()));
    pb::ListAlertsRequest req;
    *req.mutable_filter() = *filter;
    pb::ListAlertsResponse resp;
    grpc::ClientContext ctx;
    auto status = QueryStub()->ListAlerts(WithDeadline(ctx), req, &resp);
    if (!status.ok()) return CallFailed(status);
    const std::vector<pb::AlertEvent> alerts(resp.alerts().begin(), resp.alerts().end());
    if (g_output != cw::cli::OutputFormat::kTable) {
      Print(resp, "", [&] { return cw::cli::AlertsCsv(alerts); });
      return 0;
    }
    std::cout << (absl::GetFlag(FLAGS_summary) ? cw::cli::RenderAlertsSummary(alerts)
                  : absl::GetFlag(FLAGS_brief) ? cw::cli::RenderAlertsBrief(alerts)
                                               : cw::cli::RenderAlerts(alerts));
    return 0;
  }
  if (sub == "watch") {
    auto filter = AlertFilterFlags();
    if (!filter.ok()) return Usage(std::string(filter.status().message()));
    pb::WatchAlertsRequest req;
    *req.mutable_filter() = *filter;
    req.set_resume_token(absl::GetFlag(FLAGS_resume));
    grpc::ClientContext ctx;
    auto reader = QueryStub()->WatchAlerts(&ctx, req);
    pb::AlertUpdate u;
    int seen = 0;
    const int count = absl::GetFlag(FLAGS_count);
    // json: one line per update (JSON Lines); csv: the header, then one row per update.
    if (g_output == cw::cli::OutputFormat::kCsv) {
      std::cout << cw::cli::FormatCsv(cw::cli::AlertUpdatesCsv({})) << std::flush;
    }
    while (reader->Read(&u)) {
      switch (g_output) {
        case cw::cli::OutputFormat::kTable: std::cout << cw::cli::RenderAlertUpdate(u); break;
        case cw::cli::OutputFormat::kJson: std::cout << cw::cli::ToJson(u, true); break;
        case cw::cli::OutputFormat::kCsv:
          std::cout << cw::cli::FormatCsv(cw::cli::AlertUpdatesCsv({u}), false);
          break;
      }
      std::cout << std::flush;
      if (count > 0 && ++seen >= count) {
        ctx.TryCancel();
        break;
      }
    }
    auto status = reader->Finish();
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      return Fail(status.error_message());
    }
    return 0;
  }
  if (sub == "silence" || sub == "ack") return SilenceAlert(sub == "ack");
  if (sub == "comment") return CommentAlert();
  return Usage(absl::StrCat("alerts: expected 'list', 'watch', 'silence', 'ack' or 'comment', "
                            "got '", sub, "'"));
}

// export: a period's figures of the parks of a region or group (or all), with the region's
// roll-up, as CSV files and/or one XLSX workbook in --out (cli/export.h).
int Export() {
  auto period = PeriodFlag();
  if (!period.ok()) return Usage(absl::StrCat("--period: ", period.status().message()));
  auto formats = cw::cli::ParseExportFormats(absl::GetFlag(FLAGS_format));
  if (!formats.ok()) return Usage(std::string(formats.status().message()));
  const std::string dir = absl::GetFlag(FLAGS_out);
  if (dir.empty()) return Usage("export: give --out=DIR, the directory to write the files to");
  const std::string region = absl::GetFlag(FLAGS_region);
  const std::string group = absl::GetFlag(FLAGS_group);
  if (!region.empty() && !group.empty()) return Usage("export: give --region or --group, not both");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(absl::StrCat("export: cannot create ", dir, ": ", ec.message()));

  cw::cli::ExportInput in;
  in.label = !group.empty() ? group : !region.empty() ? region : std::string("all");
  in.period = *period;
  auto parks = ListParks(group.empty() ? cw::cli::ParkPrefixOfRegion(region) : "");
  if (!parks.ok()) return Fail(std::string(parks.status().message()));
  auto stub = QueryStub();
  for (const auto& p : parks->parks()) {
    if (!group.empty() && std::find(p.groups().begin(), p.groups().end(), group) ==
                              p.groups().end()) {
      continue;
    }
    pb::GetParkSnapshotRequest req;
    req.set_park_id(p.id());
    *req.mutable_period() = *period;
    pb::GetParkSnapshotResponse resp;
    grpc::ClientContext ctx;
    auto status = stub->GetParkSnapshot(WithDeadline(ctx), req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;  // no reports then
    if (!status.ok()) return CallFailed(status);
    in.parks.push_back(std::move(resp));
  }
  pb::GetRegionSnapshotRequest rreq;
  rreq.set_region_code(region);
  rreq.set_group(group);
  *rreq.mutable_period() = *period;
  rreq.set_level(pb::INDUSTRY_LEVEL_CLASS);
  grpc::ClientContext rctx;
  auto status = stub->GetRegionSnapshot(WithDeadline(rctx), rreq, &in.region);
  if (!status.ok()) return CallFailed(status);

  const auto sheets = cw::cli::ExportSheets(in);
  std::vector<std::string> written;
  if (formats->csv) {
    for (const auto& sheet : sheets) {
      const std::string path = (std::filesystem::path(dir) / (sheet.name + ".csv")).string();
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << cw::cli::FormatCsv(cw::cli::SheetCsv(sheet));
      f.close();
      if (!f) return Fail(absl::StrCat("export: cannot write ", path));
      written.push_back(path);
    }
  }
  if (formats->xlsx) {
    const std::string path =
        (std::filesystem::path(dir) / cw::cli::WorkbookName(in.label, in.period)).string();
    if (auto s = cw::cli::WriteXlsx(path, sheets); !s.ok()) {
      return Fail(absl::StrCat("export: ", s.message()));
    }
    written.push_back(path);
  }
  std::cout << "export " << in.label << " " << cw::domain::FromProto(in.period).Key() << ": "
            << in.parks.size() << " parks, " << in.region.industries_size()
            << " industries\n";
  for (const auto& w : written) std::cout << "  " << w << "\n";
  return kExitOk;
}

int GenSample() {
  cw::sample::SampleOptions o;
  o.seed = absl::GetFlag(FLAGS_seed);
  o.years = absl::GetFlag(FLAGS_years);
  o.scale = absl::GetFlag(FLAGS_scale);
  o.out_dir = absl::GetFlag(FLAGS_out).empty() ? "sample" : absl::GetFlag(FLAGS_out);
  if (auto s = cw::sample::WriteSample(o); !s.ok()) return Fail(std::string(s.message()));
  std::cout << "sample written to " << o.out_dir << "\n";
  return 0;
}

}  // namespace

constexpr std::string_view kCommands = R"(the command line for clusterwatch. Commands:
  push FILE...                 push output/tax report CSVs (UTF-8 or GBK) to ingest (--ingest)
  registry FILE...             push park / enterprise registry CSVs (or corrections) to ingest
  parks [--region=P]           parks known to the query service (--query)
  report --period=P [--park=ID]                      readable park report(s)
  metrics --park=ID --period=P [--reference=R] [--level=L]   cluster metrics of a park
  rank --metric=M --period=P [--region=P] [--limit=N]         parks ranked by a metric
  series --park=ID --metric=M --from=P --to=P        a metric over periods
  region --region=CODE | --group=NAME --period=P     a region's or named group's totals
  industry-map --industry=C --period=P [--region=P]  where an industry is concentrated
  alerts list [--state=S] [--park=ID] [--brief|--summary] | alerts watch [--resume=T]
  alerts silence|ack --id=A --comment=T [--duration=D] [--by=N] [--alertmanager=URL]
  alerts comment --id=A --comment=T   recorded with the alert (ListAlerts shows who did what)
  --output=table|json|csv      read commands (parks, report, metrics, rank, series, region,
                               industry-map, alerts list|watch): readable table with units
                               (default), the answer's proto3 JSON (fen as exact decimal
                               strings; watch: one line per change) or CSV with a header row
                               (fen as integers, shares as fractions; docs/api.md)
  health ADDRESS [SERVICE]     grpc.health.v1 Check: prints SERVING (exit 0) or NOT_SERVING
  hash-token TOKEN             the SHA-256 digest for a credentials file
  default-config               the metric thresholds' defaults
  export --period=P [--region=CODE|--group=NAME] --out=DIR [--format=csv,xlsx]
                               a period's park, park × industry, region and industry figures
                               as CSV files (fen) and/or one XLSX workbook (万元)
  gen-sample --out=DIR [--seed=N] [--scale=N]        write the deterministic sample data
Exit status: 0 done (everything accepted or found); 1 error (a call failed, a file could not
be read); 2 usage (unknown command or flag, missing argument, bad flag value, unusable TLS
files); 3 push answered but lines were refused (the summary on stderr says how many);
4 not found (e.g. report --park=NOPE).)";

int main(int argc, char** argv) {
  std::vector<char*> positional = cw::obs::InitProgram(
      argc, argv,
      "push|registry|parks|report|metrics|rank|series|region|industry-map|export|alerts|health|"
      "hash-token|default-config|gen-sample [flags] [ARG...]",
      kCommands);
  if (cw::obs::FlagCheckDone()) return 0;
  if (positional.size() < 2) return Usage("no command given");
  const std::string cmd = positional[1];
  std::vector<std::string> args(positional.begin() + 2, positional.end());
  if (cmd != "hash-token" && cmd != "default-config" && cmd != "gen-sample") {
    auto tls = cw::cli::LoadClientTls(absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_cert),
                                      absl::GetFlag(FLAGS_tls_key));
    if (!tls.ok()) {
      return Usage(std::string(tls.status().message()));
    }
    g_tls = std::move(*tls);
    auto output = cw::cli::ParseOutputFormat(absl::GetFlag(FLAGS_output));
    if (!output.ok()) return Usage(std::string(output.status().message()));
    g_output = *output;
  }
  if (cmd == "push") return Push(args);
  if (cmd == "registry") return Registry(args);
  if (cmd == "parks") return Parks();
  if (cmd == "health") return Health(args);
  if (cmd == "report") return Report();
  if (cmd == "gen-sample") return GenSample();
  if (cmd == "metrics") return Metrics();
  if (cmd == "alerts") return Alerts(args);
  if (cmd == "rank") return Rank();
  if (cmd == "series") return Series();
  if (cmd == "region") return Region();
  if (cmd == "industry-map") return IndustryMap();
  if (cmd == "export") return Export();
  if (cmd == "hash-token") {
    if (args.size() != 1) return Usage("hash-token: give the token (one argument)");
    std::cout << cw::security::Sha256Hex(args[0]) << "\n";
    return 0;
  }
  if (cmd == "default-config") {
    std::cout << cw::metrics::FormatMetricsConfig(cw::metrics::MetricsConfig{});
    return 0;
  }
  return Usage(absl::StrCat("unknown command '", cmd, "'"));
}
