#include "core/index_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "core/error.h"

#ifdef EMOAUG_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace emoaug {
namespace {

#ifdef EMOAUG_HAVE_CUDA
void cuda_ok(cudaError_t err, const char* what) {
  if (err != cudaSuccess) EMOAUG_FAIL("IndexBuffer: ", what, " failed: ", cudaGetErrorString(err));
}
#endif

int32_t* allocate(int64_t n, Device device) {
  if (n == 0) return nullptr;
  const size_t bytes = static_cast<size_t>(n) * sizeof(int32_t);
  if (device == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
    void* p = nullptr;
    cuda_ok(cudaMalloc(&p, bytes), "cudaMalloc");
    return static_cast<int32_t*>(p);
#else
    EMOAUG_FAIL("a CUDA index buffer was requested but emoaug was built without CUDA");
#endif
  }
  void* p = std::malloc(bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<int32_t*>(p);
}

// Copies n values between buffers on the given devices.
void copy_values(int32_t* dst, Device dst_device, const int32_t* src, Device src_device,
                 int64_t n) {
  if (n == 0) return;
  const size_t bytes = static_cast<size_t>(n) * sizeof(int32_t);
  if (dst_device == Device::Host && src_device == Device::Host) {
    std::memcpy(dst, src, bytes);
    return;
  }
#ifdef EMOAUG_HAVE_CUDA
  cuda_ok(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault), "cudaMemcpy");
#else
  EMOAUG_FAIL("IndexBuffer: a CUDA copy, but emoaug was built without CUDA");
#endif
}

}  // namespace

IndexBuffer::~IndexBuffer() {
  release();
}

IndexBuffer::IndexBuffer(IndexBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      capacity_(std::exchange(o.capacity_, 0)),
      device_(o.device_) {}

IndexBuffer& IndexBuffer::operator=(IndexBuffer&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
    device_ = o.device_;
  }
  return *this;
}

void IndexBuffer::release() {
  if (data_) {
    if (device_ == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
      cudaFree(data_);
#endif
    } else {
      std::free(data_);
    }
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

void IndexBuffer::resize(int64_t n) {
  EMOAUG_CHECK(n >= 0, "IndexBuffer of ", n, " values");
  if (n > capacity_) {
    release();
    data_ = allocate(n, device_);
    capacity_ = n;
  }
  size_ = n;
}

void IndexBuffer::assign(const int32_t* host, int64_t n) {
  resize(n);
  copy_values(data_, device_, host, Device::Host, n);
}

void IndexBuffer::copy_to_host(int32_t* host, int64_t n) const {
  if (n < 0) n = size_;
  EMOAUG_CHECK(n <= size_, "IndexBuffer: ", n, " values asked of ", size_);
  copy_values(host, Device::Host, data_, device_, n);
}

std::vector<int32_t> IndexBuffer::to_vector() const {
  std::vector<int32_t> v(static_cast<size_t>(size_));
  copy_to_host(v.data());
  return v;
}

void IndexBuffer::set_device(Device device) {
  if (device == device_) return;
  IndexBuffer moved(device);
  moved.resize(size_);
  copy_values(moved.data_, device, data_, device_, size_);
  *this = std::move(moved);
}

}  // namespace emoaug
