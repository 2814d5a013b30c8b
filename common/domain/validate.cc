// Report validation. See validate.h.
//
// Checks run in a fixed order and the first failure is returned, so a record is always
// refused for the same reason: uscc, industry (output only), period, basis, registry
// (enterprise for tax, park for both), money, employees, counterparties (tax only).
#include "common/domain/validate.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/domain/codes.h"
#include "common/domain/money.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"

namespace cw::domain {
namespace {

namespace pb = ::clusterwatch::v1;

// Year-to-date figures may reach twelve months' worth.
constexpr int64_t kMonthsPerYear = 12;

std::optional<Violation> CheckUscc(const std::string& uscc) {
  if (absl::Status s = ValidateUscc(uscc); !s.ok()) {
    return Violation{"uscc", std::string(s.message())};
  }
  return std::nullopt;
}

std::optional<Violation> CheckPeriod(const pb::Period& p, const ValidationLimits& limits) {
  if (p.year() < limits.min_year || p.year() > limits.max_year) {
    return Violation{"period", absl::StrFormat("year %d is outside %d..%d", p.year(),
                                               limits.min_year, limits.max_year)};
  }
  if (p.month() < 1 || p.month() > 12) {
    return Violation{"period", absl::StrFormat("month %d is outside 1..12", p.month())};
  }
  if (p.jan_feb() && p.month() != 2) {
    return Violation{"period",
                     absl::StrFormat("jan_feb is set with month %d (expected month 2 for the "
                                     "combined January–February period)",
                                     p.month())};
  }
  return std::nullopt;
}

std::optional<Violation> CheckBasis(pb::ValueBasis basis) {
  if (basis != pb::VALUE_BASIS_MONTH && basis != pb::VALUE_BASIS_YEAR_TO_DATE) {
    return Violation{"basis",
                     "value basis is unspecified (expected month or year-to-date)"};
  }
  return std::nullopt;
}

// The park must be in the registry and its county a valid GB/T 2260 code.
std::optional<Violation> CheckPark(const std::string& park_id, const RegistryView& registry) {
  const pb::Park* park = registry.FindPark(park_id);
  if (park == nullptr) {
    return Violation{"park_id",
                     absl::StrFormat("unknown park '%s' (not in the registry)", park_id)};
  }
  if (absl::Status s = ValidateRegionCode(park->county_code()); !s.ok()) {
    return Violation{"park_id", absl::StrFormat("park '%s' in the registry has an invalid "
                                                "county code: %s",
                                                park_id, s.message())};
  }
  return std::nullopt;
}

int64_t SaturatingMultiply(int64_t v, int64_t factor) {
  if (v > std::numeric_limits<int64_t>::max() / factor) {
    return std::numeric_limits<int64_t>::max();
  }
  return v * factor;
}

// A money figure must be non-negative and, for a month value, at most max_month_fen
// (twelve times that for a year-to-date value).
std::optional<Violation> CheckMoney(std::string_view field, const pb::Money& money,
                                    pb::ValueBasis basis, const ValidationLimits& limits) {
  const int64_t fen = money.fen();
  if (fen < 0) {
    return Violation{std::string(field),
                     absl::StrFormat("%s 元 must not be negative (expected an amount >= 0)",
                                     FormatYuan(fen))};
  }
  const bool ytd = basis == pb::VALUE_BASIS_YEAR_TO_DATE;
  const int64_t max = ytd ? SaturatingMultiply(limits.max_month_fen, kMonthsPerYear)
                          : limits.max_month_fen;
  if (fen > max) {
    return Violation{std::string(field),
                     absl::StrFormat("%s 元 is implausibly large (expected at most %s 元 for "
                                     "a %s value)",
                                     FormatYuan(fen), FormatYuan(max),
                                     ytd ? "year-to-date" : "month")};
  }
  return std::nullopt;
}

// Each counterparty: a valid USCC and purchases that are non-negative and plausible as the
// report's own money (so that sums of purchases cannot overflow).
std::optional<Violation> CheckCounterparties(const pb::TaxReport& r,
                                             const ValidationLimits& limits) {
  for (int i = 0; i < r.counterparties_size(); ++i) {
    const pb::Counterparty& c = r.counterparties(i);
    if (absl::Status s = ValidateUscc(c.uscc()); !s.ok()) {
      return Violation{"counterparties",
                       absl::StrFormat("counterparty %d: %s", i + 1, s.message())};
    }
    if (c.purchases().fen() < 0) {
      return Violation{"counterparties",
                       absl::StrFormat("counterparty %d ('%s'): purchases of %s 元 must not be "
                                       "negative (expected an amount >= 0)",
                                       i + 1, c.uscc(), FormatYuan(c.purchases().fen()))};
    }
    if (auto v = CheckMoney("counterparties", c.purchases(), r.basis(), limits)) {
      v->reason = absl::StrFormat("counterparty %d ('%s'): %s", i + 1, c.uscc(), v->reason);
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Violation> ValidateOutput(pb::OutputReport& r, const RegistryView& registry,
                                        const ValidationLimits& limits) {
  if (auto v = CheckUscc(r.uscc())) return v;
  if (absl::Status s = ValidateIndustryClass(r.industry()); !s.ok()) {
    return Violation{"industry", std::string(s.message())};
  }
  if (auto v = CheckPeriod(r.period(), limits)) return v;
  if (auto v = CheckBasis(r.basis())) return v;
  if (r.park_id().empty()) {
    const pb::Enterprise* enterprise = registry.FindEnterprise(r.uscc());
    if (enterprise == nullptr || enterprise->park_id().empty()) {
      return Violation{"park_id",
                       absl::StrFormat("unknown park '' (not in the registry): park_id is "
                                       "empty and enterprise '%s' has no registered park "
                                       "(expected a park id)",
                                       r.uscc())};
    }
    r.set_park_id(enterprise->park_id());
  }
  if (auto v = CheckPark(r.park_id(), registry)) return v;
  if (auto v = CheckMoney("gross_output", r.gross_output(), r.basis(), limits)) return v;
  if (auto v = CheckMoney("sales_output", r.sales_output(), r.basis(), limits)) return v;
  if (auto v = CheckMoney("export_delivery", r.export_delivery(), r.basis(), limits)) return v;
  if (r.employees() < 0) {
    return Violation{"employees", absl::StrFormat("%d must not be negative (expected a "
                                                  "number of employees >= 0)",
                                                  r.employees())};
  }
  if (r.employees() > limits.max_employees) {
    return Violation{"employees",
                     absl::StrFormat("%d is implausibly large (expected at most %d)",
                                     r.employees(), limits.max_employees)};
  }
  return std::nullopt;
}

std::optional<Violation> ValidateTax(pb::TaxReport& r, const RegistryView& registry,
                                     const ValidationLimits& limits) {
  if (auto v = CheckUscc(r.uscc())) return v;
  if (auto v = CheckPeriod(r.period(), limits)) return v;
  if (auto v = CheckBasis(r.basis())) return v;
  const pb::Enterprise* enterprise = registry.FindEnterprise(r.uscc());
  if (enterprise == nullptr) {
    return Violation{"uscc", absl::StrFormat("enterprise not in the registry: '%s' (expected "
                                             "an enterprise registered before its tax "
                                             "reports)",
                                             r.uscc())};
  }
  r.set_park_id(enterprise->park_id());
  r.set_industry(enterprise->industry());
  if (auto v = CheckPark(r.park_id(), registry)) return v;
  if (auto v = CheckMoney("total_tax", r.total_tax(), r.basis(), limits)) return v;
  if (auto v = CheckMoney("vat", r.vat(), r.basis(), limits)) return v;
  if (auto v = CheckMoney("corporate_income_tax", r.corporate_income_tax(), r.basis(), limits)) {
    return v;
  }
  return CheckCounterparties(r, limits);
}

namespace {

// The checks of ValidateOutput and ValidateTax that need no registry, on an envelope's
// report as ingest annotated it (park id and, for tax, industry filled in).
std::optional<Violation> CheckPlacement(const std::string& park_id, const std::string& industry,
                                        bool tax) {
  if (park_id.empty() || park_id.find('|') != std::string::npos) {
    return Violation{"park_id", absl::StrFormat("'%s' is not a park id (expected the "
                                                "registered park, without '|')",
                                                park_id)};
  }
  if (tax && industry.empty()) return std::nullopt;  // registered without an industry
  if (absl::Status s = ValidateIndustryClass(industry); !s.ok()) {
    return Violation{"industry", std::string(s.message())};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Violation> ValidateCorrection(const pb::EnterpriseCorrection& c,
                                            const ValidationLimits& limits) {
  if (auto v = CheckUscc(c.uscc())) return v;
  if (c.park_id().empty() && c.industry().empty()) {
    return Violation{"park_id", "a correction names neither a park nor an industry (expected "
                                "the corrected park_id and/or industry)"};
  }
  if (c.park_id().find('|') != std::string::npos) {
    return Violation{"park_id", absl::StrFormat("'%s' is not a park id (expected a registered "
                                                "park, without '|')",
                                                c.park_id())};
  }
  if (!c.industry().empty()) {
    if (absl::Status s = ValidateIndustryClass(c.industry()); !s.ok()) {
      return Violation{"industry", std::string(s.message())};
    }
  }
  if (!c.has_corrects_from()) {
    return Violation{"corrects_from", "missing (expected the first period the correction "
                                      "names, e.g. 2024-03)"};
  }
  if (auto v = CheckPeriod(c.corrects_from(), limits)) {
    return Violation{"corrects_from", v->reason};
  }
  if (c.has_corrects_to()) {
    if (auto v = CheckPeriod(c.corrects_to(), limits)) {
      return Violation{"corrects_to", v->reason};
    }
    if (PeriodLess(FromProto(c.corrects_to()), FromProto(c.corrects_from()))) {
      return Violation{"corrects_to",
                       absl::StrFormat("%s is before corrects_from %s (expected a period on or "
                                       "after it, or none for \"from then on\")",
                                       FromProto(c.corrects_to()).Key(),
                                       FromProto(c.corrects_from()).Key())};
    }
  }
  return std::nullopt;
}

std::optional<Violation> ValidateEnvelope(const pb::ReportEnvelope& env,
                                          const ValidationLimits& limits) {
  switch (env.body_case()) {
    case pb::ReportEnvelope::kOutput: {
      const pb::OutputReport& r = env.output();
      if (auto v = CheckUscc(r.uscc())) return v;
      if (auto v = CheckPlacement(r.park_id(), r.industry(), false)) return v;
      if (auto v = CheckPeriod(r.period(), limits)) return v;
      if (auto v = CheckBasis(r.basis())) return v;
      if (auto v = CheckMoney("gross_output", r.gross_output(), r.basis(), limits)) return v;
      if (auto v = CheckMoney("sales_output", r.sales_output(), r.basis(), limits)) return v;
      if (auto v = CheckMoney("export_delivery", r.export_delivery(), r.basis(), limits)) {
        return v;
      }
      if (r.employees() < 0 || r.employees() > limits.max_employees) {
        return Violation{"employees",
                         absl::StrFormat("%d is outside 0..%d", r.employees(),
                                         limits.max_employees)};
      }
      return std::nullopt;
    }
    case pb::ReportEnvelope::kTax: {
      const pb::TaxReport& r = env.tax();
      if (auto v = CheckUscc(r.uscc())) return v;
      if (auto v = CheckPlacement(r.park_id(), r.industry(), true)) return v;
      if (auto v = CheckPeriod(r.period(), limits)) return v;
      if (auto v = CheckBasis(r.basis())) return v;
      if (auto v = CheckMoney("total_tax", r.total_tax(), r.basis(), limits)) return v;
      if (auto v = CheckMoney("vat", r.vat(), r.basis(), limits)) return v;
      if (auto v = CheckMoney("corporate_income_tax", r.corporate_income_tax(), r.basis(),
                              limits)) {
        return v;
      }
      return CheckCounterparties(r, limits);
    }
    case pb::ReportEnvelope::kCorrection:
      return ValidateCorrection(env.correction(), limits);
    default:
      return Violation{"", "envelope carries no report (expected an output or a tax report, "
                           "or a registry correction)"};
  }
}

}  // namespace cw::domain
