// Labels, groups and classes for imported rows: metadata matching, regular expressions, --class,
// and the netCDF reader on the committed fixture.
#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "data/h5.h"
#include "data/import.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;
using emoaug::testing::TempDir;

namespace {

// Six utterances of two speakers, EmoDB-style names: speaker, text, emotion letter, version.
const char* const kArff =
    "@relation r\n@attribute name string\n@attribute f1 numeric\n@attribute f2 numeric\n"
    "@attribute class numeric\n@data\n"
    "03a01Wa,1,2,0\n03a01Ta,3,4,0\n03a02Fa,5,6,0\n08a01Wa,7,8,0\n08a01Na,9,10,0\n08b01Fb,11,12,0\n";

const char* const kMetadata =
    "name,speaker,text,emotion\n"
    "03a01Wa,03,a01,anger\n03a01Ta,03,a01,sadness\n03a02Fa,03,a02,happiness\n"
    "08a01Wa,08,a01,anger\n08a01Na,08,a01,neutral\n08b01Fb,08,b01,happiness\n";

using emoaug::testing::error_of;

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

struct Fixture {
  TempDir dir;
  std::string metadata_path;
  explicit Fixture(const std::string& metadata = kMetadata) {
    metadata_path = dir / "meta.csv";
    emoaug::testing::write_text(metadata_path, metadata);
  }
  ImportOptions options() const {
    ImportOptions o;
    o.metadata = metadata_path;
    o.label_column = "emotion";
    o.group_column = "speaker";
    return o;
  }
};

ImportResult run(const ImportOptions& o, const std::string& arff = kArff) {
  return label_rows(parse_arff(arff, "x.arff"), o);
}

}  // namespace

TEST(ImportLabels, MetadataGivesSortedClassesAndNumericGroups) {
  Fixture f;
  ImportResult r = run(f.options());
  const Corpus& c = r.corpus;
  EXPECT_EQ(c.class_names, (std::vector<std::string>{"anger", "happiness", "neutral", "sadness"}));
  EXPECT_EQ(c.labels, (std::vector<int32_t>{0, 3, 1, 0, 2, 1}));
  EXPECT_EQ(c.groups, (std::vector<int32_t>{3, 3, 3, 8, 8, 8}));
  EXPECT_EQ(c.names[5], "08b01Fb");
  EXPECT_EQ(c.features(5, 1), 12.0f);
  EXPECT_EQ(c.corpus, "x");
  EXPECT_EQ(c.feature_set, "emobase2010");
  EXPECT_EQ(c.group_kind, "speaker");
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.dropped_rows, 0);
}

TEST(ImportLabels, ClassMapOrdersMergesAndDrops) {
  Fixture f;
  ImportOptions o = f.options();
  o.class_map = {"angry=anger", "happy = happiness , neutral"};
  ImportResult r = run(o);
  EXPECT_EQ(r.corpus.class_names, (std::vector<std::string>{"angry", "happy"}));
  EXPECT_EQ(r.corpus.labels, (std::vector<int32_t>{0, 1, 0, 1, 1}));
  EXPECT_EQ(r.corpus.names[1], "03a02Fa");  // 03a01Ta (sadness) is dropped
  EXPECT_EQ(r.dropped_rows, 1);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_HAS(r.notes[0], "dropped 1 rows whose label --class does not map: sadness 1");
}

TEST(ImportLabels, KeepUnmappedKeepsTheOtherRowsAsMinusOne) {
  Fixture f;
  ImportOptions o = f.options();
  o.class_map = {"angry=anger", "happy=happiness"};
  o.keep_unmapped = true;
  ImportResult r = run(o);
  // Metadata order: anger, sadness, happiness, anger, neutral, happiness.
  EXPECT_EQ(r.corpus.rows(), 6);
  EXPECT_EQ(r.corpus.class_names, (std::vector<std::string>{"angry", "happy"}));
  EXPECT_EQ(r.corpus.labels, (std::vector<int32_t>{0, -1, 1, 0, -1, 1}));
  EXPECT_EQ(r.corpus.groups, (std::vector<int32_t>{3, 3, 3, 8, 8, 8}));
  EXPECT_EQ(r.dropped_rows, 0);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0],
            "kept 2 rows as -1 (in no class) whose label --class does not map: neutral 1, "
            "sadness 1");
  // A class still needs rows of its own, and --keep-unmapped has nothing to keep without --class.
  o.class_map = {"angry=anger", "fear=fear"};
  EXPECT_HAS(error_of([&] { run(o); }), "class 'fear' (--class 'fear=fear') has no rows");
  o.class_map.clear();
  EXPECT_HAS(error_of([&] { run(o); }), "--keep-unmapped needs --class");
}

TEST(ImportLabels, EmptyClassIsAnError) {
  Fixture f;
  ImportOptions o = f.options();
  o.class_map = {"angry=anger", "fear=fear"};
  EXPECT_HAS(error_of([&] { run(o); }),
             "x.arff: class 'fear' (--class 'fear=fear') has no rows; the labels are anger 2, "
             "happiness 2, neutral 1, sadness 1");
}

