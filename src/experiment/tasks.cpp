#include "experiment/tasks.h"

#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/rng.h"

namespace emoaug::experiment {
namespace {

std::string fold_part(int fold) {
  return fold < 0 ? std::string("all") : "fold=" + std::to_string(fold);
}

}  // namespace

const char* name_of(Protocol p) {
  return p == Protocol::Within ? "within" : "cross";
}

std::string lambda_text(double lambda_cls) {
  const float value = static_cast<float>(lambda_cls);
  char buf[32];
  // %g's own 6 significant digits, as keys always had them, and more until the text reads back as
  // the float (9 always do).
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, static_cast<double>(value));
    if (std::strtof(buf, nullptr) == value) break;
  }
  return buf;
}

uint64_t TaskKey::stream_id() const {
  return task_id_from_name(name().c_str());
}

TaskKey GanTask::key() const {
  return {"gan", (config.path.empty() ? "" : config.path + "/") + fold_part(fold)};
}

TaskKey SerTask::key() const {
  std::string path = std::string(name_of(protocol)) + "/" + name_of(setting);
  if (!config.path.empty()) path += "/" + config.path;
  return {"ser", path + "/" + fold_part(fold) + "/rep=" + std::to_string(repetition)};
}

const ser::ClassifierOptions& SerTask::classifier() const {
  return config::classifier_options(cfg(), setting, protocol == Protocol::Cross);
}

GanTask SerTask::source_gan() const {
  EMOAUG_CHECK(setting != Setting::Real, "the real setting uses no synthetic data");
  // Cross-corpus training uses all of the labeled corpus, so its GAN saw all of it too.
  return {gan, gan.cfg->gan.per_fold && protocol == Protocol::Within ? fold : -1};
}

}  // namespace emoaug::experiment
