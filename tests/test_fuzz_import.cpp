// Fuzzing the importers: thousands of deterministic truncations and mutations of small valid
// inputs. Every one must give either a valid table/corpus or an emoaug::Error that names the file,
// never a crash, a hang or another exception. Built as its own executable with the ctest label
// "fuzz"; scripts/fuzz.sh runs it under AddressSanitizer and UBSan.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "data/corpus_io.h"
#include "data/import.h"
#include "data/import_metadata.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;

namespace {

const char* const kArff =
    "@relation SMILEfeatures\n"
    "% openSMILE output, shortened\n"
    "@attribute name string\n"
    "@attribute pcm_loudness_sma_maxPos numeric\n"
    "@attribute 'mfcc[1]_amean' numeric\n"
    "@attribute F0_stddev real\n"
    "@attribute jitter integer\n"
    "@attribute class {anger,happiness,'neutral',sadness}\n"
    "\n"
    "@data\n"
    "'03a01Wa',8.900524e-02,9.895288e-01,-1.852860e-03,3,anger\n"
    "'03a01Fa',5.183246e-01,+8.481675e-01,0.000000e+00,1,happiness\n"
    "03a02Na,6.230366e-01,9.895288e-01,8.163124e-01,0,neutral\n"
    "% comment\n"
    "\"08a01Ta\",1e-3,2.5E+2,-7,12,sadness\n"
    "08a01Wb,0.5,0.25,0.125,2,anger\r\n"
    "08b02Fa,1,2,3,4,happiness\n";

const char* const kCsv =
    "name;frameTime;pcm_loudness_sma_maxPos;mfcc_amean;F0_stddev\n"
    "'03a01Wa';0.000000;8.900524e-02;9.895288e-01;-1.852860e-03\n"
    "'03a01Fa';0.000000;5.183246e-01;8.481675e-01;0.000000e+00\n"
    "'08a01Ta';0.000000;1e-3;2.5E+2;-7\n";

const char* const kMetadata =
    "name,speaker,text,emotion\n"
    "03a01Wa,03,a01,anger\n03a01Fa,03,a01,happiness\n\"03a02Na\",03,\"a,02\",neutral\n"
    "08a01Ta,08,a01,sadness\n08a01Wb,08,a01,anger\n08b02Fa,08,b02,happiness\n";

// Bytes that matter to the parsers, more often than chance would pick them.
const char kInterestingBytes[] = ",;'\"{}%@?\n\r\\ \t.eE+-0123456789naifNAIF\0\xff\x80";
const std::string kInteresting(kInterestingBytes, sizeof(kInterestingBytes) - 1);

std::string mutate(const std::string& base, Rng& rng) {
  std::string s = base;
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = rng.below(static_cast<uint32_t>(s.size()));
    switch (rng.below(7)) {
      case 0:  // truncate
        s.resize(at);
        break;
      case 1:  // replace a byte with an interesting one
        s[at] = kInteresting[rng.below(static_cast<uint32_t>(kInteresting.size()))];
        break;
      case 2:  // replace a byte with any byte
        s[at] = static_cast<char>(rng.below(256));
        break;
      case 3: {  // insert interesting bytes
        std::string ins;
        for (uint32_t i = 0, n = 1 + rng.below(6); i < n; ++i)
          ins += kInteresting[rng.below(static_cast<uint32_t>(kInteresting.size()))];
        s.insert(at, ins);
        break;
      }
      case 4:  // delete a stretch
        s.erase(at, 1 + rng.below(40));
        break;
      case 5: {  // duplicate a stretch (often a whole line)
        const size_t len = std::min<size_t>(1 + rng.below(80), s.size() - at);
        s.insert(rng.below(static_cast<uint32_t>(s.size())), s.substr(at, len));
        break;
      }
      default: {  // a number made extreme
        static const char* const kValues[] = {"1e39", "-1e-50", "nan",    "inf", "1e",
                                              "--1",  "0x1p3",  "1.#INF", "",    "?"};
        const size_t comma = s.find(',', at);
        if (comma != std::string::npos) s.insert(comma + 1, kValues[rng.below(10)]);
      }
    }
  }
  return s;
}

