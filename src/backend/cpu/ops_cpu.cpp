// CPU backend: the blocked kernels of gemm_cpu.h or OpenBLAS for gemm, plain loops over
// kernels/functors.h for everything else. Sums are accumulated in double and in a fixed order, so
// results do not depend on the thread count.
#include "backend/cpu/ops_cpu.h"

#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "backend/cpu/gemm_cpu.h"
#include "backend/cpu/kernels_cpu.h"
#include "backend/execution.h"
#include "core/error.h"
#include "core/worker_pool.h"

namespace emoaug::ops::cpu {
namespace {

bool has(ConstMatView x) {
  return x.data != nullptr;
}

// The part a gemm of this form is profiled in (OpPart says which layer op each form is).
OpPart gemm_part(Trans ta, Trans tb) {
  if (ta == Trans::Yes) return OpPart::GemmWeightGrad;
  return tb == Trans::Yes ? OpPart::GemmForward : OpPart::GemmInputGrad;
}

// Times one op into its part of the calling thread's context when that context profiles ops
// (ExecutionContext::set_op_profile); otherwise one flag is read and no clock. The time is the
// thread's CPU time, which other work on the machine does not inflate as it does wall time.
// `floats` is what the op must move: each operand read once, each result written once; `flops`
// what a gemm computes.
class Timed {
 public:
  Timed(OpPart part, int64_t floats, int64_t flops = 0)
      : part_(part), floats_(floats), flops_(flops) {
    ExecutionContext& exec = current_execution();
    if (!exec.op_profile()) return;
    exec_ = &exec;
    start_ = thread_ns();
  }
  ~Timed() {
    if (exec_)
      exec_->count_op(part_, thread_ns() - start_ + other_threads_ns_,
                      static_cast<uint64_t>(floats_) * sizeof(float),
                      static_cast<uint64_t>(flops_));
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

  bool on() const { return exec_ != nullptr; }
  // CPU time another thread spent on this op (half of a gemm, shared with an idle thread).
  void add_other_thread(uint64_t ns) { other_threads_ns_ += ns; }

  static uint64_t thread_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
  }

