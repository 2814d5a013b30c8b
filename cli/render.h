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

// Fen as 万元 with two decimals ("12,345.67").
std::string FormatWan(int64_t fen);

}  // namespace cw::cli
