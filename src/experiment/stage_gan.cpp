#include "experiment/stage_gan.h"

#include <dirent.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "backend/ops.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "data/corpus_io.h"
#include "data/scaler.h"
#include "experiment/state_io.h"
#include "gan/emotion_transfer.h"
#include "gan/statistics.h"

namespace emoaug::experiment {
namespace {

// Columns of the loss history, one row per epoch (pretraining epochs first).
constexpr int kLossColumns = 8;
const char* const kLossNames[kLossColumns] = {
    "epoch", "adversarial_phase", "discriminator", "adversarial",
    "cycle", "classification",    "accuracy",      "pretrain_cycle"};

// The task's training data in the GANs' min-max units: the targets scaled with a scaler fitted on
// the labeled training rows, the source with its own (DESIGN.md).
struct ScaledData {
  data::MinMaxScaler target_scaler, source_scaler;
  Tensor source;
  std::vector<Tensor> targets;

  gan::TransferData view() const {
    gan::TransferData d;
    d.source = source.view();
    for (const Tensor& t : targets) d.targets.push_back(t.view());
    return d;
  }
};

std::vector<int64_t> training_rows(const RunContext& ctx, const GanTask& task) {
  if (task.fold >= 0) return ctx.corpora.folds.at(task.fold).train;
  std::vector<int64_t> all(ctx.corpora.target.rows());
  for (int64_t r = 0; r < ctx.corpora.target.rows(); ++r) all[r] = r;
  return all;
}

ScaledData scale_for_task(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  const std::vector<int64_t> rows = training_rows(ctx, task);
  ScaledData s;
  s.target_scaler.fit(x.features.view(), rows);
  for (int e = 0; e < x.num_classes(); ++e) {
    std::vector<int> class_rows;
    for (int64_t r : rows)
      if (x.labels[r] == e) class_rows.push_back(static_cast<int>(r));
    Tensor t(static_cast<int64_t>(class_rows.size()), x.dims());
    ops::gather_rows(x.features.view(), class_rows.data(), t.view());
    s.target_scaler.transform(t.view());
    s.targets.push_back(std::move(t));
  }
  s.source = ctx.corpora.source.features.clone();
  s.source_scaler.fit(s.source.view());
  s.source_scaler.transform(s.source.view());
  return s;
}

// The newest epoch count for which a checkpoint of every emotion exists (0: none). Ranks of a
// group write their emotions' checkpoints at the same epochs, so a complete set is consistent.
int newest_complete_checkpoint(const RunContext& ctx, const GanTask& task, int emotions) {
  const std::string folder = ctx.dir.task_path(task.name()) + "/checkpoint";
  std::map<int, int> found;  // epochs -> emotions present
  if (DIR* dir = opendir(folder.c_str())) {
    while (dirent* entry = readdir(dir)) {
      int emotion = -1, epochs = -1;
      char tail[8] = {0};
      if (std::sscanf(entry->d_name, "emotion%d.epoch%d.%3s", &emotion, &epochs, tail) == 3 &&
          std::string(tail) == "h5" && emotion >= 0 && emotion < emotions)
        ++found[epochs];
    }
    closedir(dir);
  }
  for (auto it = found.rbegin(); it != found.rend(); ++it)
    if (it->second == emotions) return it->first;
  return 0;
}

void remove_checkpoints_before(const RunContext& ctx, const GanTask& task, int emotion,
                               int keep_from) {
  const std::string folder = ctx.dir.task_path(task.name()) + "/checkpoint";
  DIR* dir = opendir(folder.c_str());
  if (!dir) return;
  std::vector<std::string> doomed;
  while (dirent* entry = readdir(dir)) {
    int e = -1, epochs = -1;
    if (std::sscanf(entry->d_name, "emotion%d.epoch%d.", &e, &epochs) == 2 && e == emotion &&
        epochs < keep_from)
      doomed.push_back(folder + "/" + entry->d_name);
  }
  closedir(dir);
  for (const std::string& path : doomed) std::remove(path.c_str());
}

std::string format_duration(double seconds) {
  char buf[32];
  if (seconds < 60)
    std::snprintf(buf, sizeof(buf), "%.0fs", seconds);
  else if (seconds < 3600)
    std::snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  else
    std::snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(seconds) / 3600,
                  static_cast<int>(seconds) % 3600 / 60);
  return buf;
}

// Which source rows are transferred: all of S, or generate_per_class rows of a seeded shuffle
// (repeating S when asking for more rows than it has). The same rows for every emotion.
std::vector<int> generation_rows(const RunContext& ctx, const GanTask& task) {
  const int n = static_cast<int>(ctx.corpora.source.rows());
  const int wanted = ctx.cfg.gan.generate_per_class > 0 ? ctx.cfg.gan.generate_per_class : n;
  std::vector<int> rows(wanted);
  if (ctx.cfg.gan.generate_per_class <= 0) {
    for (int i = 0; i < n; ++i) rows[i] = i;
    return rows;
  }
  Rng rng(ctx.cfg.experiment.seed, task_id(task.name()), StreamId::Data);
  std::vector<int> order = rng.permutation(n);
  for (int i = 0; i < wanted; ++i) rows[i] = order[i % n];
  return rows;
}

struct History {
  int width = 0;
  std::vector<float> rows;  // [epochs x width]: epoch, phase, then kLossColumns-2 per emotion

