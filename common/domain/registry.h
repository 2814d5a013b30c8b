// An in-memory registry of parks and enterprises, built from registry records (the
// registry topic's materialised view). Implements RegistryView. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/domain/validate.h"

namespace cw::domain {

class MemoryRegistry : public RegistryView {
 public:
  void Apply(const clusterwatch::v1::RegistryRecord& record);
  std::optional<clusterwatch::v1::Park> FindPark(const std::string& id) const override;
  std::optional<clusterwatch::v1::Enterprise> FindEnterprise(
      const std::string& uscc) const override;
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
// enterprise: valid USCC, valid industry class, park known to `registry`), or nullopt.
std::optional<Violation> ValidateRegistryRecord(const clusterwatch::v1::RegistryRecord& r,
                                                const RegistryView& registry);

}  // namespace cw::domain
