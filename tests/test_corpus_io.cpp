#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "core/error.h"
#include "data/corpus_io.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;
using emoaug::testing::TempDir;

namespace {

using emoaug::testing::error_of;

void expect_same(const Corpus& a, const Corpus& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.dims(), b.dims());
  for (int64_t i = 0; i < a.features.size(); ++i)
    ASSERT_EQ(a.features.data()[i], b.features.data()[i]);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.groups, b.groups);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.feature_names, b.feature_names);
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.corpus, b.corpus);
  EXPECT_EQ(a.feature_set, b.feature_set);
  EXPECT_EQ(a.group_kind, b.group_kind);
  EXPECT_EQ(a.description, b.description);
}

// Writes a valid corpus, then lets `spoil` change the file.
std::string spoiled(const TempDir& dir, const std::string& name,
                    const std::function<void(const h5::Group&)>& spoil) {
  const std::string path = dir / name;
  write_corpus(path, emoaug::testing::small_corpus());
  h5::File f = h5::File::open(path, /*writable=*/true);
  spoil(f.root());
  f.close();
  return path;
}

}  // namespace

TEST(CorpusIo, RoundTripLabeledAndUnlabeled) {
  TempDir dir;
  Corpus c = emoaug::testing::small_corpus();
  write_corpus(dir / "c.h5", c);
  expect_same(c, read_corpus(dir / "c.h5"));
  EXPECT_EQ(dir.count(), 1u);  // no temporary file left

  Corpus u = emoaug::testing::small_corpus(7, 3);
  u.class_names.clear();
  u.labels.assign(7, -1);
  u.names.clear();
  write_corpus(dir / "u.h5", u);
  Corpus back = read_corpus(dir / "u.h5");
  expect_same(u, back);
  EXPECT_FALSE(back.labeled());
}

TEST(CorpusIo, PartlyLabeledAndUnlabeledWithClassNames) {
  TempDir dir;
  // A labeled corpus may hold rows in no class (-1).
  Corpus c = emoaug::testing::small_corpus();
  c.labels[3] = -1;
  c.labels[7] = -1;
  write_corpus(dir / "c.h5", c);
  Corpus back = read_corpus(dir / "c.h5");
  expect_same(c, back);
  EXPECT_EQ(back.labeled_rows(), (std::vector<int64_t>{0, 1, 2, 4, 5, 6, 8, 9, 10, 11}));
  EXPECT_EQ(back.class_counts(), (std::vector<int64_t>{3, 3, 4}));

  // An unlabeled corpus may keep its class names; no class needs rows then.
  Corpus u = emoaug::testing::small_corpus(7, 3);
  u.labels.assign(7, -1);
  write_corpus(dir / "u.h5", u);
  back = read_corpus(dir / "u.h5");
  expect_same(u, back);
  EXPECT_TRUE(back.labeled_rows().empty());

  // Still refused: a label past the classes or below -1, an empty class once a row is labeled, and
  // any label but -1 without class names.
  Corpus bad = emoaug::testing::small_corpus();
  bad.labels[4] = 3;
  EXPECT_EQ(error_of([&] { bad.validate("b.h5"); }),
            "b.h5: row 4 has label 3 outside 0..2 (or -1, in no class)");
  bad.labels[4] = -2;
  EXPECT_EQ(error_of([&] { bad.validate("b.h5"); }),
            "b.h5: row 4 has label -2 outside 0..2 (or -1, in no class)");
  bad = emoaug::testing::small_corpus(7, 3);
  bad.labels.assign(7, -1);
  bad.labels[2] = 0;
  EXPECT_EQ(error_of([&] { bad.validate("b.h5"); }), "b.h5: class 'b' has no rows");
  bad.class_names.clear();
  EXPECT_EQ(error_of([&] { bad.validate("b.h5"); }),
            "b.h5: row 2 has label 0 in a corpus without class names (expected -1)");
}

