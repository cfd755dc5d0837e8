// Strict loading: each rule of the config's strictness has a test here, for the file and for -s.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/fields.h"
#include "config/suggest.h"
#include "config_test_util.h"
#include "core/error.h"

using namespace emoaug;
using namespace emoaug::config;
using emoaug::test::config_error;

TEST(ConfigLoad, EmptyFileGivesThePaperDefaults) {
  ExperimentConfig cfg = parse_config("", "x.toml", "/base");
  EXPECT_EQ(cfg.experiment.seed, 1u);
  EXPECT_EQ(cfg.experiment.output,
            (std::filesystem::current_path() / "runs" / "emoaug").lexically_normal().string());
  EXPECT_EQ(cfg.gan.options.generator_hidden, (std::vector<int>{1000, 500, 1000}));
  EXPECT_EQ(cfg.gan.options.pretrain_epochs, 10000);
  EXPECT_EQ(cfg.gan.lambda_cls, (std::vector<double>{0.0, 2.0}));
  EXPECT_TRUE(cfg.gan.per_fold);
  EXPECT_TRUE(cfg.gan.stats_features.empty());  // automatic: resolved against the target
  EXPECT_EQ(cfg.data.dev_fraction, 0.3);
  EXPECT_EQ(cfg.ser.repetitions, 5);
  EXPECT_EQ(cfg.ser.std_kind, data::StdKind::Population);
  EXPECT_EQ(cfg.ser.test_normalization, TestNormalization::Separate);
  EXPECT_EQ(cfg.ser.real.hidden, (std::vector<int>{100, 100}));
  EXPECT_EQ(cfg.ser.real.epochs, 70);
  EXPECT_EQ(cfg.ser.syn.batch_size, 256);
  EXPECT_EQ(cfg.ser.syn.epochs, 5);
  EXPECT_EQ(cfg.ser.real_syn.hidden, (std::vector<int>{1000, 1000}));
  EXPECT_EQ(cfg.ser.real_syn.lr, 5e-6f);
  EXPECT_EQ(cfg.ser.cross_real.epochs, 70);
  EXPECT_EQ(cfg.ser.cross_syn.dropout, 0.8f);
  EXPECT_EQ(cfg.ser.cross_real_syn.hidden, (std::vector<int>{200, 200}));
  EXPECT_EQ(cfg.ser.cross_real_syn.epochs, 20);
  ExperimentConfig defaults;
  defaults.experiment.output = cfg.experiment.output;
  EXPECT_TRUE(cfg == defaults);
}

TEST(ConfigLoad, ReadsValuesAndResolvesRelativePathsAgainstBaseDir) {
  ExperimentConfig cfg = parse_config(R"(
[experiment]
name = "t"
seed = 4611686018427387904
output = "out/../run"
backend = "cuda"
log_level = "debug"
[data]
target = "corpora/iemocap.h5"
source = "/abs/source.h5"
[gan]
lr = 1          # an integer literal is a fine float
lambda_cls = [0, 0.5, 2]
[ser]
settings = ["real+syn"]
std = "sample"
[ser.real]
adam.flavor = "tensorflow"
)",
                                      "x.toml", "/base/configs");
  EXPECT_EQ(cfg.experiment.seed, 4611686018427387904ull);
  EXPECT_EQ(cfg.experiment.output, "/base/configs/run");
  EXPECT_EQ(cfg.experiment.backend, Backend::Cuda);
  EXPECT_EQ(cfg.experiment.log_level, LogLevel::Debug);
  EXPECT_EQ(cfg.data.target, "/base/configs/corpora/iemocap.h5");
  EXPECT_EQ(cfg.data.source, "/abs/source.h5");
  EXPECT_EQ(cfg.data.cross, "");
  EXPECT_EQ(cfg.gan.options.lr, 1.0f);
  EXPECT_EQ(cfg.gan.lambda_cls, (std::vector<double>{0.0, 0.5, 2.0}));
  EXPECT_EQ(cfg.ser.settings, (std::vector<SerSetting>{SerSetting::RealSyn}));
  EXPECT_EQ(cfg.ser.std_kind, data::StdKind::Sample);
  EXPECT_EQ(cfg.ser.real.adam.flavor, ops::AdamFlavor::TensorFlow);
  EXPECT_EQ(cfg.ser.syn.adam.flavor, ops::AdamFlavor::PyTorch);
}

