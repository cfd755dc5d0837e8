// IndexBuffer: int32 values that ops read by pointer (labels, shuffled row orders, predictions), on
// the host or a CUDA device. The ops take raw pointers that must live on the device of their views
// (backend/ops.h); training code fills an IndexBuffer on the host side and passes data(), so the
// same code runs on either device. Move-only; like Tensor it reallocates only to grow.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace emoaug {

class IndexBuffer {
 public:
  IndexBuffer() = default;
  explicit IndexBuffer(Device device) : device_(device) {}
  ~IndexBuffer();
  IndexBuffer(IndexBuffer&& other) noexcept;
  IndexBuffer& operator=(IndexBuffer&& other) noexcept;
  IndexBuffer(const IndexBuffer&) = delete;
  IndexBuffer& operator=(const IndexBuffer&) = delete;

  // Copies n values from host memory in. On a device this is a synchronous upload ordered after
  // earlier device work, so a kernel still reading the old contents finishes first.
  void assign(const int32_t* host, int64_t n);
  void assign(const std::vector<int32_t>& host) {
    assign(host.data(), static_cast<int64_t>(host.size()));
  }
  // n values, contents unspecified (an op's output).
  void resize(int64_t n);
  // Copies the first n values (default: all) into host memory.
  void copy_to_host(int32_t* host, int64_t n = -1) const;
  std::vector<int32_t> to_vector() const;
  // Moves the contents to `device`.
  void set_device(Device device);

  int32_t* data() { return data_; }
  const int32_t* data() const { return data_; }
  int64_t size() const { return size_; }
  Device device() const { return device_; }

 private:
  void release();
  int32_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
  Device device_ = Device::Host;
};

}  // namespace emoaug
