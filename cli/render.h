// Readable text renderings of query answers for clusterctl (Chinese names with codes,
// money in 万元/亿元). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "clusterwatch/v1/ingest.pb.h"
#include "clusterwatch/v1/query.pb.h"

namespace cw::cli {

// One park-period report: name, region, totals for the month and year to date, reporters,
// and the industries with their shares.
std::string RenderParkReport(const clusterwatch::v1::GetParkSnapshotResponse& answer);

// A table of parks (id, name, county, level, area, leading industries).
std::string RenderParkList(const std::vector<clusterwatch::v1::Park>& parks);

// The answer to a push: counts and one line per rejected record.
std::string RenderPushResult(const std::string& file,
                             const clusterwatch::v1::PushResponse& response);

// All metrics of a park-period: growth, structure, firms, land, linkage, completeness and
// per-industry specialisation with cluster stages (and the reasons).
std::string RenderParkMetrics(const clusterwatch::v1::GetParkMetricsResponse& answer);

// A ranking of parks by one metric.
std::string RenderRanking(const std::string& metric,
                          const clusterwatch::v1::RankParksResponse& answer);

// A region or group roll-up.
std::string RenderRegion(const std::string& label, const clusterwatch::v1::Period& period,
                         const clusterwatch::v1::GetRegionSnapshotResponse& answer);

// Which parks hold an industry, at what stage.
std::string RenderIndustryMap(const std::string& industry,
                              const clusterwatch::v1::GetIndustryMapResponse& answer);

// Current alerts, one block each: state, id, explanation in Chinese and English.
std::string RenderAlerts(const std::vector<clusterwatch::v1::AlertEvent>& alerts);

// Current alerts, one line each (`clusterctl alerts list --brief`): state, the subject by
// name (its id when the alert has no name), the rule, since when and for how many periods,
// and the id, e.g. "FIRING 告警  园区敦化经济开发区（P222403A）  dependency  since 2023-05,
// 19 periods to 2024-12  dependency|park:P222403A|2023-05".
std::string RenderAlertsBrief(const std::vector<clusterwatch::v1::AlertEvent>& alerts);

// Alerts by subject, for one screen (`clusterctl alerts list --summary`): one line per park
// (its own alerts' rules, each with since when) followed, when its industries have alerts,
// by one line naming those industries and their rules; one line per region or group; the
// subjects in the order of their first alert; then the count, e.g.
//   园区宝应玻璃产业园（P1）  output_decline since 2024-04 · tax_decline since 2024-04
//     industries: 3041 (output_decline, tax_decline) · 3042 (output_decline)
//   地区宝应县（321023）  output_decline since 2024-04
//   5 alerts on 2 subjects; `alerts list --brief` gives each with its id
std::string RenderAlertsSummary(const std::vector<clusterwatch::v1::AlertEvent>& alerts);

// One line per alert change for `clusterctl alerts watch`, ending with its resume token.
std::string RenderAlertUpdate(const clusterwatch::v1::AlertUpdate& update);

// Fen as 万元 with two decimals ("12,345.67").
std::string FormatWan(int64_t fen);

}  // namespace cw::cli
