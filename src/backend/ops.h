// The ops every layer needs. Each takes views and dispatches on their device: the CPU backend
// (blocked gemm kernels or OpenBLAS, loops over kernels/functors.h) always, the CUDA backend when
// built. The math they do (TF32, which CPU gemm kernels) and what they count come from the calling
// thread's ExecutionContext (backend/execution.h). Losses return the
// mean loss and write its gradient scaled by grad_scale (so a weighted loss term costs nothing
// extra); a null gradient view skips the gradient.
//
// Device rules: all views of one call live on one device (a mixed call is an error naming the op);
// a null view (MatView{}) is an absent optional argument and has no device. Raw pointers (bias,
// col_sum's out, labels, row indices, argmax's out) live on the device of the call's views: on CUDA
// they are device pointers, e.g. a core/index_buffer.h IndexBuffer's data(). The CUDA backend runs
// on this thread's stream (src/backend/cuda/context.h) in issue order; ops that return a host value
// (the losses, to_host) wait for it, the others return at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

// Every op of this header by name, one entry per function name (an overloaded name is one op).
// The backend interface (backend.h) has a member of each EMOAUG_BACKEND_OPS name, checked where it
// is declared; the transfers are the CUDA backend's alone. tests/op_table.cpp holds one row per
// entry, and tests/test_op_table.cpp fails for an entry without a row and for a function declared
// below that is not an entry: adding an op means adding it here, to Backend and to the table.
// clang-format off
#define EMOAUG_BACKEND_OPS(X)                                                             \
  X(gemm) X(add_bias) X(col_sum) X(leaky_relu) X(leaky_relu_backward) X(dropout)          \
  X(dropout_backward) X(bias_leaky_dropout) X(leaky_dropout_backward) X(sigmoid)          \
  X(softmax_cross_entropy) X(argmax_rows) X(argmax_hits_into) X(bce_with_logits) X(mse)   \
  X(softmax_cross_entropy_into) X(bce_with_logits_into) X(mse_into) X(scale) X(axpy)      \
  X(copy) X(gather_rows) X(zero) X(adam)
// clang-format on
#define EMOAUG_TRANSFER_OPS(X) X(to_device) X(to_host)
#define EMOAUG_OPS(X) EMOAUG_BACKEND_OPS(X) EMOAUG_TRANSFER_OPS(X)

namespace emoaug::ops {

#define EMOAUG_OP_ENUMERATOR(name) name,
#define EMOAUG_OP_NAME(name) #name,
#define EMOAUG_OP_ONE(name) +1
// The ops of EMOAUG_OPS as values, their count and their names (kOpNames[int(Op::gemm)] is
// "gemm").
enum class Op { EMOAUG_OPS(EMOAUG_OP_ENUMERATOR) };
inline constexpr int kOpCount = 0 EMOAUG_OPS(EMOAUG_OP_ONE);
inline constexpr const char* kOpNames[kOpCount] = {EMOAUG_OPS(EMOAUG_OP_NAME)};
#undef EMOAUG_OP_ENUMERATOR
#undef EMOAUG_OP_NAME
#undef EMOAUG_OP_ONE
inline const char* name_of(Op op) {
  return kOpNames[static_cast<int>(op)];
}

enum class Trans { No, Yes };

// C = alpha * op(A) * op(B) + beta * C.
void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha = 1.0f,
          float beta = 0.0f);

void add_bias(MatView y, const float* bias);
// out[c] = sum_r x(r, c), or += with accumulate.
void col_sum(ConstMatView x, float* out, bool accumulate);

void leaky_relu(MatView x, float slope);
// dy := dy * leaky'(y), from the activation's output y.
void leaky_relu_backward(MatView dy, ConstMatView y, float slope);

// Inverted dropout in place; fills mask with 0 or 1/(1-p) for backward. The draws come from `rng`
// by Philox block index, so CPU and CUDA give the same mask.
void dropout(MatView x, MatView mask, float p, Rng& rng);
void dropout_backward(MatView dy, ConstMatView mask);

