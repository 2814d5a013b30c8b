#include "query/materializer.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/dead_letter.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"

namespace cw::query {
namespace pb = clusterwatch::v1;

Materializer::Materializer(store::Store& store, kafka::Producer& dead_letters,
                           kafka::Topics topics)
    : store_(store), dead_letters_(dead_letters), topics_(std::move(topics)) {}

absl::Status Materializer::Init() {
  for (const char* key : {"m|as_of", "m|applied"}) {
    auto v = store_.Get(key);
    if (!v.ok()) return v.status();
    int64_t n = 0;
    if (v->has_value() && absl::SimpleAtoi(**v, &n)) {
      (std::string(key) == "m|as_of" ? as_of_ : applied_).store(n);
    }
  }
  return absl::OkStatus();
}

std::optional<int64_t> Materializer::StartOffset(const kafka::TopicPartition& tp) {
  auto v = store_.Get(absl::StrCat("o|", tp.topic, "|", tp.partition));
  int64_t off = 0;
  if (v.ok() && v->has_value() && absl::SimpleAtoi(**v, &off)) return off;
  return std::nullopt;  // rebuild from the beginning (upserts: replay is harmless)
}

absl::Status Materializer::Apply(const std::vector<kafka::Message>& messages) {
  store::Batch batch;
  int64_t as_of = as_of_.load();
  int64_t bad = 0;
  std::vector<kafka::OutRecord> rejected;
  auto reject = [&](const kafka::Message& m, const std::string& reason) {
    ++bad;
    rejected.push_back(
        {topics_.rejected, domain::DeadLetterKey(m.topic, m.partition, m.offset),
         domain::DeadLetter("query", reason, m.topic, m.partition, m.offset, m.value)
             .SerializeAsString()});
  };
  for (const auto& m : messages) {
    batch.Put(absl::StrCat("o|", m.topic, "|", m.partition), absl::StrCat(m.offset + 1));
    if (m.topic == topics_.park_metrics) {
      pb::ParkSnapshot snap;
      if (!snap.ParseFromString(m.value) || snap.park_id().empty() ||
          snap.park_id().find('|') != std::string::npos || snap.period().month() < 1 ||
          snap.period().month() > 12) {
        reject(m, "value is not a clusterwatch.v1.ParkSnapshot with a park id and period");
        continue;
      }
      const auto period = domain::FromProto(snap.period());
      batch.Put(absl::StrCat("s|", snap.park_id(), "|", period.Key()), m.value);
      as_of = std::max(as_of, snap.computed_unix_ms());
    } else if (m.topic == topics_.registry) {
      pb::RegistryRecord r;
      if (!r.ParseFromString(m.value) || r.body_case() == pb::RegistryRecord::BODY_NOT_SET) {
        reject(m, "value is not a clusterwatch.v1.RegistryRecord with a park or enterprise");
        continue;
      }
      if (r.has_park()) batch.Put(absl::StrCat("p|", r.park().id()), r.park().SerializeAsString());
    }
  }
  const int64_t applied = applied_.load() + static_cast<int64_t>(messages.size()) - bad;
  if (!rejected.empty()) {
    if (auto s = dead_letters_.ProduceAll(rejected, absl::Seconds(30)); !s.ok()) return s;
  }
  batch.Put("m|as_of", absl::StrCat(as_of));
  batch.Put("m|applied", absl::StrCat(applied));
  if (auto s = store_.Write(batch); !s.ok()) return s;
  as_of_.store(as_of);
  applied_.store(applied);
  undecodable_.fetch_add(bad);
  return absl::OkStatus();
}

}  // namespace cw::query
