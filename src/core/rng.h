// Rng: one random stream, a pure function of (seed, task id, stream id) — never of a rank number or
// a thread count. Its whole state is a block counter and a position inside the block, so
// checkpoints store two integers and a resumed run draws the same numbers.
#pragma once

#include <cstdint>
#include <vector>

#include "core/philox.h"

namespace emoaug {

// Named stream ids, so that two uses of one task's randomness never collide.
enum class StreamId : uint64_t {
  Init = 1,
  Dropout = 2,
  Shuffle = 3,
  Data = 4,
  Split = 5,
};

struct RngState {
  uint64_t block = 0;
  uint32_t used = 4;  // words of the current block already handed out (4 = none buffered)
};

class Rng {
 public:
  Rng(uint64_t seed, uint64_t task_id, uint64_t stream_id);
  Rng(uint64_t seed, uint64_t task_id, StreamId stream)
      : Rng(seed, task_id, static_cast<uint64_t>(stream)) {}

  uint32_t next_u32();
  float uniform();                    // [0, 1)
  float uniform(float lo, float hi);  // [lo, hi)
  float normal();                     // N(0, 1), Box–Muller
  uint32_t below(uint32_t n);         // uniform in [0, n), unbiased
  void shuffle(std::vector<int>& values);
  std::vector<int> permutation(int n);

  // Hands out `blocks` whole Philox blocks for a kernel that draws them by index (dropout masks);
  // returns the first. The stream continues after them.
  uint64_t reserve_blocks(uint64_t blocks);

  uint32_t key0() const { return k0_; }
  uint32_t key1() const { return k1_; }
  uint64_t stream() const { return stream_; }
  RngState state() const { return {block_, used_}; }
  void set_state(const RngState& s);

 private:
  uint32_t k0_, k1_;
  uint64_t stream_;
  uint64_t block_ = 0;
  uint32_t used_ = 4;
  Philox4 buffer_{};
};

// splitmix64: mixes a seed and a task id into a well-spread key.
uint64_t mix64(uint64_t x);
// A task id from a name (e.g. "gan/lcls=2/fold=3"): FNV-1a, stable across platforms and releases.
uint64_t task_id_from_name(const char* name);

}  // namespace emoaug