TEST(ImportLabels, MalformedClassMaps) {
  Fixture f;
  ImportOptions o = f.options();
  for (const char* bad : {"angry", "=anger", "angry=", "angry=anger,,x"}) {
    o.class_map = {bad};
    EXPECT_HAS(error_of([&] { run(o); }), "expected NEW=OLD[,OLD...]");
  }
  o.class_map = {"a=anger", "a=sadness"};
  EXPECT_HAS(error_of([&] { run(o); }), "class 'a' is given twice");
  o.class_map = {"a=anger", "b=anger"};
  EXPECT_HAS(error_of([&] { run(o); }), "label 'anger' is mapped twice (to 'a' and 'b')");
}

TEST(ImportLabels, DataRowWithoutMetadataIsAnError) {
  Fixture f("name,speaker,emotion\n03a01Wa,03,anger\n03a01Ta,03,sadness\n03a02Fa,03,happiness\n");
  ImportOptions o = f.options();
  EXPECT_HAS(error_of([&] { run(o); }),
             "x.arff:10: row 4 ('08a01Wa'): no row of " + f.metadata_path +
                 " has this name (3 of 6 rows have none; the metadata names look like "
                 "'03a01Wa')");
}

TEST(ImportLabels, MetadataRowsMatchingNothingAreAWarningWithTheCount) {
  Fixture f(std::string(kMetadata) + "09a01Wa,09,a01,anger\n10a01Wa,10,a01,anger\n");
  ImportResult r = run(f.options());
  EXPECT_EQ(r.corpus.rows(), 6);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_HAS(r.warnings[0], f.metadata_path +
                                ": 2 of 8 metadata rows match no row of the "
                                "feature file (first: line 8, '09a01Wa')");
}

TEST(ImportLabels, NamesMatchWithoutFoldersAndExtensions) {
  std::string meta = kMetadata;
  for (const char* n : {"03a01Wa", "03a01Ta", "03a02Fa", "08a01Wa", "08a01Na", "08b01Fb"}) {
    const size_t at = meta.find(std::string(n) + ",");
    meta.replace(at, std::strlen(n), std::string("wav/") + n + ".wav");
  }
  Fixture f(meta);
  EXPECT_EQ(run(f.options()).corpus.labels, (std::vector<int32_t>{0, 3, 1, 0, 2, 1}));
}

TEST(ImportLabels, BadMetadataFiles) {
  Fixture dup(std::string(kMetadata) + "03a01Wa,03,a01,anger\n");
  EXPECT_HAS(error_of([&] { run(dup.options()); }), "meta.csv:8: name '03a01Wa' is also on line 2");
  Fixture short_row("name,speaker,emotion\n03a01Wa,03\n");
  EXPECT_HAS(error_of([&] { run(short_row.options()); }),
             "meta.csv:2: 2 fields, expected 3 (as in the header)");
  Fixture f;
  ImportOptions o = f.options();
  o.label_column = "Emotion";
  EXPECT_HAS(error_of([&] { run(o); }),
             "meta.csv: no column 'Emotion' (--label-column); the columns are name, speaker, "
             "text, emotion");
  o = f.options();
  o.metadata = f.dir / "none.csv";
  EXPECT_HAS(error_of([&] { run(o); }), "none.csv: no such file");
}

TEST(ImportLabels, RegexLabelsAndStringGroups) {
  ImportOptions o;
  o.label_regex = "^\\d\\d[a-z]\\d\\d([A-Z])";
  o.group_regex = "^(\\d\\d)";
  o.class_map = {"angry=W", "happy=F"};
  ImportResult r = run(o);
  EXPECT_EQ(r.corpus.labels, (std::vector<int32_t>{0, 1, 0, 1}));
  EXPECT_EQ(r.corpus.groups, (std::vector<int32_t>{3, 3, 8, 8}));  // integers as given
  o.group_regex = "^\\d\\d(\\w)";                                  // a or b: numbered 1..G
  r = run(o);
  EXPECT_EQ(r.corpus.groups, (std::vector<int32_t>{1, 1, 1, 2}));
  EXPECT_HAS(r.corpus.description, "groups: 1=a, 2=b");
}

TEST(ImportLabels, BadRegexes) {
  ImportOptions o;
  o.label_regex = "(";
  EXPECT_HAS(error_of([&] { run(o); }), "--label-regex '(' is not a valid regular expression");
  o.label_regex = "^\\d+";
  EXPECT_HAS(error_of([&] { run(o); }), "must have exactly one capture group ( ), it has 0");
  o.label_regex = "^(\\d)x";
  EXPECT_HAS(error_of([&] { run(o); }),
             "x.arff:7: row 1 ('03a01Wa'): the name does not match --label-regex '^(\\d)x'");
}

