#include "ser/batches.h"

#include <algorithm>

#include "backend/ops.h"
#include "core/error.h"

namespace emoaug::ser {

ShuffledBatches::ShuffledBatches(int batch_size, int dims)
    : batch_size_(batch_size), batch_x_(batch_size, dims) {}

void ShuffledBatches::to(Device device) {
  batch_x_ = batch_x_.to(device);
  order_.set_device(device);
  ordered_labels_.set_device(device);
}

void ShuffledBatches::run(ConstMatView x, const std::vector<int32_t>& labels, int num_classes,
                          int passes, Rng& shuffle, const char* what,
                          const std::function<void(ConstMatView, const int32_t*)>& step,
                          const std::function<void(int)>& on_pass) {
  EMOAUG_CHECK(static_cast<int64_t>(labels.size()) == x.rows, labels.size(), " labels for ", x.rows,
               " rows");
  const int b = batch_size_;
  const int64_t batches = x.rows / b;
  if (batches == 0)
    EMOAUG_FAIL(what, " with batch size ", b, " was given only ", x.rows, " training rows");
  for (int32_t y : labels)
    if (y < 0 || y >= num_classes)
      EMOAUG_FAIL("classifier training: label ", y, " outside 0..", num_classes - 1);
  ordered_labels_host_.resize(labels.size());
  for (int pass = 1; pass <= passes; ++pass) {
    std::vector<int> order = shuffle.permutation(static_cast<int>(x.rows));
    for (size_t i = 0; i < order.size(); ++i) ordered_labels_host_[i] = labels[order[i]];
    order_.assign(order.data(), x.rows);
    ordered_labels_.assign(ordered_labels_host_);
    for (int64_t k = 0; k < batches; ++k) {
      ops::gather_rows(x, order_.data() + k * b, batch_x_.view());
      step(batch_x_.view(), ordered_labels_.data() + k * b);
    }
    if (on_pass) on_pass(pass);
  }
}

std::vector<int32_t> predict_classes(const nn::Mlp& model, ConstMatView x, IndexBuffer& scratch) {
  std::vector<int32_t> out(x.rows);
  constexpr int64_t kChunk = 512;
  nn::MlpActivations acts;
  for (int64_t r = 0; r < x.rows; r += kChunk) {
    const int64_t n = std::min(kChunk, x.rows - r);
    scratch.resize(n);
    ops::argmax_rows(model.forward(x.row_range(r, n), acts, false, nullptr), scratch.data());
    scratch.copy_to_host(out.data() + r, n);
  }
  return out;
}

}  // namespace emoaug::ser