 private:
  OpPart part_;
  int64_t floats_, flops_;
  ExecutionContext* exec_ = nullptr;
  uint64_t start_ = 0, other_threads_ns_ = 0;
};

// When a thread of the worker pool running the caller's loop has nothing left to do (the last
// emotions' steps of a loop), an op over [0, end) runs [0, middle) here and [middle, end) on that
// thread (WorkerPool::share_with_idle_thread): `part(begin, end)` computes its range as the whole
// op would. Returns whether it was shared (and so done); the other thread's CPU time goes to the
// op's profile.
template <class Part>
bool shared_with_idle_thread(int64_t middle, int64_t end, Timed& timed, Part&& part) {
  if (middle <= 0 || middle >= end) return false;
  uint64_t other_thread_ns = 0;
  const bool shared = WorkerPool::share_with_idle_thread([&](int half) {
    const uint64_t start = half == 1 && timed.on() ? Timed::thread_ns() : 0;
    part(half == 0 ? 0 : middle, half == 0 ? middle : end);
    if (half == 1 && timed.on()) other_thread_ns = Timed::thread_ns() - start;
  });
  timed.add_other_thread(other_thread_ns);
  return shared;
}

// Below these a gemm or an Adam update is not shared: handing half to another thread costs
// microseconds.
constexpr int64_t kMinSharedGemmFlops = int64_t{4} << 20;
constexpr int64_t kMinSharedAdam = int64_t{1} << 16;

// Fills mask[i] = dropout scale of draw i from blocks reserved on the layer's stream.
void fill_dropout_mask(float* mask, int64_t n, float p, Rng& rng) {
  const uint64_t blocks = static_cast<uint64_t>((n + 3) / 4);
  const fn::DropoutDraws draws{rng.key0(), rng.key1(), rng.stream(), rng.reserve_blocks(blocks), p};
  kernels::dropout_mask(mask, n, draws);
}

// OpenBLAS keeps one thread count per process; it is set from the calling context's math mode
// when that differs from what was set last (MathMode::blas_threads says why contexts agree).
void use_blas_threads(int threads) {
  static std::atomic<int> applied{0};
  if (applied.load(std::memory_order_relaxed) == threads) return;
  openblas_set_num_threads(threads);
  applied.store(threads, std::memory_order_relaxed);
}

// Mean binary cross-entropy with logits over all elements, target_of(i) the target of element i.
template <class TargetOf>
float bce_mean(ConstMatView logits, TargetOf target_of, MatView dlogits, float grad_scale) {
  const bool grad = has(dlogits);
  const float g = grad_scale / static_cast<float>(logits.size());
  double total = 0.0;
  for (int64_t i = 0; i < logits.size(); ++i) {
    total += fn::bce_with_logits(logits.data[i], target_of(i));
    if (grad) dlogits.data[i] = g * fn::bce_with_logits_grad(logits.data[i], target_of(i));
  }
  return static_cast<float>(total / logits.size());
}

void store(float* loss, float value) {
  if (loss) *loss = value;
}

class CpuBackend final : public Backend {
 public:
  void gemm(ConstMatView a, Trans ta, ConstMatView b, Trans tb, MatView c, float alpha, float beta,
            const MathMode& math) override {
    const int64_t m = c.rows, n = c.cols;
    const int64_t k = ta == Trans::No ? a.cols : a.rows;
    Timed timed(gemm_part(ta, tb), m * k + k * n + (beta != 0.0f ? 2 : 1) * m * n, 2 * m * n * k);
    // On several BLAS threads OpenBLAS is faster than one thread of ours (and a caller asking for
    // them wants OpenBLAS's parallel gemm).
    if (math.blas_threads == 1 && blocked_gemm_choice(math.cpu_gemm, ta, tb, m, n, k)) {
      // C split by columns: each entry is summed on its own, so the bytes are those of one call.
      auto columns = [&](int64_t begin, int64_t end) {
        blocked_gemm_columns(math.cpu_gemm, a, ta, b, tb, c, alpha, beta, begin, end);
      };
      const int64_t middle =
          2 * m * n * k >= kMinSharedGemmFlops ? blocked_gemm_middle_column(math.cpu_gemm, n) : 0;
      if (!shared_with_idle_thread(middle, n, timed, columns))
        blocked_gemm(math.cpu_gemm, a, ta, b, tb, c, alpha, beta);
      return;
    }
    use_blas_threads(math.blas_threads);
    cblas_sgemm(CblasRowMajor, ta == Trans::No ? CblasNoTrans : CblasTrans,
                tb == Trans::No ? CblasNoTrans : CblasTrans, static_cast<int>(m),
                static_cast<int>(n), static_cast<int>(k), alpha, a.data, static_cast<int>(a.cols),
                b.data, static_cast<int>(b.cols), beta, c.data, static_cast<int>(c.cols));
  }

  void add_bias(MatView y, const float* bias) override {
    const Timed timed(OpPart::Elementwise, 2 * y.size() + y.cols);
    for (int64_t r = 0; r < y.rows; ++r) {
      float* row = y.row(r);
      for (int64_t c = 0; c < y.cols; ++c) row[c] += bias[c];
    }
  }

  void col_sum(ConstMatView x, float* out, bool accumulate) override {
    const Timed timed(OpPart::Elementwise, x.size() + (accumulate ? 2 : 1) * x.cols);
    // Row by row keeps the access contiguous; per column this is fn::column_sum's order, which the
    // CUDA kernel follows, so both backends give the same bits.
    if (!accumulate)
      for (int64_t c = 0; c < x.cols; ++c) out[c] = 0.0f;
    for (int64_t r = 0; r < x.rows; ++r) {
      const float* row = x.row(r);
      for (int64_t c = 0; c < x.cols; ++c) out[c] += row[c];
    }
  }

