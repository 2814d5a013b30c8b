// Deterministic sample data for clusterwatch: the seed regions' registry (parks and
// enterprises) and their monthly output and tax reports, written as the CSV files bureaus
// send — Chinese or English headers, units in a column or in the header, month and
// year-to-date values, the combined January–February period, a GBK-encoded file, revisions,
// late reports and deliberately bad records. `clusterctl gen-sample` writes it for demos and
// system tests; tests/system/ground_truth.py computes the totals it should produce.
//
// Thread-safety: WriteSample keeps no state between calls; concurrent calls are safe when
// they write to different directories.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace cw::sample {

struct SampleOptions {
  uint64_t seed = 20241;
  int first_year = 2023;  // reports cover first_year .. first_year + years - 1
  int years = 2;
  int scale = 1;          // enterprises per park multiplied by this (load tests)
  std::string out_dir;    // created when missing
};

// Writes under options.out_dir:
//   registry/parks.csv, registry/enterprises.csv     (English headers, UTF-8)
//   reports/<county>-<year>-output.csv, reports/<county>-<year>-tax.csv
//   reports/zz-late.csv, zz-revisions.csv, zz-revisions-tax.csv, zz-bad.csv, zz-bad-tax.csv
//   README.txt                                       (what each file holds)
// Existing files of the same names are overwritten; nothing else is touched. The same
// options give byte-identical files on every platform (only integer arithmetic over
// std::mt19937_64 output).
// Fails with kInvalidArgument when out_dir is empty, years is outside 1..10 or the years fall
// outside 2000..2100; with kInternal when GBK conversion fails; with kUnavailable naming the
// path when a directory or file cannot be written.
absl::Status WriteSample(const SampleOptions& options);

}  // namespace cw::sample
