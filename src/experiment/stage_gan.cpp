#include "experiment/stage_gan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "backend/ops.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/text.h"
#include "data/corpus_io.h"
#include "data/scaler.h"
#include "experiment/estimates.h"
#include "experiment/probe.h"
#include "experiment/state_io.h"
#include "gan/emotion_transfer.h"
#include "gan/statistics.h"

namespace emoaug::experiment {
namespace {

// The loss history has one row per epoch (pretraining epochs first): these columns, then an
// emotion's gan::EmotionLosses values.
const char* const kHistoryColumns[] = {"epoch", "adversarial_phase"};
constexpr int kHistoryLead = 2;
constexpr int kLossColumns = kHistoryLead + gan::EmotionLosses::kValues;

std::vector<std::string> loss_column_names() {
  std::vector<std::string> names(kHistoryColumns, kHistoryColumns + kHistoryLead);
  names.insert(names.end(), gan::EmotionLosses::kNames.begin(), gan::EmotionLosses::kNames.end());
  return names;
}

// The task's training data in the GANs' min-max units: the targets scaled with a scaler fitted on
// the labeled training rows, the source with its own (docs/architecture.md, "The method").
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
  // The data on `device` (the scalers stay on the host, where the outputs are mapped back).
  ScaledData to(Device device) const {
    ScaledData d;
    d.source = source.to(device);
    for (const Tensor& t : targets) d.targets.push_back(t.to(device));
    return d;
  }
};

ScaledData scale_for_task(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  const std::vector<int64_t> rows = ctx.corpora.gan_training_rows(task.fold);
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
  const std::vector<int> source_rows = ctx.corpora.gan_source_rows(task.fold);
  s.source = Tensor(static_cast<int64_t>(source_rows.size()), x.dims());
  ops::gather_rows(ctx.corpora.source.features.view(), source_rows.data(), s.source.view());
  s.source_scaler.fit(s.source.view());
  s.source_scaler.transform(s.source.view());
  return s;
}

// Which of the task's source rows (scale_for_task's) are transferred: all, or generate_per_class
// rows of a seeded shuffle (repeating them when asking for more rows than there are). The same rows
// for every emotion.
std::vector<int> generation_rows(const RunContext& ctx, const GanTask& task) {
  const int n = static_cast<int>(ctx.corpora.gan_source_rows(task.fold).size());
  const int per_class = task.cfg().gan.generate_per_class;
  const int wanted = per_class > 0 ? per_class : n;
  std::vector<int> rows(wanted);
  if (per_class <= 0) {
    for (int i = 0; i < n; ++i) rows[i] = i;
    return rows;
  }
  Rng rng(task.cfg().experiment.seed, task.key().stream_id(), StreamId::Data);
  std::vector<int> order = rng.permutation(n);
  for (int i = 0; i < wanted; ++i) rows[i] = order[i % n];
  return rows;
}

struct History {
  int width = 0;
  std::vector<float> rows;  // [epochs x width]: the lead columns, then every emotion's values

