// Validation of reports against the code rules and the registry. Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/reports.pb.h"

namespace cw::domain {

// What validation needs to know of the registry. Implemented over the registry topic's
// materialised view by ingest (MemoryRegistry::Reader) and by fakes in tests.
// Lookups return the stored entry, not a copy (validation runs per record, and copying a
// Park or Enterprise message per lookup cost ~20 % of ingest's CPU): null when unknown;
// the pointer is valid only as long as the view itself and must not be kept.
class RegistryView {
 public:
  virtual ~RegistryView() = default;
  virtual const clusterwatch::v1::Park* FindPark(const std::string& id) const = 0;
  virtual const clusterwatch::v1::Enterprise* FindEnterprise(const std::string& uscc) const = 0;
};

struct ValidationLimits {
  // A month's gross output or tax above this many fen is implausible (default 1e12 yuan).
  int64_t max_month_fen = 100'000'000'000'000;
  int64_t max_employees = 1'000'000;
  int min_year = 2000;
  int max_year = 2100;
};

// The first problem found, or nullopt when the record is valid.
struct Violation {
  std::string field;
  std::string reason;  // what was wrong and what was expected
};

// Checks USCC, industry class, period, basis, park known to the registry (and the park's
// county a valid GB/T 2260 code), non-negative and plausible money and employees.
// May fill park_id from the registry when empty; returns the first violation.
std::optional<Violation> ValidateOutput(clusterwatch::v1::OutputReport& r,
                                        const RegistryView& registry,
                                        const ValidationLimits& limits = {});

// As above for tax reports; the enterprise must be in the registry, and park_id and
// industry are filled from it. Counterparty USCCs must be valid, amounts non-negative.
std::optional<Violation> ValidateTax(clusterwatch::v1::TaxReport& r,
                                     const RegistryView& registry,
                                     const ValidationLimits& limits = {});

// The checks of ValidateOutput / ValidateTax that need no registry, on an envelope as it is
// on the reports topic (after ingest filled park id and industry): USCC check character,
// industry class, period, basis, park id present, money and employees in range,
// counterparties; for a registry correction, ValidateCorrection. The aggregator refuses with it whatever ingest would have refused, so a
// record written to the topic past ingest never reaches a total.
// A registry correction's own fields: USCC, a park id (without '|') and/or an industry class
// (at least one), corrects_from a valid period and corrects_to, when set, not before it.
std::optional<Violation> ValidateCorrection(const clusterwatch::v1::EnterpriseCorrection& c,
                                            const ValidationLimits& limits = {});

std::optional<Violation> ValidateEnvelope(const clusterwatch::v1::ReportEnvelope& env,
                                          const ValidationLimits& limits = {});

}  // namespace cw::domain
