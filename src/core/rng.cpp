#include "core/rng.h"

#include <cmath>

#include "core/error.h"

namespace emoaug {

uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t task_id_from_name(const char* name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (const char* p = name; *p; ++p) {
    h ^= static_cast<unsigned char>(*p);
    h *= 0x100000001B3ull;
  }
  return h;
}

Rng::Rng(uint64_t seed, uint64_t task_id, uint64_t stream_id) : stream_(stream_id) {
  uint64_t key = mix64(mix64(seed) ^ task_id);
  k0_ = static_cast<uint32_t>(key);
  k1_ = static_cast<uint32_t>(key >> 32);
}

uint32_t Rng::next_u32() {
  if (used_ == 4) {
    Philox4 ctr{{static_cast<uint32_t>(block_), static_cast<uint32_t>(block_ >> 32),
                 static_cast<uint32_t>(stream_), static_cast<uint32_t>(stream_ >> 32)}};
    buffer_ = philox4x32_10(ctr, k0_, k1_);
    ++block_;
    used_ = 0;
  }
  return buffer_.v[used_++];
}

float Rng::uniform() {
  return philox_uniform(next_u32());
}

float Rng::uniform(float lo, float hi) {
  return lo + (hi - lo) * uniform();
}

float Rng::normal() {
  // Box–Muller with u1 in (0, 1] so the log is finite.
  float u1 = 1.0f - uniform();
  float u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853071795864f * u2);
}

uint32_t Rng::below(uint32_t n) {
  EMOAUG_CHECK(n > 0);
  // Lemire's multiply-shift with rejection: unbiased.
  uint64_t m = static_cast<uint64_t>(next_u32()) * n;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < n) {
    uint32_t threshold = static_cast<uint32_t>(-n) % n;
    while (low < threshold) {
      m = static_cast<uint64_t>(next_u32()) * n;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

void Rng::shuffle(std::vector<int>& values) {
  for (size_t i = values.size(); i > 1; --i) {
    size_t j = below(static_cast<uint32_t>(i));
    std::swap(values[i - 1], values[j]);
  }
}

std::vector<int> Rng::permutation(int n) {
  std::vector<int> p(n);
  for (int i = 0; i < n; ++i) p[i] = i;
  shuffle(p);
  return p;
}

uint64_t Rng::reserve_blocks(uint64_t blocks) {
  // Drop any partly used block so the reserved range starts on a fresh one.
  used_ = 4;
  uint64_t first = block_;
  block_ += blocks;
  return first;
}

void Rng::set_state(const RngState& s) {
  EMOAUG_CHECK(s.used <= 4, "corrupt RNG state");
  block_ = s.block;
  used_ = 4;
  if (s.used < 4) {
    // Rebuild the buffered block the saved stream was in the middle of.
    block_ = s.block - 1;
    next_u32();
    used_ = s.used;
  }
}

}  // namespace emoaug
