#include "common/domain/registry.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/domain/codes.h"

namespace cw::domain {

void MemoryRegistry::Apply(const clusterwatch::v1::RegistryRecord& record) {
  absl::MutexLock lock(&mu_);
  if (record.has_park()) {
    parks_[record.park().id()] = record.park();
  } else if (record.has_enterprise()) {
    enterprises_[record.enterprise().uscc()] = record.enterprise();
  }
  // A correction changes no registry entry by itself (ingest writes the corrected
  // enterprise record when the correction is open-ended).
}

MemoryRegistry::Reader::Reader(const MemoryRegistry& registry) : registry_(registry) {
  registry_.mu_.ReaderLock();
}

MemoryRegistry::Reader::~Reader() { registry_.mu_.ReaderUnlock(); }

const clusterwatch::v1::Park* MemoryRegistry::Reader::FindPark(const std::string& id) const {
  auto it = registry_.parks_.find(id);
  return it == registry_.parks_.end() ? nullptr : &it->second;
}

const clusterwatch::v1::Enterprise* MemoryRegistry::Reader::FindEnterprise(
    const std::string& uscc) const {
  auto it = registry_.enterprises_.find(uscc);
  return it == registry_.enterprises_.end() ? nullptr : &it->second;
}

std::optional<clusterwatch::v1::Park> MemoryRegistry::FindPark(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = parks_.find(id);
  if (it == parks_.end()) return std::nullopt;
  return it->second;
}

std::optional<clusterwatch::v1::Enterprise> MemoryRegistry::FindEnterprise(
    const std::string& uscc) const {
  absl::MutexLock lock(&mu_);
  auto it = enterprises_.find(uscc);
  if (it == enterprises_.end()) return std::nullopt;
  return it->second;
}

std::vector<clusterwatch::v1::Park> MemoryRegistry::Parks(
    const std::string& region_prefix) const {
  std::vector<clusterwatch::v1::Park> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, park] : parks_) {
      if (absl::StartsWith(park.county_code(), region_prefix)) out.push_back(park);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  return out;
}

size_t MemoryRegistry::enterprise_count() const {
  absl::MutexLock lock(&mu_);
  return enterprises_.size();
}

void AnnotateTax(clusterwatch::v1::TaxReport& report, const RegistryView& registry) {
  if (const auto* park = registry.FindPark(report.park_id())) {
    report.set_park_county(park->county_code());
  }
  for (auto& cp : *report.mutable_counterparties()) {
    const auto* seller = registry.FindEnterprise(cp.uscc());
    if (seller == nullptr) continue;
    cp.set_park_id(seller->park_id());
    if (const auto* park = registry.FindPark(seller->park_id())) {
      cp.set_county_code(park->county_code());
    }
  }
}

std::string RegistryKey(const clusterwatch::v1::RegistryRecord& record) {
  if (record.has_park()) return absl::StrCat("park|", record.park().id());
  return absl::StrCat("ent|", record.enterprise().uscc());
}

std::optional<Violation> ValidateRegistryRecord(const clusterwatch::v1::RegistryRecord& r,
                                                const RegistryView& registry) {
  if (r.has_park()) {
    const auto& p = r.park();
    if (p.id().empty() || p.id().find('|') != std::string::npos) {
      return Violation{"park_id", absl::StrCat("'", p.id(), "' must be non-empty without '|'")};
    }
    if (p.name().empty()) return Violation{"name", "park name is required"};
    if (auto s = ValidateRegionCode(p.county_code()); !s.ok()) {
      return Violation{"county_code", std::string(s.message())};
    }
    if (p.area_mu() < 0) return Violation{"area_mu", "must not be negative"};
    for (const auto& ind : p.leading_industries()) {
      if (ind.empty() || ind.size() > 4 || !std::all_of(ind.begin(), ind.end(), ::isdigit)) {
        return Violation{"leading_industries",
                         absl::StrCat("'", ind, "' is not a GB/T 4754 code (2 to 4 digits)")};
      }
    }
    return std::nullopt;
  }
  if (r.has_enterprise()) {
    const auto& e = r.enterprise();
    if (auto s = ValidateUscc(e.uscc()); !s.ok()) {
      return Violation{"uscc", std::string(s.message())};
    }
    if (auto s = ValidateIndustryClass(e.industry()); !s.ok()) {
      return Violation{"industry", std::string(s.message())};
    }
    if (registry.FindPark(e.park_id()) == nullptr) {
      return Violation{"park_id",
                       absl::StrCat("unknown park '", e.park_id(), "' (not in the registry)")};
    }
    return std::nullopt;
  }
  if (r.has_correction()) {
    const auto& c = r.correction();
    if (auto v = ValidateCorrection(c)) return v;
    if (registry.FindEnterprise(c.uscc()) == nullptr) {
      return Violation{"uscc", absl::StrCat("enterprise '", c.uscc(),
                                            "' is not in the registry (a correction names a "
                                            "registered enterprise)")};
    }
    if (!c.park_id().empty() && registry.FindPark(c.park_id()) == nullptr) {
      return Violation{"park_id",
                       absl::StrCat("unknown park '", c.park_id(), "' (not in the registry)")};
    }
    return std::nullopt;
  }
  return Violation{"", "registry record has neither a park nor an enterprise nor a correction"};
}

}  // namespace cw::domain