  void append(int epoch, const gan::EpochReport& r) {
    rows.push_back(static_cast<float>(epoch));
    rows.push_back(r.pretraining ? 0.0f : 1.0f);
    for (const gan::EmotionLosses& l : r.per_emotion)
      for (double v :
           {l.discriminator, l.adversarial, l.cycle, l.classification, l.accuracy, l.pretrain})
        rows.push_back(static_cast<float>(v));
  }
  int64_t epochs() const { return width ? static_cast<int64_t>(rows.size()) / width : 0; }
  // One emotion's columns in kLossNames order.
  Tensor of_emotion(int e) const {
    Tensor t(epochs(), kLossColumns);
    for (int64_t k = 0; k < epochs(); ++k) {
      const float* row = rows.data() + k * width;
      t(k, 0) = row[0];
      t(k, 1) = row[1];
      for (int c = 0; c < kLossColumns - 2; ++c) t(k, 2 + c) = row[2 + e * (kLossColumns - 2) + c];
    }
    return t;
  }
};

void write_emotion_output(const RunContext& ctx, const GanTask& task, int emotion,
                          const ScaledData& scaled, const Tensor& synthetic_scaled,
                          const History& history) {
  const data::Corpus& x = ctx.corpora.target;
  data::Corpus syn;
  syn.features = synthetic_scaled.clone();
  scaled.target_scaler.inverse_transform(syn.features.view());
  // A one-class corpus: valid on its own (no empty classes) and named by its emotion;
  // read_synthetic maps it back to the emotion's index.
  syn.labels.assign(syn.features.rows(), 0);
  syn.groups.assign(syn.features.rows(), 0);
  syn.class_names = {x.class_names[emotion]};
  syn.feature_names = x.feature_names;
  syn.corpus = "synthetic";
  syn.feature_set = x.feature_set;
  syn.group_kind = "none";
  syn.description = "G_" + std::to_string(emotion) + "(source) of " + task.name() + ", " +
                    x.class_names[emotion] + ", from " + ctx.cfg.data.source;
  for (int64_t i = 0; i < syn.features.size(); ++i)
    if (!std::isfinite(syn.features.data()[i]))
      EMOAUG_FAIL(task.name(), ": the generator of '", x.class_names[emotion],
                  "' produced non-finite features (training diverged; lower gan.lr)");

  const ConstMatView target = scaled.targets[emotion].view();
  const double target_source = gan::mean_abs_mean_difference(target, scaled.source.view());
  const double target_synthetic = gan::mean_abs_mean_difference(target, synthetic_scaled.view());
  std::vector<double> mean_s, std_s, mean_g, std_g, mean_t, std_t;
  const std::vector<int>& columns = ctx.corpora.stats_features;
  gan::column_mean_std(scaled.source.view(), columns, mean_s, std_s);
  gan::column_mean_std(synthetic_scaled.view(), columns, mean_g, std_g);
  gan::column_mean_std(target, columns, mean_t, std_t);

  const std::string path = ctx.dir.gan_output(task.name(), emotion);
  write_atomically(path, [&](const std::string& temp) {
    data::h5::File file = data::h5::File::create(temp);
    data::h5::Group root = file.root();
    root.write_string_attr("format", "emoaug-gan-task");
    root.write_string_attr("task", task.name());
    root.write_int_attr("emotion", emotion);
    root.write_string_attr("class_name", x.class_names[emotion]);
    root.write_double_attr("lambda_cls", task.lambda_cls);
    root.write_int_attr("fold", task.fold);
    root.write_int_attr("held_out_group", task.fold >= 0 ? ctx.corpora.folds[task.fold].group : -1);
    root.write_int_attr("seed", static_cast<int64_t>(ctx.cfg.experiment.seed));
    root.write_int_attr("epochs", ctx.cfg.gan.options.epochs);
    root.write_int_attr("pretrain_epochs", ctx.cfg.gan.options.pretrain_epochs);
    data::write_corpus(file, "synthetic", syn);
    data::h5::Group stats = root.create_group("stats");
    stats.write_double_attr("target_source", target_source);
    stats.write_double_attr("target_synthetic", target_synthetic);
    stats.write_strings("features", ctx.cfg.gan.stats_features);
    stats.write_f64_1d("source_mean", mean_s);
    stats.write_f64_1d("source_std", std_s);
    stats.write_f64_1d("synthetic_mean", mean_g);
    stats.write_f64_1d("synthetic_std", std_g);
    stats.write_f64_1d("target_mean", mean_t);
    stats.write_f64_1d("target_std", std_t);
    Tensor losses = history.of_emotion(emotion);
    root.write_f32_2d("losses", losses.view(), false);
    root.write_strings("loss_columns",
                       std::vector<std::string>(kLossNames, kLossNames + kLossColumns));
    file.close();
  });
}

}  // namespace

