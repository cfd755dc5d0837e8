#include "experiment/aggregate.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "core/error.h"

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
                  r.setting == Setting::Real ? "" : format_lambda(r.lambda_cls).c_str(), r.uar_mean,
                  r.uar_std, r.repetitions);
    out += line;
  }
  return out;
}

}  // namespace emoaug::experiment
