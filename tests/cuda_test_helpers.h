// Shared by the CUDA tests: skipping where no GPU can run them, moving data, and comparisons of a
// device result with the CPU backend's.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "backend/ops.h"
#include "core/tensor.h"

// Every CUDA test starts with this: in the CPU build, or on a machine without a usable GPU, the
// test is reported as skipped with the reason.
#define EMOAUG_REQUIRE_CUDA()                                              \
  do {                                                                     \
    std::string why_not;                                                   \
    if (!::emoaug::ops::cuda_available(&why_not)) GTEST_SKIP() << why_not; \
  } while (0)

namespace emoaug::testing {

inline Tensor on_cuda(const Tensor& t) {
  return t.to(Device::Cuda);
}
inline Tensor on_host(const Tensor& t) {
  return t.to(Device::Host);
}
// A host copy of a view on either device (a model's params(), an activation's output()).
inline Tensor host_copy(ConstMatView v) {
  Tensor t(v.rows, v.cols);
  if (v.device == Device::Cuda)
    ops::to_host(v, t.view());
  else
    ops::copy(v, t.view());
  return t;
}

// Normalised mean squared error sum (got - want)^2 / sum want^2 of two host views (0 when both
// are all zeros).
inline double nmse(ConstMatView got, ConstMatView want) {
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.cols, want.cols);
  double num = 0.0, den = 0.0;
  for (int64_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double d = static_cast<double>(got.data[i]) - want.data[i];
    num += d * d;
    den += static_cast<double>(want.data[i]) * want.data[i];
  }
  return den > 0.0 ? num / den : num;
}

// A device tensor against a host tensor: NMSE within tol.
inline void expect_nmse(const Tensor& device_result, const Tensor& host_result, double tol,
                        const std::string& what) {
  Tensor got =
      device_result.device() == Device::Cuda ? on_host(device_result) : device_result.clone();
  EXPECT_LE(nmse(got.view(), host_result.view()), tol) << what;
}

// A device tensor against a host tensor: the same bytes.
inline void expect_same_bytes(const Tensor& device_result, const Tensor& host_result,
                              const std::string& what) {
  Tensor got = on_host(device_result);
  ASSERT_EQ(got.size(), host_result.size()) << what;
  EXPECT_EQ(0, std::memcmp(got.data(), host_result.data(), sizeof(float) * got.size())) << what;
}

}  // namespace emoaug::testing