TEST(ConfigLoad, UnknownKeyNamesFileLineColumnAndSuggests) {
  EXPECT_EQ(config_error("[gan]\nepochs = 3\nlamda_cls = [1.0]\n"),
            "x.toml:3:1: unknown key 'gan.lamda_cls' (did you mean 'gan.lambda_cls'?)");
  EXPECT_EQ(config_error("[ser.real]\n  hiden = [1]\n"),
            "x.toml:2:3: unknown key 'ser.real.hiden' (did you mean 'ser.real.hidden'?)");
  // At the wrong depth: the same name elsewhere is suggested.
  EXPECT_EQ(config_error("lambda_cls = [1.0]\n"),
            "x.toml:1:1: unknown key 'lambda_cls' (did you mean 'gan.lambda_cls'?)");
  EXPECT_EQ(config_error("[gann]\nepochs = 1\n"),
            "x.toml:1:2: unknown key 'gann' (did you mean 'gan'?)");
  EXPECT_EQ(config_error("[ser]\nreal = { hidden = [1], colour = 2 }\n"),
            "x.toml:2:24: unknown key 'ser.real.colour'");
  EXPECT_CONTAINS(config_error("[gan.adam]\nbeta3 = 0.9\n"), "unknown key 'gan.adam.beta3'");
}

TEST(ConfigLoad, FloatForIntegerFieldIsAnErrorNotATruncation) {
  EXPECT_EQ(config_error("[gan]\nepochs = 5.0\n"),
            "x.toml:2:10: gan.epochs: expected an integer, got a float (5.0)");
  EXPECT_EQ(config_error("[ser.real]\nhidden = [100, 1.5]\n"),
            "x.toml:2:16: ser.real.hidden[1]: expected an integer, got a float (1.5)");
  EXPECT_EQ(config_error("[gan]\nlr = \"2e-4\"\n"),
            "x.toml:2:6: gan.lr: expected a number, got a string (\"2e-4\")");
  EXPECT_EQ(config_error("[gan]\nper_fold = 1\n"),
            "x.toml:2:12: gan.per_fold: expected a boolean (true or false), got an integer (1)");
  EXPECT_EQ(config_error("[experiment]\nname = 3\n"),
            "x.toml:2:8: experiment.name: expected a string, got an integer (3)");
  EXPECT_EQ(config_error("[gan]\nlambda_cls = 2.0\n"),
            "x.toml:2:14: gan.lambda_cls: expected an array, got a float (2.0)");
}