  void leaky_relu(MatView x, float slope) override {
    const Timed timed(OpPart::Elementwise, 2 * x.size());
    kernels::leaky_relu(x.data, x.size(), slope);
  }

  void leaky_relu_backward(MatView dy, ConstMatView y, float slope) override {
    const Timed timed(OpPart::Elementwise, 3 * dy.size());
    kernels::leaky_mask_backward(dy.data, y.data, nullptr, dy.size(), slope);
  }

  void dropout(MatView x, MatView mask, float p, Rng& rng) override {
    const Timed timed(OpPart::Elementwise, 3 * x.size());
    fill_dropout_mask(mask.data, mask.size(), p, rng);
    kernels::multiply(x.data, mask.data, x.size());
  }

  void dropout_backward(MatView dy, ConstMatView mask) override {
    const Timed timed(OpPart::Elementwise, 3 * dy.size());
    kernels::multiply(dy.data, mask.data, dy.size());
  }

  void bias_leaky_dropout(MatView y, const float* bias, float slope, float p, MatView mask,
                          Rng* rng) override {
    const bool drop = p > 0.0f;
    const Timed timed(OpPart::Elementwise, (drop ? 3 : 2) * y.size() + y.cols);
    if (drop) fill_dropout_mask(mask.data, mask.size(), p, *rng);
    for (int64_t r = 0; r < y.rows; ++r)
      kernels::bias_leaky_mask_row(y.row(r), bias, drop ? mask.row(r) : nullptr, y.cols, slope);
  }

  void leaky_dropout_backward(MatView dy, ConstMatView y, ConstMatView mask, float slope) override {
    const Timed timed(OpPart::Elementwise, (has(mask) ? 4 : 3) * dy.size());
    // Where the mask dropped a unit y is 0 and the gradient is 0 whatever leaky' says.
    kernels::leaky_mask_backward(dy.data, y.data, has(mask) ? mask.data : nullptr, dy.size(),
                                 slope);
  }

  void sigmoid(ConstMatView x, MatView y) override {
    const Timed timed(OpPart::Elementwise, 2 * x.size());
    for (int64_t i = 0; i < x.size(); ++i) y.data[i] = fn::sigmoid(x.data[i]);
  }

  float softmax_cross_entropy(ConstMatView logits, const int32_t* labels, MatView dlogits,
                              float grad_scale) override {
    const bool grad = has(dlogits);
    const int64_t n = logits.rows, k = logits.cols;
    const Timed timed(OpPart::Loss, (grad ? 2 : 1) * logits.size() + n);
    double total = 0.0;
    const float inv_n = 1.0f / static_cast<float>(n);
    for (int64_t r = 0; r < n; ++r) {
      const int32_t label = labels[r];
      EMOAUG_CHECK(label >= 0 && label < k, "label ", label, " outside 0..", k - 1);
      total += fn::softmax_xent_row(logits.row(r), k, label, grad_scale, inv_n,
                                    grad ? dlogits.row(r) : nullptr);
    }
    return static_cast<float>(total / n);
  }

  void argmax_rows(ConstMatView x, int32_t* out) override {
    const Timed timed(OpPart::Elementwise, x.size() + x.rows);
    for (int64_t r = 0; r < x.rows; ++r) out[r] = fn::argmax_row(x.row(r), x.cols);
  }

  void argmax_hits_into(ConstMatView logits, const int32_t* labels, float* hits) override {
    const Timed timed(OpPart::Loss, logits.size() + logits.rows + 1);
    int64_t count = 0;
    for (int64_t r = 0; r < logits.rows; ++r)
      count += fn::argmax_row(logits.row(r), logits.cols) == labels[r];
    *hits = static_cast<float>(count);
  }

  float bce_with_logits(ConstMatView logits, float target, MatView dlogits,
                        float grad_scale) override {
    const Timed timed(OpPart::Loss, (has(dlogits) ? 2 : 1) * logits.size());
    return bce_mean(
        logits, [=](int64_t) { return target; }, dlogits, grad_scale);
  }

