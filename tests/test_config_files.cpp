// The shipped configs, the to_toml round trip, docs/config.md against the schema, and the
// `emoaug config` command end to end.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <toml++/toml.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/fields.h"
#include "config_test_util.h"
#include "core/error.h"

using namespace emoaug;
using namespace emoaug::config;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = EMOAUG_SOURCE_DIR;

std::vector<fs::path> shipped_configs() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "configs"))
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// Every leaf key path of a TOML table.
void leaf_keys(const toml::table& t, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [k, v] : t) {
    const std::string path =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (v.is_table())
      leaf_keys(*v.as_table(), path, out);
    else
      out.insert(path);
  }
}

// A config with every field away from its default, strings with characters TOML must escape.
ExperimentConfig unusual_config() {
  ExperimentConfig c;
  c.experiment.name = "q\"uote\\back\tλ";
  c.experiment.seed = 9223372036854775807ull;
  c.experiment.output = "/runs/x y";
  c.experiment.backend = Backend::Cuda;
  c.experiment.threads = 3;
  c.experiment.log_level = LogLevel::Quiet;
  c.data = {"/t.h5", "/s.h5", "/c.h5", 1.0 / 3.0};
  gan::CycleGanOptions& g = c.gan.options;
  g.generator_hidden = {7};
  g.discriminator_hidden = {5, 6, 7};
  g.classifier_hidden = {3, 3};
  g.leaky_slope = 0.01f;
  g.generator_dropout = 0.1f;
  g.discriminator_dropout = 0.3f;
  g.classifier_dropout = 1.0f / 3.0f;
  g.lambda_cyc = 10.0f;
  g.real_label = 1.0f;
  g.epochs = 7;
  g.batch_size = 3;
  g.generator_steps = 1;
  g.lr = 3.14159e-3f;
  g.lr_decay = 0.5f;
  g.lr_decay_every = 2;
  g.checkpoint_every = 0;
  g.adam = {0.0f, 0.5f, 0.9f, 1e-7f, ops::AdamFlavor::TensorFlow};
  g.adam.lr = 2e-4f;  // not a key: each block's lr overrides it
  g.pretrain_epochs = 0;
  g.pretrain_lr = 1e-30f;
  g.pretrain_dropout = 0.0f;
  c.gan.lambda_cls = {0.1, 1e-9, 123456.789};
  c.gan.per_fold = false;
  c.gan.generate_per_class = 17;
  c.gan.stats_features = {"a[1]", "b"};
  c.ser.repetitions = 1;
  c.ser.settings = {SerSetting::RealSyn, SerSetting::Real};
  c.ser.cross_corpus = true;
  c.ser.test_normalization = TestNormalization::Train;
  c.ser.std_kind = data::StdKind::Sample;
  c.ser.dev_epochs = {0, 3, 9};
  int k = 0;
  for (ser::ClassifierOptions* s : {&c.ser.real, &c.ser.syn, &c.ser.real_syn, &c.ser.cross_real,
                                    &c.ser.cross_syn, &c.ser.cross_real_syn}) {
    ++k;
    s->hidden = {k, 2 * k};
    s->batch_size = 10 + k;
    s->dropout = 0.05f * k;
    s->lr = 1e-4f * k;
    s->epochs = k;
    s->leaky_slope = 0.1f;
    s->adam.beta1 = 0.8f;
    s->adam.eps = 1e-6f;
    s->adam.flavor = ops::AdamFlavor::TensorFlow;
  }
  c.dist.ranks_per_group = 2;
  return c;
}

}  // namespace

TEST(ConfigFiles, EveryShippedConfigLoadsAndIsRunnable) {
  const std::vector<fs::path> files = shipped_configs();
  EXPECT_GE(files.size(), 3u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    ExperimentConfig cfg;
    ASSERT_NO_THROW(cfg = load_config(f.string()));
    EXPECT_NO_THROW(check_runnable(cfg, f.string()));
    EXPECT_TRUE(fs::path(cfg.data.target).is_absolute());
    EXPECT_TRUE(fs::path(cfg.experiment.output).is_absolute());
  }
}

TEST(ConfigFiles, PaperConfigHoldsThePapersValues) {
  const ExperimentConfig cfg = load_config((kSource / "configs/paper.toml").string());
  EXPECT_EQ(cfg.gan.options.generator_hidden, (std::vector<int>{1000, 500, 1000}));
  EXPECT_EQ(cfg.gan.options.epochs, 2000);
  EXPECT_EQ(cfg.gan.options.pretrain_epochs, 10000);
  EXPECT_EQ(cfg.gan.options.lambda_cyc, 5.0f);
  EXPECT_EQ(cfg.gan.lambda_cls, (std::vector<double>{0.0, 2.0}));
  EXPECT_EQ(cfg.ser.repetitions, 5);
  EXPECT_TRUE(cfg.ser.cross_corpus);
  EXPECT_EQ(cfg.ser.real_syn.lr, 5e-6f);
  EXPECT_EQ(cfg.ser.cross_real_syn.dropout, 0.8f);
  EXPECT_EQ(cfg.data.target, (kSource / "data/iemocap.h5").string());
}

TEST(ConfigFiles, DemoDataPathsPointAtTheSynthOutput) {
  const ExperimentConfig cfg = load_config((kSource / "configs/demo.toml").string());
  EXPECT_EQ(cfg.data.target, (kSource / "runs/demo-data/target.h5").string());
  EXPECT_EQ(cfg.data.source, (kSource / "runs/demo-data/source.h5").string());
  EXPECT_EQ(cfg.data.cross, (kSource / "runs/demo-data/cross.h5").string());
  EXPECT_EQ(cfg.experiment.output, (kSource / "runs/demo").string());
}

