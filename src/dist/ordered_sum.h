// Sums per-emotion contributions over a group so that the bytes do not depend on the placement.
//
// Float addition is not associative: an allreduce adds in an order chosen by the library and the
// rank count, so C's gradient (and with it every later weight) would change with the number of
// ranks. Here every rank instead receives every emotion's contribution (one allgatherv — the blocks
// are contiguous, see EmotionBlocks) and adds them itself in emotion order 0..N-1, with exactly the
// float operations of the single-process sum (gan::LocalGradientSum):
//   total = c0; total += c1; total += c2; ...
// through the same backend ops, so 1, 2 or 4 ranks give identical bytes. The price is N buffers of
// traffic instead of an allreduce's ~2, which for the shared classifier (~170k floats) is small.
//
// This is what gan::ClassifierGradientSum needs; the adapter lives above dist (dist does not see
// gan): sum(local_emotions, local, total) -> OrderedSum::sum(local, total) after checking that
// local_emotions are this rank's block, and gather_stats(values) ->
// OrderedSum::gather_rows(values).
#pragma once

#include <vector>

#include "core/tensor.h"
#include "dist/communicator.h"
#include "dist/emotion_blocks.h"

namespace emoaug::dist {

// Keeps the gather buffer between calls, so a training step allocates only on its first call.
class OrderedSum {
 public:
  // blocks.ranks() must equal comm.size(); the communicator must outlive this object.
  OrderedSum(Communicator& comm, EmotionBlocks blocks);

  const EmotionBlocks& blocks() const { return blocks_; }
  // This rank's emotions (ascending).
  std::vector<int> local_emotions() const { return blocks_.emotions_of(comm_.rank()); }

  // mine[k] is the contribution of emotion blocks().first(rank) + k, each shaped like total.
  // On every rank: total = sum over e = 0..N-1 of contribution(e), added in that order. `mine` may
  // alias `total`.
  void sum(const std::vector<ConstMatView>& mine, MatView total);

  // values is [N x k]: the rows of this rank's emotions are filled on entry (the others are
  // ignored); on exit every row holds its owner's values. For per-emotion statistics.
  void gather_rows(MatView values);

 private:
  MatView slot(int emotion, ConstMatView shape);

  Communicator& comm_;
  EmotionBlocks blocks_;
  Tensor gathered_;  // [N x contribution size], on the communicator's device
  std::vector<int64_t> counts_;
};

}  // namespace emoaug::dist
