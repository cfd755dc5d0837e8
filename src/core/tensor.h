// Tensor: a row-major 2-D float32 matrix that owns its memory (host, or a CUDA device when the CUDA
// backend is built), move-only. MatView / ConstMatView are the cheap non-owning windows every op
// takes; a mini-batch is a row range, which in row-major storage is one pointer and a row count.
#pragma once

#include <cstddef>
#include <cstdint>

namespace emoaug {

enum class Device { Host, Cuda };

struct ConstMatView {
  const float* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  Device device = Device::Host;

  int64_t size() const { return rows * cols; }
  const float& operator()(int64_t r, int64_t c) const { return data[r * cols + c]; }
  const float* row(int64_t r) const { return data + r * cols; }
  ConstMatView row_range(int64_t first, int64_t count) const;
};

struct MatView {
  float* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  Device device = Device::Host;

  int64_t size() const { return rows * cols; }
  float& operator()(int64_t r, int64_t c) const { return data[r * cols + c]; }
  float* row(int64_t r) const { return data + r * cols; }
  MatView row_range(int64_t first, int64_t count) const;
  operator ConstMatView() const { return {data, rows, cols, device}; }
};

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled.
  Tensor(int64_t rows, int64_t cols, Device device = Device::Host);
  ~Tensor();
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  // Changes the shape; reallocates only when the new size exceeds the capacity, so a training step
  // that calls it with the same batch size allocates once. Contents are unspecified afterwards.
  void reshape(int64_t rows, int64_t cols);
  // The same, and on `device`: a tensor on another device is reallocated there. Buffers that
  // follow a model (activations, gradients) use it to land where the model lives.
  void reshape(int64_t rows, int64_t cols, Device device);
  Tensor clone() const;
  // A copy on `device` (a clone when already there). Synchronous: the copy is complete on return
  // and ordered after all earlier device work (blocking streams, see backend/cuda/context.h).
  Tensor to(Device device) const;
  void fill(float value);

  float* data() { return data_; }
  const float* data() const { return data_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t size() const { return rows_ * cols_; }
  bool empty() const { return size() == 0; }
  Device device() const { return device_; }

  // Allocations made by all tensors so far: the tests use it to hold the training step to
  // "no allocation after the first".
  static int64_t allocation_count();

  float& operator()(int64_t r, int64_t c) { return data_[r * cols_ + c]; }
  float operator()(int64_t r, int64_t c) const { return data_[r * cols_ + c]; }

  MatView view() { return {data_, rows_, cols_, device_}; }
  ConstMatView view() const { return {data_, rows_, cols_, device_}; }
  ConstMatView cview() const { return view(); }
  MatView row_range(int64_t first, int64_t count) { return view().row_range(first, count); }
  ConstMatView row_range(int64_t first, int64_t count) const {
    return view().row_range(first, count);
  }

 private:
  void release();
  float* data_ = nullptr;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int64_t capacity_ = 0;
  Device device_ = Device::Host;
};

// Shape checks with both shapes in the message.
void check_same_shape(ConstMatView a, ConstMatView b, const char* what);

}  // namespace emoaug
