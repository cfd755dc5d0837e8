#include "backend/execution.h"

#include "backend/cpu/cpu_features.h"
#include "core/error.h"
#ifdef EMOAUG_HAVE_CUDA
#include "backend/cuda/ops_cuda.h"
#endif

namespace emoaug::ops {
namespace {

thread_local ExecutionContext* t_bound = nullptr;

}  // namespace

const char* name_of(CpuGemm kernels) {
  switch (kernels) {
    case CpuGemm::Avx512:
      return "avx512";
    case CpuGemm::Avx2:
      return "avx2";
    case CpuGemm::OpenBlas:
      break;
  }
  return "openblas";
}

const char* name_of(OpPart part) {
  switch (part) {
    case OpPart::GemmForward:
      return "gemm_forward";
    case OpPart::GemmInputGrad:
      return "gemm_input_grad";
    case OpPart::GemmWeightGrad:
      return "gemm_weight_grad";
    case OpPart::Elementwise:
      return "elementwise";
    case OpPart::Loss:
      return "loss";
    case OpPart::Adam:
      break;
  }
  return "adam";
}

bool is_gemm(OpPart part) {
  return part == OpPart::GemmForward || part == OpPart::GemmInputGrad ||
         part == OpPart::GemmWeightGrad;
}

bool cpu_runs(CpuGemm kernels) {
  switch (kernels) {
    case CpuGemm::Avx512:
      return cpu::cpu_has_avx512f();
    case CpuGemm::Avx2:
      return cpu::cpu_has_avx2_fma();
    case CpuGemm::OpenBlas:
      break;
  }
  return true;
}

CpuGemm best_cpu_gemm() {
  static const CpuGemm best = cpu_runs(CpuGemm::Avx512) ? CpuGemm::Avx512
                              : cpu_runs(CpuGemm::Avx2) ? CpuGemm::Avx2
                                                        : CpuGemm::OpenBlas;
  return best;
}

ExecutionContext::ExecutionContext(Device device, int threads, MathMode math, int gpu)
    : device_(device), gpu_(gpu), threads_(threads), math_(math) {
  EMOAUG_CHECK(threads >= 1, "execution context: CPU threads ", threads);
  EMOAUG_CHECK(math.blas_threads >= 1, "execution context: BLAS threads ", math.blas_threads);
  EMOAUG_CHECK(cpu_runs(math.cpu_gemm), "execution context: this CPU cannot run the ",
               name_of(math.cpu_gemm), " gemm kernels");
}

ExecutionScope::ExecutionScope(ExecutionContext& context) : previous_(t_bound) {
  t_bound = &context;
  if (context.device() == Device::Cuda) {
#ifdef EMOAUG_HAVE_CUDA
    cuda::use_device(context.gpu());
#else
    EMOAUG_FAIL("a CUDA execution context, but emoaug was built without CUDA");
#endif
  }
}

ExecutionScope::~ExecutionScope() {
  t_bound = previous_;
}

ExecutionContext& current_execution() {
  if (t_bound) return *t_bound;
  thread_local ExecutionContext fallback;
  return fallback;
}

}  // namespace emoaug::ops