TEST(CorpusIo, SummaryCountsLabeledAndUnlabeledRowsPerGroup) {
  Corpus c = emoaug::testing::small_corpus();  // groups 1, 2, 3 of 4 rows each
  const std::string plain = c.summary();
  EXPECT_NE(plain.find("classes:      3: a 4, b 4, c 4\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("groups:       3 sessions: 1 (4), 2 (4), 3 (4)\n"), std::string::npos)
      << plain;
  c.labels[0] = c.labels[3] = c.labels[1] = -1;  // rows 0 and 3 in group 1, row 1 in group 2
  const std::string mixed = c.summary();
  EXPECT_NE(mixed.find("classes:      3: a 2, b 3, c 4; in no class (-1): 3\n"), std::string::npos)
      << mixed;
  EXPECT_NE(mixed.find("groups:       3 sessions: 1 (4: 2 labeled, 2 unlabeled), 2 (4: 3 "
                       "labeled, 1 unlabeled), 3 (4: 4 labeled, 0 unlabeled)\n"),
            std::string::npos)
      << mixed;
  c.labels.assign(12, -1);
  const std::string names_kept = c.summary();
  EXPECT_NE(names_kept.find("classes:      none (unlabeled; names kept: a, b, c)\n"),
            std::string::npos)
      << names_kept;
  EXPECT_NE(names_kept.find("3 sessions: 1 (4), 2 (4), 3 (4)\n"), std::string::npos) << names_kept;
}

TEST(CorpusIo, ManyCorporaInGroupsOfOneFile) {
  TempDir dir;
  const std::string path = dir / "synthetic.h5";
  {
    h5::File f = h5::File::create(path);
    for (int fold = 1; fold <= 3; ++fold) {
      Corpus c = emoaug::testing::small_corpus(6 + fold, 4);
      write_corpus(f, "lcls=1/fold=" + std::to_string(fold), c);
    }
    f.close();
  }
  h5::File f = h5::File::open(path);
  for (int fold = 1; fold <= 3; ++fold)
    expect_same(emoaug::testing::small_corpus(6 + fold, 4),
                read_corpus(f, "lcls=1/fold=" + std::to_string(fold)));
  EXPECT_EQ(read_corpus(path, "/lcls=1/fold=2").rows(), 8);
  EXPECT_NE(error_of([&] { read_corpus(f, "lcls=1/fold=9"); }).find("no such group"),
            std::string::npos);
  // The root of synthetic.h5 is no corpus itself.
  EXPECT_NE(error_of([&] { read_corpus(path); }).find("not an emoaug corpus"), std::string::npos);
}

TEST(CorpusIo, SameContentGivesTheSameBytes) {
  // No timestamps in the file: two writes a second apart are byte-identical.
  TempDir dir;
  write_corpus(dir / "a.h5", emoaug::testing::small_corpus(300, 40));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_corpus(dir / "b.h5", emoaug::testing::small_corpus(300, 40));
  EXPECT_EQ(emoaug::testing::read_bytes(dir / "a.h5"), emoaug::testing::read_bytes(dir / "b.h5"));
}

TEST(CorpusIo, FailedWriteLeavesNothingAndKeepsTheOldFile) {
  TempDir dir;
  const std::string path = dir / "c.h5";
  write_corpus(path, emoaug::testing::small_corpus());
  const std::string before = emoaug::testing::read_bytes(path);
  Corpus bad = emoaug::testing::small_corpus();
  bad.features(2, 1) = NAN;
  std::string msg = error_of([&] { write_corpus(path, bad); });
  EXPECT_NE(msg.find("row 2 (utt2), feature 1 (f1) is nan"), std::string::npos) << msg;
  EXPECT_EQ(emoaug::testing::read_bytes(path), before);
  EXPECT_EQ(dir.count(), 1u);
  msg = error_of([&] { write_corpus(dir / "missing/c.h5", emoaug::testing::small_corpus()); });
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  msg = error_of([&] { write_corpus(dir.path(), emoaug::testing::small_corpus()); });
  EXPECT_NE(msg.find("folder"), std::string::npos) << msg;
  EXPECT_EQ(dir.count(), 1u);
}

TEST(CorpusIo, ReadingNamesWhatIsWrong) {
  TempDir dir;
  struct Case {
    const char* name;
    std::function<void(const h5::Group&)> spoil;
    std::vector<std::string> expect;
  };
  const std::vector<Case> cases = {
      {"no_groups", [](const h5::Group& g) { g.remove("groups"); }, {"/groups", "missing dataset"}},
      {"no_features",
       [](const h5::Group& g) { g.remove("features"); },
       {"/features", "missing dataset"}},
      {"int_features",
       [](const h5::Group& g) {
         g.remove("features");
         g.write_i32_1d("features", {1, 2});
       },
       {"/features", "is int32, expected float32"}},
      {"flat_features",
       [](const h5::Group& g) {
         g.remove("features");
         g.write_strings("features", {"x"});
       },
       {"/features", "expected float32"}},
      {"short_labels",
       [](const h5::Group& g) {
         g.remove("labels");
         g.write_i32_1d("labels", {0, 1});
       },
       {"/labels", "has 2 entries, expected 12"}},
      {"label_range",
       [](const h5::Group& g) {
         g.remove("labels");
         std::vector<int32_t> l(12, 0);
         l[5] = 3;
         g.write_i32_1d("labels", l);
       },
       {"row 5 has label 3 outside 0..2"}},
      {"nan",
       [](const h5::Group& g) {
         Tensor t = g.read_f32_2d("features");
         t(4, 2) = INFINITY;
         g.remove("features");
         g.write_f32_2d("features", t.view());
       },
       {"row 4 (utt4), feature 2 (f2) is inf"}},
      {"empty_class",
       [](const h5::Group& g) {
         g.remove("class_names");
         g.write_strings("class_names", {"a", "b", "c", "d"});
       },
       {"class 'd' has no rows"}},
      {"format",
       [](const h5::Group& g) { g.write_string_attr("format", "other"); },
       {"format is 'other', expected 'emoaug-corpus'"}},
      {"version",
       [](const h5::Group& g) { g.write_int_attr("format_version", 2); },
       {"format_version 2 is not supported"}},
  };
  for (const Case& c : cases) {
    const std::string path = spoiled(dir, std::string(c.name) + ".h5", c.spoil);
    const std::string msg = error_of([&] { read_corpus(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << c.name << ": " << msg;
    for (const std::string& part : c.expect)
      EXPECT_NE(msg.find(part), std::string::npos) << c.name << ": " << msg;
  }
}

TEST(CorpusIo, TruncatedAndCorruptFilesGiveErrorsNotCrashes) {
  TempDir dir;
  const std::string good = dir / "good.h5";
  write_corpus(good, emoaug::testing::small_corpus(400, 30));
  const std::string bytes = emoaug::testing::read_bytes(good);
  int errors = 0;
  for (size_t cut :
       {size_t{0}, size_t{7}, size_t{100}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    const std::string path = dir / ("cut" + std::to_string(cut) + ".h5");
    emoaug::testing::write_text(path, bytes.substr(0, cut));
    const std::string msg = error_of([&] { read_corpus(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    errors += msg != "no error";
  }
  EXPECT_EQ(errors, 6);
  // A corrupt data chunk fails its checksum instead of giving wrong features. (Corruption inside
  // the heap of variable-length strings can still crash HDF5 1.10 itself: it has no checksum.)
  haddr_t addr = 0;
  hsize_t size = 0;
  {
    h5::File f = h5::File::open(good);
    h5::Id d(H5Dopen2(f.root().id(), "features", H5P_DEFAULT), H5Dclose);
    unsigned mask = 0;
    hsize_t offset[2];
    h5::Id space(H5Dget_space(d.get()), H5Sclose);
    ASSERT_GE(H5Dget_chunk_info(d.get(), space.get(), 0, offset, &mask, &addr, &size), 0);
  }
  std::string copy = bytes;
  copy[addr + size / 2] ^= 0x10;
  emoaug::testing::write_text(dir / "chunk.h5", copy);
  std::string msg = error_of([&] { read_corpus(dir / "chunk.h5"); });
  EXPECT_NE(msg.find("/features: cannot read"), std::string::npos) << msg;
  EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
  copy = bytes;
  copy[1] = 'X';  // the signature
  emoaug::testing::write_text(dir / "sig.h5", copy);
  msg = error_of([&] { read_corpus(dir / "sig.h5"); });
  EXPECT_NE(msg.find("not an HDF5 file"), std::string::npos) << msg;
}

TEST(CorpusIo, CheckSameFeatures) {
  Corpus a = emoaug::testing::small_corpus(4, 5), b = emoaug::testing::small_corpus(6, 5);
  EXPECT_NO_THROW(check_same_features(a, "a.h5", b, "b.h5"));
  Corpus c = emoaug::testing::small_corpus(4, 6);
  std::string msg = error_of([&] { check_same_features(a, "a.h5", c, "c.h5"); });
  EXPECT_NE(msg.find("a.h5 has 5 features but c.h5 has 6"), std::string::npos) << msg;
  b.feature_names[3] = "other";
  msg = error_of([&] { check_same_features(a, "a.h5", b, "b.h5"); });
  EXPECT_NE(msg.find("feature 3 is 'f3' in a.h5 but 'other' in b.h5"), std::string::npos) << msg;
  b.feature_names.clear();  // unnamed features: only the count is checked
  EXPECT_NO_THROW(check_same_features(a, "a.h5", b, "b.h5"));
}

TEST(CorpusIo, SharedCorporaLoadAsTheyAre) {
  if (!emoaug::testing::have_shared_data()) GTEST_SKIP() << "no shared/data";
  const std::string dir = emoaug::testing::shared_data_dir();
  Corpus iemocap = read_corpus(dir + "/iemocap-emobase2010.h5");
  EXPECT_EQ(iemocap.rows(), 5531);
  EXPECT_EQ(iemocap.dims(), 1582);
  EXPECT_EQ(iemocap.class_names, (std::vector<std::string>{"angry", "happy", "neutral", "sad"}));
  EXPECT_EQ(iemocap.class_counts(), (std::vector<int64_t>{1103, 1636, 1708, 1084}));
  EXPECT_EQ(iemocap.distinct_groups(), (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(iemocap.group_kind, "session");
  Corpus fsdd = read_corpus(dir + "/fsdd-emobase2010.h5");
  EXPECT_EQ(fsdd.rows(), 3000);
  EXPECT_FALSE(fsdd.labeled());
  EXPECT_EQ(fsdd.distinct_groups(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(fsdd.names.size(), 3000u);
  EXPECT_NO_THROW(check_same_features(iemocap, "iemocap", fsdd, "fsdd"));
}