  void append(int epoch, const gan::EpochReport& r) {
    rows.push_back(static_cast<float>(epoch));
    rows.push_back(r.pretraining ? 0.0f : 1.0f);
    for (const gan::EmotionLosses& l : r.per_emotion)
      for (double v : l.values()) rows.push_back(static_cast<float>(v));
  }
  int64_t epochs() const { return width ? static_cast<int64_t>(rows.size()) / width : 0; }
  // One emotion's columns in loss_column_names() order.
  Tensor of_emotion(int e) const {
    constexpr int kValues = gan::EmotionLosses::kValues;
    Tensor t(epochs(), kLossColumns);
    for (int64_t k = 0; k < epochs(); ++k) {
      const float* row = rows.data() + k * width;
      for (int c = 0; c < kHistoryLead; ++c) t(k, c) = row[c];
      for (int c = 0; c < kValues; ++c)
        t(k, kHistoryLead + c) = row[kHistoryLead + e * kValues + c];
    }
    return t;
  }
};

// What the probe found, for an emotion's output: the shares of its whole synthetic set, the
// epoch whose generators made it, and the probes while training (rows: epoch, then the shares of
// this emotion's subsample set).
struct ProbeRecord {
  std::vector<double> shares;
  int generator_epoch = 0;
  Tensor history;
};

// `synthetic_scaled` is the emotion's set in the GANs' units, `synthetic` the same in feature
// units (what the file keeps and the probe labelled).
void write_emotion_output(const RunContext& ctx, const GanTask& task, int emotion,
                          const ScaledData& scaled, const Tensor& synthetic_scaled,
                          Tensor synthetic, const History& history, const ProbeRecord& probe) {
  const data::Corpus& x = ctx.corpora.target;
  data::Corpus syn;
  syn.features = std::move(synthetic);
  // A one-class corpus: valid on its own (no empty classes) and named by its emotion;
  // read_synthetic maps it back to the emotion's index.
  syn.labels.assign(syn.features.rows(), 0);
  syn.groups.assign(syn.features.rows(), 0);
  syn.class_names = {x.class_names[emotion]};
  syn.feature_names = x.feature_names;
  syn.corpus = "synthetic";
  syn.feature_set = x.feature_set;
  syn.group_kind = "none";
  const std::string name = task.key().name();
  syn.description = "G_" + std::to_string(emotion) + "(source) of " + name + ", " +
                    x.class_names[emotion] + ", from " + ctx.cfg.data.source;
  for (int64_t i = 0; i < syn.features.size(); ++i)
    if (!std::isfinite(syn.features.data()[i]))
      EMOAUG_FAIL(name, ": the generator of '", x.class_names[emotion],
                  "' produced non-finite features (training diverged; lower gan.lr)");

  const ConstMatView target = scaled.targets[emotion].view();
  const double target_source = gan::mean_abs_mean_difference(target, scaled.source.view());
  const double target_synthetic = gan::mean_abs_mean_difference(target, synthetic_scaled.view());
  std::vector<double> mean_s, std_s, mean_g, std_g, mean_t, std_t;
  const std::vector<int>& columns = ctx.corpora.stats_features;
  gan::column_mean_std(scaled.source.view(), columns, mean_s, std_s);
  gan::column_mean_std(synthetic_scaled.view(), columns, mean_g, std_g);
  gan::column_mean_std(target, columns, mean_t, std_t);

  const std::string path = ctx.dir.gan_output(task.key(), emotion);
  write_atomically(path, [&](const std::string& temp) {
    data::h5::File file = data::h5::File::create(temp);
    data::h5::Group root = file.root();
    root.write_string_attr("format", "emoaug-gan-task");
    root.write_string_attr("task", name);
    root.write_int_attr("emotion", emotion);
    root.write_string_attr("class_name", x.class_names[emotion]);
    root.write_double_attr("lambda_cls", task.lambda_cls());
    root.write_int_attr("fold", task.fold);
    root.write_int_attr("held_out_group", task.fold >= 0 ? ctx.corpora.folds[task.fold].group : -1);
    root.write_int_attr("seed", static_cast<int64_t>(task.cfg().experiment.seed));
    root.write_int_attr("epochs", task.cfg().gan.options.epochs);
    root.write_int_attr("pretrain_epochs", task.cfg().gan.options.pretrain_epochs);
    data::write_corpus(file, "synthetic", syn);
    data::h5::Group stats = root.create_group("stats");
    stats.write_double_attr("target_source", target_source);
    stats.write_double_attr("target_synthetic", target_synthetic);
    stats.write_strings("features", ctx.corpora.stats_feature_names);
    stats.write_f64_1d("source_mean", mean_s);
    stats.write_f64_1d("source_std", std_s);
    stats.write_f64_1d("synthetic_mean", mean_g);
    stats.write_f64_1d("synthetic_std", std_g);
    stats.write_f64_1d("target_mean", mean_t);
    stats.write_f64_1d("target_std", std_t);
    stats.write_f64_1d("probe_shares", probe.shares);
    stats.write_double_attr("probe_agreement", probe.shares.at(static_cast<size_t>(emotion)));
    stats.write_int_attr("generator_epoch", probe.generator_epoch);
    stats.write_f32_2d("probe_history", probe.history.view(), false);
    Tensor losses = history.of_emotion(emotion);
    root.write_f32_2d("losses", losses.view(), false);
    root.write_strings("loss_columns", loss_column_names());
    file.close();
  });
}

// The task's networks, loss history and position, as the loop trains them.
struct Training {
  const RunContext& ctx;
  const GanTask& task;
  const TaskKey key;
  const std::vector<int>& local;
  gan::EmotionTransferGroup group;
  History history;
  int done;  // epochs, pretraining included
  // Epoch counts of the checkpoint sets on disk that this run relies on, oldest first, and whether
  // older ones wait to be deleted (once the whole group is past the newest set: see train).
  std::vector<int> kept;
  bool retire_due;
  // The probe (probe.h), the source rows it scores the generators on while they train (a fixed
  // subsample, on the group's device), and what it found: rows of [epoch, N x N shares], every
  // emotion's (gathered over the group's ranks). best_epoch: the probe's pick so far (0: none).
  Probe* probe = nullptr;
  Tensor probe_source;
  ProbeHistory probe_history;
  int best_epoch = 0;
  double probe_seconds = 0;  // scoring, this run (its training is the probe's own seconds())

