#include "core/tensor.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/error.h"

#ifdef EMOAUG_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace emoaug {
namespace {

constexpr size_t kAlignment = 64;  // a cache line, and what AVX-512 loads like
constexpr size_t kHugePage = size_t{2} << 20;
std::atomic<int64_t> g_allocations{0};

float* allocate(int64_t count, Device device) {
  if (count == 0) return nullptr;
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  size_t bytes = static_cast<size_t>(count) * sizeof(float);
  if (device == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, bytes);
    if (err != cudaSuccess)
      EMOAUG_FAIL("cudaMalloc of ", bytes, " bytes failed: ", cudaGetErrorString(err));
    err = cudaMemset(p, 0, bytes);
    if (err != cudaSuccess) EMOAUG_FAIL("cudaMemset failed: ", cudaGetErrorString(err));
    return static_cast<float*>(p);
#else
    EMOAUG_FAIL("a CUDA tensor was requested but emoaug was built without CUDA");
#endif
  }
  // A weight matrix is read along its columns by the gemms' input-gradient form, a row (a new 4 KiB
  // page) per step; on 2 MiB pages those steps stop missing the TLB. Linux gives them to aligned
  // memory it is advised of (transparent_hugepage = madvise, Debian's default).
  const size_t alignment = bytes >= kHugePage ? kHugePage : kAlignment;
  const size_t reserved = (bytes + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, reserved);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (alignment == kHugePage) madvise(p, reserved, MADV_HUGEPAGE);  // advice only: may fail
#endif
  std::memset(p, 0, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  return static_cast<float*>(p);
}

void deallocate(float* p, Device device) {
  if (!p) return;
  if (device == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
    cudaFree(p);
#endif
    return;
  }
  std::free(p);
}

}  // namespace

ConstMatView ConstMatView::row_range(int64_t first, int64_t count) const {
  EMOAUG_CHECK(first >= 0 && count >= 0 && first + count <= rows, "rows [", first, ", ",
               first + count, ") of ", rows);
  return {data + first * cols, count, cols, device};
}

MatView MatView::row_range(int64_t first, int64_t count) const {
  EMOAUG_CHECK(first >= 0 && count >= 0 && first + count <= rows, "rows [", first, ", ",
               first + count, ") of ", rows);
  return {data + first * cols, count, cols, device};
}

int64_t Tensor::allocation_count() {
  return g_allocations.load(std::memory_order_relaxed);
}

Tensor::Tensor(int64_t rows, int64_t cols, Device device)
    : data_(allocate(rows * cols, device)),
      rows_(rows),
      cols_(cols),
      capacity_(rows * cols),
      device_(device) {
  EMOAUG_CHECK(rows >= 0 && cols >= 0, rows, "x", cols);
}

Tensor::~Tensor() {
  release();
}

Tensor::Tensor(Tensor&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      rows_(std::exchange(o.rows_, 0)),
      cols_(std::exchange(o.cols_, 0)),
      capacity_(std::exchange(o.capacity_, 0)),
      device_(o.device_) {}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    rows_ = std::exchange(o.rows_, 0);
    cols_ = std::exchange(o.cols_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
    device_ = o.device_;
  }
  return *this;
}

void Tensor::release() {
  deallocate(data_, device_);
  data_ = nullptr;
  rows_ = cols_ = capacity_ = 0;
}

void Tensor::reshape(int64_t rows, int64_t cols) {
  EMOAUG_CHECK(rows >= 0 && cols >= 0, rows, "x", cols);
  if (rows * cols > capacity_) {
    Device device = device_;
    release();
    device_ = device;
    data_ = allocate(rows * cols, device_);
    capacity_ = rows * cols;
  }
  rows_ = rows;
  cols_ = cols;
}

void Tensor::reshape(int64_t rows, int64_t cols, Device device) {
  if (device != device_) {
    release();
    device_ = device;
  }
  reshape(rows, cols);
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return clone();
  Tensor t(rows_, cols_, device);
  if (size() == 0) return t;
#ifdef EMOAUG_HAVE_CUDA
  const cudaMemcpyKind kind =
      device == Device::Cuda ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
  cudaError_t err = cudaMemcpy(t.data_, data_, size() * sizeof(float), kind);
  if (err != cudaSuccess) EMOAUG_FAIL("Tensor::to: cudaMemcpy failed: ", cudaGetErrorString(err));
#else
  EMOAUG_FAIL("Tensor::to: a CUDA tensor was requested but emoaug was built without CUDA");
#endif
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(rows_, cols_, device_);
  if (size() == 0) return t;
  if (device_ == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
    cudaError_t err = cudaMemcpy(t.data_, data_, size() * sizeof(float), cudaMemcpyDeviceToDevice);
    if (err != cudaSuccess)
      EMOAUG_FAIL("Tensor::clone: cudaMemcpy failed: ", cudaGetErrorString(err));
#endif
  } else {
    std::memcpy(t.data_, data_, size() * sizeof(float));
  }
  return t;
}

void Tensor::fill(float value) {
  EMOAUG_CHECK(device_ == Device::Host, "fill on a device tensor goes through the backend");
  for (int64_t i = 0; i < size(); ++i) data_[i] = value;
}

void check_same_shape(ConstMatView a, ConstMatView b, const char* what) {
  EMOAUG_CHECK(a.rows == b.rows && a.cols == b.cols, what, ": shapes ", a.rows, "x", a.cols,
               " and ", b.rows, "x", b.cols, " differ");
}

}  // namespace emoaug
