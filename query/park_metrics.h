// Computes a park-period's full metrics (growth, structure, firm concentration,
// specialisation, land efficiency, linkage, completeness, cluster stages) from its snapshot,
// the comparison snapshots and a reference roll-up, with the formulas of cw::metrics.
// Pure: the query service loads the inputs from its store. Thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/query.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/period.h"
#include "common/metrics/config.h"
#include "common/store/store.h"

namespace cw::query {

struct ParkMetricsInputs {
  clusterwatch::v1::Park park;
  clusterwatch::v1::ParkSnapshot snapshot;
  std::optional<clusterwatch::v1::ParkSnapshot> last_year;  // same period a year earlier
  std::optional<clusterwatch::v1::ParkSnapshot> previous;   // the period before
  clusterwatch::v1::RollupAggregate reference;  // what location quotients compare with
  clusterwatch::v1::ReferenceScope scope = clusterwatch::v1::REFERENCE_SCOPE_SYSTEM;
  std::vector<clusterwatch::v1::Enterprise> enterprises;  // the park's, from the registry
};

// kInvalidArgument when the snapshot's figures are inconsistent (negative output).
absl::StatusOr<clusterwatch::v1::ParkMetrics> ComputeParkMetrics(
    const ParkMetricsInputs& in, const metrics::MetricsConfig& config);

// The value of a named metric, for rankings: output_month, output_ytd, tax_ytd,
// output_yoy, output_ytd_yoy, output_ytd_yoy_same_scope, tax_ytd_yoy, output_mom, hhi,
// industry_cr5, leading_industry_share, firm_cr1, firm_cr3, output_per_mu, tax_per_mu,
// in_park_purchase_share, in_region_purchase_share, completeness, employees.
// kInvalidArgument naming the known metrics for an unknown name.
absl::StatusOr<std::optional<double>> MetricValue(const clusterwatch::v1::ParkMetrics& m,
                                                  const std::string& name);

// Loads a park-period's inputs from a replica store (query/materializer.h key layout):
// the park, its snapshot, the same period a year earlier, the adjacent earlier period, the
// reference roll-up and the park's enterprises. kNotFound without the park or snapshot.
absl::StatusOr<ParkMetricsInputs> LoadParkMetricsInputs(store::Store& store,
                                                        const std::string& park_id,
                                                        const domain::Period& period,
                                                        clusterwatch::v1::ReferenceScope scope);

// The roll-up code a reference scope selects for a park ("r:" for the whole system).
std::string ReferenceCode(const clusterwatch::v1::Park& park,
                          clusterwatch::v1::ReferenceScope scope);

}  // namespace cw::query
