// The whole experiment as typed structs: what `emoaug run` does, read from one TOML file plus
// `-s key=value` overrides, checked strictly (unknown keys, wrong types and out-of-range values are
// errors with file:line:column), and written back fully resolved into the run directory's
// config.toml. docs/config.md documents every key. Defaults are the paper's (§4); where the paper
// is silent, the authors' code decided (docs/architecture.md, "The method").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/sweep.h"
#include "core/log.h"
#include "data/scaler.h"
#include "gan/options.h"
#include "ser/options.h"

namespace emoaug::config {

// Where a run's tasks compute: the CPU, the rank's GPU, or (auto) the GPUs when every rank has a
// usable one and the CPU otherwise.
enum class Backend { Auto, Cpu, Cuda };
// How the SER test data is z-normalized: with its own statistics (the paper: "on each dataset
// separately") or with the training data's.
enum class TestNormalization { Separate, Train };
enum class SerSetting { Real, Syn, RealSyn };  // "real", "syn", "real+syn"
// Which generators a GAN group's synthetic data come from: the last epoch's (the paper), or the
// checkpoint whose sets a real-trained probe recognises best (experiment/probe.h).
enum class SelectEpoch { Last, Probe };

// The paper's values for what the struct defaults cannot say by themselves.
namespace paper {
ser::ClassifierOptions real_classifier();             // §4.3 (i)
ser::ClassifierOptions syn_classifier();              // §4.3 (ii)
ser::ClassifierOptions real_syn_classifier();         // §4.3 (iii)
ser::ClassifierOptions cross_synthetic_classifier();  // §4.4, (ii) and (iii) alike
std::vector<std::string> stats_features();            // 12 emobase2010 features for Fig. 2
}  // namespace paper

struct ExperimentSection {
  std::string name = "emoaug";
  uint64_t seed = 1;   // every task's seed derives from (seed, task id)
  std::string output;  // run directory, absolute once loaded (default: ./runs/<name>)
  Backend backend = Backend::Auto;
  int threads = 0;  // CPU threads per rank (docs/config.md); 0 = from the rank's cores
  int tasks_per_gpu =
      0;  // SER tasks at once on a rank's GPU; 0 = as many as its memory holds (<= 4)
  // Seconds an NCCL collective may wait for a peer before the communicator is aborted and the
  // job ends naming the rank; 0 waits without a limit.
  double nccl_timeout_s = 300;
  LogLevel log_level = LogLevel::Info;
};

// data.source's value that names the target's own unlabeled rows (label -1) instead of a file.
inline constexpr char kTargetUnlabeled[] = "target:unlabeled";

struct DataSection {
  std::string target;         // labeled corpus (.h5); absolute once loaded; required to run
  std::string source;         // unlabeled source corpus (.h5), or kTargetUnlabeled
  std::string cross;          // labeled cross-corpus test set (.h5), or empty
  double dev_fraction = 0.3;  // §4.4: share of the cross corpus used as dev set, per class
};

struct GanSection {
  gan::CycleGanOptions options;
  std::vector<double> lambda_cls{0.0, 2.0};  // the λcls grid (§4.2)
  // true: CycleGANs trained per fold on the fold's training sessions only; false: once on all
  // sessions, as the authors did (the test session leaks into the synthetic data).
  bool per_fold = true;
  int generate_per_class = 0;  // synthetic vectors per emotion; 0 = one per source row
  // Epochs between two probes of the generators while they train (experiment/probe.h); 0 = at
  // each checkpoint.
  int probe_every = 0;
  SelectEpoch select_epoch = SelectEpoch::Last;
  // Checkpoints: the newest `keep_checkpoints` of each emotion stay while its group trains (an
  // older one goes once a newer set is durable); when the group's outputs are, all go unless
  // keep_final_checkpoints.
  int keep_checkpoints = 1;
  bool keep_final_checkpoints = false;
  // Features Fig. 2 compares; empty = automatic: paper::stats_features() when the target has them
  // all, else the target's features of largest variance (experiment/corpora.h).
  std::vector<std::string> stats_features;
};

struct SerSection {
  int repetitions = 5;
  std::vector<SerSetting> settings{SerSetting::Real, SerSetting::Syn, SerSetting::RealSyn};
  bool cross_corpus = false;
  TestNormalization test_normalization = TestNormalization::Separate;
  data::StdKind std_kind = data::StdKind::Population;  // key "std"
  ser::ClassifierOptions real = paper::real_classifier();
  ser::ClassifierOptions syn = paper::syn_classifier();
  ser::ClassifierOptions real_syn = paper::real_syn_classifier();
  ser::ClassifierOptions cross_real = paper::real_classifier();
  ser::ClassifierOptions cross_syn = paper::cross_synthetic_classifier();
  ser::ClassifierOptions cross_real_syn = paper::cross_synthetic_classifier();
  // Cross-corpus: if not empty, the dev part picks the epoch count among these (per setting) and
  // the test part is scored at it; if empty, each block's `epochs` is used as is.
  std::vector<int> dev_epochs;
  // Each SER task's trained classifier kept beside its result (RunDirectory::ser_classifier): what
  // is kept, not what is computed, so a run may turn it on when it resumes (for the tasks left).
  bool save_classifiers = false;
};

struct DistSection {
  int ranks_per_group = 0;  // ranks sharing one GAN group's N emotions; 0 = auto
};

struct ExperimentConfig {
  ExperimentSection experiment;
  DataSection data;
  GanSection gan;
  SerSection ser;
  DistSection dist;
  // The study's axes besides gan.lambda_cls ([sweep]); empty for one point per λcls value.
  Sweep sweep;
};

// The classifier block a setting trains with, within-corpus or cross-corpus: its name under ser.
// ("real", "cross_syn", ...) and its options.
const char* classifier_block(SerSetting setting, bool cross);
const ser::ClassifierOptions& classifier_options(const ExperimentConfig& cfg, SerSetting setting,
                                                 bool cross);

// Reads a config file. `overrides` are `-s` arguments ("gan.epochs=5"): each value is a TOML value
// (a bare word that is not one counts as a string), applied before validation. Relative paths in
// the file resolve against the file's directory, those in overrides against the working directory.
// Throws emoaug::Error listing every problem, each as "file:line:column: ..." or "-s key=value:
// ...".
// `sweeps` are a command line's additions to the [sweep] table (config/sweep.h); an axis over
// gan.lambda_cls sets that key's list.
ExperimentConfig load_config(const std::string& path,
                             const std::vector<std::string>& overrides = {},
                             const SweepArguments& sweeps = {});
// The same from text; `origin` names it in errors, `base_dir` anchors its relative paths.
ExperimentConfig parse_config(const std::string& text, const std::string& origin,
                              const std::string& base_dir,
                              const std::vector<std::string>& overrides = {},
                              const SweepArguments& sweeps = {});

// What a run needs beyond a well-formed config: data.target, data.source when a setting uses
// synthetic data, data.cross when ser.cross_corpus is set. Throws naming `origin`.
void check_runnable(const ExperimentConfig& cfg, const std::string& origin);

// The fully resolved config as TOML, every key written, the [sweep] table last;
// parse_config(to_toml(c)) == c.
std::string to_toml(const ExperimentConfig& cfg);

// Every key path ("gan.pretrain.epochs"), in to_toml's order, and every table path
// ("gan.pretrain").
std::vector<std::string> config_keys();
std::vector<std::string> config_tables();

// Field-by-field equality (float fields exactly). The AdamHyper::lr inside the option structs is
// not a config key (each block's lr overrides it) and is not compared.
bool operator==(const ExperimentConfig& a, const ExperimentConfig& b);
inline bool operator!=(const ExperimentConfig& a, const ExperimentConfig& b) {
  return !(a == b);
}

const char* to_string(Backend v);
const char* to_string(TestNormalization v);
const char* to_string(SerSetting v);
const char* to_string(data::StdKind v);
const char* to_string(ops::AdamFlavor v);
const char* to_string(LogLevel v);
const char* to_string(SelectEpoch v);

}  // namespace emoaug::config
