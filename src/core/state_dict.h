// StateDict: named arrays that make up a resumable state (weights, optimizer moments, RNG counters,
// epoch). Layers fill and read it; the experiment layer writes it to disk. Keeps file formats out
// of the numeric code.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

namespace emoaug {

struct StateDict {
  std::map<std::string, std::vector<float>> floats;
  std::map<std::string, std::vector<int64_t>> ints;

  // Views may be on a CUDA device: values are copied to and from the host.
  void put(const std::string& name, ConstMatView values);
  void put_int(const std::string& name, int64_t value) { ints[name] = {value}; }
  void put_rng(const std::string& name, const Rng& rng);

  // Each get checks presence and size and names the entry in its error.
  void get(const std::string& name, MatView out) const;
  int64_t get_int(const std::string& name) const;
  void get_rng(const std::string& name, Rng& rng) const;
  bool has(const std::string& name) const { return floats.count(name) || ints.count(name); }
};

// A 64-bit checksum of every entry's name, size and bytes, in the maps' order: a file that stores
// it beside the entries can tell damaged contents from sound ones.
uint64_t checksum(const StateDict& state);

}  // namespace emoaug
