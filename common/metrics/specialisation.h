// Specialisation of parks in industries: location quotients against a selectable
// reference, percentiles, the US Cluster Mapping "strong cluster" flag and the European
// Cluster Observatory stars.
// Value types and pure functions; thread-safe.
//
// Definitions:
//   LQ = (x_park,ind / x_park) / (X_ref,ind / X_ref), by output or by employees. The
//        reference is every park in the selected scope that includes the park: the whole
//        system, or the parks of the same province (first 2 digits of the GB/T 2260 county
//        code) or prefecture (first 4). LQ is nullopt when x_park, X_ref or X_ref,ind is 0.
//        A reference against itself (a park that is its whole reference) has LQ = 1.
//   Percentile: linear interpolation between order statistics (type 7 of Hyndman & Fan,
//        as numpy's default and Excel's PERCENTILE.INC): h = (n − 1)·p,
//        P = v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋]).
//   Strong cluster (per industry, across the parks compared, i.e. the candidates with a
//        defined LQ): LQ >= P(strong_lq_percentile) of their LQs, LQ >= strong_lq_floor,
//        size > P(strong_size_percentile) of their sizes and establishments >
//        P(strong_count_percentile) of their counts ("above the 25th percentile" is strict,
//        so a lone park, being its own percentile, is never strong).
//   Stars (per industry, across the candidates): specialisation star LQ >=
//        specialisation_star_lq; size star for size at or above the value of the unit at
//        rank TopCount(size_star_top, n) among the n candidates with size > 0 (ties at the
//        cut all get the star); focus star likewise for the industry's share of the park's
//        total (focus) with focus_star_top.
//   Size is output (fen) or employees by SpecialisationConfig::basis.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/config.h"

namespace cw::metrics {

// nullopt when x_park <= 0, x_ref <= 0 or x_ref_ind <= 0 (or x_park_ind < 0).
std::optional<double> LocationQuotient(int64_t x_park_ind, int64_t x_park, int64_t x_ref_ind,
                                       int64_t x_ref);

// The p-th percentile (p in [0, 1]) of `values` by linear interpolation (above); nullopt
// for no values or p outside [0, 1].
std::optional<double> Percentile(std::vector<double> values, double p);

// One park's figures in one industry. Cells must cover every industry of each park given
// (the park's total is the sum of its cells).
struct ParkIndustryCell {
  std::string park_id;
  std::string county_code;  // GB/T 2260 county code of the park
  std::string industry;     // GB/T 4754 code
  int64_t output_fen = 0;
  int64_t employees = 0;
  int64_t establishments = 0;  // enterprises with output in the cell
};

// OK when every (park, industry) appears once, no figure is negative and each park has one
// county code; kInvalidArgument naming the park (and industry) and what was expected
// otherwise.
absl::Status CheckCells(const std::vector<ParkIndustryCell>& cells);

enum class ReferenceScope { kSystem, kProvince, kPrefecture };

struct LqRow {
  std::string park_id;
  std::string industry;
  std::optional<double> lq_output;
  std::optional<double> lq_employees;
};

// Location quotients of every cell against `scope`, sorted by industry then park id.
// Fails with kInvalidArgument for a repeated (park, industry), a negative figure, a park
// given with two county codes, or (for a province or prefecture scope) a county code
// shorter than the prefix it needs.
absl::StatusOr<std::vector<LqRow>> LocationQuotients(const std::vector<ParkIndustryCell>& cells,
                                                     ReferenceScope scope);

struct ClusterCandidate {
  std::string park_id;
  std::optional<double> lq;
  int64_t size = 0;
  int64_t establishments = 0;
};

struct StrongCluster {
  std::string park_id;
  std::optional<double> lq;
  int64_t size = 0;
  int64_t establishments = 0;
  std::optional<double> lq_cut;     // the LQ percentile among the compared parks
  std::optional<double> size_cut;   // the size percentile
  std::optional<double> count_cut;  // the establishment-count percentile
  bool strong = false;
};

// The strong-cluster flag of each candidate (one industry), sorted by park id. Percentiles
// are over the candidates with a defined LQ; one without LQ is never strong.
std::vector<StrongCluster> EvaluateStrongClusters(const std::vector<ClusterCandidate>& candidates,
                                                  const SpecialisationConfig& config);

struct StarCandidate {
  std::string park_id;
  std::optional<double> lq;
  int64_t size = 0;
  std::optional<double> focus;  // the industry's share of the park's total
};

struct Stars {
  std::string park_id;
  bool specialisation = false;
  bool size = false;
  bool focus = false;
  int count = 0;                     // 0..3
  std::optional<int64_t> size_cut;   // nullopt when no candidate has size > 0
  std::optional<double> focus_cut;   // nullopt when no candidate has focus > 0
};

// The stars of each candidate (one industry), sorted by park id.
std::vector<Stars> EvaluateStars(const std::vector<StarCandidate>& candidates,
                                 const SpecialisationConfig& config);

// Everything for every cell: LQs, and per industry across the parks given the strong-
// cluster flag and the stars on config.basis.
struct SpecialisationRow {
  std::string park_id;
  std::string industry;
  std::optional<double> lq_output;
  std::optional<double> lq_employees;
  std::optional<double> lq;     // on config.basis
  int64_t size = 0;             // on config.basis
  std::optional<double> focus;  // on config.basis; nullopt when the park's total is 0
  StrongCluster strong;
  Stars stars;
};

// Sorted by industry then park id; fails as LocationQuotients.
absl::StatusOr<std::vector<SpecialisationRow>> AssessSpecialisation(
    const std::vector<ParkIndustryCell>& cells, ReferenceScope scope,
    const SpecialisationConfig& config);

}  // namespace cw::metrics