  const gan::CycleGanOptions& options() const { return task.cfg().gan.options; }
  bool selects_by_probe() const {
    return task.cfg().gan.select_epoch == config::SelectEpoch::Probe;
  }
  int total() const { return options().pretrain_epochs + options().epochs; }
  bool is_local(int emotion) const {
    return std::find(local.begin(), local.end(), emotion) != local.end();
  }
};

// The local emotions' part of the checkpoint set after `epochs`, every emotion's file (the other
// ranks' too) read and proven by its checksum, so that every rank of a group judges a set alike.
// Files that fail are moved aside by the rank that owns their emotion, and logged.
std::optional<StateDict> load_checkpoint_set(const Training& t, int epochs) {
  StateDict state;
  bool sound = true;
  for (int e = 0; e < t.ctx.emotions(); ++e) {
    try {
      StateDict part = read_state(t.ctx.dir.gan_checkpoint(t.key, e, epochs));
      if (!t.is_local(e)) continue;
      state.floats.merge(part.floats);
      state.ints.merge(part.ints);
    } catch (const Error& error) {
      sound = false;
      if (!t.is_local(e)) continue;
      const std::string aside = t.ctx.dir.reject_checkpoint(t.key, e, epochs);
      log_warn("%s: skipping the checkpoint after epoch %d: %s (moved to %s)", t.key.name().c_str(),
               epochs, error.what(), aside.c_str());
    }
  }
  if (!sound) return std::nullopt;
  return state;
}

// Continues from the newest complete checkpoint set that loads; a damaged set costs only the
// epochs since the one before it, and none at all sends the task back to its start.
void resume(Training& t) {
  const std::vector<int> sets = t.ctx.dir.complete_checkpoints(t.key, t.ctx.emotions());
  for (int epochs : sets) {
    std::optional<StateDict> state = load_checkpoint_set(t, epochs);
    if (!state) continue;
    t.group.load(*state);
    t.history.rows = state->floats.at("history");
    t.done = epochs;
    t.kept = {epochs};
    if (state->floats.count("probe")) t.probe_history.rows = state->floats.at("probe");
    t.best_epoch = t.probe_history.best_epoch();
    if (t.best_epoch > 0 && t.best_epoch < epochs) t.kept.insert(t.kept.begin(), t.best_epoch);
    if (t.ctx.verbose)
      log_info("%s: resuming after epoch %d of %d", t.key.name().c_str(), t.done, t.total());
    return;
  }
  if (!sets.empty()) log_warn("%s: no checkpoint loads; starting over", t.key.name().c_str());
}

// One checkpoint per local emotion: its own networks plus the shared classifier and the history,
// so that any layout of emotions over ranks can resume from the set.
void save_checkpoint(Training& t) {
  StateDict state;
  t.group.save(state);
  for (int e : t.local) {
    StateDict part;
    const std::string prefix = "emotion" + std::to_string(e) + "/";
    for (const auto& [key, v] : state.floats)
      if (key.rfind(prefix, 0) == 0 || key.rfind("classifier/", 0) == 0) part.floats[key] = v;
    for (const auto& [key, v] : state.ints)
      if (key.rfind(prefix, 0) == 0 || key.rfind("classifier/", 0) == 0) part.ints[key] = v;
    part.floats["history"] = t.history.rows;
    if (!t.probe_history.rows.empty()) part.floats["probe"] = t.probe_history.rows;
    part.put_int("epochs_done", t.done);
    write_state(t.ctx.dir.gan_checkpoint(t.key, e, t.done), part);
  }
  t.kept.push_back(t.done);
  t.retire_due = true;
}

// Deletes the local emotions' checkpoints older than the newest gan.keep_checkpoints sets. Called
// an epoch after a set was written: the epoch's collectives mean every rank of the group had
// finished writing its part of the set, so the set is complete and durable before an older one
// goes.
// With gan.select_epoch = "probe" the probe's pick stays as well, whatever its age.
void retire_checkpoints(Training& t) {
  const size_t keep = static_cast<size_t>(t.ctx.cfg.gan.keep_checkpoints);
  std::vector<int> stay(t.kept.end() - static_cast<std::ptrdiff_t>(std::min(keep, t.kept.size())),
                        t.kept.end());
  if (t.selects_by_probe() && t.best_epoch > 0 &&
      std::find(stay.begin(), stay.end(), t.best_epoch) == stay.end())
    stay.insert(stay.begin(), t.best_epoch);
  for (int epochs : t.kept)
    if (std::find(stay.begin(), stay.end(), epochs) == stay.end())
      for (int e : t.local) t.ctx.dir.remove_checkpoint(t.key, e, epochs);
  t.kept = stay;
  for (int e : t.local) t.ctx.dir.remove_checkpoints_before(t.key, e, t.kept.front());
  t.retire_due = false;
}

// The progress line, at most every 10 s. Seconds per epoch are measured per phase (four decimals,
// so that a GPU phase shorter than the 10 s clock still has its figure): an adversarial epoch costs
// a few pretraining ones.
class Progress {
 public:
  explicit Progress(int first_epoch) : phase_first_(first_epoch) {}

