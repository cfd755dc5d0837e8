#include "experiment/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "backend/ops.h"
#include "core/error.h"

namespace emoaug::experiment {

Plan make_plan(const Study& study, int num_folds) {
  Plan plan;
  std::map<std::string, int> gan_index, ser_index;
  for (size_t p = 0; p < study.points.size(); ++p) {
    const config::ExperimentConfig& cfg = *study.points[p].cfg;
    const int point = static_cast<int>(p);
    plan.point_gan.emplace_back();
    plan.point_ser.emplace_back();
    auto add_gan = [&](const GanTask& t) {
      const auto [at, added] = gan_index.emplace(t.key().name(), static_cast<int>(plan.gan.size()));
      if (added) plan.gan.push_back(t);
      plan.point_gan.back().push_back(at->second);
    };
    auto add_ser = [&](const SerTask& t) {
      const auto [at, added] = ser_index.emplace(t.key().name(), static_cast<int>(plan.ser.size()));
      if (added) plan.ser.push_back(t);
      plan.point_ser.back().push_back(at->second);
    };
    bool synthetic = false;
    for (Setting s : cfg.ser.settings) synthetic = synthetic || s != Setting::Real;
    const TaskConfig gan{study.gan_path(point), study.points[p].cfg};
    if (synthetic) {
      if (cfg.gan.per_fold)
        for (int f = 0; f < num_folds; ++f) add_gan({gan, f});
      // One group on all labeled data: the paper's protocol, and what cross-corpus training uses.
      if (!cfg.gan.per_fold || cfg.ser.cross_corpus) add_gan({gan, -1});
    }
    std::vector<Protocol> protocols{Protocol::Within};
    if (cfg.ser.cross_corpus) protocols.push_back(Protocol::Cross);
    for (Protocol protocol : protocols)
      for (Setting s : cfg.ser.settings) {
        const bool cross = protocol == Protocol::Cross;
        SerTask t;
        t.setting = s;
        t.protocol = protocol;
        t.config = {study.ser_path(point, s, cross), study.points[p].cfg};
        if (s != Setting::Real) t.gan = gan;
        for (int f = cross ? -1 : 0; f < (cross ? 0 : num_folds); ++f)
          for (int rep = 0; rep < cfg.ser.repetitions; ++rep) {
            t.fold = f;
            t.repetition = rep;
            add_ser(t);
          }
      }
  }
  return plan;
}

int plan_parts(const Plan& plan) {
  return std::max<int>(1, static_cast<int>(plan.gan.size()));
}

Plan select_part(const Plan& plan, int part, int parts) {
  if (parts < 1 || parts > plan_parts(plan) || part < 0 || part >= parts)
    EMOAUG_FAIL("--part ", part, "/", parts, ": the plan has ", plan_parts(plan),
                " part(s) (one per GAN group); give I/N with 0 <= I < N <= ", plan_parts(plan));
  Plan chosen;
  std::map<std::string, bool> mine;  // GAN task key -> in this part
  for (size_t i = 0; i < plan.gan.size(); ++i) {
    const bool in = static_cast<int>(i % parts) == part;
    mine[plan.gan[i].key().name()] = in;
    if (in) chosen.gan.push_back(plan.gan[i]);
  }
  int real = 0;
  for (const SerTask& t : plan.ser) {
    const bool in =
        t.setting == Setting::Real ? real++ % parts == part : mine.at(t.source_gan().key().name());
    if (in) chosen.ser.push_back(t);
  }
  return chosen;
}

std::vector<TaskKey> task_keys(const Plan& plan) {
  std::vector<TaskKey> keys;
  for (const GanTask& t : plan.gan) keys.push_back(t.key());
  for (const SerTask& t : plan.ser) keys.push_back(t.key());
  return keys;
}

ExistingRun open_existing_run(const std::string& run_dir) {
  RunContext ctx = open_run_directory(run_dir);
  Plan plan = make_plan(ctx.study, static_cast<int>(ctx.corpora.folds.size()));
  return {std::move(ctx), std::move(plan)};
}

dist::Placement place(const RunContext& ctx, const Plan& plan, int ranks, bool include_finished,
                      double gflops_per_rank) {
  std::vector<dist::GanTaskCost> gan;
  for (size_t i = 0; i < plan.gan.size(); ++i)
    if (include_finished || !ctx.finished(plan.gan[i]))
      gan.push_back({static_cast<int>(i), ctx.corpora.target.num_classes(),
                     estimate_gan_gflop(ctx, plan.gan[i]) / gflops_per_rank});
  std::vector<dist::SerTaskCost> ser;
  for (size_t i = 0; i < plan.ser.size(); ++i)
    if (include_finished || !ctx.finished(plan.ser[i]))
      ser.push_back({static_cast<int>(i), estimate_ser_gflop(ctx, plan.ser[i]) / gflops_per_rank});
  dist::PlacementOptions options;
  options.ranks = ranks;
  options.ranks_per_group = ctx.cfg.dist.ranks_per_group;
  return dist::make_placement(gan, ser, options);
}

std::string describe_placement(const RunContext& ctx, const Plan& plan,
                               const dist::Placement& placed, double gflops_per_rank) {
  std::string out = dist::describe(placed);
  char line[256];
  if (!placed.waves.empty()) out += "\nGAN groups (task ids above):\n";
  for (const dist::Wave& w : placed.waves)
    for (const dist::GroupPlacement& g : w.groups) {
      std::snprintf(line, sizeof(line), "  %3d  %s\n", g.task_id,
                    plan.gan[g.task_id].key().name().c_str());
      out += line;
    }
  if (!placed.ser_order.empty()) out += "\nSER tasks, in the farm's order (longest first):\n";
  for (const dist::SerSlot& s : placed.ser_schedule) {
    std::snprintf(line, sizeof(line), "  %4d  %-48s rank %d  %8.1f s .. %8.1f s\n", s.task_id,
                  plan.ser[s.task_id].key().name().c_str(), s.rank, s.start, s.end);
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "\nCosts are estimated from layer sizes, epochs and rows at %.0f GFLOP/s per rank "
                "(%s).\n",
                gflops_per_rank, ctx.cfg.experiment.name.c_str());
  out += line;
  const DiskEstimate disk = estimate_disk(ctx, plan, placed);
  std::snprintf(line, sizeof(line),
                "Run directory %s: about %s at its fullest, %s when finished (one emotion's "
                "checkpoint %s; gan.keep_checkpoints = %d%s).\n",
                ctx.dir.root().c_str(), human_bytes(disk.peak_bytes).c_str(),
                human_bytes(disk.final_bytes).c_str(), human_bytes(disk.checkpoint_bytes).c_str(),
                ctx.cfg.gan.keep_checkpoints,
                ctx.cfg.gan.keep_final_checkpoints ? ", final checkpoints kept" : "");
  return out + line;
}

std::string describe_study(const RunContext& ctx, const Plan& plan, double gflops_per_rank) {
  const Study& study = ctx.study;
  if (study.points.size() < 2) return "";
  // How many points need each task.
  std::vector<int> gan_users(plan.gan.size(), 0), ser_users(plan.ser.size(), 0);
  for (const std::vector<int>& ids : plan.point_gan)
    for (int i : ids) ++gan_users[i];
  for (const std::vector<int>& ids : plan.point_ser)
    for (int i : ids) ++ser_users[i];
  std::string out = "Study: " + std::to_string(study.points.size()) + " points, " +
                    std::to_string(plan.gan.size()) + " GAN groups and " +
                    std::to_string(plan.ser.size()) +
                    " SER tasks in all (a task shared by points runs once).\n";
  char line[256];
  std::snprintf(line, sizeof(line), "  %5s  %-9s  %-9s  %10s  %s\n", "point", "GAN", "SER",
                "est. cost", "values (GAN, SER: own + shared with other points)");
  out += line;
  for (size_t p = 0; p < study.points.size(); ++p) {
    int gan_shared = 0, ser_shared = 0;
    double gflop = 0;
    for (int i : plan.point_gan[p]) {
      gan_shared += gan_users[i] > 1;
      gflop += estimate_gan_gflop(ctx, plan.gan[i]);
    }
    for (int i : plan.point_ser[p]) {
      ser_shared += ser_users[i] > 1;
      gflop += estimate_ser_gflop(ctx, plan.ser[i]);
    }
    const int gan_own = static_cast<int>(plan.point_gan[p].size()) - gan_shared;
    const int ser_own = static_cast<int>(plan.point_ser[p].size()) - ser_shared;
    std::snprintf(line, sizeof(line), "  %5zu  %3d + %-3d  %4d + %-4d  %8.1f s  %s%s\n", p, gan_own,
                  gan_shared, ser_own, ser_shared, gflop / gflops_per_rank,
                  study.describe(static_cast<int>(p)).c_str(),
                  static_cast<int>(p) == study.reference ? "  (reference)" : "");
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "A point's cost counts its shared tasks in full; the study's is %.1f s of one rank "
                "(each task once).\n\n",
                [&] {
                  double g = 0;
                  for (const GanTask& t : plan.gan) g += estimate_gan_gflop(ctx, t);
                  for (const SerTask& t : plan.ser) g += estimate_ser_gflop(ctx, t);
                  return g / gflops_per_rank;
                }());
  return out + line;
}

}  // namespace emoaug::experiment
