// `emoaug import`, `inspect` and `synth` run as a user runs them: exit codes, one-line errors on
// stderr, no output left behind by a failure; and the real EmoDB import.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "data/corpus_io.h"
#include "file_helpers.h"

using namespace emoaug;
using emoaug::testing::CliResult;
using emoaug::testing::run_emoaug;
using emoaug::testing::TempDir;

namespace {

const char* const kArff =
    "@relation r\n@attribute name string\n@attribute f1 numeric\n@attribute f2 numeric\n"
    "@attribute class numeric\n@data\n"
    "03a01Wa,1,2,0\n03a01Ta,3,4,0\n08a01Wa,7,8,0\n08a01Na,9,10,0\n";
const char* const kMetadata =
    "name,speaker,emotion\n03a01Wa,03,anger\n03a01Ta,03,sadness\n08a01Wa,08,anger\n"
    "08a01Na,08,neutral\n";

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// A failed command: exit 1, exactly one line on stderr containing `expect`, and the folder holds
// only the inputs it held before (no output, no temporary file).
void expect_clean_failure(const CliResult& r, const TempDir& dir, size_t files_before,
                          const std::string& expect) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(emoaug::testing::count_lines(r.err), 1) << r.err;
  EXPECT_HAS(r.err, expect);
  EXPECT_EQ(dir.count(), files_before) << "something was left behind";
}

struct Inputs {
  TempDir dir;
  std::string arff, metadata;
  Inputs(const std::string& arff_text = kArff, const std::string& metadata_text = kMetadata) {
    arff = dir / "in.arff";
    metadata = dir / "meta.csv";
    emoaug::testing::write_text(arff, arff_text);
    emoaug::testing::write_text(metadata, metadata_text);
  }
  std::string import_args(const std::string& out = "out.h5") const {
    return "import arff '" + arff + "' --metadata '" + metadata +
           "' --label-column emotion --group-column speaker -o '" + dir / out + "'";
  }
};

}  // namespace

TEST(ImportCli, ImportsAndInspects) {
  Inputs in;
  CliResult r = run_emoaug(in.import_args(), in.dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.out, "classes:      3: anger 2, neutral 1, sadness 1");
  data::Corpus c = data::read_corpus(in.dir / "out.h5");
  EXPECT_EQ(c.rows(), 4);
  r = run_emoaug("inspect '" + in.dir / "out.h5" + "'", in.dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.out, "rows:         4");
  EXPECT_HAS(r.out, "groups:       2 speakers: 3 (2), 8 (2)");
}

TEST(ImportCli, KeepUnmappedAndInspectCountsPerGroup) {
  Inputs in;
  CliResult r = run_emoaug(
      in.import_args() + " --class angry=anger --class sad=sadness --keep-unmapped", in.dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.err, "kept 1 rows as -1 (in no class) whose label --class does not map: neutral 1");
  r = run_emoaug("inspect '" + in.dir / "out.h5" + "'", in.dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.out, "classes:      2: angry 2, sad 1; in no class (-1): 1\n");
  EXPECT_HAS(r.out,
             "groups:       2 speakers: 3 (2: 2 labeled, 0 unlabeled), 8 (2: 1 labeled, 1 "
             "unlabeled)\n");
}

TEST(ImportCli, WrongValueCountFailsCleanly) {
  Inputs in(std::string(kArff) + "08b01Fb,11,0\n");
  expect_clean_failure(run_emoaug(in.import_args(), in.dir), in.dir, 2,
                       "in.arff:11: row 5 ('08b01Fb') has 3 values, expected 4");
}

TEST(ImportCli, NonNumericValueFailsCleanly) {
  Inputs in(std::string(kArff) + "08b01Fb,11,x12,0\n");
  expect_clean_failure(run_emoaug(in.import_args(), in.dir), in.dir, 2,
                       "in.arff:11: row 5 ('08b01Fb'): feature 'f2' (column 3) 'x12' is not a "
                       "number");
}

TEST(ImportCli, RowWithoutMetadataFailsCleanly) {
  Inputs in(std::string(kArff) + "08b01Fb,11,12,0\n");
  expect_clean_failure(run_emoaug(in.import_args(), in.dir), in.dir, 2,
                       "in.arff:11: row 5 ('08b01Fb'): no row of");
}