bool gan_task_finished(const RunContext& ctx, const GanTask& task) {
  for (int e = 0; e < ctx.corpora.target.num_classes(); ++e)
    if (!file_exists(ctx.dir.gan_output(task.name(), e))) return false;
  return true;
}

void run_gan_task(const RunContext& ctx, const GanTask& task, const std::vector<int>& local,
                  gan::ClassifierGradientSum& gradient_sum) {
  const config::ExperimentConfig& cfg = ctx.cfg;
  const gan::CycleGanOptions& o = cfg.gan.options;
  const int emotions = ctx.corpora.target.num_classes();
  const std::string name = task.name();
  make_directories(ctx.dir.task_path(name) + "/checkpoint");

  ScaledData scaled = scale_for_task(ctx, task);
  const gan::TransferData data = scaled.view();
  gan::EmotionTransferGroup group(o, static_cast<int>(ctx.corpora.target.dims()), emotions,
                                  static_cast<float>(task.lambda_cls), cfg.experiment.seed,
                                  task_id(name), local, &gradient_sum);
  History history;
  history.width = 2 + emotions * (kLossColumns - 2);

  const int pretrain = o.pretrain_epochs, total = o.pretrain_epochs + o.epochs;
  int done = newest_complete_checkpoint(ctx, task, emotions);
  if (done > 0) {
    StateDict state;
    for (int e : local) {
      StateDict part = read_state(ctx.dir.gan_checkpoint(name, e, done));
      state.floats.merge(part.floats);
      state.ints.merge(part.ints);
    }
    group.load(state);
    history.rows = state.floats.at("history");
    if (ctx.verbose) log_info("%s: resuming after epoch %d of %d", name.c_str(), done, total);
  }

  // Seconds per epoch are measured per phase: an adversarial epoch costs a few pretraining ones.
  auto phase_started = std::chrono::steady_clock::now();
  auto last_print = phase_started - std::chrono::hours(1);
  int phase_first = done;
  for (int k = done; k < total; ++k) {
    if (k == pretrain) {
      group.start_adversarial();
      phase_started = std::chrono::steady_clock::now();
      phase_first = k;
    }
    const gan::EpochReport report =
        k < pretrain ? group.pretrain_epoch(k, data) : group.train_epoch(k - pretrain, data);
    history.append(k, report);
    done = k + 1;

    const auto now = std::chrono::steady_clock::now();
    if (ctx.verbose && (now - last_print > std::chrono::seconds(10) || done == total)) {
      last_print = now;
      const double per_epoch =
          std::chrono::duration<double>(now - phase_started).count() / (done - phase_first);
      const gan::EmotionLosses& m = report.mean;
      if (report.pretraining)
        log_info("%s: pretrain %d/%d | cycle %.4f | %.2fs/epoch, pretraining ends in %s",
                 name.c_str(), done, pretrain, m.pretrain, per_epoch,
                 format_duration(per_epoch * (pretrain - done)).c_str());
      else {
        // C's loss and accuracy on the generated batches, where λcls > 0 brings C in.
        char classifier[64] = "";
        if (group.has_classifier())
          std::snprintf(classifier, sizeof(classifier), " cls %.3f acc %.2f", m.classification,
                        m.accuracy);
        log_info("%s: epoch %d/%d | D %.3f adv %.3f cyc %.4f%s | %.2fs/epoch, ETA %s", name.c_str(),
                 done - pretrain, o.epochs, m.discriminator, m.adversarial, m.cycle, classifier,
                 per_epoch, format_duration(per_epoch * (total - done)).c_str());
      }
    }

    const bool stopping = report.stop && done < total;
    const bool due = (o.checkpoint_every > 0 && done % o.checkpoint_every == 0) || done == total;
    if (due || stopping) {
      StateDict state;
      group.save(state);
      for (int e : local) {
        // Each emotion's file holds its own networks plus the shared classifier and the history,
        // so any layout of emotions over ranks can resume from the set.
        StateDict part;
        const std::string prefix = "emotion" + std::to_string(e) + "/";
        for (const auto& [key, v] : state.floats)
          if (key.rfind(prefix, 0) == 0 || key.rfind("classifier/", 0) == 0) part.floats[key] = v;
        for (const auto& [key, v] : state.ints)
          if (key.rfind(prefix, 0) == 0 || key.rfind("classifier/", 0) == 0) part.ints[key] = v;
        part.floats["history"] = history.rows;
        part.put_int("epochs_done", done);
        write_state(ctx.dir.gan_checkpoint(name, e, done), part);
        // Ranks are at most one checkpoint apart, so the previous one is kept until this one is.
        remove_checkpoints_before(ctx, task, e, done - std::max(1, o.checkpoint_every));
      }
    }
    if (stopping)
      throw Preempted(name + " stopped by " + stop_signal_name() + " after epoch " +
                      std::to_string(done) + " of " + std::to_string(total) +
                      " (checkpoint written; rerun the same command to resume)");
  }

  const std::vector<int> rows = generation_rows(ctx, task);
  Tensor source_rows(static_cast<int64_t>(rows.size()), scaled.source.cols());
  ops::gather_rows(scaled.source.view(), rows.data(), source_rows.view());
  Tensor synthetic(source_rows.rows(), source_rows.cols());
  for (int e : local) {
    group.generate(e, source_rows.view(), synthetic.view());
    write_emotion_output(ctx, task, e, scaled, synthetic, history);
  }
}

