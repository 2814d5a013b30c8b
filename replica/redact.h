// Disclosure control for callers that may see aggregates only (the department role).
//
// Model: per period, every park × industry cell (contributors: the enterprises' year-to-date
// output) forms one two-dimensional table whose margins are the park totals (rows), the
// system-wide industry totals (columns) and the grand total. cw::disclosure::Protect marks
// primary (threshold, dominance, p%) and secondary suppressions so that no row, column or
// total equation reveals a withheld cell (docs/security.md gives the attack model). Every
// answer to a department is cut from that one table, so answers cannot be combined against
// each other: a park query publishes the park's row as protected; a region answer publishes
// a region figure only when it is the sum of figures that are published anyway (no withheld
// cell or park total in it) — it adds nothing an attacker could subtract from.
// Enterprise-level data (firms, leading firms, firm CRn, exit lists) is always removed,
// and ratios derived from a withheld figure (shares, LQ, growth, stage figures) too.
// Other roles get the answers unchanged. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "clusterwatch/v1/query.pb.h"
#include "common/disclosure/rules.h"
#include "common/disclosure/secondary.h"
#include "common/security/auth.h"
#include "common/store/store.h"

namespace cw::replica {

// The protected table of one period.
// Cells are park × class; a division (two-digit code) is confidential when any class cell
// of the park in it is (a published division total minus its published classes would
// otherwise reveal the withheld one), and its reason is the first such class's.
struct PeriodProtection {
  disclosure::TableStatus status;
  // Parks whose total was withheld in the same period a year earlier: their year-on-year
  // rates (with this year's published total) would give it, so they are withheld.
  std::set<std::string> parks_withheld_year_before;
  // Parks whose total was withheld in the period before (only across a year's end: within a
  // year withheld cells are carried): their month-on-month rate is withheld.
  std::set<std::string> parks_withheld_period_before;
  bool CellConfidential(const std::string& park, const std::string& industry) const;
  bool ParkConfidential(const std::string& park) const;
  bool AnyCellConfidential(const std::string& park) const;  // any class cell of the park
  bool IndustryConfidential(const std::string& industry) const;  // system-wide column
  std::string CellReason(const std::string& park, const std::string& industry) const;
  std::string ParkReason(const std::string& park) const;
};

class Redactor {
 public:
  explicit Redactor(store::Store& store, disclosure::Rules rules = {});

  // Whether `caller` sees aggregates only.
  static bool AggregatesOnly(const security::Caller& caller) {
    return caller.role == security::Role::kDepartment;
  }

  // The protection of a period, computed from the store (cached per `version`, the
  // replica's applied-record count).
  absl::StatusOr<std::shared_ptr<const PeriodProtection>> ForPeriod(const std::string& period_key,
                                                                    int64_t version);

  // Each returns the number of figures withheld.
  int64_t Snapshot(const PeriodProtection& p, clusterwatch::v1::ParkSnapshot* s) const;
  int64_t Metrics(const PeriodProtection& p, clusterwatch::v1::ParkMetrics* m) const;

 private:
  // The protected tables of `year`'s periods up to `upto` (a period key; all of the year
  // when "~"), in period order, each with the previous one's withheld cells carried: one
  // scan of the store's snapshots.
  absl::StatusOr<std::map<std::string, disclosure::TableStatus>> YearTables(
      const std::string& year, const std::string& upto);

  store::Store& store_;
  disclosure::Rules rules_;
  absl::Mutex mu_;
  std::map<std::string, std::pair<int64_t, std::shared_ptr<const PeriodProtection>>> cache_
      ABSL_GUARDED_BY(mu_);
};

// Strong-cluster and star cuts are order statistics of other parks' cells (any of which may
// be withheld): aggregate-only callers get the flags and stars without them.
void RedactSpecialisationCuts(clusterwatch::v1::StrongClusterFlag* strong,
                              clusterwatch::v1::ClusterStars* stars);
// For a withheld cell, also the cell's own figures (size, establishments, focus).
void RedactSpecialisationFigures(clusterwatch::v1::StrongClusterFlag* strong,
                                 clusterwatch::v1::ClusterStars* stars);

// Whether a ranked or charted metric value of `park` (MetricValue names) is withheld from
// aggregate-only callers: firm-level ratios always; the others when the park total is
// withheld; concentration over cells (hhi, industry_cr5, leading_industry_share) also when
// any of the park's cells is. The same values Redactor::Metrics clears.
bool MetricWithheld(const PeriodProtection& p, const std::string& park, const std::string& metric);

// The period protection an alert's figures are judged against: the park or park × industry
// cell the alert is about. Alerts about regions and groups have none.
struct AlertSubjectCell {
  std::string park;
  std::string industry;  // "" for a park subject
};
std::optional<AlertSubjectCell> AlertCell(const clusterwatch::v1::AlertEvent& event);

// The period keys whose protected tables decide an alert's figures: every period its figures
// name and the same period a year earlier (a year-on-year figure's explanation quotes the
// comparison value too); without figures, its latest period, else its first period.
std::vector<std::string> AlertFiguresPeriodKeys(const clusterwatch::v1::AlertEvent& event);

// An alert for aggregate-only callers; the figures withheld, and what staff did about it
// (names and comments) removed. Enterprise-exit explanations (they list enterprises) are
// replaced. The figures and the explanation (which quotes them) are kept only for a park or
// park × industry alert whose park total and cell are published in every table of `tables`
// (the protections of AlertFiguresPeriodKeys; empty or any null: withheld).
int64_t RedactAlert(const std::vector<const PeriodProtection*>& tables,
                    clusterwatch::v1::AlertEvent* event);

// RedactAlert with the tables `redactor` computes at `version` (Redactor::ForPeriod); an
// error when one cannot be computed (the caller withholds the alert or its figures).
absl::StatusOr<int64_t> RedactAlertAt(Redactor& redactor, int64_t version,
                                      clusterwatch::v1::AlertEvent* event);

}  // namespace cw::replica
