// Placement of GAN groups and SER tasks: pure functions, no MPI.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "dist/emotion_blocks.h"
#include "dist/placement.h"

namespace emoaug::dist {
namespace {

std::vector<GanTaskCost> gan_tasks(int count, int emotions, double cost) {
  std::vector<GanTaskCost> tasks;
  for (int i = 0; i < count; ++i) tasks.push_back({i, emotions, cost});
  return tasks;
}

PlacementOptions on(int ranks, int ranks_per_group = 0) {
  PlacementOptions o;
  o.ranks = ranks;
  o.ranks_per_group = ranks_per_group;
  return o;
}

TEST(EmotionBlocks, EvenSplitsAreContiguousAndBalanced) {
  EXPECT_EQ(EmotionBlocks::even(4, 1).offsets(), (std::vector<int>{0, 4}));
  EXPECT_EQ(EmotionBlocks::even(4, 2).offsets(), (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(EmotionBlocks::even(4, 3).offsets(), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_EQ(EmotionBlocks::even(4, 4).offsets(), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(EmotionBlocks::even(5, 3).offsets(), (std::vector<int>{0, 2, 4, 5}));
  EXPECT_EQ(EmotionBlocks::even(2, 3).offsets(), (std::vector<int>{0, 1, 2, 2}));
  EmotionBlocks b = EmotionBlocks::even(7, 3);
  EXPECT_EQ(b.max_count(), 3);
  EXPECT_EQ(b.emotions_of(1), (std::vector<int>{3, 4}));
  EXPECT_EQ(b.describe(0), "0-2");
  EXPECT_EQ(EmotionBlocks::even(2, 3).describe(2), "-");
  EXPECT_EQ(EmotionBlocks({0, 2, 2, 4}).emotions_of(2), (std::vector<int>{2, 3}));
}

TEST(EmotionBlocks, RejectsBadOffsets) {
  EXPECT_THROW(EmotionBlocks({1, 2}), Error);
  EXPECT_THROW(EmotionBlocks({0, 3, 2}), Error);
  EXPECT_THROW(EmotionBlocks({0}), Error);
  EXPECT_THROW(EmotionBlocks::even(4, 0), Error);
}

TEST(Placement, AutoPutsOneGroupOnNRanks) {
  Placement plan = make_placement(gan_tasks(3, 4, 100.0), {}, on(4));
  EXPECT_EQ(plan.ranks_per_group, 4);
  ASSERT_EQ(plan.waves.size(), 3u);
  for (const Wave& w : plan.waves) {
    ASSERT_EQ(w.groups.size(), 1u);
    EXPECT_EQ(w.groups[0].first_rank, 0);
    EXPECT_EQ(w.groups[0].emotions, EmotionBlocks::even(4, 4));
    EXPECT_TRUE(w.idle_ranks.empty());
  }
  // 100 * 1/4 * (1 + 0.05 * 3) per wave.
  EXPECT_DOUBLE_EQ(plan.waves[0].time, 28.75);
  EXPECT_DOUBLE_EQ(plan.gan_time, 3 * 28.75);
  EXPECT_DOUBLE_EQ(plan.total_work, 300.0);
  EXPECT_DOUBLE_EQ(plan.efficiency, 300.0 / (4 * 3 * 28.75));
}

TEST(Placement, GroupsThatFitShareAWave) {
  Placement plan = make_placement(gan_tasks(5, 4, 10.0), {}, on(8));
  ASSERT_EQ(plan.waves.size(), 3u);
  ASSERT_EQ(plan.waves[0].groups.size(), 2u);
  EXPECT_EQ(plan.waves[0].groups[0].first_rank, 0);
  EXPECT_EQ(plan.waves[0].groups[1].first_rank, 4);
  ASSERT_EQ(plan.waves[2].groups.size(), 1u);
  EXPECT_EQ(plan.waves[2].idle_ranks, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(group_index_of_rank(plan.waves[0], 5), 1);
  EXPECT_EQ(group_index_of_rank(plan.waves[2], 5), -1);
  std::set<int> ids;
  for (const Wave& w : plan.waves)
    for (const GroupPlacement& g : w.groups) ids.insert(g.task_id);
  EXPECT_EQ(ids.size(), 5u);
}

TEST(Placement, ExplicitRanksPerGroupAndLeftoverRanksIdle) {
  Placement two = make_placement(gan_tasks(2, 4, 10.0), {}, on(4, 2));
  ASSERT_EQ(two.waves.size(), 1u);
  ASSERT_EQ(two.waves[0].groups.size(), 2u);
  EXPECT_EQ(two.waves[0].groups[1].first_rank, 2);
  EXPECT_EQ(two.waves[0].groups[1].emotions.offsets(), (std::vector<int>{0, 2, 4}));
  EXPECT_DOUBLE_EQ(two.waves[0].time, 10.0 * 2 / 4 * 1.05);

  Placement six = make_placement(gan_tasks(2, 4, 10.0), {}, on(6));
  ASSERT_EQ(six.waves.size(), 2u);
  EXPECT_EQ(six.waves[0].idle_ranks, (std::vector<int>{4, 5}));

  // Uneven blocks: 2 | 1 | 1, paced by the block of two.
  Placement three = make_placement(gan_tasks(1, 4, 12.0), {}, on(3));
  EXPECT_EQ(three.waves[0].groups[0].emotions.offsets(), (std::vector<int>{0, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(three.waves[0].time, 12.0 * 2 / 4 * 1.10);

  // More ranks per group than emotions: clipped to N.
  Placement wide = make_placement(gan_tasks(1, 4, 10.0), {}, on(16, 8));
  EXPECT_EQ(wide.waves[0].groups[0].ranks, 4);

  Placement one = make_placement(gan_tasks(3, 4, 10.0), {}, on(1));
  ASSERT_EQ(one.waves.size(), 3u);
  EXPECT_EQ(one.waves[1].groups[0].emotions.offsets(), (std::vector<int>{0, 4}));
  EXPECT_DOUBLE_EQ(one.gan_time, 30.0);
  EXPECT_DOUBLE_EQ(one.efficiency, 1.0);
}

TEST(Placement, CostliestGroupsGoFirstAndSmallOnesFillGaps) {
  // Groups of different N: the 2-emotion group fits beside the 4-emotion one.
  std::vector<GanTaskCost> gan = {{0, 4, 10.0}, {1, 4, 50.0}, {2, 2, 5.0}};
  Placement plan = make_placement(gan, {}, on(6));
  ASSERT_EQ(plan.waves.size(), 2u);
  EXPECT_EQ(plan.waves[0].groups[0].task_id, 1);
  EXPECT_EQ(plan.waves[0].groups[1].task_id, 2);
  EXPECT_EQ(plan.waves[0].groups[1].first_rank, 4);
  EXPECT_EQ(plan.waves[1].groups[0].task_id, 0);
}

TEST(Placement, SerTasksAreListScheduledLongestFirst) {
  std::vector<SerTaskCost> ser = {{0, 1.0}, {1, 50.0}, {2, 2.0}, {3, 50.0}, {4, 30.0}, {5, 20.0}};
  EXPECT_EQ(longest_first(ser), (std::vector<int>{1, 3, 4, 5, 2, 0}));
  Placement plan = make_placement({}, ser, on(2));
  // LPT: 50->r0, 50->r1, 30->r0 (80), 20->r1 (70), 2->r1 (72), 1->r1 (73).
  EXPECT_DOUBLE_EQ(plan.ser_time, 80.0);
  EXPECT_DOUBLE_EQ(plan.makespan, 80.0);
  EXPECT_DOUBLE_EQ(plan.total_work, 153.0);
  EXPECT_DOUBLE_EQ(plan.efficiency, 153.0 / 160.0);
  ASSERT_EQ(plan.ser_schedule.size(), 6u);
  EXPECT_EQ(plan.ser_schedule[2].task_id, 4);
  EXPECT_EQ(plan.ser_schedule[2].rank, 0);
  EXPECT_DOUBLE_EQ(plan.ser_schedule[2].start, 50.0);
  EXPECT_EQ(plan.ser_schedule[5].rank, 1);

  Placement both = make_placement(gan_tasks(1, 4, 40.0), ser, on(2));
  EXPECT_DOUBLE_EQ(both.gan_time, 40.0 * 2 / 4 * 1.05);
  EXPECT_DOUBLE_EQ(both.makespan, both.gan_time + 80.0);
}

TEST(Placement, RejectsBadInput) {
  EXPECT_THROW(make_placement({}, {}, on(0)), Error);
  EXPECT_THROW(make_placement({}, {}, on(4, -1)), Error);
  EXPECT_THROW(make_placement(gan_tasks(1, 0, 1.0), {}, on(4)), Error);
  EXPECT_THROW(make_placement(gan_tasks(1, 4, -1.0), {}, on(4)), Error);
  EXPECT_THROW(make_placement({}, {{1, 1.0}, {1, 2.0}}, on(4)), Error);
  EXPECT_THROW(make_placement({{0, 4, 1.0}, {0, 4, 1.0}}, {}, on(4)), Error);
  Placement empty = make_placement({}, {}, on(4));
  EXPECT_TRUE(empty.waves.empty());
  EXPECT_DOUBLE_EQ(empty.makespan, 0.0);
}

TEST(Placement, DescribeShowsEveryGroupAndTheEstimate) {
  std::vector<SerTaskCost> ser = {{0, 3.0}, {1, 1.0}};
  const std::string text = describe(make_placement(gan_tasks(3, 4, 100.0), ser, on(6)));
  EXPECT_NE(text.find("3 GAN groups in 3 waves, 2 SER tasks, on 6 ranks"), std::string::npos)
      << text;
  EXPECT_NE(text.find("0-3"), std::string::npos) << text;
  EXPECT_NE(text.find("0 | 1 | 2 | 3"), std::string::npos) << text;
  EXPECT_NE(text.find("idle in wave 0: ranks 4,5"), std::string::npos) << text;
  EXPECT_NE(text.find("efficiency"), std::string::npos) << text;
  EXPECT_NE(text.find("cost model"), std::string::npos) << text;
}

// Ranks fill nodes in order and take local rank % GPUs; groups of consecutive ranks no larger
// than a node's GPU count never share one, larger ones do (then C's gradient goes through MPI).
TEST(Placement, GpusOfRanksAndGroupsThatShareOne) {
  EXPECT_EQ(gpu_of_rank(0, 8, 4), std::make_pair(0, 0));
  EXPECT_EQ(gpu_of_rank(5, 8, 4), std::make_pair(0, 1));
  EXPECT_EQ(gpu_of_rank(9, 8, 4), std::make_pair(1, 1));
  GroupPlacement g;
  g.ranks = 4;
  for (int first : {0, 2, 6}) {
    g.first_rank = first;
    EXPECT_TRUE(group_on_distinct_gpus(g, 8, 4)) << "ranks " << first << "..";
  }
  g.ranks = 3;
  g.first_rank = 0;
  EXPECT_FALSE(group_on_distinct_gpus(g, 8, 2)) << "3 ranks on 2 GPUs";
  g.first_rank = 1;
  EXPECT_TRUE(group_on_distinct_gpus(g, 2, 2)) << "ranks 1, 2, 3 on two nodes";
  Placement plan;
  plan.ranks = 3;
  plan.waves.push_back({});
  g.first_rank = 0;
  plan.waves[0].groups.push_back(g);
  const std::string text = describe_gpus(plan, 3, 2);
  EXPECT_NE(text.find("rank 2: node 0, GPU 0"), std::string::npos) << text;
  EXPECT_NE(text.find("ranks 0-2 share a GPU"), std::string::npos) << text;
}

}  // namespace
}  // namespace emoaug::dist