TEST(ImportCli, UnusedMetadataRowsWarnButSucceed) {
  Inputs in(kArff, std::string(kMetadata) + "09a01Wa,09,anger\n");
  CliResult r = run_emoaug(in.import_args(), in.dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.err, "warning: " + in.metadata + ": 1 of 5 metadata rows match no row");
}

TEST(ImportCli, EmptyClassFailsCleanly) {
  Inputs in;
  expect_clean_failure(
      run_emoaug(in.import_args() + " --class angry=anger --class fear=fear", in.dir), in.dir, 2,
      "class 'fear' (--class 'fear=fear') has no rows");
}

TEST(ImportCli, UnwritableOutputFailsCleanly) {
  Inputs in;
  expect_clean_failure(run_emoaug(in.import_args("no/such/dir/out.h5"), in.dir), in.dir, 2,
                       "out.h5: cannot write: folder");
  expect_clean_failure(run_emoaug(in.import_args("in.arff/x.h5"), in.dir), in.dir, 2,
                       "cannot write");
}

TEST(ImportCli, CorruptAndIncompleteCorpusFilesFailWithOneLine) {
  TempDir dir;
  data::write_corpus(dir / "good.h5", emoaug::testing::small_corpus(300, 20));
  const std::string bytes = emoaug::testing::read_bytes(dir / "good.h5");
  emoaug::testing::write_text(dir / "cut.h5", bytes.substr(0, bytes.size() / 2));
  // HDF5 would print its error stack to stderr; emoaug silences it, so one line remains.
  expect_clean_failure(run_emoaug("inspect '" + dir / "cut.h5" + "'", dir), dir, 2,
                       "cut.h5: cannot open as HDF5 (truncated or corrupt file?)");
  {
    data::h5::File f = data::h5::File::open(dir / "good.h5", true);
    f.root().remove("groups");
    f.close();
  }
  expect_clean_failure(run_emoaug("inspect '" + dir / "good.h5" + "'", dir), dir, 2,
                       "good.h5: /groups: missing dataset");
  expect_clean_failure(run_emoaug("inspect '" + dir / "none.h5" + "'", dir), dir, 2,
                       "none.h5: no such file");
}

TEST(ImportCli, UsageErrors) {
  Inputs in;
  expect_clean_failure(run_emoaug("import arff '" + in.arff + "'", in.dir), in.dir, 2,
                       "missing -o OUT.h5");
  expect_clean_failure(run_emoaug("import xls '" + in.arff + "' -o x.h5", in.dir), in.dir, 2,
                       "unknown FORMAT 'xls'");
  expect_clean_failure(run_emoaug("import arff '" + in.arff + "' --bogus -o x.h5", in.dir), in.dir,
                       2, "unknown option --bogus");
}

TEST(ImportCli, HelpDocumentsEveryOption) {
  TempDir dir;
  CliResult r = run_emoaug("import --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt :
       {"-o, --output", "--metadata", "--name-column", "--label-column", "--group-column",
        "--label-regex", "--group-regex", "--class", "--keep-unmapped", "--unlabeled", "--corpus",
        "--feature-set", "--group-kind", "--description", "examples:"})
    EXPECT_HAS(r.out, opt);
  r = run_emoaug("synth --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt :
       {"-o, --output", "--dims", "--classes", "--sessions", "--rows", "--source-rows",
        "--cross-rows", "--separation", "--imbalance", "--seed", "example:"})
    EXPECT_HAS(r.out, opt);
  r = run_emoaug("inspect --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_HAS(r.out, "--group");
}

TEST(ImportCli, SynthIsByteIdenticalAcrossRuns) {
  TempDir dir;
  for (const char* out : {"a", "b"}) {
    CliResult r = run_emoaug("synth -o '" + dir / out + "' --rows 300 --seed 7", dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const char* f : {"target.h5", "source.h5", "cross.h5"})
    EXPECT_EQ(emoaug::testing::read_bytes(dir / "a/" + f),
              emoaug::testing::read_bytes(dir / "b/" + f))
        << f;
  CliResult r = run_emoaug("synth -o '" + dir / "c" + "' --classes 1", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "--classes must be at least 2");
}

// ---- the real EmoDB features (skipped where shared/data is absent) ---------------------------

namespace {

const std::string kEmodbArgs = "--metadata '" + emoaug::testing::shared_data_dir() +
                               "/emodb-metadata.csv' --label-column emotion --group-column speaker";

// The ARFF's data line for `name`, split at commas and parsed with strtof: the test's own reading.
std::vector<float> arff_values(const std::string& name) {
  std::ifstream in(emoaug::testing::shared_data_dir() + "/emodb-emobase2010.arff");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size() + 1, name + ",") != 0) continue;
    std::vector<float> values;
    size_t pos = name.size() + 1;
    while (pos <= line.size()) {
      size_t comma = line.find(',', pos);
      if (comma == std::string::npos) comma = line.size();
      values.push_back(std::strtof(line.substr(pos, comma - pos).c_str(), nullptr));
      pos = comma + 1;
    }
    values.pop_back();  // the class column
    return values;
  }
  return {};
}

}  // namespace

