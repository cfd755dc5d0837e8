// The ARFF and openSMILE CSV readers on small inline inputs, and each malformed input they refuse.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/import.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;

namespace {

// What an openSMILE ARFF looks like (emobase2010 output, three features instead of 1582).
const char* const kArff =
    "@relation SMILEfeatures\n"
    "\n"
    "@attribute name string\n"
    "@attribute f_one numeric\n"
    "@attribute 'f two' numeric\n"
    "@attribute f3 real\n"
    "@attribute class numeric\n"
    "\n"
    "@data\n"
    "\n"
    "'a01',1.000000e+00,-2.5,+3e-2,0.0\n"
    "% a comment between rows\n"
    "b02,4,5.5e+01,-6.000000e-01,0.0\n";

using emoaug::testing::error_of;

// The message of parsing `text` as ARFF named "x.arff".
std::string arff_error(const std::string& text) {
  return error_of([&] { parse_arff(text, "x.arff"); });
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

}  // namespace

TEST(ImportArff, ParsesOpenSmileOutput) {
  FeatureTable t = parse_arff(kArff, "x.arff");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f_one", "f two", "f3"}));
  EXPECT_EQ(t.names, (std::vector<std::string>{"a01", "b02"}));
  EXPECT_TRUE(t.labels.empty());  // a numeric class is openSMILE's placeholder
  EXPECT_EQ(t.lines, (std::vector<int64_t>{11, 13}));
  ASSERT_EQ(t.rows(), 2);
  const float expected[2][3] = {{1.0f, -2.5f, 0.03f}, {4.0f, 55.0f, -0.6f}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(t.features(r, c), expected[r][c]);
}

TEST(ImportArff, CrLfNominalClassAndFrameTime) {
  const std::string text =
      "@RELATION x\r\n@ATTRIBUTE name STRING\r\n@attribute frameTime numeric\r\n"
      "@attribute f numeric\r\n@attribute class {anger,'sad ness'}\r\n@DATA\r\n"
      "u1,0.0,1.5,anger\r\nu2,0.01,2.5,'sad ness'\r\nu3,0.02,3.5,?\r\n";
  FeatureTable t = parse_arff(text, "x.arff");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f"}));
  EXPECT_EQ(t.labels, (std::vector<std::string>{"anger", "sad ness", ""}));
  EXPECT_EQ(t.declared_labels, (std::vector<std::string>{"anger", "sad ness"}));
  EXPECT_EQ(t.features(2, 0), 3.5f);
}

TEST(ImportArff, MissingDataLineIsAnError) {
  EXPECT_HAS(arff_error("@relation r\n@attribute name string\n@attribute f numeric\nu1,1\n"),
             "x.arff:4: a data row before @data (is the @data line missing?)");
  EXPECT_HAS(arff_error("@relation r\n@attribute name string\n@attribute f numeric\n"),
             "x.arff: no @data line");
  EXPECT_HAS(arff_error(""), "x.arff: no @data line");
}

TEST(ImportArff, WrongValueCountIsAnError) {
  std::string text = kArff;
  text += "c03,1,2,0.0\n";
  EXPECT_HAS(arff_error(text), "x.arff:14: row 3 ('c03') has 4 values, expected 5");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,2,3,4,0.0\n"), "has 6 values, expected 5");
}

TEST(ImportArff, NonNumericValueIsAnError) {
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,2x,3,0.0\n"),
             "x.arff:14: row 3 ('c03'): feature 'f two' (column 3) '2x' is not a number");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,,3,0.0\n"), "'' is not a number");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,?,3,0.0\n"), "(column 3) is missing ('?')");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,1e50,3,0.0\n"), "outside the float32 range");
}

TEST(ImportArff, NonFiniteFeatureIsAnError) {
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,nan,2,3,0.0\n"),
             "x.arff:14: row 3 ('c03'): feature 'f_one' (column 2) 'nan' is not finite");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,2,-inf,0.0\n"), "'-inf' is not finite");
  EXPECT_HAS(arff_error(std::string(kArff) + "c03,1,2,Infinity,0.0\n"), "not finite");
}

