#include "experiment/study.h"

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "core/text.h"
#include "experiment/tasks.h"

namespace emoaug::experiment {
namespace {

// A value as a path segment shows it: strings without quotes, lists without brackets or spaces,
// λcls as lambda_text prints it; never a '/'.
std::string label_of(const std::string& key, const std::string& value) {
  if (key == "gan.lambda_cls") return lambda_text(std::strtod(value.c_str(), nullptr));
  std::string label;
  for (char c : value)
    if (c != '"' && c != '[' && c != ']' && c != ' ') label += c == '/' ? '_' : c;
  return label.empty() ? "none" : label;
}

StudyAxis make_axis(const std::string& key, const std::vector<std::string>& values) {
  StudyAxis a{key, values, {}, key == "gan.lambda_cls" ? "lcls" : key};
  for (size_t i = 0; i < values.size(); ++i) {
    a.labels.push_back(label_of(key, values[i]));
    for (size_t j = 0; j < i; ++j)
      if (a.labels[j] == a.labels[i] && values[j] != values[i])
        EMOAUG_FAIL("sweep: ", key, "'s values ", values[j], " and ", values[i],
                    " would name the same tasks (", a.labels[i], ")");
  }
  return a;
}

}  // namespace

std::string readable_path(const std::string& path) {
  std::string out;
  for (size_t at = 0; at != std::string::npos;) {
    const size_t slash = path.find('/', at);
    std::string segment = path.substr(at, slash == std::string::npos ? slash : slash - at);
    if (starts_with(segment, "lcls=")) segment = "λcls=" + segment.substr(5);
    out += (out.empty() ? "" : ", ") + segment;
    at = slash == std::string::npos ? slash : slash + 1;
  }
  return out;
}

bool gan_stage_reads(const std::string& key) {
  return key == "experiment.seed" || starts_with(key, "gan.");
}

bool ser_stage_reads(const std::string& key, config::SerSetting setting, bool cross) {
  if (key == "experiment.seed" || key == "ser.test_normalization" || key == "ser.std") return true;
  if (key == "ser.dev_epochs") return cross;
  if (starts_with(key, std::string("ser.") + config::classifier_block(setting, cross) + "."))
    return true;
  return setting != config::SerSetting::Real && gan_stage_reads(key);
}

std::string Study::describe(int point) const {
  std::string out;
  for (size_t a = 0; a < axes.size(); ++a)
    out += (out.empty() ? "" : ", ") + axes[a].key + "=" + axes[a].labels[points[point].value[a]];
  return out;
}

std::string Study::path(int point, const std::function<bool(const std::string&)>& reads) const {
  std::string out;
  for (size_t a = 0; a < axes.size(); ++a)
    if (reads(axes[a].key))
      out += (out.empty() ? "" : "/") + axes[a].path_name + "=" +
             axes[a].labels[points[point].value[a]];
  return out;
}

std::string Study::gan_path(int point) const {
  return path(point, gan_stage_reads);
}

std::string Study::ser_path(int point, config::SerSetting setting, bool cross) const {
  return path(point, [&](const std::string& key) { return ser_stage_reads(key, setting, cross); });
}

int gan_parts(const Study& study) {
  std::vector<std::string> parts;
  for (size_t p = 0; p < study.points.size(); ++p) {
    bool synthetic = false;
    for (config::SerSetting s : study.points[p].cfg->ser.settings)
      synthetic = synthetic || s != config::SerSetting::Real;
    const std::string part = study.gan_path(static_cast<int>(p));
    if (synthetic && std::find(parts.begin(), parts.end(), part) == parts.end())
      parts.push_back(part);
  }
  return std::max<int>(1, static_cast<int>(parts.size()));
}

Study make_study(const config::ExperimentConfig& cfg) {
  Study study;
  std::vector<std::string> lambdas;
  for (double l : cfg.gan.lambda_cls) lambdas.push_back(lambda_text(l));
  study.axes.push_back(make_axis("gan.lambda_cls", lambdas));
  for (const config::SweepAxis& a : cfg.sweep.axes)
    study.axes.push_back(make_axis(a.key, a.values));
  std::sort(study.axes.begin(), study.axes.end(),
            [](const StudyAxis& a, const StudyAxis& b) { return a.key < b.key; });

  // Dimensions of the grid: an axis alone, or a zip group at its first axis.
  std::vector<int> group(study.axes.size(), -1);
  for (size_t g = 0; g < cfg.sweep.zip.size(); ++g)
    for (const std::string& key : cfg.sweep.zip[g])
      for (size_t a = 0; a < study.axes.size(); ++a)
        if (study.axes[a].key == key) group[a] = static_cast<int>(g);
  std::vector<std::vector<int>> dimensions;  // the axes of each dimension
  for (size_t a = 0; a < study.axes.size(); ++a) {
    bool joined = false;
    for (std::vector<int>& d : dimensions)
      if (group[a] >= 0 && group[d.front()] == group[a]) {
        d.push_back(static_cast<int>(a));
        joined = true;
      }
    if (!joined) dimensions.push_back({static_cast<int>(a)});
  }

  config::ExperimentConfig base = cfg;
  base.sweep = {};
  const std::string base_text = config::to_toml(base);
  std::vector<int> at(dimensions.size(), 0);
  for (;;) {
    StudyPoint p;
    p.value.assign(study.axes.size(), 0);
    for (size_t d = 0; d < dimensions.size(); ++d)
      for (int a : dimensions[d]) p.value[a] = at[d];
    study.points.push_back(p);
    const int index = static_cast<int>(study.points.size()) - 1;
    std::vector<std::string> overrides;
    for (size_t a = 0; a < study.axes.size(); ++a) {
      const StudyAxis& axis = study.axes[a];
      const std::string& v = axis.values[p.value[a]];
      overrides.push_back(axis.key == "gan.lambda_cls" ? axis.key + "=[" + v + "]"
                                                       : axis.key + "=" + v);
    }
    try {
      study.points.back().cfg = std::make_shared<const config::ExperimentConfig>(
          config::parse_config(base_text, "the resolved config", "", overrides));
    } catch (const Error& e) {
      EMOAUG_FAIL("sweep point ", index, " (", study.describe(index), "): ", e.what());
    }
    for (int other = 0; other < index; ++other)
      if (*study.points[other].cfg == *study.points.back().cfg)
        EMOAUG_FAIL("sweep points ", other, " (", study.describe(other), ") and ", index, " (",
                    study.describe(index), ") are one config: drop one of their values");
    // The next point: the last dimension moves fastest.
    size_t d = dimensions.size();
    while (d > 0) {
      --d;
      if (++at[d] < static_cast<int>(study.axes[dimensions[d].front()].values.size())) break;
      at[d] = 0;
      if (d == 0) {
        set_reference(study, cfg.sweep.reference);
        return study;
      }
    }
  }
}

void set_reference(Study& study, const std::vector<std::string>& key_values) {
  if (key_values.empty()) return;
  std::vector<int> wanted = study.points.front().value;
  for (const std::string& kv : key_values) {
    const size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq),
                      value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    size_t a = 0;
    while (a < study.axes.size() && study.axes[a].key != key && study.axes[a].path_name != key) ++a;
    if (a == study.axes.size()) {
      std::string keys;
      for (const StudyAxis& axis : study.axes) keys += (keys.empty() ? "" : ", ") + axis.key;
      EMOAUG_FAIL("sweep.reference ", kv, ": ", key, " is not an axis of this study (", keys, ")");
    }
    const StudyAxis& axis = study.axes[a];
    size_t v = 0;
    while (v < axis.values.size() && axis.labels[v] != value && axis.values[v] != value) ++v;
    if (v == axis.values.size()) {
      std::string values;
      for (const std::string& l : axis.labels) values += (values.empty() ? "" : ", ") + l;
      EMOAUG_FAIL("sweep.reference ", kv, ": ", key, " takes ", values, " in this study");
    }
    wanted[a] = static_cast<int>(v);
  }
  for (size_t p = 0; p < study.points.size(); ++p)
    if (study.points[p].value == wanted) {
      study.reference = static_cast<int>(p);
      return;
    }
  EMOAUG_FAIL(
      "sweep.reference: no point of the study has those values (zipped axes move together)");
}

}  // namespace emoaug::experiment
