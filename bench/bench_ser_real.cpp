// The SER `real` setting's leave-one-session-out run: ser::MlpClassifier (d-100-100-C, batch 64,
// dropout 0.2, lr 1e-5, 70 epochs = 71 passes) on a corpus z-normalised separately on the training
// and the test part, every fold, R repetitions; UAR per fold, averaged over the folds of a
// repetition, then mean and population std over repetitions. bench/pytorch_ser_real.py is the
// PyTorch peer (same protocol, same printed names with _pytorch).
//
// Every gemm runs on one OpenBLAS thread, as in `emoaug run`; --jobs N runs the folds x
// repetitions tasks N at a time on N threads, as `mpirun -np N emoaug run` farms them over N ranks
// of an N-core node (--jobs 1: one after the other, as a single rank). --blas-threads N gives
// OpenBLAS N threads instead (with --jobs 1), for comparison.
//   bench_ser_real CORPUS.h5 [--jobs N] [--blas-threads N] [--folds N] [--repetitions R]
//                  [--epochs E] [--cpu-gemm openblas|avx2|avx512]
//                  [--epochs E]
#include <sys/stat.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "bench_common.h"
#include "core/rng.h"
#include "data/corpus_io.h"
#include "data/scaler.h"
#include "ser/metrics.h"
#include "ser/mlp_classifier.h"
#include "ser/options.h"

using namespace emoaug;

namespace {

struct Part {
  Tensor x;
  std::vector<int32_t> y;
};

// Rows of `c` whose group is (or is not) `group`, z-normalised with their own statistics.
Part normalised_part(const data::Corpus& c, int32_t group, bool in_group) {
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < c.rows(); ++r)
    if ((c.groups[r] == group) == in_group) rows.push_back(r);
  Part p{Tensor(static_cast<int64_t>(rows.size()), c.dims()), {}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const float* src = c.features.row_range(rows[i], 1).data;
    std::copy(src, src + c.dims(), p.x.row_range(static_cast<int64_t>(i), 1).data);
    p.y.push_back(c.labels[rows[i]]);
  }
  data::ZScoreScaler scaler;
  scaler.fit(p.x.view(), data::StdKind::Population);
  scaler.transform(p.x.view());
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  int blas_threads = 1, jobs = 1, folds = 0, repetitions = 5, epochs = 70;
  ops::MathMode math;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] { return std::atoi(bench::option_value(argc, argv, i)); };
    if (arg == "--blas-threads") {
      blas_threads = value();
    } else if (arg == "--jobs") {
      jobs = value();
    } else if (arg == "--folds") {
      folds = value();
    } else if (arg == "--repetitions") {
      repetitions = value();
    } else if (arg == "--epochs") {
      epochs = value();
    } else if (arg == "--cpu-gemm") {
      bench::set_cpu_gemm(bench::option_value(argc, argv, i), math);
    } else if (path.empty() && arg[0] != '-') {
      path = arg;
    } else {
      std::fprintf(stderr,
                   "usage: %s CORPUS.h5 [--jobs N] [--blas-threads N] [--folds N] "
                   "[--repetitions R] [--epochs E] [--cpu-gemm openblas|avx2|avx512]\n",
                   argv[0]);
      return 2;
    }
  }
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0) {
    std::printf("ser_real_skipped no corpus at %s\n", path.empty() ? "(none given)" : path.c_str());
    return 0;
  }
  if (jobs < 1 || blas_threads < 1 || (jobs > 1 && blas_threads > 1)) {
    std::fprintf(stderr, "bench_ser_real: --jobs and --blas-threads are >= 1, not both > 1\n");
    return 2;
  }
  math.blas_threads = blas_threads;
  ops::ExecutionContext exec(Device::Host, jobs, math);

  const double load_start = bench::seconds_now();
  const data::Corpus corpus = data::read_corpus(path);
  std::vector<int32_t> groups = corpus.distinct_groups();
  if (folds > 0 && folds < static_cast<int>(groups.size())) groups.resize(folds);
  const int n_folds = static_cast<int>(groups.size());
  // The folds' data once: every repetition trains on the same normalised parts.
  std::vector<Part> train(n_folds), test(n_folds);
  for (int k = 0; k < n_folds; ++k) {
    train[k] = normalised_part(corpus, groups[k], false);
    test[k] = normalised_part(corpus, groups[k], true);
  }
  const double load_seconds = bench::seconds_now() - load_start;

  ser::ClassifierOptions options;  // the paper's `real` setting
  options.epochs = epochs;
  const int tasks = n_folds * repetitions;
  std::vector<double> uar(tasks);
  std::atomic<int> next{0};
  auto worker = [&] {
    const ops::ExecutionScope bound(exec);
    for (int t = next++; t < tasks; t = next++) {
      const int rep = t / n_folds, k = t % n_folds;
      const std::string name = "ser/real/fold=" + std::to_string(k) + "/rep=" + std::to_string(rep);
      ser::MlpClassifier c(static_cast<int>(corpus.dims()), corpus.num_classes(), options, 1,
                           task_id_from_name(name.c_str()));
      c.train(train[k].x.view(), train[k].y, ser::MlpClassifier::passes_for(epochs));
      uar[t] = ser::evaluate(test[k].y, c.predict(test[k].x.view()), corpus.num_classes()).uar;
    }
  };
  const double start = bench::seconds_now();
  if (jobs > 1) {
    std::vector<std::thread> pool;
    for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  } else {
    worker();
  }
  const double seconds = bench::seconds_now() - start;

  std::vector<double> rep_uar(repetitions, 0.0);
  for (int t = 0; t < tasks; ++t) rep_uar[t / n_folds] += uar[t] / n_folds;
  double mean = 0.0, var = 0.0;
  for (double u : rep_uar) mean += u / repetitions;
  for (double u : rep_uar) var += (u - mean) * (u - mean) / repetitions;
  std::printf("ser_real_folds %d\n", n_folds);
  std::printf("ser_real_repetitions %d\n", repetitions);
  std::printf("ser_real_epochs %d\n", epochs);
  std::printf("ser_real_jobs %d\n", jobs);
  std::printf("ser_real_blas_threads %d\n", blas_threads);
  std::printf("ser_real_load_seconds %.2f\n", load_seconds);
  std::printf("ser_real_loso_uar_mean_emoaug %.2f\n", 100 * mean);
  std::printf("ser_real_loso_uar_std_emoaug %.2f\n", 100 * std::sqrt(var));
  std::printf("ser_real_loso_seconds_emoaug %.2f\n", seconds);
  return 0;
}
