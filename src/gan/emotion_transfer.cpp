#include "gan/emotion_transfer.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "backend/ops.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "nn/state.h"

namespace emoaug::gan {
namespace {

// Stream ids per emotion: the emotion in the upper bits, the purpose in the lower ones. The
// classifier takes the emotion slot N (one past the last emotion).
uint64_t stream_of(int emotion, StreamId purpose) {
  return (static_cast<uint64_t>(emotion + 1) << 8) | static_cast<uint64_t>(purpose);
}

std::string emotion_prefix(int emotion) {
  return "emotion" + std::to_string(emotion);
}

// Rng::permutation's ints go to gather_rows through an int32 IndexBuffer.
static_assert(std::is_same_v<int, int32_t>);

const char* device_name(Device d) {
  return d == Device::Cuda ? "cuda" : "host";
}

}  // namespace

EmotionTransferGroup::EmotionTransferGroup(ops::ExecutionContext& exec,
                                           const CycleGanOptions& options, int dims,
                                           int num_emotions, float lambda_cls, uint64_t seed,
                                           uint64_t task_id, std::vector<int> local_emotions,
                                           ClassifierGradientSum* gradient_sum)
    : exec_(exec),
      options_(options),
      dims_(dims),
      num_emotions_(num_emotions),
      lambda_cls_(lambda_cls),
      local_(std::move(local_emotions)),
      gradient_sum_(gradient_sum) {
  EMOAUG_CHECK(num_emotions >= 2, "emotion transfer needs at least two emotions");
  EMOAUG_CHECK(!local_.empty() && std::is_sorted(local_.begin(), local_.end()));
  EMOAUG_CHECK(local_.front() >= 0 && local_.back() < num_emotions);
  EMOAUG_CHECK(lambda_cls >= 0.0f, "lambda_cls ", lambda_cls);
  EMOAUG_CHECK(gradient_sum != nullptr || lambda_cls == 0.0f, "C needs a gradient sum");
  EMOAUG_CHECK(exec.math().blas_threads == 1 || exec.threads() == 1, "emotions side by side on ",
               exec.threads(), " threads need single-threaded BLAS (", exec.math().blas_threads,
               " BLAS threads asked for)");
  const ops::ExecutionScope bound(exec_);
  gans_.resize(num_emotions);
  for (int e : local_) {
    Rng init(seed, task_id, stream_of(e, StreamId::Init));
    gans_[e] = std::make_unique<CycleGan>(dims, options, e, init);
    streams_.push_back({Rng(seed, task_id, stream_of(e, StreamId::Dropout)),
                        Rng(seed, task_id, stream_of(e, StreamId::Shuffle))});
  }
  if (lambda_cls > 0.0f) {
    // The same initial C on every rank: its stream depends on the task alone.
    Rng init(seed, task_id, stream_of(num_emotions, StreamId::Init));
    std::vector<int> sizes{dims};
    sizes.insert(sizes.end(), options.classifier_hidden.begin(), options.classifier_hidden.end());
    sizes.push_back(num_emotions);
    classifier_ = std::make_unique<nn::Mlp>(
        nn::MlpSpec{sizes, options.leaky_slope, options.classifier_dropout}, init);
    classifier_opt_ = nn::Adam(classifier_->num_params(), options.adam);
  }
  order_s_.resize(local_.size());
  order_t_.resize(local_.size());
  batch_s_.resize(local_.size());
  batch_t_.resize(local_.size());
  for (size_t k = 0; k < local_.size(); ++k) {
    batch_s_[k] = Tensor(options.batch_size, dims);
    batch_t_[k] = Tensor(options.batch_size, dims);
  }
  done_.resize(local_.size());
}

CycleGan& EmotionTransferGroup::cyclegan(int emotion) {
  EMOAUG_CHECK(emotion >= 0 && emotion < num_emotions_ && gans_[emotion], "emotion ", emotion,
               " is not held by this group");
  return *gans_[emotion];
}

int EmotionTransferGroup::iterations_per_epoch(const TransferData& data) const {
  EMOAUG_CHECK(static_cast<int>(data.targets.size()) == num_emotions_);
  int64_t n = data.source.rows / options_.batch_size;
  for (const ConstMatView& t : data.targets) n = std::min(n, t.rows / options_.batch_size);
  return static_cast<int>(n);
}

int EmotionTransferGroup::pretrain_iterations(const TransferData& data, int emotion) const {
  return static_cast<int>(std::min(data.source.rows / options_.batch_size,
                                   data.targets.at(emotion).rows / options_.batch_size));
}

float EmotionTransferGroup::learning_rate(int epoch) const {
  const int periods = options_.lr_decay_every > 0 ? epoch / options_.lr_decay_every : 0;
  return static_cast<float>(options_.lr *
                            std::pow(static_cast<double>(options_.lr_decay), periods));
}

// Every set is reshuffled each epoch, and each emotion draws its own shuffle of S.
void EmotionTransferGroup::batch_orders(int k, const TransferData& data) {
  Rng& shuffle = streams_[k].shuffle;
  order_s_[k].assign(shuffle.permutation(static_cast<int>(data.source.rows)));
  order_t_[k].assign(shuffle.permutation(static_cast<int>(data.targets[local_[k]].rows)));
}

void EmotionTransferGroup::check_data_device(const TransferData& data) const {
  bool ok = data.source.device == device_;
  for (int e : local_) ok = ok && data.targets.at(e).device == device_;
  if (!ok)
    EMOAUG_FAIL("the emotion-transfer group is on ", device_name(device_),
                " but its training data is not: move the data with Tensor::to");
}

void EmotionTransferGroup::to(Device device) {
  device_ = device;
  ready_ = ops::StreamMark(device);
  done_.clear();
  for (size_t k = 0; k < local_.size(); ++k) done_.emplace_back(device);
  for (int e : local_) gans_[e]->to(device);
  if (classifier_) {
    classifier_->to(device);
    classifier_opt_.to(device);
  }
  for (size_t k = 0; k < local_.size(); ++k) {
    batch_s_[k] = batch_s_[k].to(device);
    batch_t_[k] = batch_t_[k].to(device);
    order_s_[k].set_device(device);
    order_t_[k].set_device(device);
  }
}

template <class F>
void EmotionTransferGroup::for_local_emotions(F&& fn) {
  const int count = static_cast<int>(local_.size());
  // On a GPU every emotion has a thread and so a stream of its own (backend/cuda/context.h).
  const int workers = device_ == Device::Host ? std::min(exec_.threads(), count) : count;
  auto piece = [&](int k) {
    fn(k);
    if (seam_hook_) seam_hook_(Seam::EmotionWorkDone, local_[k]);
  };
  if (workers <= 1) {
    // One thread, one stream: issue order is all the order there is to keep.
    for (int k = 0; k < count; ++k) piece(k);
    return;
  }
  if (!pool_ || pool_->threads() != workers) pool_ = std::make_unique<WorkerPool>(workers);
  // The pool hands out pieces in no fixed order, so an emotion's work may move from one stream to
  // another between loops: each piece starts after everything the calling thread's stream has
  // (C's update, which reads C's gradient buffers that the generators overwrite, and the last
  // loop's joins), and the caller's stream goes on only after every piece. No host wait: the
  // losses are read once per epoch, through the caller's stream, which by then has joined them.
  ready_.record();
  pool_->run(count, [&](int k) {
    const ops::ExecutionScope bound(exec_);
    ops::wait_for(ready_);
    piece(k);
    done_[k].record();
  });
  for (const ops::StreamMark& done : done_) ops::wait_for(done);
}

EpochReport EmotionTransferGroup::pretrain_epoch(int epoch, const TransferData& data) {
  check_data_device(data);
  const ops::ExecutionScope bound(exec_);
  std::vector<EmotionLosses> sums(num_emotions_);
  const int b = options_.batch_size;
  // Pretraining has no shared part: each emotion's whole epoch is one piece of work.
  for_local_emotions([&](int k) {
    const int e = local_[k];
    batch_orders(k, data);
    const int iterations = pretrain_iterations(data, e);
    if (iterations == 0)
      EMOAUG_FAIL("emotion ", e, ": fewer rows than one batch of ", b, " (source ",
                  data.source.rows, ", target ", data.targets[e].rows, ")");
    for (int it = 0; it < iterations; ++it) {
      ops::gather_rows(data.source, order_s_[k].data() + it * b, batch_s_[k].view());
      ops::gather_rows(data.targets[e], order_t_[k].data() + it * b, batch_t_[k].view());
      gans_[e]->pretrain_step(batch_s_[k].view(), batch_t_[k].view(), options_.pretrain_lr,
                              streams_[k].dropout);
    }
    sums[e].iterations = iterations;
  });
  return finish_report(epoch, true, sums);
}

void EmotionTransferGroup::start_adversarial() {
  for (int e : local_) gans_[e]->reset_optimizers();
}

void EmotionTransferGroup::classifier_update(float lr) {
  if (seam_hook_) seam_hook_(Seam::BeforeClassifierUpdate, -1);
  classifier_grads_.clear();
  for (int e : local_) classifier_grads_.push_back(gans_[e]->classifier_grad().view());
  gradient_sum_->sum(local_, classifier_grads_, classifier_->grads());
  classifier_opt_.step(classifier_->params(), classifier_->grads(), lr);
}

EpochReport EmotionTransferGroup::train_epoch(int epoch, const TransferData& data) {
  check_data_device(data);
  const int iterations = iterations_per_epoch(data);
  if (iterations == 0)
    EMOAUG_FAIL("the smallest training set has fewer rows than one batch of ", options_.batch_size);
  const int b = options_.batch_size;
  const float lr = learning_rate(epoch);
  // C's loss is the mean cross-entropy over all N generated batches, weighted by λcls.
  const float cls_weight = lambda_cls_ / static_cast<float>(num_emotions_);
  const ops::ExecutionScope bound(exec_);
  std::vector<EmotionLosses> sums(num_emotions_);
  for (size_t k = 0; k < local_.size(); ++k) batch_orders(static_cast<int>(k), data);
  auto generator_step = [&](int k) {
    gans_[local_[k]]->generator_step(batch_s_[k].view(), batch_t_[k].view(), lr,
                                     streams_[k].dropout, classifier_.get(), cls_weight);
  };
  for (int it = 0; it < iterations; ++it) {
    // An emotion's discriminator step and its first generator step in one piece of work: emotions
    // meet only in C's update, so the order across emotions does not matter.
    for_local_emotions([&](int k) {
      const int e = local_[k];
      ops::gather_rows(data.source, order_s_[k].data() + it * b, batch_s_[k].view());
      ops::gather_rows(data.targets[e], order_t_[k].data() + it * b, batch_t_[k].view());
      gans_[e]->discriminator_step(batch_s_[k].view(), batch_t_[k].view(), lr, streams_[k].dropout);
      if (options_.generator_steps > 0) generator_step(k);
    });
    for (int step = 0; step < options_.generator_steps; ++step) {
      if (step > 0) for_local_emotions(generator_step);
      if (classifier_) classifier_update(lr);
    }
    for (int e : local_) sums[e].iterations += 1;
  }
  return finish_report(epoch, false, sums);
}

EpochReport EmotionTransferGroup::finish_report(int epoch, bool pretraining,
                                                std::vector<EmotionLosses>& sums) {
  // The steps' losses, read from the device once per epoch; per-iteration means (generator terms
  // are also averaged over the generator steps), then the rows of other ranks' emotions are filled
  // in through the gradient-sum seam.
  // The last column carries each rank's stop request, so all ranks of a group agree on the epoch
  // at which a preempted group stops (no rank waits in a collective for one that left).
  constexpr int kStop = EmotionLosses::kValues;
  Tensor stats(num_emotions_, kStop + 1);
  for (int e : local_) {
    gans_[e]->losses().read_into(sums[e]);
    const EmotionLosses& s = sums[e];
    const double it = std::max<int64_t>(1, s.iterations);
    const double gen = it * (pretraining ? 1 : options_.generator_steps);
    EmotionLosses mean = s;
    mean.discriminator /= it;
    mean.pretrain /= it;
    for (double* generator_term :
         {&mean.adversarial, &mean.cycle, &mean.classification, &mean.accuracy})
      *generator_term /= gen;
    float* row = stats.row_range(e, 1).data;
    const auto values = mean.values();
    for (int c = 0; c < EmotionLosses::kValues; ++c) row[c] = static_cast<float>(values[c]);
    row[kStop] = stop_requested() ? 1.0f : 0.0f;
  }
  if (gradient_sum_) gradient_sum_->gather_stats(stats.view());
  EpochReport report;
  report.epoch = epoch;
  report.pretraining = pretraining;
  report.per_emotion.resize(num_emotions_);
  for (int e = 0; e < num_emotions_; ++e) {
    const float* row = stats.row_range(e, 1).data;
    EmotionLosses& l = report.per_emotion[e];
    l = EmotionLosses::from_values(row);
    report.stop = report.stop || row[kStop] != 0.0f;
    report.mean.discriminator += l.discriminator / num_emotions_;
    report.mean.adversarial += l.adversarial / num_emotions_;
    report.mean.cycle += l.cycle / num_emotions_;
    report.mean.classification += l.classification / num_emotions_;
    report.mean.accuracy += l.accuracy / num_emotions_;
    report.mean.pretrain += l.pretrain / num_emotions_;
  }
  report.mean.iterations = 1;
  return report;
}

void EmotionTransferGroup::generate(int emotion, ConstMatView source, MatView out) {
  const ops::ExecutionScope bound(exec_);
  cyclegan(emotion).generate(source, out);
}

void EmotionTransferGroup::save(StateDict& state) const {
  for (size_t k = 0; k < local_.size(); ++k) {
    const std::string prefix = emotion_prefix(local_[k]);
    gans_[local_[k]]->save(state, prefix);
    state.put_rng(prefix + "/rng_dropout", streams_[k].dropout);
    state.put_rng(prefix + "/rng_shuffle", streams_[k].shuffle);
  }
  if (classifier_) nn::save_state(state, "classifier", *classifier_, classifier_opt_);
}

void EmotionTransferGroup::load(const StateDict& state) {
  for (size_t k = 0; k < local_.size(); ++k) {
    const std::string prefix = emotion_prefix(local_[k]);
    gans_[local_[k]]->load(state, prefix);
    state.get_rng(prefix + "/rng_dropout", streams_[k].dropout);
    state.get_rng(prefix + "/rng_shuffle", streams_[k].shuffle);
  }
  if (classifier_) nn::load_state(state, "classifier", *classifier_, classifier_opt_);
}

}  // namespace emoaug::gan
