#include "experiment/stage_ser.h"

#include <algorithm>
#include <chrono>

#include "backend/ops.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/h5.h"
#include "data/scaler.h"
#include "experiment/estimates.h"
#include "experiment/stage_gan.h"
#include "experiment/state_io.h"
#include "ser/metrics.h"
#include "ser/registry.h"

namespace emoaug::experiment {
namespace {

using config::SerSetting;

Tensor rows_of(const data::Corpus& c, const std::vector<int64_t>& rows) {
  Tensor t(static_cast<int64_t>(rows.size()), c.dims());
  for (size_t i = 0; i < rows.size(); ++i)
    ops::copy(c.features.row_range(rows[i], 1), t.row_range(static_cast<int64_t>(i), 1));
  return t;
}

std::vector<int32_t> labels_of(const data::Corpus& c, const std::vector<int64_t>& rows) {
  std::vector<int32_t> y;
  y.reserve(rows.size());
  for (int64_t r : rows) y.push_back(c.labels[r]);
  return y;
}

std::vector<int64_t> all_rows(const data::Corpus& c) {
  std::vector<int64_t> r(c.rows());
  for (int64_t i = 0; i < c.rows(); ++i) r[i] = i;
  return r;
}

// A part of an evaluation: features scaled as the config says, and labels.
struct Part {
  Tensor x;
  std::vector<int32_t> y;
};

}  // namespace

SerOutcome run_ser_task(const RunContext& ctx, ops::ExecutionContext& exec, const SerTask& task) {
  const ops::ExecutionScope bound(exec);
  const auto started = std::chrono::steady_clock::now();
  const config::ExperimentConfig& cfg = task.cfg();
  const data::Corpus& x = ctx.corpora.target;
  const bool cross = task.protocol == Protocol::Cross;
  const bool use_real = task.setting != SerSetting::Syn;
  const bool use_syn = task.setting != SerSetting::Real;
  const data::StdKind std_kind = cfg.ser.std_kind;

  // Training data: each dataset z-normalised with its own statistics (paper §4.1), then stacked.
  data::ZScoreScaler real_scaler, syn_scaler;
  Part real, syn;
  if (use_real) {
    std::vector<int64_t> rows = cross ? all_rows(x) : ctx.corpora.folds.at(task.fold).train;
    real = {rows_of(x, rows), labels_of(x, rows)};
    real_scaler.fit(real.x.view(), std_kind);
    real_scaler.transform(real.x.view());
  }
  if (use_syn) {
    data::Corpus s = read_synthetic(ctx, task.source_gan());
    syn = {std::move(s.features), std::move(s.labels)};
    syn_scaler.fit(syn.x.view(), std_kind);
    syn_scaler.transform(syn.x.view());
  }
  Part train;
  train.x = Tensor(real.x.rows() + syn.x.rows(), x.dims());
  if (use_real) ops::copy(real.x.view(), train.x.row_range(0, real.x.rows()));
  if (use_syn) ops::copy(syn.x.view(), train.x.row_range(real.x.rows(), syn.x.rows()));
  train.y = real.y;
  train.y.insert(train.y.end(), syn.y.begin(), syn.y.end());

  // Test (and cross-corpus dev) data: its own statistics, or the training data's on request.
  const data::ZScoreScaler& train_scaler = use_real ? real_scaler : syn_scaler;
  auto evaluation_part = [&](const data::Corpus& c, const std::vector<int64_t>& rows) {
    Part p{rows_of(c, rows), labels_of(c, rows)};
    if (cfg.ser.test_normalization == config::TestNormalization::Separate) {
      data::ZScoreScaler own;
      own.fit(p.x.view(), std_kind);
      own.transform(p.x.view());
    } else {
      train_scaler.transform(p.x.view());
    }
    return p;
  };
  Part test = cross ? evaluation_part(ctx.corpora.cross, ctx.corpora.cross_split.second)
                    : evaluation_part(x, ctx.corpora.folds.at(task.fold).test);
  Part dev;
  if (cross) dev = evaluation_part(ctx.corpora.cross, ctx.corpora.cross_split.first);

  const ser::ClassifierOptions& options = task.classifier();
  const ser::ClassifierKind& kind = ser::classifier_kind(options.classifier);
  std::unique_ptr<ser::Classifier> classifier =
      kind.make(static_cast<int>(x.dims()), x.num_classes(), options, cfg.experiment.seed,
                task.key().stream_id());
  // On a GPU the model and the task's data live there; the data go up once.
  if (exec.device() == Device::Cuda) {
    check_gpu_memory(task.key(), estimate_gpu_bytes(ctx, task), exec.gpu_ranks() * exec.threads());
    classifier->to(Device::Cuda);
    for (Part* p : {&train, &test, &dev}) p->x = p->x.to(Device::Cuda);
  }
  const int epochs = kind.epochs(options);
  const int fixed_passes = kind.passes_for(epochs);
  std::vector<int> dev_passes;
  if (cross)
    for (int e : cfg.ser.dev_epochs) dev_passes.push_back(kind.passes_for(e));
  int passes = fixed_passes;
  for (int p : dev_passes) passes = std::max(passes, p);

  SerOutcome out;
  out.task = task;
  std::vector<int32_t> fixed_predictions;
  double best_dev = -1;
  classifier->train(train.x.view(), train.y, passes, [&](int pass) {
    if (pass == fixed_passes) fixed_predictions = classifier->predict(test.x.view());
    if (std::find(dev_passes.begin(), dev_passes.end(), pass) == dev_passes.end()) return;
    // The dev part picks the epoch count; ties keep the smaller count.
    const double dev_uar =
        ser::evaluate(dev.y, classifier->predict(dev.x.view()), x.num_classes()).uar;
    if (dev_uar > best_dev) {
      best_dev = dev_uar;
      out.dev_epochs = pass - 1;
      out.uar_dev = ser::evaluate(test.y, classifier->predict(test.x.view()), x.num_classes()).uar;
    }
  });
  const ser::Evaluation ev = ser::evaluate(test.y, fixed_predictions, x.num_classes());
  out.uar = ev.uar;
  out.recall = ev.recall;
  out.confusion = ev.confusion;
  out.truth = test.y;
  out.predictions = fixed_predictions;
  out.epochs = epochs;
  out.train_rows = train.x.rows();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ctx.dir.make_task_folders(task.key());
  if (cfg.ser.save_classifiers) {
    StateDict model;
    classifier->save(model);
    model.put_int("dims", x.dims());
    model.put_int("classes", x.num_classes());
    write_state(ctx.dir.ser_classifier(task.key()), model);
  }
  write_atomically(ctx.dir.ser_output(task.key()), [&](const std::string& temp) {
    data::h5::File file = data::h5::File::create(temp);
    write_ser_outcome(file.root(), out);
    file.close();
  });
  return out;
}

void write_ser_outcome(const data::h5::Group& g, const SerOutcome& o) {
  g.write_string_attr("format", "emoaug-ser-task");
  g.write_string_attr("task", o.task.key().name());
  g.write_string_attr("setting", name_of(o.task.setting));
  g.write_string_attr("protocol", name_of(o.task.protocol));
  g.write_double_attr("lambda_cls",
                      o.task.setting == SerSetting::Real ? 0.0 : o.task.source_gan().lambda_cls());
  g.write_int_attr("fold", o.task.fold);
  g.write_int_attr("repetition", o.task.repetition);
  g.write_double_attr("uar", o.uar);
  g.write_double_attr("uar_dev", o.uar_dev);
  g.write_int_attr("dev_epochs", o.dev_epochs);
  g.write_int_attr("epochs", o.epochs);
  g.write_int_attr("train_rows", o.train_rows);
  g.write_double_attr("seconds", o.seconds);
  g.write_f64_1d("recall", o.recall);
  g.write_i64_1d("confusion", o.confusion);
  g.write_i32_1d("truth", o.truth);
  g.write_i32_1d("predictions", o.predictions);
}

SerOutcome read_ser_outcome(const data::h5::Group& g, const SerTask& task) {
  if (!g.has_attr("format") || g.read_string_attr("format") != "emoaug-ser-task")
    EMOAUG_FAIL(g.where(""), ": not an emoaug SER task result");
  if (g.read_string_attr("task") != task.key().name())
    EMOAUG_FAIL(g.where(""), ": holds the result of ", g.read_string_attr("task"), ", not of ",
                task.key().name());
  SerOutcome o;
  o.task = task;
  o.uar = g.read_double_attr("uar");
  o.uar_dev = g.read_double_attr("uar_dev");
  o.dev_epochs = static_cast<int>(g.read_int_attr("dev_epochs"));
  o.epochs = static_cast<int>(g.read_int_attr("epochs"));
  o.train_rows = g.read_int_attr("train_rows");
  o.seconds = g.read_double_attr("seconds");
  o.recall = g.read_f64_1d("recall");
  o.confusion = g.read_i64_1d("confusion");
  o.truth = g.read_i32_1d("truth");
  o.predictions = g.read_i32_1d("predictions");
  return o;
}

SerOutcome read_ser_outcome(const std::string& path, const SerTask& task) {
  data::h5::File file = data::h5::File::open(path);
  return read_ser_outcome(file.root(), task);
}

}  // namespace emoaug::experiment