TEST(ImportArff, MalformedHeadersAndRows) {
  struct Case {
    std::string text, expect;
  };
  const std::string head = "@relation r\n@attribute name string\n@attribute f numeric\n@data\n";
  const std::vector<Case> cases = {
      {"hello\n", "x.arff:1: not an ARFF file"},
      {"@relation r\n@attribute f numeric\n@attribute f numeric\n@data\n",
       "x.arff:3: attribute 'f' is declared twice (first on line 2)"},
      {"@relation r\n@attribute d date\n@data\n", "x.arff:2: attribute 'd' has type 'date'"},
      {"@relation r\n@attribute a string\n@attribute b string\n@data\n",
       "x.arff:3: a second string attribute 'b'"},
      {"@relation r\n@attribute e {a,b}\n@attribute f numeric\n@data\n",
       "x.arff:2: nominal attribute 'e' is neither the class nor a feature"},
      {"@relation r\n@attribute name string\n@data\n", "no numeric feature attributes"},
      {"@relation r\n@attribute c {a,b\n@data\n", "x.arff:2: nominal @attribute 'c' lacks its '}'"},
      {"@relation r\n@attribute\n@data\n", "x.arff:2: @attribute without a name"},
      {"@relation r\n@attribute f\n@data\n", "x.arff:2: @attribute 'f' has no type"},
      {"@relation r\n@attribute 'f numeric\n@data\n", "unterminated quote in @attribute name"},
      {"@relation r\n@frobnicate\n@data\n", "x.arff:2: unknown ARFF keyword '@frobnicate'"},
      {"@relation r\n@data\n", "x.arff: no @attribute lines"},
      {head + "{0 1}\n", "x.arff:5: row 1 is in sparse ARFF format"},
      {head + "'u1,2\n", "x.arff:5: row 1 has an unterminated quote"},
  };
  for (const Case& c : cases) EXPECT_HAS(arff_error(c.text), c.expect);
}

TEST(ImportArff, BinaryInputIsAnError) {
  std::string text = std::string(kArff) + "c03,1,2,3,0.0\n";
  text[text.size() - 4] = '\0';
  EXPECT_HAS(arff_error(text), "x.arff:14: a NUL byte (a binary or corrupt file, not text)");
  EXPECT_HAS(error_of([&] { parse_opensmile_csv(std::string("name;f\n\0", 9), "x.csv"); }),
             "x.csv:2: a NUL byte");
}

TEST(ImportArff, EmptyDataGivesZeroRows) {
  FeatureTable t = parse_arff("@relation r\n@attribute f numeric\n@data\n", "x.arff");
  EXPECT_EQ(t.rows(), 0);
  EXPECT_EQ(t.features.cols(), 1);
}

TEST(ImportArff, ReadsFilesAndNamesMissingOnes) {
  emoaug::testing::TempDir dir;
  emoaug::testing::write_text(dir / "a.arff", kArff);
  EXPECT_EQ(read_arff(dir / "a.arff").rows(), 2);
  EXPECT_HAS(error_of([&] { read_arff(dir / "none.arff"); }), "none.arff: no such file");
  EXPECT_HAS(error_of([&] { read_arff(dir.path()); }), "is a directory");
}

TEST(ImportCsv, ParsesOpenSmileCsv) {
  const std::string text = "name;frameTime;f1;f2\n'u1';0.000000;1.5;-2e-1\n'u2';0.000000;3;4\n\n";
  FeatureTable t = parse_opensmile_csv(text, "x.csv");
  EXPECT_EQ(t.names, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(t.features(0, 1), -0.2f);
  EXPECT_EQ(t.features(1, 0), 3.0f);
  EXPECT_EQ(t.lines, (std::vector<int64_t>{2, 3}));
  // Comma-separated, with a class column of labels.
  t = parse_opensmile_csv("name,f1,class\nu1,1,anger\nu2,2,sadness\n", "x.csv");
  EXPECT_EQ(t.labels, (std::vector<std::string>{"anger", "sadness"}));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f1"}));
  // A class column of numbers is a placeholder, not labels.
  t = parse_opensmile_csv("name;f1;class\nu1;1;0\n", "x.csv");
  EXPECT_TRUE(t.labels.empty());
}

TEST(ImportCsv, BadRowsNameFileLineAndColumn) {
  auto csv_error = [](const std::string& text) {
    return error_of([&] { parse_opensmile_csv(text, "x.csv"); });
  };
  EXPECT_HAS(csv_error("name;f1;f2\n'u1';1;2\n'u2';1\n"),
             "x.csv:3: row 2 ('u2') has 2 fields, expected 3 (as in the header; delimiter ';')");
  EXPECT_HAS(csv_error("name;f1;f2\n'u1';1;zz\n"),
             "x.csv:2: row 1 ('u1'): feature 'f2' (column 3) 'zz' is not a number");
  EXPECT_HAS(csv_error("name;f1;f2\n'u1';1;NaN\n"), "'NaN' is not finite");
  EXPECT_HAS(csv_error("name;f1;f1\n"), "x.csv:1: column 'f1' appears twice");
  EXPECT_HAS(csv_error("name\n"), "x.csv:1: no feature columns");
  EXPECT_HAS(csv_error("\n\n"), "x.csv: empty file");
}