TEST(ConfigLoad, OutOfRangeValuesNameKeyLineAndRange) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"[gan]\ngenerator_dropout = 1.0",
       "x.toml:2:21: gan.generator_dropout = 1.0 is out of "
       "range: must be in [0, 1)"},
      {"[ser.syn]\ndropout = -0.1", "x.toml:2:11: ser.syn.dropout = -0.1 is out of range"},
      {"[gan]\nepochs = -1", "x.toml:2:10: gan.epochs = -1 is out of range: must be >= 0"},
      {"[gan.pretrain]\nepochs = -5", "gan.pretrain.epochs = -5 is out of range: must be >= 0"},
      {"[ser.real]\nbatch_size = 0",
       "x.toml:2:14: ser.real.batch_size = 0 is out of range: "
       "must be >= 1"},
      {"[gan]\ngenerator_hidden = []", "x.toml:2:20: gan.generator_hidden must not be empty"},
      {"[gan]\ndiscriminator_hidden = [0]", "gan.discriminator_hidden[0] = 0 is out of range"},
      {"[gan]\nlambda_cls = [0.0, -2.0]",
       "x.toml:2:20: gan.lambda_cls[1] = -2.0 is out of "
       "range: must be >= 0"},
      {"[gan]\nlambda_cls = []", "gan.lambda_cls must not be empty"},
      {"[gan]\nlambda_cls = [2, 2.0]", "gan.lambda_cls lists 2.0 twice"},
      // Training narrows λcls to float: values that become one float are one task twice.
      {"[gan]\nlambda_cls = [1.0, 1.00000001]",
       "x.toml:2:20: gan.lambda_cls lists 1.0 and 1.00000001, which are one value in single "
       "precision"},
      {"[gan]\nlr = 0", "gan.lr = 0 is out of range: must be > 0"},
      {"[gan.adam]\neps = 1e-50", "gan.adam.eps = 1e-50 is out of range: must be > 0"},
      {"[gan]\nreal_label = 0.0", "must be in (0, 1]"},
      {"[gan]\nlr = nan", "gan.lr = nan is not finite"},
      {"[gan]\nlambda_cyc = 1e39", "gan.lambda_cyc = 1e39 does not fit in a float"},
      {"[gan]\nepochs = 3000000000", "gan.epochs = 3000000000 does not fit in a 32-bit integer"},
      {"[data]\ndev_fraction = 1", "data.dev_fraction = 1 is out of range: must be in (0, 1)"},
      {"[experiment]\nseed = -1", "experiment.seed = -1 is out of range: must be >= 0"},
      {"[experiment]\nname = \"\"", "experiment.name must not be empty"},
      {"[ser]\nrepetitions = 0", "ser.repetitions = 0 is out of range: must be >= 1"},
      {"[ser]\ndev_epochs = [5, 3]", "ser.dev_epochs must be strictly increasing"},
      {"[ser]\nsettings = []", "ser.settings must not be empty"},
      {"[gan]\nstats_features = [\"a\", \"\"]", "gan.stats_features[1] must not be empty"},
      {"[dist]\nranks_per_group = -1", "dist.ranks_per_group = -1 is out of range"},
  };
  for (const auto& [text, expected] : cases) EXPECT_CONTAINS(config_error(text), expected);
}

// Values that differ as floats are distinct tasks (experiment::TaskKey names them apart).
TEST(ConfigLoad, LambdaGridValuesThatDifferAsFloatsAreAccepted) {
  const config::ExperimentConfig cfg =
      config::parse_config("[gan]\nlambda_cls = [1.0, 1.0000001]\n", "x.toml", "/");
  EXPECT_EQ(cfg.gan.lambda_cls, (std::vector<double>{1.0, 1.0000001}));
  EXPECT_CONTAINS(config_error("[gan]\nlambda_cls = [0.1, 0.1]"), "lists 0.1 twice");
}

TEST(ConfigLoad, UnknownEnumStringListsTheAllowedOnes) {
  EXPECT_EQ(config_error("[experiment]\nbackend = \"gpu\""),
            "x.toml:2:11: experiment.backend: unknown value \"gpu\"; allowed: \"auto\", \"cpu\", "
            "\"cuda\"");
  EXPECT_EQ(config_error("[ser]\nsettings = [\"real\", \"fake\"]"),
            "x.toml:2:21: ser.settings[1]: unknown value \"fake\"; allowed: \"real\", \"syn\", "
            "\"real+syn\"");
  EXPECT_CONTAINS(config_error("[ser]\nstd = \"pop\""), "allowed: \"population\", \"sample\"");
  EXPECT_CONTAINS(config_error("[ser]\ntest_normalization = 1"),
                  "ser.test_normalization: expected one of \"separate\", \"train\", got an "
                  "integer (1)");
  EXPECT_CONTAINS(config_error("[gan.adam]\nflavor = \"keras\""),
                  "allowed: \"pytorch\", \"tensorflow\"");
  EXPECT_CONTAINS(config_error("[experiment]\nlog_level = \"loud\""),
                  "allowed: \"quiet\", \"info\", \"debug\"");
}

