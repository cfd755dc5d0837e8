// Where the work of one experiment runs: GAN groups in waves over the ranks, then the SER tasks
// over all ranks. Pure functions of task costs and rank counts, so `emoaug plan CONFIG --ranks P`
// can show a plan without MPI, and every rank computes the same plan without talking.
//
// Cost model (costs are estimates in seconds on one rank; only their ratios matter):
//  - a GAN group of cost C with N emotions on r ranks, emotions in blocks of at most b, takes
//      C * b / N * (1 + overhead * (r - 1))
//    b / N: the rank with the biggest block sets the pace; overhead (default 5% per extra rank):
//    the per-step gather of the classifier's gradient and C's update, which every rank repeats.
//  - a wave takes as long as its slowest group; waves run one after another.
//  - SER tasks are list-scheduled longest first (LPT) over all P ranks after the last wave; the
//    task farm does the same dynamically, so this is its estimate.
//  makespan = sum of wave times + SER schedule length; efficiency = total one-rank work /
//  (P * makespan).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dist/emotion_blocks.h"

namespace emoaug::dist {

struct GanTaskCost {
  int id = 0;
  int num_emotions = 0;
  double cost = 0.0;  // the whole group (all N CycleGANs and C) on one rank
};

struct SerTaskCost {
  int id = 0;
  double cost = 0.0;
};

struct CostModel {
  double group_overhead = 0.05;  // extra fraction of a group's time per rank beyond the first
};

struct PlacementOptions {
  int ranks = 1;
  // Ranks per GAN group; 0 = auto, min(N, P). Never more than N (a rank without an emotion idles).
  int ranks_per_group = 0;
  CostModel model;
};

struct GroupPlacement {
  int task_id = 0;
  int first_rank = 0;  // the group holds world ranks first_rank .. first_rank + ranks - 1
  int ranks = 1;
  EmotionBlocks emotions;  // indexed by group rank
  double cost = 0.0;       // one-rank estimate, as given
  double time = 0.0;       // estimate on its ranks, by the cost model
};

struct Wave {
  std::vector<GroupPlacement> groups;
  std::vector<int> idle_ranks;
  double time = 0.0;
};

struct SerSlot {
  int task_id = 0;
  int rank = 0;
  double start = 0.0;
  double end = 0.0;
};

struct Placement {
  int ranks = 1;
  int ranks_per_group = 1;  // as resolved (auto filled in, clipped to N and P)
  CostModel model;
  std::vector<Wave> waves;
  std::vector<int> ser_order;         // SER task ids, longest first: the task farm's priorities
  std::vector<SerSlot> ser_schedule;  // the LPT estimate, in ser_order
  double gan_time = 0.0;
  double ser_time = 0.0;
  double makespan = 0.0;
  double total_work = 0.0;
  double efficiency = 0.0;
};

// Throws emoaug::Error for bad input (no ranks, a group without emotions, negative or non-finite
// costs, repeated ids).
Placement make_placement(const std::vector<GanTaskCost>& gan, const std::vector<SerTaskCost>& ser,
                         const PlacementOptions& options);

// The estimated time of a group of `cost` split as `blocks`.
double group_time(double cost, const EmotionBlocks& blocks, const CostModel& model);

// Task ids by decreasing cost, ties by increasing id.
std::vector<int> longest_first(const std::vector<SerTaskCost>& tasks);

// The group a world rank belongs to in a wave (its index in wave.groups), or -1 when it idles:
// the colour for World::split.
int group_index_of_rank(const Wave& wave, int rank);

// A readable table: wave, group, ranks, emotions per rank, estimated cost and time; then the SER
// estimate, the makespan and the efficiency.
std::string describe(const Placement& placement);

// The GPU a world rank uses when ranks fill nodes of `ranks_per_node` in order and each takes
// local rank % gpus_per_node (World::pick_gpu): {node, gpu}.
std::pair<int, int> gpu_of_rank(int rank, int ranks_per_node, int gpus_per_node);
// Whether a group's ranks sit on pairwise different GPUs, as NCCL needs (otherwise C's gradient
// goes through MPI, staged through the host).
bool group_on_distinct_gpus(const GroupPlacement& group, int ranks_per_node, int gpus_per_node);
// `emoaug plan --gpus-per-node G`: each rank's node and GPU, and the groups whose ranks share one.
// Groups take consecutive ranks, so a group of at most G ranks is always on distinct GPUs.
std::string describe_gpus(const Placement& placement, int ranks_per_node, int gpus_per_node);

}  // namespace emoaug::dist