// A hidden layer's epilogue in one pass: y = dropout(leaky(y + bias)). mask may be empty when p =
// 0.
void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask, Rng* rng);
// Its backward in one pass: dy := dy * mask * leaky'(y). mask may be empty.
void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope);

void sigmoid(ConstMatView x, MatView y);

// Softmax cross-entropy, mean over rows; dlogits = grad_scale * (softmax - onehot) / rows.
// A label outside 0..cols-1 is an error.
float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                            float grad_scale = 1.0f);
// Row-wise argmax (predicted class); the first maximum wins.
void argmax_rows(ConstMatView x, int32_t* out);
// The number of rows whose argmax (as argmax_rows) is their label, written as one float (exact up
// to 2^24 rows) on the views' device: an accuracy that a loop reads once per epoch, not per step.
void argmax_hits_into(ConstMatView logits, const int32_t* labels, float* hits);

// Binary cross-entropy with logits, mean over all elements, against one target value for all
// (0.9 for smoothed real, 0 for fake) or a target matrix.
float bce_with_logits(ConstMatView logits, float target, MatView dlogits, float grad_scale = 1.0f);
float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                      float grad_scale = 1.0f);

// Mean squared error over all elements; dpred = grad_scale * 2 (pred - target) / size.
float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale = 1.0f);

// The losses again, leaving the mean in *loss, one float on the views' device (null: gradient
// only), instead of returning it: on CUDA nothing waits for the device, so a loop can read its
// losses once per epoch and a CUDA graph can capture the step. A bad label is not reported here:
// the CUDA backend makes that row's loss and gradient NaN (the CPU backend still throws).
void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                float grad_scale, float* loss);
void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                          float* loss);
void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                          float grad_scale, float* loss);
void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale, float* loss);

void scale(MatView x, float alpha);
// y += alpha * x
void axpy(float alpha, ConstMatView x, MatView y);
void copy(ConstMatView src, MatView dst);
// dst row r = src row rows[r], for r < dst.rows (mini-batch assembly from a shuffled order). An
// index outside src is an error on the CPU; the CUDA backend fills that row with NaN.
void gather_rows(ConstMatView src, const int* rows, MatView dst);
void zero(MatView x);

// Copies between a host view and a CUDA view of one shape. to_host returns when the data is there;
// to_device returns once `host` may be reused.
void to_device(ConstMatView host, MatView dev);
void to_host(ConstMatView dev, MatView host);

enum class AdamFlavor { PyTorch, TensorFlow };
struct AdamHyper {
  float lr = 2e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  AdamFlavor flavor = AdamFlavor::PyTorch;
};
// One Adam step (step counts from 1) over flat buffers of n floats.
void adam(MatView params, ConstMatView grads, MatView m, MatView v, const AdamHyper& h,
          int64_t step);

// ---- facts and synchronisation ----------------------------------------------------------------
// What a task runs on (device, threads, math mode, counters) is its ExecutionContext
// (backend/execution.h), bound to the thread that calls the ops.

// Whether a CUDA device can be used; when not, why (built without CUDA, no device, old driver).
bool cuda_available(std::string* why_not = nullptr);
// For `emoaug info`: the CUDA runtime linked in, then one line per library the CUDA backend opens
// at run time ("library cublas: /path/libcublas.so.13 (13.0.2)", or "library nccl: not found
// (looked in: ...)"), opening each. Empty in a build without CUDA.
std::vector<std::string> cuda_library_lines();
// Waits for every op this thread has issued (CUDA); a no-op on the CPU.
void synchronize();

// The facts of the calling thread's current CUDA device, for logs, provenance and memory checks.
struct GpuInfo {
  int index = -1;
  std::string name;
  size_t free_bytes = 0, total_bytes = 0;
  int driver_version = 0, runtime_version = 0;  // CUDA's numbering: 13000 = 13.0
  std::string describe() const;                 // "NVIDIA H100 80GB HBM3, driver 13.0, CUDA 13.0"
};
// Throws in a build without CUDA or when the device cannot be queried.
// `gpu` >= 0 names the device (and makes it the thread's current one, creating its context).
GpuInfo gpu_info(int gpu = -1);

}  // namespace emoaug::ops
