// Computes a park-period's full metrics (growth, structure, firm concentration,
// specialisation, land efficiency, linkage, completeness, cluster stages) from its snapshot,
// the comparison snapshots and a reference roll-up, with the formulas of cw::metrics.
// Pure: the query service loads the inputs from its store. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/query.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/period.h"
#include "common/metrics/config.h"
#include "common/metrics/levels.h"
#include "common/metrics/specialisation.h"
#include "common/store/store.h"

namespace cw::replica {

struct ParkMetricsInputs {
  clusterwatch::v1::Park park;
  clusterwatch::v1::ParkSnapshot snapshot;
  std::optional<clusterwatch::v1::ParkSnapshot> last_year;  // same period a year earlier
  std::optional<clusterwatch::v1::ParkSnapshot> previous;   // the period before
  clusterwatch::v1::RollupAggregate reference;  // what location quotients compare with
  clusterwatch::v1::ReferenceScope scope = clusterwatch::v1::REFERENCE_SCOPE_SYSTEM;
  std::vector<clusterwatch::v1::Enterprise> enterprises;  // the park's, from the registry
  metrics::IndustryLevel level = metrics::IndustryLevel::kClass;
  // Strong-cluster flags and stars of the park's industries at `level`, assessed across the
  // parks of the reference scope (ParkSpecialisation); empty: not computed, and the
  // answer leaves those fields unset.
  std::vector<struct IndustrySpecialisation> specialisation;
};

// One industry's specialisation row and how many parks it was compared with (those with
// the industry and a defined LQ).
struct IndustrySpecialisation {
  metrics::SpecialisationRow row;
  int parks_compared = 0;
};

metrics::IndustryLevel LevelFromProto(clusterwatch::v1::IndustryLevel level);
clusterwatch::v1::IndustryLevel LevelToProto(metrics::IndustryLevel level);

// The park × class cells of a snapshot: per industry with year-to-date output or month
// employees, its year-to-date output, month employees and enterprises with year-to-date
// output. The park gives the county code.
std::vector<metrics::ParkIndustryCell> IndustryCells(const clusterwatch::v1::Park& park,
                                                     const clusterwatch::v1::ParkSnapshot& s);

// The cells of every registered park with a snapshot in `period`, rolled up to `level`.
absl::StatusOr<std::vector<metrics::ParkIndustryCell>> LoadIndustryCells(
    store::Store& store, const domain::Period& period, metrics::IndustryLevel level);

// The specialisation rows (strong-cluster flags, stars) of each park's industries, by park
// id, each park assessed across the cells of the parks in its own reference `scope`
// (computed once per distinct scope region). Parks without cells get no entry. Fails as
// metrics::AssessSpecialisation.
absl::StatusOr<std::map<std::string, std::vector<IndustrySpecialisation>>> SpecialisationByPark(
    const std::vector<metrics::ParkIndustryCell>& cells,
    const std::vector<clusterwatch::v1::Park>& parks, clusterwatch::v1::ReferenceScope scope,
    const metrics::SpecialisationConfig& config);

// Fills the strong-cluster flag and the stars from `spec`, with the cuts of `config`.
void SetSpecialisation(const IndustrySpecialisation& spec,
                       const metrics::SpecialisationConfig& config,
                       clusterwatch::v1::StrongClusterFlag* strong,
                       clusterwatch::v1::ClusterStars* stars);

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

}  // namespace cw::replica
