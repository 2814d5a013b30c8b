// An in-memory registry of parks and enterprises, built from registry records (the
// registry topic's materialised view). Thread-safe; validation reads it through a Reader
// (a RegistryView that holds the registry's reader lock for a batch of lookups).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/domain/validate.h"

namespace cw::domain {

class MemoryRegistry {
 public:
  // A consistent read-only view for a batch of lookups (one push): holds the registry's
  // reader lock until destroyed, so lookups neither lock nor copy, and Apply waits
  // meanwhile. Keep it for the validation of a batch only (not across Kafka waits), and
  // call no other MemoryRegistry method on the same thread while it lives (a waiting
  // writer would block the nested lock: deadlock).
  class Reader final : public RegistryView {
   public:
    explicit Reader(const MemoryRegistry& registry) ABSL_NO_THREAD_SAFETY_ANALYSIS;
    ~Reader() override ABSL_NO_THREAD_SAFETY_ANALYSIS;
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    const clusterwatch::v1::Park* FindPark(const std::string& id) const override
        ABSL_NO_THREAD_SAFETY_ANALYSIS;
    const clusterwatch::v1::Enterprise* FindEnterprise(const std::string& uscc) const override
        ABSL_NO_THREAD_SAFETY_ANALYSIS;

   private:
    const MemoryRegistry& registry_;
  };

  void Apply(const clusterwatch::v1::RegistryRecord& record);
  // Copies, each under the lock (single lookups; batches use Reader).
  std::optional<clusterwatch::v1::Park> FindPark(const std::string& id) const;
  std::optional<clusterwatch::v1::Enterprise> FindEnterprise(const std::string& uscc) const;
  // Parks whose county code starts with `region_prefix` ("" for all), sorted by id.
  std::vector<clusterwatch::v1::Park> Parks(const std::string& region_prefix) const;
  size_t enterprise_count() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, clusterwatch::v1::Park> parks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, clusterwatch::v1::Enterprise> enterprises_
      ABSL_GUARDED_BY(mu_);
};

// Adds what the aggregator needs for supply-chain linkage to a valid tax report: the park's
// county, and each counterparty's park and county when the seller is registered.
void AnnotateTax(clusterwatch::v1::TaxReport& report, const RegistryView& registry);

// Registry topic key of a record: "park|<id>" or "ent|<uscc>".
std::string RegistryKey(const clusterwatch::v1::RegistryRecord& record);

// The first problem of a registry record (park: id without '|', valid county code, name;
// enterprise: valid USCC, valid industry class, park known to `registry`; correction:
// ValidateCorrection, enterprise and corrected park known to `registry`), or nullopt.
std::optional<Violation> ValidateRegistryRecord(const clusterwatch::v1::RegistryRecord& r,
                                                const RegistryView& registry);

}  // namespace cw::domain
