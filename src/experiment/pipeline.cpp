#include "experiment/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/version.h"
#include "data/h5.h"
#include "experiment/aggregate.h"
#include "experiment/stage_gan.h"
#include "experiment/stage_ser.h"
#include "gan/gradient_sum.h"

namespace emoaug::experiment {

Plan make_plan(const config::ExperimentConfig& cfg, int num_folds) {
  Plan plan;
  bool synthetic = false;
  for (Setting s : cfg.ser.settings) synthetic = synthetic || s != Setting::Real;
  std::vector<Protocol> protocols{Protocol::Within};
  if (cfg.ser.cross_corpus) protocols.push_back(Protocol::Cross);
  if (synthetic) {
    for (double lambda : cfg.gan.lambda_cls) {
      if (cfg.gan.per_fold)
        for (int f = 0; f < num_folds; ++f) plan.gan.push_back({lambda, f});
      // One group on all labeled data: the paper's protocol, and what cross-corpus training uses.
      if (!cfg.gan.per_fold || cfg.ser.cross_corpus) plan.gan.push_back({lambda, -1});
    }
  }
  for (Protocol p : protocols)
    for (Setting s : cfg.ser.settings) {
      const std::vector<double> lambdas =
          s == Setting::Real ? std::vector<double>{0.0} : cfg.gan.lambda_cls;
      for (double lambda : lambdas)
        for (int f = p == Protocol::Within ? 0 : -1; f < (p == Protocol::Within ? num_folds : 0);
             ++f)
          for (int rep = 0; rep < cfg.ser.repetitions; ++rep)
            plan.ser.push_back({s, p, s == Setting::Real ? 0.0 : lambda, f, rep});
    }
  return plan;
}

std::string experiment_identity(const std::string& config_toml) {
  config::ExperimentConfig cfg = config::parse_config(config_toml, "config.toml", "/");
  const config::ExperimentSection defaults;
  cfg.experiment.threads = defaults.threads;
  cfg.experiment.log_level = defaults.log_level;
  return config::to_toml(cfg);
}

void prepare_run_directory(const RunDirectory& dir, const config::ExperimentConfig& cfg) {
  dir.prepare(config::to_toml(cfg), experiment_identity);
}

Plan select_lambdas(const Plan& plan, const config::ExperimentConfig& cfg,
                    const std::vector<double>& chosen) {
  const std::vector<double>& grid = cfg.gan.lambda_cls;
  auto chosen_has = [&](double lambda) {
    return std::find(chosen.begin(), chosen.end(), lambda) != chosen.end();
  };
  for (double lambda : chosen)
    if (std::find(grid.begin(), grid.end(), lambda) == grid.end()) {
      std::string values;
      for (double g : grid) values += (values.empty() ? "" : ", ") + format_lambda(g);
      EMOAUG_FAIL("λcls ", format_lambda(lambda), " is not in gan.lambda_cls = [", values, "]");
    }
  // `real` does not depend on λcls; an arbitrary but fixed owner keeps it from running twice.
  const bool real = !grid.empty() && chosen_has(grid.front());
  Plan part;
  for (const GanTask& t : plan.gan)
    if (chosen_has(t.lambda_cls)) part.gan.push_back(t);
  for (const SerTask& t : plan.ser)
    if (t.setting == Setting::Real ? real : chosen_has(t.lambda_cls)) part.ser.push_back(t);
  return part;
}

RunContext open_run(const config::ExperimentConfig& cfg) {
  RunContext ctx{cfg, RunDirectory(cfg.experiment.output), load_corpora(cfg)};
  prepare_run_directory(ctx.dir, cfg);
  return ctx;
}

void run_ser_logged(const RunContext& ctx, const SerTask& task, size_t index, size_t total) {
  if (ser_task_finished(ctx, task)) return;
  if (stop_requested())
    throw Preempted(std::string("stopped by ") + stop_signal_name() + " before " + task.name() +
                    " (finished tasks are saved; rerun the same command to resume)");
  const auto start = std::chrono::steady_clock::now();
  SerOutcome o = run_ser_task(ctx, task);
  if (ctx.verbose)
    log_info("[%zu/%zu] %s: UAR %.2f%%%s (%.1fs)", index + 1, total, task.name().c_str(),
             100 * o.uar,
             o.uar_dev >= 0 ? (", dev-chosen " + std::to_string(o.dev_epochs) +
                               " epochs: " + std::to_string(100 * o.uar_dev).substr(0, 5) + "%")
                                  .c_str()
                            : "",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void run_all_local(const RunContext& ctx, const Plan& plan) {
  const int emotions = ctx.corpora.target.num_classes();
  std::vector<int> all(emotions);
  for (int e = 0; e < emotions; ++e) all[e] = e;
  for (const GanTask& task : plan.gan) {
    if (gan_task_finished(ctx, task)) continue;
    gan::LocalGradientSum sum;
    run_gan_task(ctx, task, all, sum);
  }
  for (size_t i = 0; i < plan.ser.size(); ++i) run_ser_logged(ctx, plan.ser[i], i, plan.ser.size());
}

namespace {

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string lambda_group(const GanTask& t) {
  return "lcls=" + format_lambda(t.lambda_cls) +
         (t.fold < 0 ? std::string("/all") : "/fold=" + std::to_string(t.fold));
}

void write_summary(const data::h5::Group& g, const std::vector<SummaryRow>& rows, int folds) {
  std::vector<std::string> protocol, setting;
  std::vector<double> lambda, mean, std, dev_mean, dev_std;
  std::vector<int64_t> reps;
  const size_t c2 = rows.empty() ? 0 : rows[0].confusion.size();
  Tensor confusion(static_cast<int64_t>(rows.size()), static_cast<int64_t>(c2));
  Tensor fold_means(static_cast<int64_t>(rows.size()), folds);
  for (size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& r = rows[i];
    protocol.push_back(name_of(r.protocol));
    setting.push_back(name_of(r.setting));
    lambda.push_back(r.setting == Setting::Real ? std::nan("") : r.lambda_cls);
    mean.push_back(r.uar_mean);
    std.push_back(r.uar_std);
    dev_mean.push_back(r.uar_dev_mean);
    dev_std.push_back(r.uar_dev_std);
    reps.push_back(r.repetitions);
    for (size_t k = 0; k < c2 && k < r.confusion.size(); ++k)
      confusion(static_cast<int64_t>(i), static_cast<int64_t>(k)) =
          static_cast<float>(r.confusion[k]);
    for (int f = 0; f < folds; ++f)
      fold_means(static_cast<int64_t>(i), f) = f < static_cast<int>(r.fold_means.size())
                                                   ? static_cast<float>(r.fold_means[f])
                                                   : std::numeric_limits<float>::quiet_NaN();
  }
  g.write_strings("protocol", protocol);
  g.write_strings("setting", setting);
  g.write_f64_1d("lambda_cls", lambda);
  g.write_f64_1d("uar_mean", mean);
  g.write_f64_1d("uar_std", std);
  g.write_i64_1d("repetitions", reps);
  g.write_f64_1d("uar_dev_mean", dev_mean);
  g.write_f64_1d("uar_dev_std", dev_std);
  g.write_f32_2d("confusion", confusion.view(), false);
  g.write_f32_2d("fold_means", fold_means.view(), false);
}

}  // namespace

void aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info) {
  const config::ExperimentConfig& cfg = ctx.cfg;
  for (const GanTask& t : plan.gan)
    if (!gan_task_finished(ctx, t))
      EMOAUG_FAIL("the run is incomplete: GAN task ", t.name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
  std::vector<SerOutcome> outcomes;
  for (const SerTask& t : plan.ser) {
    if (!ser_task_finished(ctx, t))
      EMOAUG_FAIL("the run is incomplete: SER task ", t.name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
    outcomes.push_back(read_ser_outcome(ctx.dir.ser_result(t.name())));
  }
  const std::vector<SummaryRow> rows = summarize(outcomes, cfg.ser.std_kind);
  const int emotions = ctx.corpora.target.num_classes();
  const bool leaked = !cfg.gan.per_fold && !plan.gan.empty();

  write_atomically(ctx.dir.path("results.h5"), [&](const std::string& temp) {
    data::h5::File file = data::h5::File::create(temp);
    data::h5::Group root = file.root();
    root.write_string_attr("format", "emoaug-results");
    root.write_string_attr("version", EMOAUG_VERSION);
    root.write_string_attr("git_sha", git_sha());
    root.write_string_attr("config", config::to_toml(cfg));
    root.write_string_attr("created", now_utc());
    root.write_int_attr("ranks", info.ranks);
    std::string hosts;
    for (const std::string& h : info.hosts) hosts += (hosts.empty() ? "" : ",") + h;
    root.write_string_attr("hosts", hosts);
    root.write_string_attr("devices", info.devices);
    root.write_double_attr("seconds", info.seconds);
    root.write_string_attr("std", config::to_string(cfg.ser.std_kind));
    root.write_int_attr("test_sessions_leaked", leaked ? 1 : 0);
    if (leaked)
      root.write_string_attr("note",
                             "gan.per_fold = false: the CycleGANs saw every session, the test "
                             "session of each fold included (the paper's protocol)");
    root.write_strings("class_names", ctx.corpora.target.class_names);
    write_summary(root.create_group("summary"), rows, static_cast<int>(ctx.corpora.folds.size()));
    data::h5::Group ser = root.create_group("ser");
    for (const SerOutcome& o : outcomes)
      write_ser_outcome(ser.create_group(o.task.name().substr(4)), o);  // drop the "ser/" prefix
    data::h5::Group gan = root.create_group("gan");
    for (const GanTask& t : plan.gan)
      for (int e = 0; e < emotions; ++e) {
        data::h5::File f = data::h5::File::open(ctx.dir.gan_output(t.name(), e));
        const std::string where = lambda_group(t) + "/" + ctx.corpora.target.class_names[e];
        data::h5::Group dst = gan.create_group(where);
        f.root().copy_to("stats", dst, "stats");
        f.root().copy_to("losses", dst, "losses");
      }
    file.close();
  });

  write_atomically(ctx.dir.path("summary.csv"), [&](const std::string& temp) {
    std::ofstream out(temp, std::ios::binary);
    out << summary_csv(rows);
    if (!out.flush()) EMOAUG_FAIL("cannot write ", temp);
  });

  if (!plan.gan.empty()) {
    // Links, not copies: the synthetic corpora stay in their task files (they can be large).
    write_atomically(ctx.dir.path("synthetic.h5"), [&](const std::string& temp) {
      data::h5::File file = data::h5::File::create(temp);
      data::h5::Group root = file.root();
      root.write_string_attr("format", "emoaug-synthetic");
      root.write_string_attr("layout",
                             "<lcls=λ>/<fold=k|all>/<class>: corpus v1 group (external link into "
                             "tasks/gan/...; keep the run directory together)");
      for (const GanTask& t : plan.gan) {
        data::h5::Group g = root.create_group(lambda_group(t));
        g.write_double_attr("lambda_cls", t.lambda_cls);
        g.write_int_attr("fold", t.fold);
        g.write_int_attr("held_out_group", t.fold >= 0 ? ctx.corpora.folds[t.fold].group : -1);
        g.write_int_attr("seed", static_cast<int64_t>(cfg.experiment.seed));
        g.write_int_attr("epochs", cfg.gan.options.epochs);
        g.write_int_attr("pretrain_epochs", cfg.gan.options.pretrain_epochs);
        g.write_int_attr("test_sessions_leaked", t.fold < 0 ? 1 : 0);
        for (int e = 0; e < emotions; ++e)
          g.link_external(ctx.corpora.target.class_names[e],
                          "tasks/" + t.name() + "/emotion" + std::to_string(e) + ".h5",
                          "/synthetic");
      }
      file.close();
    });
  }
}

RunInfo read_run_info(const RunContext& ctx) {
  RunInfo info;
  const std::string path = ctx.dir.path("results.h5");
  if (!file_exists(path)) return info;
  data::h5::File file = data::h5::File::open(path);
  data::h5::Group root = file.root();
  info.ranks = static_cast<int>(root.read_int_attr("ranks"));
  std::string hosts = root.read_string_attr("hosts");
  for (size_t at = 0; !hosts.empty() && at != std::string::npos;) {
    const size_t comma = hosts.find(',', at);
    info.hosts.push_back(hosts.substr(at, comma == std::string::npos ? comma : comma - at));
    at = comma == std::string::npos ? comma : comma + 1;
  }
  info.devices = root.read_string_attr("devices");
  info.seconds = root.read_double_attr("seconds");
  return info;
}

config::ExperimentConfig load_run_config(const std::string& run_dir) {
  const std::string path = run_dir + "/config.toml";
  if (!file_exists(path)) EMOAUG_FAIL(run_dir, " is not an emoaug run directory (no config.toml)");
  config::ExperimentConfig cfg = config::load_config(path);
  cfg.experiment.output = run_dir;  // the folder may have moved since the run
  return cfg;
}

ExistingRun open_existing_run(const std::string& run_dir) {
  config::ExperimentConfig cfg = load_run_config(run_dir);
  RunContext ctx{cfg, RunDirectory(run_dir), load_corpora(cfg)};
  Plan plan = make_plan(cfg, static_cast<int>(ctx.corpora.folds.size()));
  return {std::move(ctx), std::move(plan)};
}

}  // namespace emoaug::experiment
