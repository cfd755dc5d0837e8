#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "config/config.h"
#include "core/error.h"
#include "experiment/state_io.h"
#include "file_helpers.h"
#include "numeric_helpers.h"
#include "ser/linear.h"
#include "ser/metrics.h"
#include "ser/mlp_classifier.h"
#include "ser/options.h"
#include "ser/registry.h"

using namespace emoaug;
using emoaug::testing::TempDir;

TEST(SerMetrics, ConfusionRecallAndUarByHand) {
  // truth:     0 0 0 0 1 1 2 2 2 2
  // predicted: 0 0 1 0 1 2 2 2 2 0
  std::vector<int32_t> truth{0, 0, 0, 0, 1, 1, 2, 2, 2, 2};
  std::vector<int32_t> pred{0, 0, 1, 0, 1, 2, 2, 2, 2, 0};
  ser::Evaluation ev = ser::evaluate(truth, pred, 3);
  EXPECT_EQ(ev.confusion, (std::vector<int64_t>{3, 1, 0, 0, 1, 1, 1, 0, 3}));
  EXPECT_DOUBLE_EQ(ev.recall[0], 0.75);
  EXPECT_DOUBLE_EQ(ev.recall[1], 0.5);
  EXPECT_DOUBLE_EQ(ev.recall[2], 0.75);
  EXPECT_DOUBLE_EQ(ev.uar, (0.75 + 0.5 + 0.75) / 3);
}

TEST(SerMetrics, AbsentClassIsLeftOutOfUar) {
  ser::Evaluation ev = ser::evaluate({0, 0, 1}, {0, 1, 1}, 3);
  EXPECT_DOUBLE_EQ(ev.uar, (0.5 + 1.0) / 2);
}

namespace {
// Four Gaussian classes in 10-d, imbalanced.
void make_problem(int rows, uint64_t seed, Tensor& x, std::vector<int32_t>& y) {
  Rng rng(seed, 0, StreamId::Data);
  x = Tensor(rows, 10);
  y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    y[r] = r % 7 < 3 ? 0 : r % 7 < 5 ? 1 : r % 7 < 6 ? 2 : 3;
    for (int c = 0; c < 10; ++c) x(r, c) = rng.normal() + (c == y[r] ? 3.0f : 0.0f);
  }
}
}  // namespace

TEST(SerClassifier, LearnsASeparableProblemAndIsDeterministic) {
  Tensor x, x_test;
  std::vector<int32_t> y, y_test;
  make_problem(700, 1, x, y);
  make_problem(300, 2, x_test, y_test);
  ser::ClassifierOptions o;
  o.hidden = {32, 32};
  o.batch_size = 32;
  o.lr = 1e-3f;
  int passes_seen = 0;
  ser::MlpClassifier a(10, 4, o, 5, 1);
  a.train(x.view(), y, ser::MlpClassifier::passes_for(10), [&](int pass) { passes_seen = pass; });
  EXPECT_EQ(passes_seen, 11);
  std::vector<int32_t> pred = a.predict(x_test.view());
  EXPECT_GT(ser::evaluate(y_test, pred, 4).uar, 0.9);
  ser::MlpClassifier b(10, 4, o, 5, 1);
  b.train(x.view(), y, 11);
  EXPECT_EQ(b.predict(x_test.view()), pred);
  ser::MlpClassifier c(10, 4, o, 5, 2);
  c.train(x.view(), y, 11);
  EXPECT_NE(0, std::memcmp(c.model().params().data, a.model().params().data,
                           sizeof(float) * a.model().num_params()));
}

TEST(SerClassifier, TooFewRowsForOneBatchIsAClearError) {
  Tensor x(10, 3);
  std::vector<int32_t> y(10, 0);
  ser::ClassifierOptions o;
  o.batch_size = 64;
  ser::MlpClassifier c(3, 2, o, 1, 1);
  EXPECT_THROW(c.train(x.view(), y, 1), Error);
}

