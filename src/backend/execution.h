// What a task runs on: its device, the CPU threads it may use above the ops, the math the ops do
// and the counters they fill. The driver builds one context per rank and hands it to each task
// (docs/architecture.md, "Work as tasks"); nothing below reads or sets a process-wide switch
// instead.
//
// The ops reach the context through the thread that calls them: a task binds its context to its
// thread for its duration (ExecutionScope), and whoever starts more threads for the task binds the
// same context on each (gan::EmotionTransferGroup's workers do). This is how the CUDA backend
// already keeps a stream per thread (backend/cuda/context.h), and it keeps `ops::gemm(a, b, c)`
// free of a parameter that nn and gan would only pass along. A thread with no context bound runs
// with a default one (host, one thread, the CPU's best gemm kernels, exact FP32).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/tensor.h"

namespace emoaug::ops {

// The kernels that run a batch-sized gemm on one thread on the CPU (backend/cpu/gemm_cpu.h):
// emoaug's blocked kernels of one vector width, or OpenBLAS. The two widths give the same bytes;
// OpenBLAS's differ from theirs in the last bits. Within one choice they depend on nothing but the
// operands.
enum class CpuGemm { OpenBlas, Avx2, Avx512 };
const char* name_of(CpuGemm kernels);
// Whether this CPU can run `kernels` (OpenBLAS always; AVX2 needs AVX2 and FMA; AVX-512 needs
// AVX-512F).
bool cpu_runs(CpuGemm kernels);
// The widest blocked kernels this CPU runs, else OpenBLAS.
CpuGemm best_cpu_gemm();

// The parts a CPU step's time is split into when a context asks for it (set_op_profile): the
// gemms by form, as a layer runs them (the forward x·Wᵀ = A·Bᵀ, the input gradient dy·W = A·B,
// the weight gradient dyᵀ·x = Aᵀ·B, with Aᵀ·Bᵀ, which no layer runs), the elementwise ops (bias,
// activations, dropout, column sums, copies, gathers, axpy), the losses (with their gradients and
// the accuracy count), and the Adam updates.
enum class OpPart { GemmForward, GemmInputGrad, GemmWeightGrad, Elementwise, Loss, Adam };
constexpr int kOpParts = 6;
const char* name_of(OpPart part);
bool is_gemm(OpPart part);

// What the ops of one part took under a context: CPU nanoseconds of the threads that ran them, the
// bytes they must move (every operand read once and every result written once, in floats of 4
// bytes; gemms count their operands and result too), the floating-point operations of its gemms
// (2mnk; 0 for the other parts) and the calls.
struct OpPartTotals {
  uint64_t ns = 0, bytes = 0, flops = 0, calls = 0;
};

struct MathMode {
  // TF32 tensor-core math for CUDA gemms: faster, ~1e-3 relative error; off, CPU and CUDA agree
  // to float rounding. No effect on the CPU.
  bool tf32 = false;
  // The CPU's batch-sized gemms on one BLAS thread (every gemm of a training step).
  CpuGemm cpu_gemm = best_cpu_gemm();
  // OpenBLAS's threads for the gemms that go to it. Its results change in the last bits with this
  // count, so runs keep it at 1 and parallelise above the ops; the blocked kernels run only at 1.
  // OpenBLAS has one count per process: contexts that run at the same time must agree on it.
  int blas_threads = 1;
};

class ExecutionContext {
 public:
  ExecutionContext() = default;
  // `gpu` is the CUDA device index for a Cuda context (made current on every thread it is bound
  // to).
  ExecutionContext(Device device, int threads, MathMode math = {}, int gpu = 0);
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  Device device() const { return device_; }
  int gpu() const { return gpu_; }
  // CPU threads the task may use above the ops: a GAN group trains that many emotions side by
  // side, a rank runs that many SER tasks at once.
  int threads() const { return threads_; }
  const MathMode& math() const { return math_; }
  // Ranks of the node whose tasks share this context's GPU (this one included): memory checks
  // leave them their part.
  int gpu_ranks() const { return gpu_ranks_; }
  void set_gpu_ranks(int ranks) { gpu_ranks_ = ranks < 1 ? 1 : ranks; }

  // Floating-point operations (2mnk) of the gemms dispatched under this context, on any thread
  // bound to it: benchmarks turn time into FLOP/s with it.
  uint64_t gemm_flops() const { return gemm_flops_.load(std::memory_order_relaxed); }
  void count_gemm(uint64_t flops) { gemm_flops_.fetch_add(flops, std::memory_order_relaxed); }

  // Per-part timing of the ops a CPU backend runs under this context (bench/bench_cpu_step.cpp
  // splits a step with it). Off by default: then the backend reads no clock and counts nothing.
  // Turn it on or off only while no op runs under the context.
  void set_op_profile(bool on) { op_profile_.store(on, std::memory_order_relaxed); }
  bool op_profile() const { return op_profile_.load(std::memory_order_relaxed); }
  void count_op(OpPart part, uint64_t ns, uint64_t bytes, uint64_t flops) {
    OpCounters& c = op_counters_[static_cast<int>(part)];
    c.ns.fetch_add(ns, std::memory_order_relaxed);
    c.bytes.fetch_add(bytes, std::memory_order_relaxed);
    c.flops.fetch_add(flops, std::memory_order_relaxed);
    c.calls.fetch_add(1, std::memory_order_relaxed);
  }
  OpPartTotals op_totals(OpPart part) const {
    const OpCounters& c = op_counters_[static_cast<int>(part)];
    return {c.ns.load(std::memory_order_relaxed), c.bytes.load(std::memory_order_relaxed),
            c.flops.load(std::memory_order_relaxed), c.calls.load(std::memory_order_relaxed)};
  }

 private:
  Device device_ = Device::Host;
  int gpu_ = 0;
  int threads_ = 1;
  int gpu_ranks_ = 1;
  MathMode math_;
  std::atomic<uint64_t> gemm_flops_{0};
  struct OpCounters {
    std::atomic<uint64_t> ns{0}, bytes{0}, flops{0}, calls{0};
  };
  std::atomic<bool> op_profile_{false};
  OpCounters op_counters_[kOpParts];
};

// Binds a context to the calling thread until the scope ends (the previous binding comes back); a
// Cuda context's GPU becomes the thread's current device.
class ExecutionScope {
 public:
  explicit ExecutionScope(ExecutionContext& context);
  ~ExecutionScope();
  ExecutionScope(const ExecutionScope&) = delete;
  ExecutionScope& operator=(const ExecutionScope&) = delete;

 private:
  ExecutionContext* previous_;
};

// The context bound to this thread, or this thread's default one.
ExecutionContext& current_execution();

}  // namespace emoaug::ops
