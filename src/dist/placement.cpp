#include "dist/placement.h"

#include "dist/world.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "dist/world.h"

namespace emoaug::dist {
namespace {

void check_cost(double cost, const char* kind, int id) {
  if (!std::isfinite(cost) || cost < 0.0)
    EMOAUG_FAIL(kind, " task ", id, ": the estimated cost must be finite and >= 0, not ", cost);
}

// printf into a std::string (the table has fixed-width columns).
template <typename... Args>
std::string format(const char* fmt, Args... args) {
  char line[512];
  std::snprintf(line, sizeof(line), fmt, args...);
  return line;
}

std::string rank_range(int first, int count) {
  if (count == 1) return std::to_string(first);
  return std::to_string(first) + "-" + std::to_string(first + count - 1);
}

std::string join(const std::vector<int>& values, const char* sep) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? sep : "") + std::to_string(values[i]);
  return out;
}

}  // namespace

double group_time(double cost, const EmotionBlocks& blocks, const CostModel& model) {
  const int n = blocks.num_emotions(), r = blocks.ranks();
  EMOAUG_CHECK(n > 0 && r > 0, "a group needs emotions and ranks");
  return cost * blocks.max_count() / n * (1.0 + model.group_overhead * (r - 1));
}

std::vector<int> longest_first(const std::vector<SerTaskCost>& tasks) {
  std::vector<SerTaskCost> sorted = tasks;
  std::stable_sort(sorted.begin(), sorted.end(), [](const SerTaskCost& a, const SerTaskCost& b) {
    return a.cost != b.cost ? a.cost > b.cost : a.id < b.id;
  });
  std::vector<int> ids;
  for (const SerTaskCost& t : sorted) ids.push_back(t.id);
  return ids;
}

int group_index_of_rank(const Wave& wave, int rank) {
  for (size_t g = 0; g < wave.groups.size(); ++g) {
    const GroupPlacement& p = wave.groups[g];
    if (rank >= p.first_rank && rank < p.first_rank + p.ranks) return static_cast<int>(g);
  }
  return -1;
}

Placement make_placement(const std::vector<GanTaskCost>& gan, const std::vector<SerTaskCost>& ser,
                         const PlacementOptions& options) {
  if (options.ranks < 1) EMOAUG_FAIL("a plan needs at least one rank, not ", options.ranks);
  if (options.ranks_per_group < 0)
    EMOAUG_FAIL("ranks per group must be >= 0 (0 = auto), not ", options.ranks_per_group);
  if (!(options.model.group_overhead >= 0.0))
    EMOAUG_FAIL("the group overhead must be >= 0, not ", options.model.group_overhead);
  std::set<int> gan_ids, ser_ids;
  for (const GanTaskCost& t : gan) {
    if (t.num_emotions < 1) EMOAUG_FAIL("GAN task ", t.id, " has no emotions");
    check_cost(t.cost, "GAN", t.id);
    if (!gan_ids.insert(t.id).second) EMOAUG_FAIL("GAN task id ", t.id, " appears twice");
  }
  for (const SerTaskCost& t : ser) {
    check_cost(t.cost, "SER", t.id);
    if (!ser_ids.insert(t.id).second) EMOAUG_FAIL("SER task id ", t.id, " appears twice");
  }

  const int P = options.ranks;
  Placement placement;
  placement.ranks = P;
  placement.model = options.model;
  placement.ranks_per_group =
      options.ranks_per_group > 0 ? std::min(options.ranks_per_group, P) : P;

  // Costliest groups first, so the long ones share the early waves; the stable sort keeps the
  // given order among equals (the usual case: every group costs the same).
  std::vector<GanTaskCost> groups = gan;
  std::stable_sort(groups.begin(), groups.end(),
                   [](const GanTaskCost& a, const GanTaskCost& b) { return a.cost > b.cost; });
  std::vector<int> free_ranks;  // per wave
  for (const GanTaskCost& t : groups) {
    const int r = std::min(placement.ranks_per_group, t.num_emotions);
    size_t w = 0;
    while (w < placement.waves.size() && free_ranks[w] < r) ++w;  // first fit
    if (w == placement.waves.size()) {
      placement.waves.emplace_back();
      free_ranks.push_back(P);
    }
    GroupPlacement g;
    g.task_id = t.id;
    g.first_rank = P - free_ranks[w];
    g.ranks = r;
    g.emotions = EmotionBlocks::even(t.num_emotions, r);
    g.cost = t.cost;
    g.time = group_time(t.cost, g.emotions, placement.model);
    free_ranks[w] -= r;
    placement.waves[w].groups.push_back(std::move(g));
  }
  if (!groups.empty()) {
    // Resolved for display: what the first group got (all equal unless N differs between groups).
    placement.ranks_per_group = placement.waves[0].groups[0].ranks;
  }
  for (size_t w = 0; w < placement.waves.size(); ++w) {
    Wave& wave = placement.waves[w];
    for (int rank = P - free_ranks[w]; rank < P; ++rank) wave.idle_ranks.push_back(rank);
    for (const GroupPlacement& g : wave.groups) wave.time = std::max(wave.time, g.time);
    placement.gan_time += wave.time;
  }

  // LPT: each task in turn to the rank that is free first (lowest rank on ties).
  placement.ser_order = longest_first(ser);
  std::vector<double> free_at(P, 0.0);
  for (int id : placement.ser_order) {
    const auto it =
        std::find_if(ser.begin(), ser.end(), [id](const SerTaskCost& t) { return t.id == id; });
    const int rank =
        static_cast<int>(std::min_element(free_at.begin(), free_at.end()) - free_at.begin());
    SerSlot slot{id, rank, free_at[rank], free_at[rank] + it->cost};
    free_at[rank] = slot.end;
    placement.ser_time = std::max(placement.ser_time, slot.end);
    placement.ser_schedule.push_back(slot);
  }

  for (const GanTaskCost& t : gan) placement.total_work += t.cost;
  for (const SerTaskCost& t : ser) placement.total_work += t.cost;
  placement.makespan = placement.gan_time + placement.ser_time;
  placement.efficiency =
      placement.makespan > 0.0 ? placement.total_work / (P * placement.makespan) : 0.0;
  return placement;
}

