// Location quotients, strong clusters and stars. See specialisation.h.
#include "common/metrics/specialisation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {
namespace {

struct Sums {
  int64_t output = 0;
  int64_t employees = 0;
};

size_t PrefixLength(ReferenceScope scope) {
  switch (scope) {
    case ReferenceScope::kSystem:
      return 0;
    case ReferenceScope::kProvince:
      return 2;
    case ReferenceScope::kPrefecture:
      return 4;
  }
  return 0;
}

// The value at rank TopCount(top, n) among the positive values, largest first; nullopt
// when there are none.
template <typename T>
std::optional<T> TopCut(std::vector<T> values, double top) {
  values.erase(std::remove_if(values.begin(), values.end(), [](T v) { return !(v > 0); }),
               values.end());
  const int64_t k = TopCount(top, static_cast<int64_t>(values.size()));
  if (k == 0) return std::nullopt;
  std::sort(values.begin(), values.end(), [](T a, T b) { return a > b; });
  return values[k - 1];
}

}  // namespace

std::optional<double> LocationQuotient(int64_t x_park_ind, int64_t x_park, int64_t x_ref_ind,
                                       int64_t x_ref) {
  if (x_park <= 0 || x_ref <= 0 || x_ref_ind <= 0 || x_park_ind < 0) return std::nullopt;
  const double park_share = static_cast<double>(x_park_ind) / static_cast<double>(x_park);
  const double ref_share = static_cast<double>(x_ref_ind) / static_cast<double>(x_ref);
  return park_share / ref_share;
}

std::optional<double> Percentile(std::vector<double> values, double p) {
  if (values.empty() || !(p >= 0 && p <= 1)) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

absl::Status CheckCells(const std::vector<ParkIndustryCell>& cells) {
  std::map<std::string, std::string> county_of;  // park -> county code
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const ParkIndustryCell& c : cells) {
    if (++seen[{c.park_id, c.industry}] == 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park %s industry %s appears more than once (expected one cell per park and "
          "industry)",
          c.park_id, c.industry));
    }
    if (c.output_fen < 0 || c.employees < 0 || c.establishments < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park %s industry %s has a negative figure (output %d fen, employees %d, "
          "establishments %d; expected figures >= 0)",
          c.park_id, c.industry, c.output_fen, c.employees, c.establishments));
    }
    auto [it, inserted] = county_of.emplace(c.park_id, c.county_code);
    if (!inserted && it->second != c.county_code) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park %s has two county codes, %s and %s (expected one per park)", c.park_id,
          it->second, c.county_code));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LqRow>> LocationQuotients(const std::vector<ParkIndustryCell>& cells,
                                                     ReferenceScope scope) {
  const size_t prefix_length = PrefixLength(scope);
  if (auto s = CheckCells(cells); !s.ok()) return s;
  std::map<std::string, Sums> park_totals;               // park -> totals
  std::map<std::string, Sums> ref_totals;                // prefix -> totals
  std::map<std::pair<std::string, std::string>, Sums> ref_industry;  // (prefix, industry)
  for (const ParkIndustryCell& c : cells) {
    if (c.county_code.size() < prefix_length) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park %s county code '%s' is too short for the reference scope (expected a "
          "six-digit GB/T 2260 code)",
          c.park_id, c.county_code));
    }
    const std::string prefix = c.county_code.substr(0, prefix_length);
    for (Sums* s : {&park_totals[c.park_id], &ref_totals[prefix],
                    &ref_industry[{prefix, c.industry}]}) {
      s->output += c.output_fen;
      s->employees += c.employees;
    }
  }
  std::vector<LqRow> rows;
  for (const ParkIndustryCell& c : cells) {
    const std::string prefix = c.county_code.substr(0, prefix_length);
    const Sums& park = park_totals[c.park_id];
    const Sums& ref = ref_totals[prefix];
    const Sums& ref_ind = ref_industry[{prefix, c.industry}];
    rows.push_back(LqRow{
        c.park_id, c.industry,
        LocationQuotient(c.output_fen, park.output, ref_ind.output, ref.output),
        LocationQuotient(c.employees, park.employees, ref_ind.employees, ref.employees)});
  }
  std::sort(rows.begin(), rows.end(), [](const LqRow& a, const LqRow& b) {
    return std::tie(a.industry, a.park_id) < std::tie(b.industry, b.park_id);
  });
  return rows;
}

