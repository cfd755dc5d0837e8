#include "experiment/tasks.h"

#include <cstdio>

#include "core/error.h"
#include "core/rng.h"

namespace emoaug::experiment {

const char* name_of(Protocol p) {
  return p == Protocol::Within ? "within" : "cross";
}

std::string format_lambda(double lambda_cls) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", lambda_cls);
  return buf;
}

std::string GanTask::name() const {
  return "gan/lcls=" + format_lambda(lambda_cls) +
         (fold < 0 ? std::string("/all") : "/fold=" + std::to_string(fold));
}

std::string SerTask::name() const {
  std::string n = std::string("ser/") + name_of(protocol) + "/" + name_of(setting);
  if (setting != Setting::Real) n += "/lcls=" + format_lambda(lambda_cls);
  n += fold < 0 ? std::string("/all") : "/fold=" + std::to_string(fold);
  return n + "/rep=" + std::to_string(repetition);
}

GanTask SerTask::source_gan(bool per_fold) const {
  EMOAUG_CHECK(setting != Setting::Real, "the real setting uses no synthetic data");
  // Cross-corpus training uses all of the labeled corpus, so its GAN saw all of it too.
  return {lambda_cls, per_fold && protocol == Protocol::Within ? fold : -1};
}

uint64_t task_id(const std::string& name) {
  return task_id_from_name(name.c_str());
}

}  // namespace emoaug::experiment