TEST(ImportEmodb, FourClassesAsInThePaper) {
  if (!emoaug::testing::have_shared_data()) GTEST_SKIP() << "no shared/data";
  TempDir dir;
  CliResult r =
      run_emoaug("import arff '" + emoaug::testing::shared_data_dir() +
                     "/emodb-emobase2010.arff' " + kEmodbArgs +
                     " --class angry=anger --class happy=happiness --class neutral=neutral --class "
                     "sad=sadness --corpus EmoDB -o '" +
                     dir / "emodb4.h5" + "'",
                 dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  data::Corpus c = data::read_corpus(dir / "emodb4.h5");
  EXPECT_EQ(c.rows(), 339);
  EXPECT_EQ(c.dims(), 1582);
  EXPECT_EQ(c.class_names, (std::vector<std::string>{"angry", "happy", "neutral", "sad"}));
  EXPECT_EQ(c.class_counts(), (std::vector<int64_t>{127, 71, 79, 62}));
  EXPECT_EQ(c.distinct_groups().size(), 10u);
  EXPECT_EQ(c.corpus, "EmoDB");
  EXPECT_EQ(c.feature_names.front(), "pcm_loudness_sma_maxPos");
  EXPECT_EQ(c.feature_names.back(), "F0final__Turn_duration");
  std::map<std::string, int64_t> row_of;
  for (int64_t i = 0; i < c.rows(); ++i) row_of[c.names[i]] = i;
  for (const char* name : {"03a01Fa", "11b03Wb", "16b10Wb"}) {
    const std::vector<float> expected = arff_values(name);
    ASSERT_EQ(expected.size(), 1582u) << name;
    ASSERT_TRUE(row_of.count(name)) << name;
    for (int64_t j = 0; j < 1582; ++j)
      ASSERT_EQ(c.features(row_of[name], j), expected[j]) << name << " feature " << j;
  }
  EXPECT_EQ(c.labels[row_of["03a01Fa"]], 1);  // happiness
  EXPECT_EQ(c.groups[row_of["16b10Wb"]], 16);
}

TEST(ImportEmodb, AllSevenClasses) {
  if (!emoaug::testing::have_shared_data()) GTEST_SKIP() << "no shared/data";
  TempDir dir;
  CliResult r =
      run_emoaug("import arff '" + emoaug::testing::shared_data_dir() +
                     "/emodb-emobase2010.arff' " + kEmodbArgs + " -o '" + dir / "emodb7.h5" + "'",
                 dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // every metadata row matches: no warning
  data::Corpus c = data::read_corpus(dir / "emodb7.h5");
  EXPECT_EQ(c.rows(), 535);
  EXPECT_EQ(c.class_names, (std::vector<std::string>{"anger", "boredom", "disgust", "fear",
                                                     "happiness", "neutral", "sadness"}));
  EXPECT_EQ(c.class_counts(), (std::vector<int64_t>{127, 81, 46, 69, 71, 79, 62}));
}