TEST(ConfigLoad, SyntaxErrorHasFileLineAndColumn) {
  const std::string e = config_error("[gan]\nepochs = 3\nlr = = 2\n");
  EXPECT_CONTAINS(e, "x.toml:3:");
  EXPECT_CONTAINS(e, "TOML syntax error");
  EXPECT_CONTAINS(config_error("[gan]\n[gan]\n"), "x.toml:2:");
}

TEST(ConfigLoad, TablesMustBeTables) {
  EXPECT_EQ(config_error("gan = 5\n"), "x.toml:1:7: 'gan' must be a table ([gan]), got an integer");
  EXPECT_CONTAINS(config_error("[[ser.real]]\nepochs = 1\n"),
                  "'ser.real' must be a table ([ser.real]), got an array");
}

TEST(ConfigLoad, EveryProblemIsReportedInFileOrder) {
  const std::string e = config_error("[gan]\nepochs = -1\nbatch_size = 1.5\n[ser]\nfoo = 1\n");
  EXPECT_EQ(e,
            "x.toml:2:10: gan.epochs = -1 is out of range: must be >= 0\n"
            "x.toml:3:14: gan.batch_size: expected an integer, got a float (1.5)\n"
            "x.toml:5:1: unknown key 'ser.foo'");
}

TEST(ConfigOverride, AppliedBeforeValidationAndOverTheFile) {
  ExperimentConfig cfg = parse_config(
      "[gan]\nepochs = 100\n", "x.toml", "/base",
      {"gan.epochs=5", "gan.lambda_cls=[0,1,2]", "ser.real.lr=2e-5", "ser.std=sample",
       "experiment.name=\"quoted\"", " gan.per_fold = false ", "ser.settings=[\"real\"]",
       "gan.pretrain={epochs=3}", "ser.cross_syn.adam.flavor=tensorflow"});
  EXPECT_EQ(cfg.gan.options.epochs, 5);
  EXPECT_EQ(cfg.gan.lambda_cls, (std::vector<double>{0.0, 1.0, 2.0}));
  EXPECT_EQ(cfg.ser.real.lr, 2e-5f);
  EXPECT_EQ(cfg.ser.std_kind, data::StdKind::Sample);  // a bare word is a string
  EXPECT_EQ(cfg.experiment.name, "quoted");
  EXPECT_FALSE(cfg.gan.per_fold);
  EXPECT_EQ(cfg.ser.settings, (std::vector<SerSetting>{SerSetting::Real}));
  EXPECT_EQ(cfg.gan.options.pretrain_epochs, 3);
  EXPECT_EQ(cfg.gan.options.pretrain_lr, 2e-4f);  // a table override replaces; defaults fill in
  EXPECT_EQ(cfg.ser.cross_syn.adam.flavor, ops::AdamFlavor::TensorFlow);
  // The last of two overrides of one key wins.
  EXPECT_EQ(parse_config("", "x.toml", "/b", {"gan.epochs=1", "gan.epochs=2"}).gan.options.epochs,
            2);
}

TEST(ConfigOverride, PathsResolveAgainstTheWorkingDirectory) {
  ExperimentConfig cfg = parse_config("[data]\ntarget = \"t.h5\"\n", "x.toml", "/base",
                                      {"data.source=s.h5", "experiment.output=/tmp/run"});
  EXPECT_EQ(cfg.data.target, "/base/t.h5");
  EXPECT_EQ(cfg.data.source, (std::filesystem::current_path() / "s.h5").string());
  EXPECT_EQ(cfg.experiment.output, "/tmp/run");
}

TEST(ConfigLoad, TargetUnlabeledSourceIsNoPath) {
  const std::string text = "[data]\ntarget = \"t.h5\"\nsource = \"target:unlabeled\"\n";
  ExperimentConfig cfg = parse_config(text, "x.toml", "/base");
  EXPECT_EQ(cfg.data.target, "/base/t.h5");
  EXPECT_EQ(cfg.data.source, kTargetUnlabeled);
  // The resolved config.toml reads back as the same value, and so does an override.
  EXPECT_EQ(parse_config(to_toml(cfg), "config.toml", "/elsewhere").data.source, kTargetUnlabeled);
  EXPECT_EQ(parse_config("", "x.toml", "/base", {"data.source=target:unlabeled"}).data.source,
            kTargetUnlabeled);
  // Anything else is a path, even close to it.
  EXPECT_EQ(parse_config("", "x.toml", "/base", {"data.source=target:unlabeled.h5"}).data.source,
            (std::filesystem::current_path() / "target:unlabeled.h5").string());
  EXPECT_EQ(parse_config("[data]\ncross = \"target:unlabeled\"\n", "x.toml", "/base").data.cross,
            "/base/target:unlabeled");
}

