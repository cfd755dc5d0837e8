// emoaug_compare_runs A B: exits 0 when two run directories hold the same numbers — the summary,
// every SER task's UAR, recall, confusion matrix and predictions, and every synthetic corpus — and
// 1 naming the first difference. Timings, hosts and rank counts are provenance, not numbers, and
// are not compared.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "config/config.h"
#include "data/corpus_io.h"
#include "data/h5.h"
#include "experiment/plan.h"
#include "experiment/stage_ser.h"

using namespace emoaug;

namespace {

template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || !std::memcmp(a.data(), b.data(), a.size() * sizeof(T)));
}

bool fail(const std::string& what) {
  std::fprintf(stderr, "runs differ: %s\n", what.c_str());
  return false;
}

bool compare(const std::string& a_dir, const std::string& b_dir) {
  data::h5::File fa = data::h5::File::open(a_dir + "/results.h5");
  data::h5::File fb = data::h5::File::open(b_dir + "/results.h5");
  data::h5::Group sa = fa.root().open_group("summary"), sb = fb.root().open_group("summary");
  for (const char* name : {"uar_mean", "uar_std", "uar_dev_mean", "uar_dev_std", "lambda_cls"})
    if (!same(sa.read_f64_1d(name), sb.read_f64_1d(name)))
      return fail(std::string("summary/") + name);
  Tensor ca = sa.read_f32_2d("confusion"), cb = sb.read_f32_2d("confusion");
  if (ca.size() != cb.size() || std::memcmp(ca.data(), cb.data(), ca.size() * sizeof(float)))
    return fail("summary/confusion");

  const experiment::ExistingRun run = experiment::open_existing_run(a_dir);
  const experiment::RunContext& a = run.ctx;
  const experiment::RunDirectory b_run(b_dir);
  const experiment::Plan& plan = run.plan;
  for (const experiment::SerTask& t : plan.ser) {
    experiment::SerOutcome x = experiment::read_ser_outcome(a.dir.ser_output(t.key()), t);
    experiment::SerOutcome y = experiment::read_ser_outcome(b_run.ser_output(t.key()), t);
    if (x.uar != y.uar || x.uar_dev != y.uar_dev || !same(x.recall, y.recall) ||
        !same(x.confusion, y.confusion) || !same(x.predictions, y.predictions))
      return fail(t.key().name());
  }
  for (const experiment::GanTask& t : plan.gan)
    for (int e = 0; e < a.corpora.target.num_classes(); ++e) {
      data::Corpus x = data::read_corpus(a.dir.gan_output(t.key(), e), "synthetic");
      data::Corpus y = data::read_corpus(b_run.gan_output(t.key(), e), "synthetic");
      if (x.features.size() != y.features.size() ||
          std::memcmp(x.features.data(), y.features.data(), x.features.size() * sizeof(float)))
        return fail(t.key().name() + " emotion " + std::to_string(e) + " synthetic features");
    }
  std::printf("same numbers: %zu SER tasks, %zu GAN groups\n", plan.ser.size(), plan.gan.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: emoaug_compare_runs RUNDIR_A RUNDIR_B\n");
    return 2;
  }
  try {
    return compare(argv[1], argv[2]) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "emoaug_compare_runs: %s\n", e.what());
    return 1;
  }
}
