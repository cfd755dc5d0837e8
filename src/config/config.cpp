// Defaults, names, equality and the key list: everything about the config that needs no TOML.
#include <sstream>

#include "config/config.h"
#include "config/fields.h"
#include "core/error.h"

namespace emoaug::config {

namespace paper {

namespace {
ser::ClassifierOptions classifier(int width, int batch, float dropout, float lr, int epochs) {
  ser::ClassifierOptions o;
  o.hidden = {width, width};
  o.batch_size = batch;
  o.dropout = dropout;
  o.lr = lr;
  o.epochs = epochs;
  return o;
}
}  // namespace

ser::ClassifierOptions real_classifier() {
  return classifier(100, 64, 0.2f, 1e-5f, 70);
}
ser::ClassifierOptions syn_classifier() {
  return classifier(200, 256, 0.5f, 1e-5f, 5);
}
ser::ClassifierOptions real_syn_classifier() {
  return classifier(1000, 256, 0.5f, 5e-6f, 30);
}
ser::ClassifierOptions cross_synthetic_classifier() {
  return classifier(200, 256, 0.8f, 1e-5f, 20);
}

std::vector<std::string> stats_features() {
  // One or two per descriptor family of emobase2010 (energy, pitch, voice quality, voicing,
  // cepstral, spectral, line spectral pairs, deltas), as Fig. 2 picks "different feature
  // categories".
  return {"pcm_loudness_sma_amean",
          "pcm_loudness_sma_stddev",
          "F0final_sma_amean",
          "F0final_sma_stddev",
          "jitterLocal_sma_amean",
          "shimmerLocal_sma_amean",
          "voicingFinalUnclipped_sma_amean",
          "pcm_fftMag_mfcc_sma[1]_amean",
          "pcm_fftMag_mfcc_sma[2]_amean",
          "logMelFreqBand_sma[3]_amean",
          "lspFreq_sma[0]_amean",
          "pcm_fftMag_mfcc_sma_de[1]_stddev"};
}

}  // namespace paper

namespace detail {

template <>
const std::vector<std::pair<Backend, const char*>>& enum_names<Backend>() {
  static const std::vector<std::pair<Backend, const char*>> names{
      {Backend::Auto, "auto"}, {Backend::Cpu, "cpu"}, {Backend::Cuda, "cuda"}};
  return names;
}
template <>
const std::vector<std::pair<TestNormalization, const char*>>& enum_names<TestNormalization>() {
  static const std::vector<std::pair<TestNormalization, const char*>> names{
      {TestNormalization::Separate, "separate"}, {TestNormalization::Train, "train"}};
  return names;
}
template <>
const std::vector<std::pair<SerSetting, const char*>>& enum_names<SerSetting>() {
  static const std::vector<std::pair<SerSetting, const char*>> names{
      {SerSetting::Real, "real"}, {SerSetting::Syn, "syn"}, {SerSetting::RealSyn, "real+syn"}};
  return names;
}
template <>
const std::vector<std::pair<data::StdKind, const char*>>& enum_names<data::StdKind>() {
  static const std::vector<std::pair<data::StdKind, const char*>> names{
      {data::StdKind::Population, "population"}, {data::StdKind::Sample, "sample"}};
  return names;
}
template <>
const std::vector<std::pair<ops::AdamFlavor, const char*>>& enum_names<ops::AdamFlavor>() {
  static const std::vector<std::pair<ops::AdamFlavor, const char*>> names{
      {ops::AdamFlavor::PyTorch, "pytorch"}, {ops::AdamFlavor::TensorFlow, "tensorflow"}};
  return names;
}
template <>
const std::vector<std::pair<LogLevel, const char*>>& enum_names<LogLevel>() {
  static const std::vector<std::pair<LogLevel, const char*>> names{
      {LogLevel::Quiet, "quiet"}, {LogLevel::Info, "info"}, {LogLevel::Debug, "debug"}};
  return names;
}
template <>
const std::vector<std::pair<SelectEpoch, const char*>>& enum_names<SelectEpoch>() {
  static const std::vector<std::pair<SelectEpoch, const char*>> names{
      {SelectEpoch::Last, "last"}, {SelectEpoch::Probe, "probe"}};
  return names;
}

namespace {

template <class E>
const char* name_of(E v) {
  for (const auto& [value, name] : enum_names<E>())
    if (value == v) return name;
  EMOAUG_CHECK(false, "enum value ", static_cast<int>(v), " has no name");
  return "";
}

std::string number(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

struct KeyLister {
  std::vector<std::string> keys, tables;
  std::string prefix;
  void table(const std::string& name) {
    prefix = name;
    tables.push_back(name);
  }
  void field(const char* name, const Rule&) { keys.push_back(prefix + "." + name); }
};

struct Comparer {
  bool equal = true;
  void table(const std::string&) {}
  template <class T>
  void field(const char*, const Rule&, const T& a, const T& b) {
    equal = equal && a == b;
  }
};

}  // namespace

std::string describe(const Rule& r) {
  const bool has_lo = r.lo > -std::numeric_limits<double>::infinity();
  const bool has_hi = r.hi < std::numeric_limits<double>::infinity();
  if (has_lo && has_hi)
    return "must be in " + std::string(r.lo_open ? "(" : "[") + number(r.lo) + ", " + number(r.hi) +
           (r.hi_open ? ")" : "]");
  if (has_lo) return std::string("must be ") + (r.lo_open ? "> " : ">= ") + number(r.lo);
  if (has_hi) return std::string("must be ") + (r.hi_open ? "< " : "<= ") + number(r.hi);
  return "";
}

bool in_range(const Rule& r, double x) {
  if (r.lo_open ? !(x > r.lo) : !(x >= r.lo)) return false;
  if (r.hi_open ? !(x < r.hi) : !(x <= r.hi)) return false;
  return true;
}

}  // namespace detail

const char* to_string(Backend v) {
  return detail::name_of(v);
}
const char* to_string(TestNormalization v) {
  return detail::name_of(v);
}
const char* to_string(SerSetting v) {
  return detail::name_of(v);
}
const char* to_string(data::StdKind v) {
  return detail::name_of(v);
}
const char* to_string(ops::AdamFlavor v) {
  return detail::name_of(v);
}
const char* to_string(LogLevel v) {
  return detail::name_of(v);
}
const char* to_string(SelectEpoch v) {
  return detail::name_of(v);
}

std::vector<std::string> config_keys() {
  detail::KeyLister lister;
  detail::visit_config(lister);
  return lister.keys;
}

std::vector<std::string> config_tables() {
  detail::KeyLister lister;
  detail::visit_config(lister);
  return lister.tables;
}

const char* classifier_block(SerSetting setting, bool cross) {
  switch (setting) {
    case SerSetting::Real:
      return cross ? "cross_real" : "real";
    case SerSetting::Syn:
      return cross ? "cross_syn" : "syn";
    case SerSetting::RealSyn:
      return cross ? "cross_real_syn" : "real_syn";
  }
  return "real";
}

const ser::ClassifierOptions& classifier_options(const ExperimentConfig& cfg, SerSetting setting,
                                                 bool cross) {
  const SerSection& s = cfg.ser;
  switch (setting) {
    case SerSetting::Real:
      return cross ? s.cross_real : s.real;
    case SerSetting::Syn:
      return cross ? s.cross_syn : s.syn;
    case SerSetting::RealSyn:
      return cross ? s.cross_real_syn : s.real_syn;
  }
  return s.real;
}

bool operator==(const ExperimentConfig& a, const ExperimentConfig& b) {
  detail::Comparer cmp;
  detail::visit_config(cmp, a, b);
  return cmp.equal && a.sweep == b.sweep;
}

void check_runnable(const ExperimentConfig& cfg, const std::string& origin) {
  std::string missing;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) missing += std::string(missing.empty() ? "" : "\n") + origin + ": " + what;
  };
  need(!cfg.data.target.empty(), "[data] target is required to run an experiment");
  bool synthetic = false;
  for (SerSetting s : cfg.ser.settings) synthetic = synthetic || s != SerSetting::Real;
  need(!synthetic || !cfg.data.source.empty(),
       std::string("[data] source is required: ser.settings uses synthetic data (a corpus file, "
                   "or \"") +
           kTargetUnlabeled + "\" for the target's rows labeled -1)");
  need(!cfg.ser.cross_corpus || !cfg.data.cross.empty(),
       "[data] cross is required: ser.cross_corpus = true");
  if (!missing.empty()) throw Error(missing);
}

}  // namespace emoaug::config