TEST(ConfigOverride, ErrorsNameTheOverride) {
  EXPECT_EQ(config_error("", {"gan.lamda_cls=[1]"}),
            "-s gan.lamda_cls=[1]: unknown key 'gan.lamda_cls' (did you mean 'gan.lambda_cls'?)");
  EXPECT_EQ(config_error("", {"gan.epochs=1.5"}),
            "-s gan.epochs=1.5: gan.epochs: expected an integer, got a float (1.5)");
  EXPECT_EQ(config_error("", {"ser.real.batch_size=0"}),
            "-s ser.real.batch_size=0: ser.real.batch_size = 0 is out of range: must be >= 1");
  EXPECT_EQ(config_error("", {"gan.lr=fast"}),
            "-s gan.lr=fast: gan.lr: expected a number, got a string (\"fast\")");
  EXPECT_EQ(config_error("", {"gan.epochs"}), "-s gan.epochs: expected key=value");
  EXPECT_EQ(config_error("", {"gan.epochs="}), "-s gan.epochs=: no value after '='");
  EXPECT_CONTAINS(config_error("", {"gan.lambda_cls=[0,"}),
                  "-s gan.lambda_cls=[0,: not a TOML value");
  EXPECT_EQ(config_error("", {"gan=3"}), "-s gan=3: 'gan' is a table; give an inline table {...}");
  EXPECT_CONTAINS(config_error("", {"gan..epochs=3"}), "is not a dotted key");
  EXPECT_EQ(config_error("gan = 1\n", {"gan.epochs=3"}),
            "x.toml:1:7: 'gan' must be a table ([gan]), got an integer\n"
            "-s gan.epochs=3: 'gan' in the file is not a table");
  // Keys inside an inline-table override are checked too, and blamed on the override.
  EXPECT_EQ(config_error("", {"gan.pretrain={epochs=1.5}"}),
            "-s gan.pretrain={epochs=1.5}: gan.pretrain.epochs: expected an integer, got a "
            "float (1.5)");
  EXPECT_EQ(config_error("", {"gan.pretrain={epoch=1}"}),
            "-s gan.pretrain={epoch=1}: unknown key 'gan.pretrain.epoch' (did you mean "
            "'gan.pretrain.epochs'?)");
}

TEST(ConfigOverride, ArrayElementErrorsNameTheOverride) {
  // Not the file's line 1, where the override's own one-line document had the element.
  EXPECT_EQ(config_error("[gan]\nepochs = 1\n", {"gan.lambda_cls=[0,-2]"}),
            "-s gan.lambda_cls=[0,-2]: gan.lambda_cls[1] = -2 is out of range: must be >= 0");
  EXPECT_EQ(config_error("", {"ser.real.hidden=[8, 1.5]"}),
            "-s ser.real.hidden=[8, 1.5]: ser.real.hidden[1]: expected an integer, got a float "
            "(1.5)");
}

TEST(ConfigSuggest, EditDistanceAndBudget) {
  using config::detail::did_you_mean;
  using config::detail::edit_distance;
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  const std::vector<std::string> known{"gan.epochs", "gan.lr", "ser.std", "gan.lambda_cls"};
  EXPECT_EQ(did_you_mean("gan.epoch", known), " (did you mean 'gan.epochs'?)");
  EXPECT_EQ(did_you_mean("gan.zz", known), "");
  EXPECT_EQ(did_you_mean("ser.lr", known), " (did you mean 'gan.lr'?)");
}