std::string describe(const Placement& placement) {
  size_t n_groups = 0;
  for (const Wave& w : placement.waves) n_groups += w.groups.size();
  std::string out =
      format("plan: %zu GAN groups in %zu waves, %zu SER tasks, on %d ranks\n", n_groups,
             placement.waves.size(), placement.ser_order.size(), placement.ranks);
  if (n_groups > 0) {
    out += format("%-5s %-7s %-8s %-28s %12s %12s\n", "wave", "group", "ranks", "emotions per rank",
                  "cost 1 rank", "est. time");
    for (size_t w = 0; w < placement.waves.size(); ++w) {
      const Wave& wave = placement.waves[w];
      for (const GroupPlacement& g : wave.groups) {
        std::string emotions;
        for (int r = 0; r < g.ranks; ++r) emotions += (r ? " | " : "") + g.emotions.describe(r);
        out += format("%-5zu %-7d %-8s %-28s %10.1f s %10.1f s\n", w, g.task_id,
                      rank_range(g.first_rank, g.ranks).c_str(), emotions.c_str(), g.cost, g.time);
      }
      if (!wave.idle_ranks.empty())
        out += format("      idle in wave %zu: ranks %s\n", w, join(wave.idle_ranks, ",").c_str());
      out += format("      wave %zu takes %.1f s\n", w, wave.time);
    }
  }
  out += format("SER: %zu tasks, longest first over %d ranks: %.1f s\n", placement.ser_order.size(),
                placement.ranks, placement.ser_time);
  out += format(
      "estimated makespan %.1f s (GAN %.1f s + SER %.1f s); total work %.1f s on one "
      "rank; efficiency %.0f%%\n",
      placement.makespan, placement.gan_time, placement.ser_time, placement.total_work,
      100.0 * placement.efficiency);
  out += format(
      "cost model: a group on r ranks takes cost * (largest block / N) * (1 + %.2f * "
      "(r - 1)); waves run one after another, then SER\n",
      placement.model.group_overhead);
  return out;
}

std::pair<int, int> gpu_of_rank(int rank, int ranks_per_node, int gpus_per_node) {
  EMOAUG_CHECK(ranks_per_node >= 1 && gpus_per_node >= 1, "ranks per node ", ranks_per_node,
               ", GPUs per node ", gpus_per_node);
  return {rank / ranks_per_node, gpu_for_local_rank(rank % ranks_per_node, gpus_per_node)};
}

bool group_on_distinct_gpus(const GroupPlacement& group, int ranks_per_node, int gpus_per_node) {
  std::set<std::pair<int, int>> seen;
  for (int r = group.first_rank; r < group.first_rank + group.ranks; ++r)
    if (!seen.insert(gpu_of_rank(r, ranks_per_node, gpus_per_node)).second) return false;
  return true;
}

std::string describe_gpus(const Placement& placement, int ranks_per_node, int gpus_per_node) {
  std::string out = format(
      "GPUs: %d rank(s) per node, %d GPU(s) per node, local rank %% GPUs picks the GPU%s\n",
      ranks_per_node, gpus_per_node, ranks_per_node > gpus_per_node ? " (ranks share GPUs)" : "");
  for (int r = 0; r < placement.ranks; ++r) {
    const auto [node, gpu] = gpu_of_rank(r, ranks_per_node, gpus_per_node);
    out += format("  rank %d: node %d, GPU %d\n", r, node, gpu);
  }
  for (size_t w = 0; w < placement.waves.size(); ++w)
    for (const GroupPlacement& g : placement.waves[w].groups)
      if (!group_on_distinct_gpus(g, ranks_per_node, gpus_per_node))
        out += format(
            "  wave %zu, group %d: ranks %s share a GPU; C's gradient goes through MPI, staged "
            "through the host\n",
            w, g.task_id, rank_range(g.first_rank, g.ranks).c_str());
  return out;
}

}  // namespace emoaug::dist
