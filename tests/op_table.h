// The op table: every op of backend/ops.h (EMOAUG_OPS) as one row, with the shapes to try (odd
// tails of 1, 7, 17 and 33 columns, empty batches), the paper's shape for bench_ops, a naive CPU
// reference in double, a tolerance per backend and math mode, and, where the op has one, its
// gradient for a finite-difference check. tests/test_op_table.cpp runs every row on every backend
// built; bench/bench_ops.cpp times every row at the paper's shape. No gtest here: the bench links
// it too.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend/ops.h"
#include "core/index_buffer.h"
#include "core/tensor.h"

namespace emoaug::optable {

// A shape to run an op on: rows x cols, `inner` the reduction of a gemm (k), `variant` a row's own
// choice (a gemm's transposes, Adam's flavour, a scalar or matrix target).
struct Shape {
  int64_t rows = 0, cols = 0, inner = 0;
  int variant = 0;
};
std::string describe(const Shape& s);

// Where and how an op runs: the CPU backend, or the CUDA backend with FP32 or TF32 gemms.
enum class Mode { Cpu, CudaFp32, CudaTf32 };
const char* name_of(Mode m);
Device device_of(Mode m);

// Largest |got - want| / max(1, |want|) an op's outputs may show in each mode.
struct Tolerance {
  double cpu = 1e-6, cuda_fp32 = 1e-6, cuda_tf32 = 1e-6;
  double of(Mode m) const;
};

// One call's data on the host: the matrices the op reads, the buffers it writes (with the
// contents they start with: in-place ops and accumulation read them), and the int32 values it
// reads (labels, row indices).
struct Case {
  Shape shape;
  std::vector<Tensor> in;
  std::vector<Tensor> out;
  std::vector<bool> out_ints;  // out buffers that hold int32 words (argmax_rows)
  std::vector<int32_t> index;
};

// The naive reference's answer: each out buffer's contents (ints as their values) and the values
// the op returns (losses).
struct Expected {
  std::vector<std::vector<double>> out;
  std::vector<double> returned;
};

// The views one call takes, on the device the op runs on.
struct Bound {
  Shape shape;
  std::vector<ConstMatView> in;
  std::vector<MatView> out;
  const int32_t* index = nullptr;
  int32_t* ints(int i) const { return reinterpret_cast<int32_t*>(out[i].data); }
};

// Where a row's buffers live: with the op's device, or across (the transfers).
enum class Placement { Same, InputsOnHost, OutputsOnHost };

// An op's gradient, checked against central differences of a scalar function f of one matrix x
// of the case, both computed by the op (and its backward op) on `device`.
struct Gradient {
  std::function<Tensor&(Case&)> x;
  std::function<double(const Case&, Device)> f;
  std::function<Tensor(const Case&, Device)> df;  // host matrix of x's shape
  // Elements of x closer than this to a kink of f (leaky ReLU at 0) are not differenced.
  std::function<bool(const Case&, int64_t i, double h)> near_kink;
};

struct OpRow {
  ops::Op op = ops::Op::gemm;
  std::vector<Shape> shapes;  // the test's: odd tails and empty ones
  Shape paper;                // bench_ops's: 256 rows of the paper's widths
  std::function<Case(const Shape&, uint64_t seed)> make;
  // Calls the op; returns what it returned (a loss), empty when it returns nothing.
  std::function<std::vector<float>(const Bound&)> call;
  std::function<Expected(const Case&)> reference;
  Tolerance tolerance;
  bool empty_throws = false;  // an empty batch is an error (the losses)
  Placement placement = Placement::Same;
  Gradient gradient;  // gradient.f empty: the op has none
  bool has_gradient() const { return static_cast<bool>(gradient.f); }
  bool reads_outputs = false;  // the out buffers are read too (in place, accumulate): bench bytes
};

const std::vector<OpRow>& op_table();
// The row of `op`, or null when the table has none.
const OpRow* find_row(ops::Op op);

// Guard words around every out buffer: their bit pattern, and how many on each side.
constexpr uint32_t kSentinel = 0x7fbadc0du;  // a signalling NaN no op writes
constexpr int64_t kGuardWords = 16;

// A case placed on a device for one row: inputs copied there, out buffers between guard words.
class Placed {
 public:
  Placed(const OpRow& row, const Case& c, Device device);
  const Bound& bound() const { return bound_; }
  // Host copies of the out buffers (without guards).
  std::vector<Tensor> outputs() const;
  // One line per guard word an op overwrote, naming the buffer and the side ("out[0]: word 2
  // after the end is 0x3f800000"); empty when every guard is intact.
  std::vector<std::string> damaged_guards() const;
  // The inputs that no longer hold what the case gave (a read-only argument written to).
  std::vector<std::string> changed_inputs(const Case& c) const;

 private:
  std::vector<Tensor> in_, out_;  // out_ with the guard words
  std::vector<int64_t> out_rows_, out_cols_;
  IndexBuffer index_;
  Bound bound_;
};

// Bytes an op must move at least at a shape (inputs read, outputs written, and read when the row
// reads its outputs), for bench_ops.
double bytes_moved(const OpRow& row, const Case& c);

// Worst |got - want| / max(1, |want|) over one out buffer (ints compared as values), and where.
struct Mismatch {
  double error = 0.0;
  int64_t at = -1;
  double got = 0.0, want = 0.0;
};
Mismatch compare(const Tensor& got, bool ints, const std::vector<double>& want);

}  // namespace emoaug::optable
