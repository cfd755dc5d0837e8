// The config schema, written once: visit_config walks every key of ExperimentConfig in file order
// with its range rule, and the loader, the writer, equality and the key list are visitors over it,
// so no key can be read but not written, written but not documented, or compared but not loaded.
// Internal to src/config.
#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/value_rule.h"
#include "ser/registry.h"

namespace emoaug::config::detail {

// The rules (core/value_rule.h) by their plain names: the schema below reads as a table.
using namespace ::emoaug::value_rule;

// "must be in [0, 1)", "must be >= 1", ...
std::string describe(const Rule& r);
// Whether x satisfies the numeric bounds.
bool in_range(const Rule& r, double x);

// The shortest decimal that reads back as exactly x, in a form TOML reads as a float ("2.0",
// "1e-5"); with as_float, exactly x once narrowed to float (0.2 rather than 0.20000000298023224).
std::string toml_float(double x, bool as_float = false);

// An enum's TOML spellings, in documentation order.
template <class E>
const std::vector<std::pair<E, const char*>>& enum_names();
template <>
const std::vector<std::pair<Backend, const char*>>& enum_names<Backend>();
template <>
const std::vector<std::pair<TestNormalization, const char*>>& enum_names<TestNormalization>();
template <>
const std::vector<std::pair<SerSetting, const char*>>& enum_names<SerSetting>();
template <>
const std::vector<std::pair<data::StdKind, const char*>>& enum_names<data::StdKind>();
template <>
const std::vector<std::pair<ops::AdamFlavor, const char*>>& enum_names<ops::AdamFlavor>();
template <>
const std::vector<std::pair<LogLevel, const char*>>& enum_names<LogLevel>();
template <>
const std::vector<std::pair<SelectEpoch, const char*>>& enum_names<SelectEpoch>();
template <class E>
std::string allowed_names() {
  std::string out;
  for (const auto& [value, name] : enum_names<E>())
    out += (out.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  return out;
}

template <class V, class... A>
void visit_adam(V& v, const std::string& table, A&... a) {
  v.table(table);
  v.field("beta1", interval(0, false, 1, true), a.beta1...);
  v.field("beta2", interval(0, false, 1, true), a.beta2...);
  v.field("eps", positive(), a.eps...);
  v.field("flavor", any(), a.flavor...);
}

// A ser.* block: which classifier, the default classifier's keys, Adam's, then each other
// registered classifier's table (ser/options.h), its keys as its options struct declares them.
template <class V, class... S>
void visit_classifier(V& v, const std::string& table, S&... s) {
  using Default = ser::ClassifierOptions::DefaultClassifier;
  v.table(table);
  v.field("classifier", one_of(&ser::classifier_names), s.classifier...);
  Default::Options::visit(v, s.template of<Default>()...);
  visit_adam(v, table + ".adam", s.adam...);
  ser::for_each_other_classifier(
      [&](auto tag, auto&... options) {
        using Classifier = typename decltype(tag)::type;
        v.table(table + "." + Classifier::kName);
        Classifier::Options::visit(v, options...);
      },
      s...);
}

// Every key in file order: a table's own keys before its sub-tables (TOML needs that of a writer).
// `c` is zero configs (to list keys), one (load, write) or two (compare).
template <class V, class... C>
void visit_config(V& v, C&... c) {
  v.table("experiment");
  v.field("name", nonempty(), c.experiment.name...);
  v.field("seed", at_least(0), c.experiment.seed...);
  v.field("output", path(), c.experiment.output...);
  v.field("backend", any(), c.experiment.backend...);
  v.field("threads", at_least(0), c.experiment.threads...);
  v.field("tasks_per_gpu", at_least(0), c.experiment.tasks_per_gpu...);
  v.field("nccl_timeout_s", at_least(0), c.experiment.nccl_timeout_s...);
  v.field("log_level", any(), c.experiment.log_level...);

  v.table("data");
  v.field("target", path(), c.data.target...);
  v.field("source", path_or(kTargetUnlabeled), c.data.source...);
  v.field("cross", path(), c.data.cross...);
  v.field("dev_fraction", interval(0, true, 1, true), c.data.dev_fraction...);

  v.table("gan");
  v.field("generator_hidden", layers(), c.gan.options.generator_hidden...);
  v.field("discriminator_hidden", layers(), c.gan.options.discriminator_hidden...);
  v.field("classifier_hidden", layers(), c.gan.options.classifier_hidden...);
  v.field("leaky_slope", interval(0, false, 1, true), c.gan.options.leaky_slope...);
  v.field("generator_dropout", dropout(), c.gan.options.generator_dropout...);
  v.field("discriminator_dropout", dropout(), c.gan.options.discriminator_dropout...);
  v.field("classifier_dropout", dropout(), c.gan.options.classifier_dropout...);
  v.field("lambda_cyc", at_least(0), c.gan.options.lambda_cyc...);
  v.field("real_label", interval(0, true, 1, false), c.gan.options.real_label...);
  v.field("epochs", at_least(0), c.gan.options.epochs...);
  v.field("batch_size", at_least(1), c.gan.options.batch_size...);
  v.field("generator_steps", at_least(1), c.gan.options.generator_steps...);
  v.field("lr", positive(), c.gan.options.lr...);
  v.field("lr_decay", interval(0, true, 1, false), c.gan.options.lr_decay...);
  v.field("lr_decay_every", at_least(1), c.gan.options.lr_decay_every...);
  v.field("checkpoint_every", at_least(0), c.gan.options.checkpoint_every...);
  v.field("keep_checkpoints", at_least(1), c.gan.keep_checkpoints...);
  v.field("keep_final_checkpoints", any(), c.gan.keep_final_checkpoints...);
  // Training uses λcls as a float; two values that narrow alike would be one task twice.
  v.field("lambda_cls", nonempty(distinct_as_float(at_least(0))), c.gan.lambda_cls...);
  v.field("per_fold", any(), c.gan.per_fold...);
  v.field("generate_per_class", at_least(0), c.gan.generate_per_class...);
  v.field("probe_every", at_least(0), c.gan.probe_every...);
  v.field("select_epoch", any(), c.gan.select_epoch...);
  v.field("stats_features", distinct(any()), c.gan.stats_features...);
  visit_adam(v, "gan.adam", c.gan.options.adam...);
  v.table("gan.pretrain");
  v.field("epochs", at_least(0), c.gan.options.pretrain_epochs...);
  v.field("lr", positive(), c.gan.options.pretrain_lr...);
  v.field("dropout", dropout(), c.gan.options.pretrain_dropout...);

  v.table("ser");
  v.field("repetitions", at_least(1), c.ser.repetitions...);
  v.field("settings", nonempty(distinct(any())), c.ser.settings...);
  v.field("cross_corpus", any(), c.ser.cross_corpus...);
  v.field("test_normalization", any(), c.ser.test_normalization...);
  v.field("std", any(), c.ser.std_kind...);
  v.field("dev_epochs", ascending(at_least(0)), c.ser.dev_epochs...);
  v.field("save_classifiers", any(), c.ser.save_classifiers...);
  visit_classifier(v, "ser.real", c.ser.real...);
  visit_classifier(v, "ser.syn", c.ser.syn...);
  visit_classifier(v, "ser.real_syn", c.ser.real_syn...);
  visit_classifier(v, "ser.cross_real", c.ser.cross_real...);
  visit_classifier(v, "ser.cross_syn", c.ser.cross_syn...);
  visit_classifier(v, "ser.cross_real_syn", c.ser.cross_real_syn...);

  v.table("dist");
  v.field("ranks_per_group", at_least(0), c.dist.ranks_per_group...);
}

}  // namespace emoaug::config::detail
