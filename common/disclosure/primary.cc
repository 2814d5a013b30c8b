// Primary disclosure rules (threshold, dominance, p%). See primary.h.
#include "common/disclosure/primary.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cw::disclosure {
namespace {

constexpr __int128 kPpm = 1'000'000;

// A share in millionths as a percentage without trailing zeros: 850000 -> "85",
// 125000 -> "12.5".
std::string Percent(int64_t ppm) {
  std::string s = absl::StrFormat("%d.%04d", ppm / 10'000, ppm % 10'000);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Enterprises(int64_t n) {
  return absl::StrCat(n, n == 1 ? " enterprise" : " enterprises");
}

}  // namespace

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "none";
    case Reason::kThreshold:
      return "threshold";
    case Reason::kDominance:
      return "dominance";
    case Reason::kPPercent:
      return "p_percent";
    case Reason::kSecondary:
      return "secondary";
    case Reason::kCarried:
      return "carried";
  }
  return "unknown";
}

absl::StatusOr<std::vector<Contributor>> MergeContributors(
    std::string_view cell_id, const std::vector<Contributor>& contributors) {
  std::map<std::string_view, __int128> by_id;
  __int128 total = 0;
  for (size_t i = 0; i < contributors.size(); ++i) {
    const Contributor& c = contributors[i];
    if (c.id.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cell '%s': contributor %d has no id (expected the enterprise's USCC)", cell_id,
          i + 1));
    }
    if (c.value < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cell '%s': contributor '%s' has a negative value (expected >= 0)", cell_id, c.id));
    }
    by_id[c.id] += c.value;
    total += c.value;
    if (total > std::numeric_limits<int64_t>::max()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cell '%s': the total of its contributors exceeds int64 (expected fen or counts "
          "below 9.2e18)",
          cell_id));
    }
  }
  std::vector<Contributor> merged;
  merged.reserve(by_id.size());
  for (const auto& [id, value] : by_id) {
    merged.push_back(Contributor{std::string(id), static_cast<int64_t>(value)});
  }
  std::stable_sort(merged.begin(), merged.end(), [](const Contributor& a, const Contributor& b) {
    return a.value > b.value;  // map order keeps ties by id ascending
  });
  return merged;
}

absl::StatusOr<CellStatus> PrimaryStatus(const CellInput& cell, const Rules& rules) {
  if (absl::Status s = ValidateRules(rules); !s.ok()) return s;
  absl::StatusOr<std::vector<Contributor>> merged =
      MergeContributors(cell.id, cell.contributors);
  if (!merged.ok()) return merged.status();
  CellStatus status;
  status.id = cell.id;
  status.explanation_zh = "可公布";
  status.explanation_en = "publishable";
  const int64_t n = static_cast<int64_t>(merged->size());
  if (n == 0) {
    status.structural_zero = true;
    status.explanation_zh = "无企业：结构性零值，公布为 0";
    status.explanation_en = "no enterprises: structural zero, published as 0";
    return status;
  }
  __int128 total = 0;
  for (const Contributor& c : *merged) total += c.value;
  if (n < rules.n_min) {
    status.confidential = true;
    status.reason = Reason::kThreshold;
    status.explanation_zh =
        absl::StrFormat("%d 家企业，少于 %d 家（门槛规则）", n, rules.n_min);
    status.explanation_en = absl::StrFormat("%s, fewer than %d (threshold rule)",
                                            Enterprises(n), rules.n_min);
    return status;
  }
  const int64_t k_ppm = SharePpm(rules.dominance_k);
  __int128 top = 0;
  for (int64_t i = 0; i < std::min<int64_t>(n, rules.dominance_n); ++i) {
    top += (*merged)[i].value;
  }
  if (top * kPpm > k_ppm * total) {
    status.confidential = true;
    status.reason = Reason::kDominance;
    status.explanation_zh = absl::StrFormat("最大的 %d 家企业合计超过总量的 %s%%（支配规则）",
                                            rules.dominance_n, Percent(k_ppm));
    status.explanation_en = absl::StrFormat(
        "the %s largest enterprises hold more than %s%% of the total (dominance rule)",
        absl::StrCat(rules.dominance_n), Percent(k_ppm));
    if (rules.dominance_n == 1) {
      status.explanation_en = absl::StrFormat(
          "the largest enterprise holds more than %s%% of the total (dominance rule)",
          Percent(k_ppm));
    }
    return status;
  }
  const int64_t p_ppm = SharePpm(rules.p);
  const __int128 x1 = (*merged)[0].value;
  const __int128 x2 = n > 1 ? (*merged)[1].value : 0;
  if ((total - x1 - x2) * kPpm < p_ppm * x1) {
    status.confidential = true;
    status.reason = Reason::kPPercent;
    status.explanation_zh = absl::StrFormat(
        "除最大 2 家外其余企业合计不足最大企业的 %s%%（p%% 规则）", Percent(p_ppm));
    status.explanation_en = absl::StrFormat(
        "the enterprises other than the largest two hold less than %s%% of the largest "
        "(p%% rule)",
        Percent(p_ppm));
    return status;
  }
  return status;
}

int64_t ProtectionLevel(int64_t largest, const Rules& rules) {
  const __int128 needed = (SharePpm(rules.p) * static_cast<__int128>(largest) + kPpm - 1) / kPpm;
  return std::max<int64_t>(1, static_cast<int64_t>(needed));
}

CellStatus SecondaryStatus(std::string id) {
  CellStatus status;
  status.id = std::move(id);
  status.confidential = true;
  status.reason = Reason::kSecondary;
  status.explanation_zh = "为防止由合计推算出保密数据而一并隐藏（二次保密）";
  status.explanation_en =
      "suppressed so that confidential cells cannot be derived from totals (secondary "
      "suppression)";
  return status;
}

CellStatus CarriedStatus(std::string id) {
  CellStatus status;
  status.id = std::move(id);
  status.confidential = true;
  status.reason = Reason::kCarried;
  status.explanation_zh = "本年此前各期已保密，为防止用累计数减当期数推算而继续保密（跨期保密）";
  status.explanation_en =
      "withheld earlier this year, so withheld now: otherwise the earlier year-to-date figure "
      "would be this one minus this period's (carried suppression)";
  return status;
}

}  // namespace cw::disclosure