  float bce_with_logits(ConstMatView logits, ConstMatView targets, MatView dlogits,
                        float grad_scale) override {
    const Timed timed(OpPart::Loss, (has(dlogits) ? 3 : 2) * logits.size());
    return bce_mean(
        logits, [&](int64_t i) { return targets.data[i]; }, dlogits, grad_scale);
  }

  float mse(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale) override {
    const bool grad = has(dpred);
    const Timed timed(OpPart::Loss, (grad ? 3 : 2) * pred.size());
    const float g = 2.0f * grad_scale / static_cast<float>(pred.size());
    double total = 0.0;
    for (int64_t i = 0; i < pred.size(); ++i) {
      float diff = pred.data[i] - target.data[i];
      total += static_cast<double>(diff) * diff;
      if (grad) dpred.data[i] = g * diff;
    }
    return static_cast<float>(total / pred.size());
  }

  // On the CPU the _into forms are the returning ones plus a store.
  void softmax_cross_entropy_into(ConstMatView logits, const int32_t* labels, MatView dlogits,
                                  float grad_scale, float* loss) override {
    store(loss, softmax_cross_entropy(logits, labels, dlogits, grad_scale));
  }
  void bce_with_logits_into(ConstMatView logits, float target, MatView dlogits, float grad_scale,
                            float* loss) override {
    store(loss, bce_with_logits(logits, target, dlogits, grad_scale));
  }
  void bce_with_logits_into(ConstMatView logits, ConstMatView targets, MatView dlogits,
                            float grad_scale, float* loss) override {
    store(loss, bce_with_logits(logits, targets, dlogits, grad_scale));
  }
  void mse_into(ConstMatView pred, ConstMatView target, MatView dpred, float grad_scale,
                float* loss) override {
    store(loss, mse(pred, target, dpred, grad_scale));
  }

  void scale(MatView x, float alpha) override {
    if (alpha == 0.0f) {
      zero(x);
      return;
    }
    const Timed timed(OpPart::Elementwise, 2 * x.size());
    for (int64_t i = 0; i < x.size(); ++i) x.data[i] *= alpha;
  }

  void axpy(float alpha, ConstMatView x, MatView y) override {
    const Timed timed(OpPart::Elementwise, 3 * x.size());
    for (int64_t i = 0; i < x.size(); ++i) y.data[i] += alpha * x.data[i];
  }

  void copy(ConstMatView src, MatView dst) override {
    const Timed timed(OpPart::Elementwise, 2 * src.size());
    std::copy(src.data, src.data + src.size(), dst.data);
  }

  void gather_rows(ConstMatView src, const int* rows, MatView dst) override {
    const Timed timed(OpPart::Elementwise, 2 * dst.size() + dst.rows);
    for (int64_t r = 0; r < dst.rows; ++r) {
      EMOAUG_CHECK(rows[r] >= 0 && rows[r] < src.rows, "gather_rows: row ", rows[r], " of ",
                   src.rows);
      std::copy(src.row(rows[r]), src.row(rows[r]) + src.cols, dst.row(r));
    }
  }

  void zero(MatView x) override {
    const Timed timed(OpPart::Elementwise, x.size());
    std::fill(x.data, x.data + x.size(), 0.0f);
  }

  void adam(MatView params, ConstMatView grads, MatView m, MatView v,
            const fn::AdamStep& s) override {
    Timed timed(OpPart::Adam, 7 * params.size());
    auto range = [&](int64_t begin, int64_t end) {
      kernels::adam(params.data + begin, grads.data + begin, m.data + begin, v.data + begin,
                    end - begin, s);
    };
    // Split on a cache line: each element's update does not depend on where its range starts.
    const int64_t n = params.size();
    const int64_t middle = n >= kMinSharedAdam ? n / 2 / 16 * 16 : 0;
    if (!shared_with_idle_thread(middle, n, timed, range)) range(0, n);
  }
};

}  // namespace

Backend& backend() {
  static CpuBackend instance;
  return instance;
}

}  // namespace emoaug::ops::cpu
