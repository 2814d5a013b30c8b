// Tests of the deterministic sample generator against the bundled sample in data/sample.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/sample/generator.h"
#include "gtest/gtest.h"

namespace cw::sample {
namespace {
namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The bundled sample is exactly what the generator writes for the default seed.
TEST(SampleGeneratorTest, DefaultSeedReproducesBundledSample) {
  const fs::path bundled = fs::path(CW_SOURCE_DIR) / "data" / "sample";
  const fs::path out = fs::temp_directory_path() / ("cw-sample-" + std::to_string(::getpid()));
  fs::remove_all(out);
  SampleOptions o;
  o.out_dir = out.string();
  ASSERT_TRUE(WriteSample(o).ok());
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(bundled)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), bundled);
    EXPECT_EQ(Slurp(out / rel), Slurp(e.path())) << rel;
    ++files;
  }
  int generated = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) generated += e.is_regular_file();
  EXPECT_EQ(generated, files);
  EXPECT_GT(files, 40);
  fs::remove_all(out);
}

// Another seed gives other figures (the seed is really used).
TEST(SampleGeneratorTest, OtherSeedDiffers) {
  const fs::path a = fs::temp_directory_path() / ("cw-sample-a-" + std::to_string(::getpid()));
  const fs::path b = fs::temp_directory_path() / ("cw-sample-b-" + std::to_string(::getpid()));
  SampleOptions o;
  o.out_dir = a.string();
  ASSERT_TRUE(WriteSample(o).ok());
  o.out_dir = b.string();
  o.seed = 7;
  ASSERT_TRUE(WriteSample(o).ok());
  EXPECT_NE(Slurp(a / "reports" / "321282-2024-output.csv"),
            Slurp(b / "reports" / "321282-2024-output.csv"));
  EXPECT_EQ(Slurp(a / "registry" / "parks.csv"), Slurp(b / "registry" / "parks.csv"));
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace cw::sample