bool names_the_file(const Error& e, const char* origin) {
  return std::string(e.what()).find(origin) != std::string::npos;
}

// A table that parsed must be consistent.
void check_table(const FeatureTable& t) {
  ASSERT_EQ(static_cast<int64_t>(t.lines.size()), t.rows());
  ASSERT_TRUE(t.names.empty() || static_cast<int64_t>(t.names.size()) == t.rows());
  ASSERT_TRUE(t.labels.empty() || static_cast<int64_t>(t.labels.size()) == t.rows());
  ASSERT_EQ(static_cast<int64_t>(t.feature_names.size()), t.features.cols());
  for (int64_t i = 0; i < t.features.size(); ++i) ASSERT_TRUE(std::isfinite(t.features.data()[i]));
}

}  // namespace

TEST(FuzzImport, ArffMutationsGiveACorpusOrAClearError) {
  Rng rng(20190915, task_id_from_name("fuzz/arff"), StreamId::Data);
  int parsed = 0, labeled = 0, errors = 0;
  emoaug::testing::TempDir dir;
  const std::string out = dir / "fuzz.h5";
  ImportOptions by_file;  // labels from the nominal class, groups from the name
  by_file.group_regex = "^(\\d\\d)";
  ImportOptions mapped = by_file;
  mapped.class_map = {"angry=anger", "happy=happiness", "sad=sadness"};
  for (int i = 0; i < 20000; ++i) {
    const std::string text = mutate(kArff, rng);
    try {
      FeatureTable t = parse_arff(text, "fuzz.arff");
      check_table(t);
      ++parsed;
      Corpus c = label_rows(std::move(t), i % 2 ? mapped : by_file).corpus;
      c.validate("fuzz.arff");
      if (labeled++ % 100 == 0) {  // now and then through HDF5 too: odd names must survive
        write_corpus(out, c);
        Corpus back = read_corpus(out);
        ASSERT_EQ(back.names, c.names);
        ASSERT_EQ(back.labels, c.labels);
      }
    } catch (const Error& e) {
      ASSERT_TRUE(names_the_file(e, "fuzz.arff")) << e.what() << "\ninput:\n" << text;
      ++errors;
    }
  }
  // Both outcomes are exercised, so the mutations are neither all fatal nor all harmless.
  EXPECT_GT(labeled, 300);
  EXPECT_GT(errors, 1000);
  EXPECT_GE(parsed, labeled);
}

TEST(FuzzImport, CsvMutationsGiveATableOrAClearError) {
  Rng rng(20190915, task_id_from_name("fuzz/csv"), StreamId::Data);
  int ok = 0, errors = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = mutate(kCsv, rng);
    try {
      check_table(parse_opensmile_csv(text, "fuzz.csv"));
      ++ok;
    } catch (const Error& e) {
      ASSERT_TRUE(names_the_file(e, "fuzz.csv")) << e.what() << "\ninput:\n" << text;
      ++errors;
    }
  }
  EXPECT_GT(ok, 100);
  EXPECT_GT(errors, 100);
}

TEST(FuzzImport, MetadataMutationsMatchOrFailClearly) {
  Rng rng(20190915, task_id_from_name("fuzz/metadata"), StreamId::Data);
  const FeatureTable table = parse_arff(kArff, "fuzz.arff");
  int ok = 0, errors = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = mutate(kMetadata, rng);
    try {
      Metadata m = parse_metadata(text, "fuzz.csv");
      std::vector<std::string> warnings;
      const size_t name_col = m.column("name", "--name-column");
      std::vector<size_t> match = match_metadata(table, m, name_col, &warnings);
      ASSERT_EQ(match.size(), table.names.size());
      for (size_t r : match) ASSERT_LT(r, m.rows.size());
      ++ok;
    } catch (const Error& e) {
      ASSERT_TRUE(names_the_file(e, "fuzz.")) << e.what() << "\ninput:\n" << text;
      ++errors;
    }
  }
  EXPECT_GT(ok, 50);
  EXPECT_GT(errors, 100);
}