  void start_phase(int epoch) {
    phase_started_ = std::chrono::steady_clock::now();
    phase_first_ = epoch;
  }

  void report(const Training& t, const gan::EpochReport& report) {
    const auto now = std::chrono::steady_clock::now();
    const int done = t.done, total = t.total(), pretrain = t.options().pretrain_epochs;
    if (!t.ctx.verbose || (now - last_print_ < std::chrono::seconds(10) && done != total)) return;
    last_print_ = now;
    const double per_epoch =
        std::chrono::duration<double>(now - phase_started_).count() / (done - phase_first_);
    const gan::EmotionLosses& m = report.mean;
    const std::string name = t.key.name();
    if (report.pretraining) {
      log_info("%s: pretrain %d/%d | cycle %.4f | %.4fs/epoch, pretraining ends in %s",
               name.c_str(), done, pretrain, m.pretrain, per_epoch,
               format_duration(per_epoch * (pretrain - done)).c_str());
      return;
    }
    // C's loss and accuracy on the generated batches, where λcls > 0 brings C in.
    char classifier[64] = "";
    if (t.group.has_classifier())
      std::snprintf(classifier, sizeof(classifier), " cls %.3f acc %.2f", m.classification,
                    m.accuracy);
    log_info("%s: epoch %d/%d | D %.3f adv %.3f cyc %.4f%s | %.4fs/epoch, ETA %s", name.c_str(),
             done - pretrain, t.options().epochs, m.discriminator, m.adversarial, m.cycle,
             classifier, per_epoch, format_duration(per_epoch * (total - done)).c_str());
  }