TEST(ConfigToml, RoundTripsEveryShippedConfigTheDefaultsAndAnUnusualOne) {
  std::vector<std::pair<std::string, ExperimentConfig>> configs;
  for (const fs::path& f : shipped_configs())
    configs.emplace_back(f.string(), load_config(f.string()));
  configs.emplace_back("defaults", parse_config("", "defaults", "/"));
  configs.emplace_back("unusual", unusual_config());
  for (const auto& [name, cfg] : configs) {
    SCOPED_TRACE(name);
    const std::string text = to_toml(cfg);
    ExperimentConfig back;
    ASSERT_NO_THROW(back = parse_config(text, name + ".resolved", "/elsewhere")) << text;
    EXPECT_TRUE(back == cfg) << text;
    EXPECT_EQ(to_toml(back), text);
  }
}

TEST(ConfigToml, EqualityNoticesADeepChange) {
  ExperimentConfig a = unusual_config(), b = unusual_config();
  EXPECT_TRUE(a == b);
  b.ser.cross_real_syn.adam.eps = 2e-6f;
  EXPECT_TRUE(a != b);
  b = unusual_config();
  b.gan.stats_features.push_back("c");
  EXPECT_FALSE(a == b);
}

TEST(ConfigToml, WritesExactlyTheSchemasKeys) {
  const toml::table doc = toml::parse(to_toml(ExperimentConfig{}));
  std::set<std::string> written;
  leaf_keys(doc, "", written);
  const std::vector<std::string> keys = config_keys();
  EXPECT_EQ(written, std::set<std::string>(keys.begin(), keys.end()));
  EXPECT_EQ(keys.size(), std::set<std::string>(keys.begin(), keys.end()).size());
}

TEST(ConfigToml, FloatsInShortestExactForm) {
  using config::detail::toml_float;
  EXPECT_EQ(toml_float(0.2f, true), "0.2");
  EXPECT_EQ(toml_float(2e-4f, true), "0.0002");
  EXPECT_EQ(toml_float(1e-5f, true), "1e-5");
  EXPECT_EQ(toml_float(5e-6f, true), "5e-6");
  EXPECT_EQ(toml_float(2.0), "2.0");
  EXPECT_EQ(toml_float(-3.0), "-3.0");
  EXPECT_EQ(toml_float(1e20), "1e20");
  EXPECT_EQ(toml_float(0.1 + 0.2), "0.30000000000000004");
}

TEST(ConfigDocs, EveryKeyIsDocumented) {
  const std::string doc = read_text(kSource / "docs/config.md");
  ASSERT_FALSE(doc.empty());
  const std::vector<std::string> blocks{"real",       "syn",       "real_syn",
                                        "cross_real", "cross_syn", "cross_real_syn"};
  for (const std::string& b : blocks)
    EXPECT_NE(doc.find("`ser." + b + "`"), std::string::npos) << b;
  for (const std::string& key : config_keys()) {
    if (doc.find("`" + key + "`") != std::string::npos) continue;
    // The six classifier blocks share one table with `ser.<block>.<key>` rows.
    bool generic = false;
    for (const std::string& b : blocks) {
      const std::string prefix = "ser." + b + ".";
      if (key.compare(0, prefix.size(), prefix) == 0)
        generic = doc.find("`ser.<block>." + key.substr(prefix.size()) + "`") != std::string::npos;
    }
    EXPECT_TRUE(generic) << key << " is not in docs/config.md";
  }
}

namespace {

// Runs a shell command; returns its exit status and combined output.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) output.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST(ConfigCommand, PrintsTheResolvedConfigWithOverrides) {
  const std::string demo = (kSource / "configs/demo.toml").string();
  auto [rc, out] = run(std::string(EMOAUG_BINARY) + " config '" + demo +
                       "' -s gan.epochs=5 -sser.std=sample --set 'gan.lambda_cls=[0,1,2]' "
                       "--set=ser.real.lr=2e-5");
  ASSERT_EQ(rc, 0) << out;
  ExperimentConfig expected = load_config(
      demo, {"gan.epochs=5", "ser.std=sample", "gan.lambda_cls=[0,1,2]", "ser.real.lr=2e-5"});
  EXPECT_EQ(out, to_toml(expected));
  EXPECT_CONTAINS(out, "lambda_cls = [0.0, 1.0, 2.0]");
}

TEST(ConfigCommand, ReportsProblemsAndDocumentsSet) {
  const std::string demo = (kSource / "configs/demo.toml").string();
  auto [rc, out] = run(std::string(EMOAUG_BINARY) + " config '" + demo + "' -s gan.epoch=5");
  EXPECT_EQ(rc, 1);
  EXPECT_CONTAINS(out,
                  "emoaug config: error: -s gan.epoch=5: unknown key 'gan.epoch' (did you "
                  "mean 'gan.epochs'?)");
  auto [rc_missing, out_missing] = run(std::string(EMOAUG_BINARY) + " config '" + demo + "' -s");
  EXPECT_EQ(rc_missing, 1);
  EXPECT_CONTAINS(out_missing, "-s needs a value KEY=VALUE");
  auto [rc_short, out_short] = run(std::string(EMOAUG_BINARY) + " config '" + demo + "' -x");
  EXPECT_EQ(rc_short, 1);
  EXPECT_CONTAINS(out_short, "unknown option -x");
  auto [rc_help, help] = run(std::string(EMOAUG_BINARY) + " config --help");
  EXPECT_EQ(rc_help, 0);
  EXPECT_CONTAINS(help, "-s, --set KEY=VALUE");
  EXPECT_CONTAINS(help, "(repeatable)");
  EXPECT_CONTAINS(help, "-h, --help");
}