TEST(ConfigRunnable, RequiresTheDataTheRunUses) {
  ExperimentConfig cfg = parse_config("", "x.toml", "/base");
  try {
    check_runnable(cfg, "x.toml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "x.toml: [data] target is required");
    EXPECT_CONTAINS(std::string(e.what()), "[data] source is required");
  }
  cfg.data.target = "/t.h5";
  cfg.ser.settings = {SerSetting::Real};
  EXPECT_NO_THROW(check_runnable(cfg, "x.toml"));
  cfg.ser.cross_corpus = true;
  EXPECT_THROW(check_runnable(cfg, "x.toml"), Error);
  cfg.data.cross = "/c.h5";
  EXPECT_NO_THROW(check_runnable(cfg, "x.toml"));
}

// gan.select_epoch = "probe" keeps a checkpoint's generators: the probes must fall on checkpoints.
TEST(ConfigLoad, SelectingByTheProbeNeedsProbesOnCheckpoints) {
  EXPECT_EQ(config_error("[gan]\nselect_epoch = \"probe\"\ncheckpoint_every = 5\n"), "");
  EXPECT_EQ(
      config_error("[gan]\nselect_epoch = \"probe\"\ncheckpoint_every = 5\nprobe_every = 10\n"),
      "");
  EXPECT_CONTAINS(
      config_error("[gan]\nselect_epoch = \"probe\"\ncheckpoint_every = 0\n"),
      "x.toml: gan.select_epoch = \"probe\" keeps the generators of a checkpoint, so it "
      "needs gan.checkpoint_every > 0");
  EXPECT_CONTAINS(
      config_error("[gan]\nselect_epoch = \"probe\"\ncheckpoint_every = 4\nprobe_every = 6\n"),
      "got checkpoint_every = 4, probe_every = 6");
  EXPECT_CONTAINS(config_error("[gan]\nselect_epoch = \"best\"\n"),
                  "gan.select_epoch: unknown value \"best\"; allowed: \"last\", \"probe\"");
  EXPECT_EQ(config_error("[gan]\nprobe_every = 3\ncheckpoint_every = 0\n"), "")
      << "probing alone needs no checkpoints";
}

// A registered classifier's keys are the config's keys: its Options struct declares them, and each
// ser.* block holds them in a table of its name, read, range-checked, written and compared.
TEST(ConfigLoad, EveryRegisteredClassifierHasItsKeysInEveryBlock) {
  const std::vector<std::string> keys = config_keys();
  auto has = [&](const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  for (const char* block :
       {"real", "syn", "real_syn", "cross_real", "cross_syn", "cross_real_syn"}) {
    const std::string b = std::string("ser.") + block;
    EXPECT_TRUE(has(b + ".classifier")) << b;
    EXPECT_TRUE(has(b + ".hidden")) << b;  // the default (MLP) at the top of the block
    ser::for_each_other_classifier([&](auto tag) {
      using Classifier = typename decltype(tag)::type;
      EXPECT_TRUE(has(b + "." + Classifier::kName + ".epochs")) << b;
    });
  }
  ExperimentConfig cfg = parse_config("[ser.syn.linear]\nl2 = 0.5\nepochs = 7\n", "x.toml", "/");
  EXPECT_FLOAT_EQ(cfg.ser.syn.of<ser::LinearClassifier>().l2, 0.5f);
  EXPECT_EQ(cfg.ser.syn.of<ser::LinearClassifier>().epochs, 7);
  EXPECT_EQ(cfg.ser.real.of<ser::LinearClassifier>().epochs, ser::LinearOptions{}.epochs);
  const ExperimentConfig back = parse_config(to_toml(cfg), "config.toml", "/");
  EXPECT_TRUE(back == cfg);
  EXPECT_FALSE(back == parse_config("", "x.toml", "/"));
  try {
    parse_config("[ser.real.linear]\nl2 = -1\n", "x.toml", "/");
    ADD_FAILURE() << "a negative l2 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ser.real.linear.l2"), std::string::npos) << e.what();
  }
}
