#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "data/h5.h"
#include "file_helpers.h"

using namespace emoaug;
using namespace emoaug::data;
using emoaug::testing::TempDir;

namespace {

// Expects an emoaug::Error whose message contains every one of `parts`.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << p << "' not in: " << e.what();
  }
}

}  // namespace

TEST(H5, RoundTripsDatasetsAndAttributes) {
  TempDir dir;
  const std::string path = dir / "a.h5";
  Tensor t(3, 2);
  for (int i = 0; i < 6; ++i) t.data()[i] = 0.5f * i - 1.0f;
  {
    h5::File f = h5::File::create(path);
    h5::Group g = f.root().create_group("x/y");
    g.write_f32_2d("m", t.view());
    g.write_f32_2d("raw", t.view(), /*compress=*/false);
    g.write_i32_1d("i", {-1, 0, 2147483647});
    g.write_strings("s", {"angry", "", "fröhlich"});
    g.write_strings("empty", {});
    g.write_string_attr("name", "größe");
    g.write_int_attr("version", 7);
    g.write_double_attr("lr", 2e-4);
    g.write_int_attr("version", 8);  // replaces
    f.close();
  }
  h5::File f = h5::File::open(path);
  EXPECT_TRUE(f.root().has("x/y/m"));
  EXPECT_FALSE(f.root().has("x/z/m"));
  h5::Group g = f.root().open_group("x/y");
  EXPECT_EQ(g.path(), "/x/y");
  for (const char* name : {"m", "raw"}) {
    Tensor back = g.read_f32_2d(name);
    ASSERT_EQ(back.rows(), 3);
    ASSERT_EQ(back.cols(), 2);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(back.data()[i], t.data()[i]);
  }
  EXPECT_EQ(g.read_i32_1d("i"), (std::vector<int32_t>{-1, 0, 2147483647}));
  EXPECT_EQ(g.read_strings("s"), (std::vector<std::string>{"angry", "", "fröhlich"}));
  EXPECT_TRUE(g.read_strings("empty").empty());
  EXPECT_EQ(g.read_string_attr("name"), "größe");
  EXPECT_EQ(g.read_int_attr("version"), 8);
  EXPECT_DOUBLE_EQ(g.read_double_attr("lr"), 2e-4);
  EXPECT_DOUBLE_EQ(g.read_double_attr("version"), 8.0);
}

TEST(H5, WrongTypeShapeAndMissingObjectsNameFileAndPath) {
  TempDir dir;
  const std::string path = dir / "b.h5";
  {
    h5::File f = h5::File::create(path);
    h5::Group r = f.root();
    r.write_i32_1d("ints", {1, 2});
    r.write_strings("strs", {"a"});
    r.write_f32_2d("m", Tensor(2, 2).view());
    r.write_string_attr("s", "x");
    // Types the corpus never writes but other tools do: float64, int64, fixed-length strings.
    hsize_t dims[2] = {2, 2};
    h5::Id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    double d[4] = {1, 2, 3, 4};
    h5::Id ds(H5Dcreate2(r.id(), "f64", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT),
              H5Dclose);
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d);
    hsize_t n[1] = {2};
    h5::Id space1(H5Screate_simple(1, n, nullptr), H5Sclose);
    int64_t big[2] = {1, int64_t{1} << 40};
    h5::Id di(H5Dcreate2(r.id(), "i64", H5T_STD_I64LE, space1.get(), H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT),
              H5Dclose);
    H5Dwrite(di.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, big);
    h5::Id fixed(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(fixed.get(), 4);
    H5Tset_strpad(fixed.get(), H5T_STR_SPACEPAD);
    h5::Id dsf(H5Dcreate2(r.id(), "fixed", fixed.get(), space1.get(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Dclose);
    H5Dwrite(dsf.get(), fixed.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, "ab  wxyz");
    f.close();
  }
  h5::File f = h5::File::open(path);
  h5::Group r = f.root();
  expect_error([&] { r.read_f32_2d("ints"); }, {path, "/ints", "int32", "expected float32"});
  expect_error([&] { r.read_f32_2d("f64"); }, {"/f64", "float64"});
  EXPECT_EQ(r.read_f32_2d("f64", /*convert=*/true)(1, 1), 4.0f);
  expect_error([&] { r.read_i32_1d("m"); }, {"/m", "float32", "expected int32"});
  expect_error([&] { r.read_i32_1d("i64"); }, {"/i64", "does not fit int32"});
  expect_error([&] { r.read_strings("ints"); }, {"/ints", "expected strings"});
  expect_error([&] { r.read_f32_2d("nothing"); }, {path, "/nothing", "missing dataset"});
  expect_error([&] { r.open_group("g"); }, {"/g", "no such group"});
  expect_error([&] { r.read_string_attr("absent"); }, {"attribute 'absent'", "missing"});
  expect_error([&] { r.read_int_attr("s"); }, {"attribute 's'", "not an integer"});
  EXPECT_EQ(r.read_strings("fixed"), (std::vector<std::string>{"ab", "wxyz"}));
}

TEST(H5, OpenFailsClearlyForMissingForeignAndTruncatedFiles) {
  TempDir dir;
  expect_error([&] { h5::File::open(dir / "none.h5"); }, {"none.h5", "no such file"});
  expect_error([&] { h5::File::open(dir.path()); }, {"is a directory"});
  emoaug::testing::write_text(dir / "text.h5", "this is not HDF5\n");
  expect_error([&] { h5::File::open(dir / "text.h5"); }, {"text.h5", "not an HDF5 file"});
  const std::string good = dir / "good.h5";
  {
    h5::File f = h5::File::create(good);
    f.root().write_f32_2d("m", Tensor(200, 50).view(), /*compress=*/false);
    f.close();
  }
  std::string bytes = emoaug::testing::read_bytes(good);
  emoaug::testing::write_text(dir / "cut.h5", bytes.substr(0, bytes.size() / 2));
  expect_error([&] { h5::File::open(dir / "cut.h5"); }, {"cut.h5", "truncated"});
}

TEST(H5, StringsWithNulBytesAreRefused) {
  TempDir dir;
  h5::File f = h5::File::create(dir / "s.h5");
  expect_error(
      [&] {
        f.root().write_strings("s", {"ok", std::string("a\0b", 3)});
      },
      {"/s", "string 1 holds a NUL byte"});
  expect_error([&] { f.root().create_group(""); }, {"empty group name"});
}

TEST(H5, CreateFailsForAMissingFolder) {
  TempDir dir;
  expect_error([&] { h5::File::create(dir / "no/such/dir.h5"); }, {"dir.h5", "cannot create"});
}