namespace {
// The kind the block chooses, made as the SER stage makes it.
std::unique_ptr<ser::Classifier> make_classifier(int dims, int classes,
                                                 const ser::ClassifierOptions& o, uint64_t seed,
                                                 uint64_t task) {
  return ser::classifier_kind(o.classifier).make(dims, classes, o, seed, task);
}

ser::ClassifierOptions linear_options(int batch_size, float lr, int epochs, float l2) {
  ser::ClassifierOptions o;
  o.classifier = "linear";
  o.of<ser::LinearClassifier>().batch_size = batch_size;
  o.of<ser::LinearClassifier>().lr = lr;
  o.of<ser::LinearClassifier>().epochs = epochs;
  o.of<ser::LinearClassifier>().l2 = l2;
  return o;
}

std::vector<float> copy_of(ConstMatView v) {
  return std::vector<float>(v.data, v.data + v.size());
}
}  // namespace

TEST(SerLinear, GradientMatchesCentralDifferences) {
  Tensor x;
  std::vector<int32_t> y;
  make_problem(12, 3, x, y);
  ser::LinearClassifier c(10, 4, linear_options(4, 1e-2f, 1, 0.3f), 7, 1);
  // Away from the initial point, so the penalty's share of the gradient is not negligible.
  c.train(x.view(), y, 2);
  c.objective(x.view(), y);
  const std::vector<float> analytic = copy_of(c.grads());
  MatView p = c.params();
  // Weights of every class and the biases (the last 4 parameters, which the penalty leaves out).
  for (int64_t i : {int64_t{0}, int64_t{13}, int64_t{22}, int64_t{39}, p.cols - 3, p.cols - 1}) {
    const float saved = p.data[i];
    const float h = 1e-2f;
    p.data[i] = saved + h;
    const double up = c.objective(x.view(), y);
    p.data[i] = saved - h;
    const double down = c.objective(x.view(), y);
    p.data[i] = saved;
    const double numeric = (up - down) / (2 * h);
    EXPECT_NEAR(analytic[i], numeric, 2e-3 + 2e-2 * std::abs(numeric)) << "param " << i;
  }
}

TEST(SerLinear, SeparatesALinearlySeparableSet) {
  // Four classes at the corners of a simplex, noise far smaller than the gaps.
  const int rows = 256, dims = 6;
  Tensor x(rows, dims);
  std::vector<int32_t> y(rows);
  Rng rng(3, 0, StreamId::Data);
  for (int r = 0; r < rows; ++r) {
    y[r] = r % 4;
    for (int c = 0; c < dims; ++c)
      x(r, c) = (c == y[r] ? 2.0f : 0.0f) + 0.3f * (rng.uniform() - 0.5f);
  }
  ser::ClassifierOptions o = linear_options(16, 5e-2f, 20, 1e-4f);
  std::unique_ptr<ser::Classifier> c = make_classifier(dims, 4, o, 1, 1);
  int passes_seen = 0;
  c->train(x.view(), y,
           ser::classifier_kind("linear").passes_for(o.of<ser::LinearClassifier>().epochs),
           [&](int pass) { passes_seen = pass; });
  EXPECT_EQ(passes_seen, 20);  // no extra pass, unlike the MLP
  EXPECT_EQ(c->predict(x.view()), y);
}

TEST(SerLinear, SameSeedSameBytesAndTheTaskChangesThem) {
  Tensor x;
  std::vector<int32_t> y;
  make_problem(300, 1, x, y);
  const ser::ClassifierOptions o = linear_options(32, 1e-2f, 3, 1e-2f);
  auto trained = [&](uint64_t task) {
    std::unique_ptr<ser::Classifier> c = make_classifier(10, 4, o, 5, task);
    c->train(x.view(), y, 3);
    return copy_of(c->params());
  };
  const std::vector<float> a = trained(1), b = trained(1), other = trained(2);
  ASSERT_EQ(a.size(), 44u);  // 10 x 4 weights and 4 biases
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), sizeof(float) * a.size()));
  EXPECT_NE(0, std::memcmp(a.data(), other.data(), sizeof(float) * a.size()));
}