TEST(ImportLabels, LabelsOutsideTheDeclaredClassesAreAnErrorUnlessDropped) {
  const std::string arff =
      "@relation r\n@attribute name string\n@attribute f numeric\n"
      "@attribute class {anger,sadness}\n@data\nu1,1,anger\nu2,2,joy\nu3,3,sadness\n";
  ImportOptions o;
  o.group_regex = "(\\d)";
  EXPECT_HAS(error_of([&] { run(o, arff); }),
             "x.arff:7: row 2 ('u2'): label 'joy' is not one of the classes the header declares");
  o.class_map = {"angry=anger", "sad=sadness"};
  ImportResult r = run(o, arff);
  EXPECT_EQ(r.corpus.rows(), 2);
  EXPECT_EQ(r.dropped_rows, 1);
}

TEST(ImportLabels, UnlabeledAndMissingLabels) {
  ImportOptions o;
  o.unlabeled = true;
  o.group_regex = "^(\\d\\d)";
  ImportResult r = run(o);
  EXPECT_FALSE(r.corpus.labeled());
  EXPECT_EQ(r.corpus.labels, std::vector<int32_t>(6, -1));
  o.class_map = {"a=b"};
  EXPECT_HAS(error_of([&] { run(o); }), "--unlabeled conflicts with");
  ImportOptions none;
  EXPECT_HAS(error_of([&] { run(none); }),
             "x.arff: the file has no labels; give --metadata with --label-column, or "
             "--label-regex, or --unlabeled");
  // Without any group source: group 0 and a warning.
  ImportOptions no_groups;
  no_groups.unlabeled = true;
  r = run(no_groups);
  EXPECT_EQ(r.corpus.groups, std::vector<int32_t>(6, 0));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_HAS(r.warnings[0], "every row is in group 0");
}

TEST(ImportLabels, OptionConflicts) {
  Fixture f;
  ImportOptions o = f.options();
  o.label_regex = "(x)";
  EXPECT_HAS(error_of([&] { run(o); }), "give --label-column or --label-regex, not both");
  o = f.options();
  o.metadata.clear();
  EXPECT_HAS(error_of([&] { run(o); }), "--label-column and --group-column need --metadata");
  o = f.options();
  o.label_column.clear();
  o.group_column.clear();
  EXPECT_HAS(error_of([&] { run(o); }), "--metadata needs --label-column or --group-column");
}

TEST(ImportLabels, DuplicateNamesAreAnError) {
  ImportOptions o;
  o.unlabeled = true;
  const std::string arff =
      "@relation r\n@attribute name string\n@attribute f numeric\n@data\n"
      "'unknown',1\n'unknown',2\n";
  EXPECT_HAS(error_of([&] { run(o, arff); }),
             "x.arff:6: row 2 ('unknown'): duplicate name (also on line 5); openSMILE writes "
             "'unknown' unless SMILExtract is given -instname");
}

TEST(ImportNetcdf, ReadsTheAuthorsLayout) {
  const std::string path = EMOAUG_SOURCE_DIR "/tests/fixtures/iemocap-small.nc";
  FeatureTable t = read_netcdf(path);
  ASSERT_EQ(t.rows(), 10);
  ASSERT_EQ(t.features.cols(), 5);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_EQ(t.features(i, j), i + j / 8.0f);
  EXPECT_EQ(t.names[3], "Ses02F_impro03_M000");
  EXPECT_EQ(t.feature_names[4], "F0final__Turn_duration");
  EXPECT_EQ(t.labels[2], "exc");
  EXPECT_EQ(t.description, "features and labels of the IEMOCAP data");

  ImportOptions o;
  o.group_regex = "^Ses0(\\d)";
  o.group_kind = "session";
  o.class_map = {"angry=ang", "happy=hap,exc", "neutral=neu", "sad=sad"};
  ImportResult r = import_corpus("netcdf", path, o);
  EXPECT_EQ(r.corpus.class_counts(), (std::vector<int64_t>{2, 3, 2, 2}));
  EXPECT_EQ(r.corpus.distinct_groups(), (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(r.dropped_rows, 1);  // fru
}

TEST(ImportNetcdf, MissingVariableIsAnError) {
  TempDir dir;
  const std::string path = dir / "bad.nc";
  {
    h5::File f = h5::File::create(path);
    f.root().write_strings("file_name", {"a"});
    f.root().write_strings("feature_name", {"f"});
    f.close();
  }
  EXPECT_HAS(error_of([&] { read_netcdf(path); }), "bad.nc: no variable 'feature_value'");
  {
    h5::File f = h5::File::open(path, true);
    f.root().write_f32_2d("feature_value", Tensor(2, 1).view());
    f.close();
  }
  EXPECT_HAS(error_of([&] { read_netcdf(path); }),
             "/feature_value: is [2, 1], but file_name has 1 entries and feature_name 1");
  EXPECT_HAS(error_of([&] { import_corpus("hdf4", path, {}); }), "unknown import format 'hdf4'");
}
