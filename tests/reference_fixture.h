// The PyTorch fixture (tests/reference/reference.h5, made by tests/reference/make_reference.py)
// and how the tests read it: shared by test_reference.cpp (host) and test_cuda_ops.cpp (device).
#pragma once

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/mlp.h"

namespace emoaug::testing {

inline const char* const kReferenceFixture = EMOAUG_SOURCE_DIR "/tests/reference/reference.h5";
// Relative tolerance against PyTorch (float32 on both sides, different summation orders).
constexpr double kReferenceTolerance = 1e-4;

class ReferenceFile {
 public:
  ReferenceFile() : file_(H5Fopen(kReferenceFixture, H5F_ACC_RDONLY, H5P_DEFAULT)) {}
  ~ReferenceFile() {
    if (file_ >= 0) H5Fclose(file_);
  }
  ReferenceFile(const ReferenceFile&) = delete;
  ReferenceFile& operator=(const ReferenceFile&) = delete;
  bool ok() const { return file_ >= 0; }

  template <typename T>
  std::vector<T> read(const std::string& name, hid_t type) const {
    hid_t ds = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
    EXPECT_GE(ds, 0) << name;
    hid_t space = H5Dget_space(ds);
    std::vector<T> v(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(ds);
    return v;
  }
  std::vector<float> floats(const std::string& name) const {
    return read<float>(name, H5T_NATIVE_FLOAT);
  }
  std::vector<int32_t> ints(const std::string& name) const {
    return read<int32_t>(name, H5T_NATIVE_INT32);
  }
  // A host matrix.
  Tensor matrix(const std::string& name, int64_t rows, int64_t cols) const {
    std::vector<float> v = floats(name);
    EXPECT_EQ(static_cast<int64_t>(v.size()), rows * cols) << name;
    Tensor t(rows, cols);
    std::copy(v.begin(), v.end(), t.data());
    return t;
  }
  float scalar(const std::string& name) const { return floats(name).at(0); }

 private:
  hid_t file_;
};

// An Mlp of the given sizes (leaky 0.2, no dropout) with the fixture's parameters, on the host.
inline nn::Mlp load_reference_mlp(const ReferenceFile& f, const std::string& name,
                                  std::vector<int> sizes) {
  Rng init(0, 0, StreamId::Init);
  nn::Mlp mlp({std::move(sizes), 0.2f, 0.0f}, init);
  std::vector<float> p = f.floats(name + "/params");
  EXPECT_EQ(static_cast<int64_t>(p.size()), mlp.num_params()) << name;
  std::copy(p.begin(), p.end(), mlp.params().data);
  return mlp;
}

// got is a host view.
inline void expect_close_to_reference(ConstMatView got, const std::vector<float>& want,
                                      const char* what) {
  ASSERT_EQ(got.device, Device::Host) << what;
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  double worst = 0.0;
  int64_t worst_at = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(got.data[i] - want[i]) / std::max(1e-3, std::fabs(double(want[i])));
    if (err > worst) worst = err, worst_at = i;
  }
  EXPECT_LE(worst, kReferenceTolerance) << what << ": element " << worst_at << " is "
                                        << got.data[worst_at] << ", PyTorch " << want[worst_at];
}

inline void expect_close_to_reference(float got, float want, const char* what) {
  EXPECT_LE(std::fabs(got - want) / std::max(1e-3f, std::fabs(want)), kReferenceTolerance)
      << what << ": " << got << " vs PyTorch " << want;
}

}  // namespace emoaug::testing
