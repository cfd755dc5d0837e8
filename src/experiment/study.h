// A study: the points of an experiment config's sweep (docs/architecture.md, "Studies"). Each
// axis is a config key with its values — gan.lambda_cls always, the [sweep] table's keys besides —
// and each point one value per axis, combined as a grid (axes of one zip group move together).
// A point's config is the base config with its values applied as `-s key=value` overrides, checked
// like any config; a task reads only a part of it (gan_stage_reads, ser_stage_reads), so points
// that differ only where a task does not read share that task.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace emoaug::experiment {

struct StudyAxis {
  std::string key;                  // "ser.real.epochs"
  std::vector<std::string> values;  // TOML texts
  std::vector<std::string> labels;  // as task paths and tables print them: "20", "sample", "64,64"
  // The name in task paths: "lcls" for gan.lambda_cls (the paths runs have always had), else key.
  std::string path_name;
};

struct StudyPoint {
  std::vector<int> value;  // per axis, the index of its value
  std::shared_ptr<const config::ExperimentConfig> cfg;
};

struct Study {
  std::vector<StudyAxis> axes;  // sorted by key
  std::vector<StudyPoint> points;
  int reference = 0;  // the point the others are compared with (the first, or --reference)

  // "gan.lambda_cls=2, ser.real.epochs=20"
  std::string describe(int point) const;
  // The path segments of the axes `reads` selects, in axis order: "lcls=2/ser.real.epochs=20"
  // ("" when it selects none).
  std::string path(int point, const std::function<bool(const std::string&)>& reads) const;
  // The paths of what a point's GAN tasks and its SER tasks of a setting read (path() over
  // gan_stage_reads and ser_stage_reads): the TaskConfig paths of its tasks.
  std::string gan_path(int point) const;
  std::string ser_path(int point, config::SerSetting setting, bool cross) const;
};

// A path of swept values as a reader reads it: "gan.epochs=20/lcls=2" -> "gan.epochs=20, λcls=2".
std::string readable_path(const std::string& path);

// The study of a loaded config. Throws naming the point (its index and values) when a point's
// values do not make a valid config, and both points when two resolve to the same config.
Study make_study(const config::ExperimentConfig& cfg);

// Makes the point with these values (KEY=VALUE texts; keys not given keep the first point's value)
// the study's reference. Throws naming a key that is not an axis or a value it does not take.
void set_reference(Study& study, const std::vector<std::string>& key_values);

// The distinct GAN parts of the study's points (their values of the keys GAN tasks read), over the
// points that use synthetic data; at least 1. `emoaug submit` cuts a study into that many parts.
int gan_parts(const Study& study);

// Which keys a stage's task reads: a GAN task the seed and gan keys; an SER task the seed, the
// ser keys of its protocol and its classifier block, and, with synthetic data, what its GAN reads.
bool gan_stage_reads(const std::string& key);
bool ser_stage_reads(const std::string& key, config::SerSetting setting, bool cross);

}  // namespace emoaug::experiment
