#include "experiment/aggregate.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <tuple>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "data/h5.h"
#include "experiment/stage_ser.h"

namespace emoaug::experiment {
namespace {

struct Stats {
  double mean = 0, std = 0;
};

Stats mean_std(const std::vector<double>& v, data::StdKind kind) {
  Stats s;
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  const double dof = kind == data::StdKind::Sample ? static_cast<double>(v.size()) - 1 : v.size();
  s.std = dof > 0 ? std::sqrt(ss / dof) : 0.0;
  return s;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
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

std::vector<SummaryRow> summarize(const std::vector<SerOutcome>& outcomes, data::StdKind std_kind) {
  // Key: (protocol, setting, λ); λ is zeroed for real so it forms one row.
  using Key = std::tuple<int, int, double>;
  struct Acc {
    std::map<int, std::vector<double>> by_rep, by_rep_dev;  // repetition -> UARs (folds)
    std::map<int, std::vector<double>> by_fold;             // fold -> UARs (repetitions)
    std::vector<double> confusion;
    int tasks = 0;
  };
  std::map<Key, Acc> groups;
  for (const SerOutcome& o : outcomes) {
    const double lambda = o.task.setting == Setting::Real ? 0.0 : o.task.lambda_cls;
    Acc& a = groups[{static_cast<int>(o.task.protocol), static_cast<int>(o.task.setting), lambda}];
    a.by_rep[o.task.repetition].push_back(o.uar);
    if (o.uar_dev >= 0) a.by_rep_dev[o.task.repetition].push_back(o.uar_dev);
    a.by_fold[o.task.fold].push_back(o.uar);
    // Row-normalised confusion, so folds of different sizes weigh the same.
    const size_t c2 = o.confusion.size();
    const int c = static_cast<int>(std::lround(std::sqrt(static_cast<double>(c2))));
    if (a.confusion.empty()) a.confusion.assign(c2, 0.0);
    EMOAUG_CHECK(a.confusion.size() == c2, "confusion matrices of different sizes in one row");
    for (int t = 0; t < c; ++t) {
      double row = 0;
      for (int p = 0; p < c; ++p) row += o.confusion[t * c + p];
      for (int p = 0; p < c; ++p)
        a.confusion[t * c + p] += row > 0 ? o.confusion[t * c + p] / row : 0;
    }
    ++a.tasks;
  }
  std::vector<SummaryRow> rows;
  for (auto& [key, a] : groups) {
    SummaryRow r;
    r.protocol = static_cast<Protocol>(std::get<0>(key));
    r.setting = static_cast<Setting>(std::get<1>(key));
    r.lambda_cls = std::get<2>(key);
    std::vector<double> per_rep, per_rep_dev;
    for (auto& [rep, uars] : a.by_rep) per_rep.push_back(100.0 * mean_std(uars, std_kind).mean);
    for (auto& [rep, uars] : a.by_rep_dev)
      per_rep_dev.push_back(100.0 * mean_std(uars, std_kind).mean);
    Stats s = mean_std(per_rep, std_kind);
    r.uar_mean = s.mean;
    r.uar_std = s.std;
    r.repetitions = static_cast<int>(per_rep.size());
    if (!per_rep_dev.empty()) {
      Stats d = mean_std(per_rep_dev, std_kind);
      r.uar_dev_mean = d.mean;
      r.uar_dev_std = d.std;
    }
    if (r.protocol == Protocol::Within)
      for (auto& [fold, uars] : a.by_fold)
        r.fold_means.push_back(100.0 * mean_std(uars, std_kind).mean);
    r.confusion = a.confusion;
    for (double& v : r.confusion) v /= a.tasks;
    rows.push_back(r);
  }
  return rows;
}

std::string summary_csv(const std::vector<SummaryRow>& rows) {
  std::string out = "protocol,setting,lambda_cls,uar_mean,uar_std,repetitions\n";
  char line[256];
  for (const SummaryRow& r : rows) {
    std::snprintf(line, sizeof(line), "%s,%s,%s,%.2f,%.2f,%d\n", name_of(r.protocol),
                  name_of(r.setting),
                  r.setting == Setting::Real ? "" : lambda_text(r.lambda_cls).c_str(), r.uar_mean,
                  r.uar_std, r.repetitions);
    out += line;
  }
  return out;
}

void aggregate(const RunContext& ctx, const Plan& plan, const RunInfo& info) {
  const config::ExperimentConfig& cfg = ctx.cfg;
  for (const GanTask& t : plan.gan)
    if (!ctx.finished(t))
      EMOAUG_FAIL("the run is incomplete: GAN task ", t.key().name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
  std::vector<SerOutcome> outcomes;
  for (const SerTask& t : plan.ser) {
    if (!ctx.finished(t))
      EMOAUG_FAIL("the run is incomplete: SER task ", t.key().name(), " has not finished (rerun ",
                  "`emoaug run` on the same config to finish it)");
    outcomes.push_back(read_ser_outcome(ctx.dir.ser_output(t.key())));
  }
  const std::vector<SummaryRow> rows = summarize(outcomes, cfg.ser.std_kind);
  const int emotions = ctx.emotions();
  const bool leaked = !cfg.gan.per_fold && !plan.gan.empty();

  write_atomically(ctx.dir.results(), [&](const std::string& temp) {
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
    for (const SerOutcome& o : outcomes) write_ser_outcome(ser.create_group(o.task.key().path), o);
    data::h5::Group gan = root.create_group("gan");
    for (const GanTask& t : plan.gan)
      for (int e = 0; e < emotions; ++e) {
        data::h5::File f = data::h5::File::open(ctx.dir.gan_output(t.key(), e));
        const std::string where = t.key().path + "/" + ctx.corpora.target.class_names[e];
        data::h5::Group dst = gan.create_group(where);
        f.root().copy_to("stats", dst, "stats");
        f.root().copy_to("losses", dst, "losses");
      }
    file.close();
  });

  write_text_file(ctx.dir.summary_csv(), summary_csv(rows));

  if (!plan.gan.empty()) {
    // Links, not copies: the synthetic corpora stay in their task files (they can be large).
    write_atomically(ctx.dir.synthetic(), [&](const std::string& temp) {
      data::h5::File file = data::h5::File::create(temp);
      data::h5::Group root = file.root();
      root.write_string_attr("format", "emoaug-synthetic");
      root.write_string_attr("layout",
                             "<lcls=λ>/<fold=k|all>/<class>: corpus v1 group (external link into "
                             "tasks/gan/...; keep the run directory together)");
      for (const GanTask& t : plan.gan) {
        data::h5::Group g = root.create_group(t.key().path);
        g.write_double_attr("lambda_cls", t.lambda_cls);
        g.write_int_attr("fold", t.fold);
        g.write_int_attr("held_out_group", t.fold >= 0 ? ctx.corpora.folds[t.fold].group : -1);
        g.write_int_attr("seed", static_cast<int64_t>(cfg.experiment.seed));
        g.write_int_attr("epochs", cfg.gan.options.epochs);
        g.write_int_attr("pretrain_epochs", cfg.gan.options.pretrain_epochs);
        g.write_int_attr("test_sessions_leaked", t.fold < 0 ? 1 : 0);
        for (int e = 0; e < emotions; ++e)
          g.link_external(ctx.corpora.target.class_names[e], ctx.dir.gan_output_in_run(t.key(), e),
                          "/synthetic");
      }
      file.close();
    });
  }
}

RunInfo read_run_info(const RunContext& ctx) {
  RunInfo info;
  const std::string path = ctx.dir.results();
  if (!file_exists(path)) return info;
  try {
    data::h5::File file = data::h5::File::open(path);
    data::h5::Group root = file.root();
    info.ranks = static_cast<int>(root.read_int_attr("ranks"));
    const std::string hosts = root.read_string_attr("hosts");
    for (size_t at = 0; !hosts.empty() && at != std::string::npos;) {
      const size_t comma = hosts.find(',', at);
      info.hosts.push_back(hosts.substr(at, comma == std::string::npos ? comma : comma - at));
      at = comma == std::string::npos ? comma : comma + 1;
    }
    info.devices = root.read_string_attr("devices");
    info.seconds = root.read_double_attr("seconds");
  } catch (const Error& e) {
    // A damaged results.h5 is what `emoaug aggregate` is there to rebuild.
    log_warn("%s; its record of ranks, hosts and time is lost", e.what());
    return RunInfo{};
  }
  return info;
}

}  // namespace emoaug::experiment
