// Episodes of an alert rule over a subject's history. See episode.h.
#include "common/alerts/episode.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"

namespace cw::alerts {
namespace {

// "（自2024年3月起持续3期，最近一期2024年5月）" and its English.
std::pair<std::string, std::string> Duration(const Episode& ep) {
  if (ep.periods <= 1 && ep.first == ep.latest) {
    return {absl::StrFormat("（%s起）", ep.first.Chinese()),
            absl::StrFormat(" (since %s)", PeriodNameEn(ep.first))};
  }
  return {absl::StrFormat("（自%s起持续%d期，最近一期%s）", ep.first.Chinese(), ep.periods,
                          ep.latest.Chinese()),
          absl::StrFormat(" (since %s, %d periods, latest %s)", PeriodNameEn(ep.first),
                          ep.periods, PeriodNameEn(ep.latest))};
}

void Finish(Episode* ep) {
  AlertEvaluation& e = ep->evaluation;
  e.alert_id = ep->alert_id;
  auto [zh, en] = Duration(*ep);
  if (ep->open()) {
    e.explanation_zh += zh;
    e.explanation_en += en;
  } else {
    e.explanation_zh = absl::StrFormat("已于%s解除%s：%s", ep->ended->Chinese(), zh,
                                       e.explanation_zh);
    e.explanation_en = absl::StrFormat("Ended in %s%s: %s", PeriodNameEn(*ep->ended), en,
                                       e.explanation_en);
  }
}

}  // namespace

std::vector<Episode> Episodes(std::vector<AlertEvaluation> evaluations) {
  std::sort(evaluations.begin(), evaluations.end(),
            [](const AlertEvaluation& a, const AlertEvaluation& b) {
              return domain::PeriodLess(a.period, b.period);
            });
  std::vector<Episode> out;
  Episode* open = nullptr;
  for (AlertEvaluation& e : evaluations) {
    if (e.condition()) {
      if (open == nullptr) {
        Episode& ep = out.emplace_back();
        ep.alert_id = AlertId(e.rule, e.subject, e.period);
        ep.first = e.period;
        open = &ep;
      }
      open->latest = e.period;
      ++open->periods;
      open->evaluation = std::move(e);
    } else if (e.outcome == Outcome::kClear && open != nullptr) {
      open->ended = e.period;
      open->evaluation = std::move(e);
      open = nullptr;
    }
  }
  for (Episode& ep : out) Finish(&ep);
  return out;
}

std::vector<Episode> EpisodesByRule(const std::vector<AlertEvaluation>& evaluations) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<AlertEvaluation>> by_rule;
  for (const AlertEvaluation& e : evaluations) {
    auto [it, inserted] = by_rule.try_emplace(e.rule);
    if (inserted) order.push_back(e.rule);
    it->second.push_back(e);
  }
  std::vector<Episode> out;
  for (const std::string& rule : order) {
    for (Episode& ep : Episodes(std::move(by_rule[rule]))) out.push_back(std::move(ep));
  }
  return out;
}

}  // namespace cw::alerts
