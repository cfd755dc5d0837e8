#include "dist/ordered_sum.h"

#include "backend/ops.h"
#include "core/error.h"

namespace emoaug::dist {

OrderedSum::OrderedSum(Communicator& comm, EmotionBlocks blocks)
    : comm_(comm),
      blocks_(std::move(blocks)),
      gathered_(0, 0, comm.device()),
      counts_(comm.size()) {
  EMOAUG_CHECK(blocks_.ranks() == comm_.size(), "emotion blocks for ", blocks_.ranks(),
               " ranks on a group of ", comm_.size());
  EMOAUG_CHECK(blocks_.num_emotions() > 0, "an ordered sum over no emotions");
}

MatView OrderedSum::slot(int emotion, ConstMatView shape) {
  return {gathered_.data() + emotion * shape.size(), shape.rows, shape.cols, gathered_.device()};
}

void OrderedSum::sum(const std::vector<ConstMatView>& mine, MatView total) {
  const int rank = comm_.rank();
  const int n_emotions = blocks_.num_emotions();
  EMOAUG_CHECK(static_cast<int>(mine.size()) == blocks_.count(rank), "rank ", rank, " holds ",
               blocks_.count(rank), " emotions but passed ", mine.size(), " contributions");
  EMOAUG_CHECK(total.device == comm_.device(), "the sum's buffers must be on the communicator's",
               " device");
  bool later_aliases_total = false;
  for (size_t k = 0; k < mine.size(); ++k) {
    check_same_shape(mine[k], total, "ordered sum contribution");
    later_aliases_total |= k > 0 && mine[k].data == total.data;
  }

  if (comm_.size() == 1 && !later_aliases_total) {
    // Nothing to gather: the same float sequence straight from the inputs.
    if (mine[0].data != total.data) ops::copy(mine[0], total);
    for (int e = 1; e < n_emotions; ++e) ops::axpy(1.0f, mine[e], total);
    return;
  }
  const int64_t n = total.size();
  gathered_.reshape(n_emotions, n);
  // Into this rank's slots first, so that `mine` may alias `total`.
  const int first = blocks_.first(rank);
  for (size_t k = 0; k < mine.size(); ++k)
    ops::copy(mine[k], slot(first + static_cast<int>(k), total));
  for (int r = 0; r < comm_.size(); ++r) counts_[r] = blocks_.count(r) * n;
  comm_.allgatherv_inplace(gathered_.view(), counts_);

  ops::copy(slot(0, total), total);
  for (int e = 1; e < n_emotions; ++e) ops::axpy(1.0f, slot(e, total), total);
}

void OrderedSum::gather_rows(MatView values) {
  EMOAUG_CHECK(values.rows == blocks_.num_emotions(), "per-emotion rows: ", values.rows, " for ",
               blocks_.num_emotions(), " emotions");
  EMOAUG_CHECK(values.device == comm_.device(), "the rows must be on the communicator's device");
  if (comm_.size() == 1) return;
  // Row e of a row-major [N x k] matrix starts at e * k, so the blocks are already in place.
  for (int r = 0; r < comm_.size(); ++r) counts_[r] = blocks_.count(r) * values.cols;
  comm_.allgatherv_inplace(values, counts_);
}

}  // namespace emoaug::dist
