// A study's axes: config keys that take several values, one run of the method per combination (a
// point). Read from an experiment config's [sweep] table and from `--sweep KEY=V1,V2,...`; the
// points themselves are made by experiment/study.h. gan.lambda_cls is the one axis a config has
// without a [sweep] table: its list is the λcls grid, and a sweep of it sets that list.
#pragma once

#include <string>
#include <vector>

namespace emoaug::config {

struct SweepAxis {
  std::string key;                  // a config key path, "ser.real.epochs"
  std::vector<std::string> values;  // TOML value texts, as `-s key=value` takes them
};

struct Sweep {
  std::vector<SweepAxis> axes;                // sorted by key; never gan.lambda_cls
  std::vector<std::vector<std::string>> zip;  // groups of axis keys whose values move together
  // KEY=VALUE of the point the others are compared with; keys not given take their first value.
  // Not part of what a run computes (experiment_identity leaves it out).
  std::vector<std::string> reference;

  bool empty() const { return axes.empty(); }
  const SweepAxis* find(const std::string& key) const;
};

bool operator==(const SweepAxis& a, const SweepAxis& b);
bool operator==(const Sweep& a, const Sweep& b);
inline bool operator!=(const Sweep& a, const Sweep& b) {
  return !(a == b);
}

// Why `key` cannot be an axis ("" when it can): keys that change how a run goes rather than what
// it computes, and those that decide which corpora a run loads (one run directory holds one set).
std::string why_not_sweepable(const std::string& key);

// "KEY=V1,V2,..." of --sweep as an axis: the values as a TOML array's elements ("ser.std=sample,
// population" also takes bare words; "gan.generator_hidden=[64],[128,128]" lists). `origin`
// names it in errors. The key is not checked here (add_axis does).
SweepAxis parse_sweep_argument(const std::string& text);

// What a command line adds to a config's sweep: --sweep KEY=V1,V2 (each replaces a [sweep] axis
// of its key), --sweep-zip KEY1,KEY2 (one more zip group) and --reference KEY=V (replaces the
// config's reference when given).
struct SweepArguments {
  std::vector<std::string> axes, zip, reference;
};

// The [sweep] table of a config as TOML text (empty when there is none).
std::string sweep_toml(const Sweep& sweep);

}  // namespace emoaug::config