data::Corpus read_synthetic(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  std::vector<data::Corpus> parts;
  int64_t rows = 0;
  for (int e = 0; e < x.num_classes(); ++e) {
    const std::string path = ctx.dir.gan_output(task.name(), e);
    parts.push_back(data::read_corpus(path, "synthetic"));
    const data::Corpus& p = parts.back();
    if (p.class_names.size() != 1 || p.class_names[0] != x.class_names[e] || p.dims() != x.dims())
      EMOAUG_FAIL(path, ": holds ", p.dims(), " features of class '",
                  p.class_names.empty() ? "" : p.class_names[0], "', expected ", x.dims(), " of '",
                  x.class_names[e], "'");
    rows += p.rows();
  }
  data::Corpus all;
  all.features = Tensor(rows, x.dims());
  int64_t at = 0;
  for (int e = 0; e < x.num_classes(); ++e) {
    const data::Corpus& p = parts[e];
    ops::copy(p.features.view(), all.features.row_range(at, p.rows()));
    at += p.rows();
    all.labels.insert(all.labels.end(), static_cast<size_t>(p.rows()), e);
    all.groups.insert(all.groups.end(), p.groups.begin(), p.groups.end());
  }
  all.class_names = x.class_names;
  all.feature_names = x.feature_names;
  all.corpus = "synthetic";
  all.feature_set = x.feature_set;
  all.group_kind = "none";
  all.description = "synthetic corpus of " + task.name();
  return all;
}

}  // namespace emoaug::experiment