 private:
  std::chrono::steady_clock::time_point phase_started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print_ = phase_started_ - std::chrono::hours(1);
  int phase_first_;
};

// The probe's shares of every emotion's set generated now from the fixed source subsample, in
// feature units, gathered over the group's ranks (rows of other ranks' emotions come from them).
ProbeMatrix probe_generators(Training& t, const ScaledData& scaled,
                             gan::ClassifierGradientSum& gradient_sum) {
  const int n = t.ctx.emotions();
  Tensor shares(n, n);  // zero: the rows of emotions held elsewhere
  Tensor out(t.probe_source.rows(), t.probe_source.cols(), t.probe_source.device());
  for (int e : t.local) {
    t.group.generate(e, t.probe_source.view(), out.view());
    Tensor rows = out.to(Device::Host);
    apply_test_generator(scaled.targets, e, rows.view());
    scaled.target_scaler.inverse_transform(rows.view());
    const std::vector<double> s = t.probe->label_shares(rows);
    for (int c = 0; c < n; ++c) shares(e, c) = static_cast<float>(s[static_cast<size_t>(c)]);
  }
  gradient_sum.gather_stats(shares.view());
  ProbeMatrix m{n, std::vector<double>(static_cast<size_t>(n) * n)};
  for (int e = 0; e < n; ++e)
    for (int c = 0; c < n; ++c) m.shares[static_cast<size_t>(e) * n + c] = shares(e, c);
  return m;
}

// Probes in the adversarial phase, every gan.probe_every epochs (0: at each checkpoint) and after
// the last; the pretraining generators map the source nearly onto itself and are no candidates.
bool probe_due(const Training& t) {
  const config::GanSection& g = t.task.cfg().gan;
  const int every = g.probe_every > 0 ? g.probe_every : g.options.checkpoint_every;
  if (t.done <= t.options().pretrain_epochs) return false;
  return t.done == t.total() || (every > 0 && t.done % every == 0);
}

void record_probe(Training& t, const ScaledData& scaled, gan::ClassifierGradientSum& sum) {
  const auto started = std::chrono::steady_clock::now();
  const ProbeMatrix m = probe_generators(t, scaled, sum);
  t.probe_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  t.probe_history.append(t.done, m);
  if (t.selects_by_probe()) t.best_epoch = t.probe_history.best_epoch();
  if (!t.ctx.verbose || t.local.front() != 0) return;
  std::string line;
  char buf[64];
  for (int e = 0; e < m.classes; ++e) {
    std::snprintf(buf, sizeof(buf), "%s%s %.2f", e ? ", " : "",
                  t.ctx.corpora.target.class_names[static_cast<size_t>(e)].c_str(), m.agreement(e));
    line += buf;
  }
  log_info(
      "%s: probe after epoch %d: %s (mean %.2f)%s", t.key.name().c_str(), t.done, line.c_str(),
      m.mean_agreement(),
      t.selects_by_probe() ? (", best after epoch " + std::to_string(t.best_epoch)).c_str() : "");
}

// Pretraining, then adversarial training, checkpointing every checkpoint_every epochs, at the end,
// and when a stop was requested (then throws Preempted); the probe looks at the generators at its
// epochs, before that epoch's checkpoint, which then holds what it found.
void train(Training& t, const gan::TransferData& data, const ScaledData& scaled,
           gan::ClassifierGradientSum& gradient_sum) {
  const gan::CycleGanOptions& o = t.options();
  const int pretrain = o.pretrain_epochs, total = t.total();
  Progress progress(t.done);
  for (int k = t.done; k < total; ++k) {
    if (k == pretrain) {
      t.group.start_adversarial();
      progress.start_phase(k);
    }
    const gan::EpochReport report =
        k < pretrain ? t.group.pretrain_epoch(k, data) : t.group.train_epoch(k - pretrain, data);
    t.history.append(k, report);
    t.done = k + 1;
    progress.report(t, report);
    if (t.retire_due) retire_checkpoints(t);

    const bool stopping = report.stop && t.done < total;
    const bool due =
        (o.checkpoint_every > 0 && t.done % o.checkpoint_every == 0) || t.done == total;
    if (probe_due(t)) record_probe(t, scaled, gradient_sum);
    if (due || stopping) save_checkpoint(t);
    if (stopping)
      throw Preempted(t.key.name() + " stopped by " + stop_signal_name() + " after epoch " +
                      std::to_string(t.done) + " of " + std::to_string(total) +
                      " (checkpoint written; rerun the same command to resume)");
  }
}

}  // namespace

