// Cluster stage classification. See stage.h.
#include "common/metrics/stage.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/metrics/values.h"

namespace cw::metrics {
namespace {

// A passed or failed comparison "name value ≥ want" / "name value < want"; the figures
// may be worded differently in each language (money units).
Criterion Compare(std::string key, bool passed, std::string_view name_zh,
                  std::string_view name_en, const std::string& value_zh,
                  const std::string& want_zh, const std::string& value_en,
                  const std::string& want_en) {
  const char* op = passed ? " ≥ " : " < ";
  return Criterion{std::move(key), passed,
                   absl::StrCat(std::string(name_zh), " ", value_zh, op, want_zh),
                   absl::StrCat(std::string(name_en), " ", value_en, op, want_en)};
}

Criterion Undefined(std::string key, std::string_view zh, std::string_view en,
                    const std::string& want) {
  return Criterion{std::move(key), false, absl::StrCat(std::string(zh), "（需 ≥ ", want, "）"),
                   absl::StrCat(std::string(en), " (needs ≥ ", want, ")")};
}

std::string Join(const std::vector<Criterion>& criteria, bool passed, bool zh) {
  std::string out;
  for (const Criterion& c : criteria) {
    if (c.passed != passed) continue;
    absl::StrAppend(&out, out.empty() ? "" : (zh ? "，" : ", "), zh ? c.zh : c.en);
  }
  return out;
}

}  // namespace

std::string_view StageNameZh(Stage stage) {
  switch (stage) {
    case Stage::kNone:
      return "无";
    case Stage::kConcentration:
      return "集中";
    case Stage::kAgglomeration:
      return "集聚";
    case Stage::kCluster:
      return "集群";
  }
  return "?";
}

std::string_view StageNameEn(Stage stage) {
  switch (stage) {
    case Stage::kNone:
      return "none";
    case Stage::kConcentration:
      return "concentration";
    case Stage::kAgglomeration:
      return "agglomeration";
    case Stage::kCluster:
      return "cluster";
  }
  return "?";
}

absl::StatusOr<StageResult> ClassifyStage(const StageInput& input,
                                          const StageThresholds& thresholds) {
  const std::string where = absl::StrFormat("park %s industry %s", input.park_id, input.industry);
  if (input.months_covered < 1 || input.months_covered > 12) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: months covered %d is outside 1..12", where, input.months_covered));
  }
  if (input.output_fen < 0 || input.enterprises < 0 || input.leader_output_fen < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: negative figure (output %d fen, enterprises %d, leader output %d fen; expected "
        "figures >= 0)",
        where, input.output_fen, input.enterprises, input.leader_output_fen));
  }
  if (input.leader_output_fen > input.output_fen) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the leading enterprise's output %d fen exceeds the industry's %d fen", where,
        input.leader_output_fen, input.output_fen));
  }
  const std::optional<int64_t> annual = Annualise(input.output_fen, input.months_covered);
  const std::optional<int64_t> leader =
      Annualise(input.leader_output_fen, input.months_covered);
  if (!annual || !leader) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: annualised output overflows", where));
  }

  StageResult r;
  r.input = input;
  r.thresholds = thresholds;
  r.annual_output_fen = *annual;
  r.annual_leader_fen = *leader;
  const bool park_scope = thresholds.linkage_scope == LinkageScope::kPark;
  r.linkage_share = park_scope ? input.in_park_share : input.in_region_share;

  if (*annual <= 0) {
    r.stage = Stage::kNone;
    r.explanation_zh = "无：该产业在本园区无产值。";
    r.explanation_en = "none: the industry has no output in the park.";
    return r;
  }

  // Agglomeration: specialised and sizeable.
  const std::string lq_want = absl::StrFormat("%.2f", thresholds.lq_min);
  if (input.lq) {
    const std::string lq = absl::StrFormat("%.2f", *input.lq);
    r.criteria.push_back(Compare("lq", *input.lq >= thresholds.lq_min, "区位商", "LQ", lq,
                                 lq_want, lq, lq_want));
  } else {
    r.criteria.push_back(
        Undefined("lq", "区位商无法计算", "LQ not defined", lq_want));
  }
  r.criteria.push_back(Compare("size", *annual >= thresholds.size_min_fen, "年化产值",
                               "annualised output", FormatMoneyZh(*annual),
                               FormatMoneyZh(thresholds.size_min_fen), FormatMoneyEn(*annual),
                               FormatMoneyEn(thresholds.size_min_fen)));
  const bool enough_firms = input.enterprises >= thresholds.n_min;
  r.criteria.push_back(Criterion{
      "enterprises", enough_firms,
      absl::StrFormat("企业 %d家%s%d家", input.enterprises, enough_firms ? " ≥ " : " < ",
                      thresholds.n_min),
      absl::StrFormat("enterprises %d%s%d", input.enterprises, enough_firms ? " ≥ " : " < ",
                      thresholds.n_min)});

  // Cluster: linked and led.
  const std::string_view link_zh = park_scope ? "园区内配套采购占比" : "本地区配套采购占比";
  const std::string_view link_en =
      park_scope ? "in-park purchase share" : "in-region purchase share";
  const std::string link_want = FormatPercent(thresholds.linkage_min);
  if (r.linkage_share) {
    const std::string share = FormatPercent(*r.linkage_share);
    r.criteria.push_back(Compare("linkage", *r.linkage_share >= thresholds.linkage_min, link_zh,
                                 link_en, share, link_want, share, link_want));
  } else {
    r.criteria.push_back(Undefined("linkage", absl::StrCat(std::string(link_zh), "无数据"),
                                   absl::StrCat(std::string(link_en), " not known"), link_want));
  }
  r.criteria.push_back(Compare("leader", *leader >= thresholds.leader_min_fen, "龙头企业年化产值",
                               "largest enterprise's annualised output", FormatMoneyZh(*leader),
                               FormatMoneyZh(thresholds.leader_min_fen), FormatMoneyEn(*leader),
                               FormatMoneyEn(thresholds.leader_min_fen)));

  const std::vector<Criterion> agglomeration(r.criteria.begin(), r.criteria.begin() + 3);
  const std::vector<Criterion> cluster(r.criteria.begin() + 3, r.criteria.end());
  auto all_pass = [](const std::vector<Criterion>& cs) {
    for (const Criterion& c : cs) {
      if (!c.passed) return false;
    }
    return true;
  };

  if (!all_pass(agglomeration)) {
    r.stage = Stage::kConcentration;
    r.explanation_zh = absl::StrFormat(
        "集中：有产值（年化产值 %s，企业 %d家），仅为空间集中；未达集聚：%s。",
        FormatMoneyZh(*annual), input.enterprises, Join(agglomeration, false, true));
    r.explanation_en = absl::StrFormat(
        "concentration: output (annualised %s, %d enterprises), co-location only; not "
        "agglomeration: %s.",
        FormatMoneyEn(*annual), input.enterprises, Join(agglomeration, false, false));
  } else if (!all_pass(cluster)) {
    r.stage = Stage::kAgglomeration;
    r.explanation_zh = absl::StrFormat("集聚：%s；未达集群：%s。",
                                       Join(agglomeration, true, true),
                                       Join(cluster, false, true));
    r.explanation_en = absl::StrFormat("agglomeration: %s; not a cluster: %s.",
                                       Join(agglomeration, true, false),
                                       Join(cluster, false, false));
  } else {
    r.stage = Stage::kCluster;
    r.explanation_zh = absl::StrFormat("集群：%s。", Join(r.criteria, true, true));
    r.explanation_en = absl::StrFormat("cluster: %s.", Join(r.criteria, true, false));
  }
  return r;
}

}  // namespace cw::metrics