std::vector<StrongCluster> EvaluateStrongClusters(const std::vector<ClusterCandidate>& candidates,
                                                  const SpecialisationConfig& config) {
  std::vector<double> lqs;
  std::vector<double> sizes;
  std::vector<double> counts;
  for (const ClusterCandidate& c : candidates) {
    if (!c.lq) continue;
    lqs.push_back(*c.lq);
    sizes.push_back(static_cast<double>(c.size));
    counts.push_back(static_cast<double>(c.establishments));
  }
  const std::optional<double> lq_cut = Percentile(lqs, config.strong_lq_percentile);
  const std::optional<double> size_cut = Percentile(sizes, config.strong_size_percentile);
  const std::optional<double> count_cut = Percentile(counts, config.strong_count_percentile);
  std::vector<StrongCluster> out;
  for (const ClusterCandidate& c : candidates) {
    StrongCluster s{c.park_id, c.lq, c.size, c.establishments, lq_cut, size_cut, count_cut,
                    false};
    s.strong = c.lq && lq_cut && *c.lq >= *lq_cut && *c.lq >= config.strong_lq_floor &&
               static_cast<double>(c.size) > *size_cut &&
               static_cast<double>(c.establishments) > *count_cut;
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const StrongCluster& a, const StrongCluster& b) {
    return a.park_id < b.park_id;
  });
  return out;
}

std::vector<Stars> EvaluateStars(const std::vector<StarCandidate>& candidates,
                                 const SpecialisationConfig& config) {
  std::vector<int64_t> sizes;
  std::vector<double> focuses;
  for (const StarCandidate& c : candidates) {
    sizes.push_back(c.size);
    if (c.focus) focuses.push_back(*c.focus);
  }
  const std::optional<int64_t> size_cut = TopCut(sizes, config.size_star_top);
  const std::optional<double> focus_cut = TopCut(focuses, config.focus_star_top);
  std::vector<Stars> out;
  for (const StarCandidate& c : candidates) {
    Stars s;
    s.park_id = c.park_id;
    s.specialisation = c.lq && *c.lq >= config.specialisation_star_lq;
    s.size = size_cut && c.size > 0 && c.size >= *size_cut;
    s.focus = focus_cut && c.focus && *c.focus > 0 && *c.focus >= *focus_cut;
    s.count = int{s.specialisation} + int{s.size} + int{s.focus};
    s.size_cut = size_cut;
    s.focus_cut = focus_cut;
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Stars& a, const Stars& b) { return a.park_id < b.park_id; });
  return out;
}

absl::StatusOr<std::vector<SpecialisationRow>> AssessSpecialisation(
    const std::vector<ParkIndustryCell>& cells, ReferenceScope scope,
    const SpecialisationConfig& config) {
  absl::StatusOr<std::vector<LqRow>> lqs = LocationQuotients(cells, scope);
  if (!lqs.ok()) return lqs.status();
  const bool by_output = config.basis == Basis::kOutput;
  std::map<std::string, int64_t> park_total;
  std::map<std::pair<std::string, std::string>, const ParkIndustryCell*> cell_of;
  for (const ParkIndustryCell& c : cells) {
    park_total[c.park_id] += by_output ? c.output_fen : c.employees;
    cell_of[{c.park_id, c.industry}] = &c;
  }
  // Rows come sorted by industry then park: one group per industry.
  std::vector<SpecialisationRow> rows;
  for (const LqRow& lq : *lqs) {
    const ParkIndustryCell& c = *cell_of[{lq.park_id, lq.industry}];
    SpecialisationRow r;
    r.park_id = lq.park_id;
    r.industry = lq.industry;
    r.lq_output = lq.lq_output;
    r.lq_employees = lq.lq_employees;
    r.lq = by_output ? lq.lq_output : lq.lq_employees;
    r.size = by_output ? c.output_fen : c.employees;
    r.focus = Ratio(r.size, park_total[c.park_id]);
    rows.push_back(std::move(r));
  }
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin;
    while (end < rows.size() && rows[end].industry == rows[begin].industry) ++end;
    std::vector<ClusterCandidate> clusters;
    std::vector<StarCandidate> stars;
    for (size_t i = begin; i < end; ++i) {
      const SpecialisationRow& r = rows[i];
      clusters.push_back(ClusterCandidate{r.park_id, r.lq, r.size,
                                          cell_of[{r.park_id, r.industry}]->establishments});
      stars.push_back(StarCandidate{r.park_id, r.lq, r.size, r.focus});
    }
    // Both come back sorted by park id, as the rows of the group are.
    std::vector<StrongCluster> strong = EvaluateStrongClusters(clusters, config);
    std::vector<Stars> starred = EvaluateStars(stars, config);
    for (size_t i = begin; i < end; ++i) {
      rows[i].strong = std::move(strong[i - begin]);
      rows[i].stars = std::move(starred[i - begin]);
    }
    begin = end;
  }
  return rows;
}

}  // namespace cw::metrics