void run_gan_task(const RunContext& ctx, ops::ExecutionContext& exec, const GanTask& task,
                  const std::vector<int>& local, gan::ClassifierGradientSum& gradient_sum) {
  const ops::ExecutionScope bound(exec);
  const auto started = std::chrono::steady_clock::now();
  const config::ExperimentConfig& cfg = task.cfg();
  const TaskKey key = task.key();
  ctx.dir.make_task_folders(key);

  const ScaledData scaled = scale_for_task(ctx, task);
  // On a GPU the group and its data live there for the whole task; the data go up once.
  const bool on_gpu = exec.device() == Device::Cuda;
  // A group has its rank's GPU to itself; the GPU's other ranks run tasks of their own.
  if (on_gpu)
    check_gpu_memory(key, estimate_gpu_bytes(ctx, task, static_cast<int>(local.size())),
                     exec.gpu_ranks());
  const ScaledData uploaded = on_gpu ? scaled.to(Device::Cuda) : ScaledData{};
  Training t{
      ctx,
      task,
      key,
      local,
      gan::EmotionTransferGroup(exec, cfg.gan.options, static_cast<int>(ctx.corpora.target.dims()),
                                ctx.emotions(), static_cast<float>(task.lambda_cls()),
                                cfg.experiment.seed, key.stream_id(), local, &gradient_sum),
      History{kHistoryLead + ctx.emotions() * gan::EmotionLosses::kValues, {}},
      /*done=*/0,
      /*kept=*/{},
      /*retire_due=*/false,
      /*probe=*/nullptr,
      /*probe_source=*/{},
      /*probe_history=*/{ctx.emotions(), {}},
      /*best_epoch=*/0};
  if (on_gpu) t.group.to(Device::Cuda);
  Probe probe(ctx, task);
  t.probe = &probe;
  t.probe_source = probe_subsample(task, scaled.source).to(exec.device());
  resume(t);
  train(t, on_gpu ? uploaded.view() : scaled.view(), scaled, gradient_sum);
  ProbeRecord record;
  record.generator_epoch = t.done;
  if (t.selects_by_probe() && t.best_epoch > 0 && t.best_epoch != t.done) {
    // The set was written at least an epoch ago, so every rank of the group has finished it.
    std::optional<StateDict> state = load_checkpoint_set(t, t.best_epoch);
    if (!state)
      EMOAUG_FAIL(key.name(), ": the checkpoint after epoch ", t.best_epoch,
                  " that gan.select_epoch = \"probe\" chose does not load");
    t.group.load(*state);
    record.generator_epoch = t.best_epoch;
  }
  if (ctx.verbose && local.front() == 0 && t.selects_by_probe())
    log_info("%s: the generators after epoch %d make the synthetic sets (gan.select_epoch = probe)",
             key.name().c_str(), record.generator_epoch);

  const std::vector<int> rows = generation_rows(ctx, task);
  Tensor source_rows(static_cast<int64_t>(rows.size()), scaled.source.cols());
  ops::gather_rows(scaled.source.view(), rows.data(), source_rows.view());
  source_rows = source_rows.to(exec.device());
  Tensor synthetic(source_rows.rows(), source_rows.cols(), exec.device());
  for (int e : local) {
    t.group.generate(e, source_rows.view(), synthetic.view());
    Tensor rows = synthetic.to(Device::Host);
    apply_test_generator(scaled.targets, e, rows.view());
    Tensor features = rows.clone();
    scaled.target_scaler.inverse_transform(features.view());
    const auto probing = std::chrono::steady_clock::now();
    record.shares = probe.label_shares(features);
    t.probe_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - probing).count();
    record.history = t.probe_history.of_emotion(e);
    write_emotion_output(ctx, task, e, scaled, rows, std::move(features), t.history, record);
  }
  if (ctx.verbose && local.front() == 0) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double probe_part = probe.seconds() + t.probe_seconds;
    log_info(
        "%s: the probe took %.3f s (training %.3f s, scoring %.3f s) of the task's %.1f s "
        "on this rank (%.2f %%)",
        key.name().c_str(), probe_part, probe.seconds(), t.probe_seconds, seconds,
        seconds > 0 ? 100 * probe_part / seconds : 0.0);
  }
}

data::Corpus read_synthetic(const RunContext& ctx, const GanTask& task) {
  const data::Corpus& x = ctx.corpora.target;
  std::vector<data::Corpus> parts;
  int64_t rows = 0;
  for (int e = 0; e < x.num_classes(); ++e) {
    const std::string path = ctx.dir.gan_output(task.key(), e);
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
  all.description = "synthetic corpus of " + task.key().name();
  return all;
}

}  // namespace emoaug::experiment
