// Same seed => same bytes: a training loop with dropout, shuffles and Adam, run twice. (OpenBLAS's
// own threads change the last bits of large gemms, so the runner keeps BLAS on one thread and
// parallelises above it; EmotionTransfer.SameBytesOnAnyNumberOfThreads and the pipeline's
// check_ranks test that.) And the step allocates nothing after the first.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "backend/ops.h"
#include "nn/adam.h"
#include "nn/mlp.h"
#include "numeric_helpers.h"

using namespace emoaug;

namespace {
std::atomic<bool> g_count_new{false};
std::atomic<int64_t> g_news{0};
}  // namespace

// Counts heap allocations made through operator new while g_count_new is set. The replacements
// allocate with malloc, so free is their match; GCC, which inlines a delete into code whose new it
// takes for the library's, would warn otherwise (it does under the sanitizers).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(size_t size) {
  if (g_count_new.load(std::memory_order_relaxed)) g_news.fetch_add(1);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace {

struct Trainer {
  explicit Trainer(uint64_t seed)
      : init(seed, 1, StreamId::Init),
        dropout(seed, 1, StreamId::Dropout),
        shuffle(seed, 1, StreamId::Shuffle),
        mlp({{32, 64, 48, 5}, 0.2f, 0.3f}, init),
        adam(mlp.num_params(), ops::AdamHyper{}),
        data(emoaug::testing::random_matrix(256, 32, seed)),
        batch(32, 32),
        dlogits(32, 5),
        labels(32) {
    for (int i = 0; i < 256; ++i) all_labels.push_back(i % 5);
    order = shuffle.permutation(256);
  }

  float step(int b) {
    for (int r = 0; r < 32; ++r) {
      const int src = order[(b * 32 + r) % 256];
      std::memcpy(batch.row_range(r, 1).data, data.row_range(src, 1).data, 32 * sizeof(float));
      labels[r] = all_labels[src];
    }
    mlp.zero_grad();
    ConstMatView out = mlp.forward(batch.view(), acts, true, &dropout);
    float loss = ops::softmax_cross_entropy(out, labels.data(), dlogits.view());
    mlp.backward(acts, dlogits.view(), MatView{});
    adam.step(mlp.params(), mlp.grads(), 1e-3f);
    return loss;
  }

  Rng init, dropout, shuffle;
  nn::Mlp mlp;
  nn::Adam adam;
  Tensor data, batch, dlogits;
  std::vector<int32_t> labels, all_labels;
  std::vector<int> order;
  nn::MlpActivations acts;
};

std::vector<float> train(uint64_t seed, int steps) {
  Trainer t(seed);
  for (int s = 0; s < steps; ++s) t.step(s);
  return std::vector<float>(t.mlp.params().data, t.mlp.params().data + t.mlp.num_params());
}

}  // namespace

TEST(Determinism, SameSeedSameBytes) {
  std::vector<float> a = train(77, 40);
  std::vector<float> b = train(77, 40);
  std::vector<float> c = train(78, 40);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  EXPECT_NE(0, std::memcmp(a.data(), c.data(), a.size() * sizeof(float)));
}

TEST(Determinism, TrainingStepAllocatesNothingAfterTheFirst) {
  Trainer t(5);
  t.step(0);
  const int64_t tensors_before = Tensor::allocation_count();
  g_news = 0;
  g_count_new = true;
  for (int s = 1; s < 20; ++s) t.step(s);
  g_count_new = false;
  EXPECT_EQ(Tensor::allocation_count(), tensors_before);
  EXPECT_EQ(g_news.load(), 0);
}