TEST(SerRegistry, KnowsBothAndTheirCosts) {
  EXPECT_EQ(ser::classifier_names(), (std::vector<std::string>{"mlp", "linear"}));
  ser::ClassifierOptions o;  // hidden [100, 100]
  const ser::ClassifierKind& mlp = ser::classifier_kind("mlp");
  EXPECT_EQ(mlp.passes_for(70), 71);
  EXPECT_DOUBLE_EQ(mlp.forward_macs(1582, 4, o), 1582.0 * 100 + 100 * 100 + 100 * 4);
  EXPECT_DOUBLE_EQ(mlp.parameters(1582, 4, o), 1582.0 * 100 + 100 * 100 + 100 * 4 + 204);
  const ser::ClassifierKind& linear = ser::classifier_kind("linear");
  EXPECT_EQ(linear.epochs(o), o.of<ser::LinearClassifier>().epochs);
  EXPECT_DOUBLE_EQ(linear.forward_macs(1582, 4, o), 1582.0 * 4);
  EXPECT_DOUBLE_EQ(linear.parameters(1582, 4, o), 1583.0 * 4);
}

// Every registered classifier: what save() wrote, through a state file, loads into a classifier
// made from the same block with another seed, and it then predicts as the trained one did; a
// classifier of another shape refuses it, naming the entry.
TEST(SerClassifier, EveryKindSavesAndLoadsItsTrainedModel) {
  Tensor x, x_test;
  std::vector<int32_t> y, y_test;
  make_problem(300, 1, x, y);
  make_problem(100, 2, x_test, y_test);
  TempDir dir;
  for (const std::string& name : ser::classifier_names()) {
    SCOPED_TRACE(name);
    ser::ClassifierOptions o;
    o.classifier = name;
    o.hidden = {16};
    o.batch_size = 32;
    o.lr = 1e-3f;
    std::unique_ptr<ser::Classifier> trained = make_classifier(10, 4, o, 5, 1);
    trained->train(x.view(), y, 3);
    StateDict state;
    trained->save(state);
    const std::string path = dir.path() + "/" + name + ".h5";
    experiment::write_state(path, state);

    std::unique_ptr<ser::Classifier> loaded = make_classifier(10, 4, o, 6, 2);
    ASSERT_NE(0, std::memcmp(loaded->params().data, trained->params().data,
                             sizeof(float) * trained->params().size()));
    loaded->load(experiment::read_state(path));
    EXPECT_EQ(0, std::memcmp(loaded->params().data, trained->params().data,
                             sizeof(float) * trained->params().size()));
    EXPECT_EQ(loaded->predict(x_test.view()), trained->predict(x_test.view()));

    std::unique_ptr<ser::Classifier> wider = make_classifier(11, 4, o, 5, 1);
    try {
      wider->load(state);
      ADD_FAILURE() << "a state of another shape loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("params"), std::string::npos) << e.what();
    }
  }
}

TEST(SerRegistry, AnUnknownNameIsOneLineNamingTheKeyAndTheKnownNames) {
  try {
    ser::classifier_kind("svm", "ser.real.classifier");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "ser.real.classifier: unknown classifier \"svm\"; known: \"mlp\", \"linear\"");
  }
  // The config refuses it when loading, at the override that said it.
  try {
    config::parse_config("", "x.toml", "/", {"ser.syn.classifier=svm"});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_NE(what.find("ser.syn.classifier"), std::string::npos) << what;
    EXPECT_NE(what.find("\"mlp\", \"linear\""), std::string::npos) << what;
  }
  const config::ExperimentConfig cfg =
      config::parse_config("[ser.real]\nclassifier = \"linear\"\n", "x.toml", "/");
  EXPECT_EQ(cfg.ser.real.classifier, "linear");
  EXPECT_EQ(cfg.ser.syn.classifier, "mlp");
}
