// The emotion-transfer group (paper §2, Fig. 1): N CycleGANs, one per target emotion, and one
// classifier C shared by all of them that learns to tell the generated emotions apart (λcls).
//
// A group may hold only some of its emotions (`local_emotions`): each emotion's randomness is its
// own stream (seed, task, emotion), C is initialised identically everywhere, and C's gradient goes
// through the ClassifierGradientSum seam, so the result is the same bytes whichever rank runs which
// emotion. The group knows nothing of ranks; the caller (a pipeline stage) drives it epoch by epoch
// and decides when to checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "backend/execution.h"
#include "backend/stream_order.h"
#include "core/index_buffer.h"
#include "core/rng.h"
#include "core/state_dict.h"
#include "core/worker_pool.h"
#include "gan/cyclegan.h"
#include "gan/gradient_sum.h"
#include "gan/options.h"

namespace emoaug::gan {

// Training data of a group, already min-max scaled: the source S and one target set per emotion,
// on the group's device (upload with Tensor::to for a group on CUDA).
struct TransferData {
  ConstMatView source;
  std::vector<ConstMatView> targets;  // all N, indexed by emotion
};

// Per-epoch losses averaged over iterations, one row per emotion, and their mean.
struct EpochReport {
  int epoch = 0;
  bool pretraining = false;
  std::vector<EmotionLosses> per_emotion;  // N entries, averaged (iterations = 1)
  EmotionLosses mean;                      // over emotions
  // A rank of the group was asked to stop: checkpoint and leave after this epoch.
  bool stop = false;
};

class EmotionTransferGroup {
 public:
  // The group computes under `exec` (bound on every thread it uses): on the host it trains up to
  // exec.threads() local emotions side by side, which needs single-threaded BLAS
  // (exec.math().blas_threads = 1) for the bytes to stay those of one thread.
  EmotionTransferGroup(ops::ExecutionContext& exec, const CycleGanOptions& options, int dims,
                       int num_emotions, float lambda_cls, uint64_t seed, uint64_t task_id,
                       std::vector<int> local_emotions, ClassifierGradientSum* gradient_sum);

  int num_emotions() const { return num_emotions_; }
  const std::vector<int>& local_emotions() const { return local_; }
  bool has_classifier() const { return classifier_ != nullptr; }
  const nn::Mlp* classifier() const { return classifier_.get(); }
  CycleGan& cyclegan(int emotion);

  // Iterations per adversarial epoch: the minimum over S and all N targets of floor(size / batch).
  int iterations_per_epoch(const TransferData& data) const;
  // Iterations per pretraining epoch of one emotion: min(floor(|S|/batch), floor(|T_e|/batch)).
  int pretrain_iterations(const TransferData& data, int emotion) const;

  // On the host the local emotions of an epoch train side by side on up to exec.threads() threads
  // (they meet only in C's update, which stays on the calling thread), each calling
  // single-threaded BLAS, so the bytes do not depend on the thread count (OpenBLAS's own threading
  // would change them). A group with fewer local emotions than threads leaves the rest idle. On a
  // GPU each local emotion has a thread, hence a stream, of its own.
  // One pretraining epoch of every local emotion (constant learning rate).
  EpochReport pretrain_epoch(int epoch, const TransferData& data);
  // One adversarial epoch: per iteration one discriminator step and generator_steps generator
  // steps (each followed by C's update when λcls > 0); lr decays by lr_decay every lr_decay_every.
  EpochReport train_epoch(int epoch, const TransferData& data);
  float learning_rate(int epoch) const;

  // Called once between pretraining and adversarial training.
  void start_adversarial();

  // G_e(source) in inference mode; source and out on the group's device.
  void generate(int emotion, ConstMatView source, MatView out);

  // Moves every local CycleGAN, C and its optimizer, and the batch buffers to `device`. Random
  // streams stay on the host (kernels draw by block index), so a run gives the same masks and
  // shuffles on either device.
  void to(Device device);
  Device device() const { return device_; }

  // Weights, optimizer moments and random-stream positions of the local emotions and of C.
  void save(StateDict& state) const;
  void load(const StateDict& state);

  // For the tests of the streams' ordering: the hook is called on the thread, hence the stream,
  // of each point below, so that a test can queue slow device work there (ops::delay_stream) and
  // an ordering the group forgot changes the bytes instead of passing by luck.
  enum class Seam {
    EmotionWorkDone,         // a local emotion's piece of work issued, on the worker that ran it
    BeforeClassifierUpdate,  // on the calling thread, before C's gradient sum and Adam step
  };
  // emotion is the local emotion (EmotionWorkDone) or -1. An empty hook removes it.
  void set_seam_hook(std::function<void(Seam seam, int emotion)> hook) {
    seam_hook_ = std::move(hook);
  }

 private:
  struct EmotionStreams {
    Rng dropout;
    Rng shuffle;
  };
  EpochReport finish_report(int epoch, bool pretraining, std::vector<EmotionLosses>& sums);
  void batch_orders(int emotion, const TransferData& data);
  void classifier_update(float lr);
  void check_data_device(const TransferData& data) const;
  // fn(k) for every local emotion index k, on the pool's threads on the host.
  template <class F>
  void for_local_emotions(F&& fn);

  ops::ExecutionContext& exec_;
  CycleGanOptions options_;
  int dims_;
  int num_emotions_;
  float lambda_cls_;
  std::vector<int> local_;
  Device device_ = Device::Host;
  ClassifierGradientSum* gradient_sum_;
  std::vector<std::unique_ptr<CycleGan>> gans_;  // indexed by emotion; null when not local
  std::vector<EmotionStreams> streams_;          // indexed like local_
  std::unique_ptr<nn::Mlp> classifier_;
  nn::Adam classifier_opt_;
  std::vector<ConstMatView> classifier_grads_;
  // Per local emotion: this epoch's shuffled orders of S and T_e (drawn on the host, uploaded once
  // per epoch), and the batch buffers.
  std::vector<IndexBuffer> order_s_, order_t_;
  std::vector<Tensor> batch_s_, batch_t_;
  std::unique_ptr<WorkerPool> pool_;  // sized at first use on the host
  // On CUDA the calling thread's stream runs C's update and reads the losses, the workers'
  // streams the emotions: ready_ marks the caller's work before a loop over the emotions, done_[k]
  // the work of piece k (backend/stream_order.h).
  ops::StreamMark ready_;
  std::vector<ops::StreamMark> done_;
  std::function<void(Seam, int)> seam_hook_;
};

}  // namespace emoaug::gan
