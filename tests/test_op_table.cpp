// Every op of backend/ops.h from the one op table (op_table.h) on every backend built: the CPU
// always, CUDA with FP32 and with TF32 gemms where a GPU is present (skipped otherwise), each
// against the table's naive reference, with guard words around every output, inputs that must
// stay as they were, and finite-difference gradients where the op has one. The table and the
// interface are checked against each other: an op of ops.h's EMOAUG_OPS without a row fails, and
// so does a function declared in ops.h that the list lacks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <tuple>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/error.h"
#include "cuda_test_helpers.h"
#include "op_table.h"

using namespace emoaug;
using namespace emoaug::optable;

namespace {

bool is_empty(const Case& c) {
  for (const Tensor& t : c.in)
    if (t.size() == 0) return true;
  return c.shape.rows == 0 || c.shape.cols == 0;
}

// Central differences of the row's f against its analytic gradient, on up to 24 elements of x;
// returns how many were differenced.
int check_gradient(const OpRow& row, Case c, Device device) {
  const Tensor analytic = row.gradient.df(c, device);
  Tensor& x = row.gradient.x(c);
  EXPECT_EQ(analytic.size(), x.size()) << "gradient size";
  if (analytic.size() != x.size()) return 0;
  double max_g = 0.0;
  for (int64_t i = 0; i < analytic.size(); ++i)
    max_g = std::max(max_g, std::fabs(static_cast<double>(analytic.data()[i])));
  const double h = 0.02;
  const int64_t stride = std::max<int64_t>(1, x.size() / 24);
  int checked = 0;
  for (int64_t i = 0; i < x.size(); i += stride) {
    if (row.gradient.near_kink && row.gradient.near_kink(c, i, h)) continue;
    const float x0 = x.data()[i];
    x.data()[i] = x0 + static_cast<float>(h);
    const float up = x.data()[i];
    const double f_up = row.gradient.f(c, device);
    x.data()[i] = x0 - static_cast<float>(h);
    const float down = x.data()[i];
    const double f_down = row.gradient.f(c, device);
    x.data()[i] = x0;
    const double step = static_cast<double>(up) - down;
    const double numeric = (f_up - f_down) / step;
    const double g = analytic.data()[i];
    // f is a float (a loss) or a sum of float outputs: each value rounds by half an ulp.
    const double rounding = 2.4e-7 * std::max(std::fabs(f_up), std::fabs(f_down)) / step;
    EXPECT_LE(std::fabs(numeric - g), 0.02 * std::fabs(g) + 0.005 * max_g + rounding + 1e-7)
        << "d/dx[" << i << "]: central difference " << numeric << ", the op's gradient " << g;
    ++checked;
  }
  return checked;
}

class OpTableRun : public ::testing::TestWithParam<std::tuple<Mode, int>> {};

TEST_P(OpTableRun, MatchesTheNaiveReference) {
  const Mode mode = std::get<0>(GetParam());
  const ops::Op op = static_cast<ops::Op>(std::get<1>(GetParam()));
  if (mode != Mode::Cpu) EMOAUG_REQUIRE_CUDA();
  const OpRow* row = find_row(op);
  ASSERT_NE(row, nullptr) << ops::name_of(op)
                          << " is an op of backend/ops.h without a row in tests/op_table.cpp";
  const Device device = device_of(mode);
  ops::MathMode math;
  math.tf32 = mode == Mode::CudaTf32;
  ops::ExecutionContext exec(device, 1, math);
  const ops::ExecutionScope bound(exec);
  const double tol = row->tolerance.of(mode);
  uint64_t seed = 100;
  int differenced = 0;
  for (const Shape& shape : row->shapes) {
    SCOPED_TRACE(std::string(ops::name_of(op)) + " on " + name_of(mode) + ", " + describe(shape));
    seed += 10;
    const Case c = row->make(shape, seed);
    Placed placed(*row, c, device);
    const bool transfer_on_host = row->placement != Placement::Same && device == Device::Host;
    if (transfer_on_host || (row->empty_throws && is_empty(c))) {
      EXPECT_THROW(row->call(placed.bound()), Error);
    } else {
      const std::vector<float> returned = row->call(placed.bound());
      ops::synchronize();
      const Expected want = row->reference(c);
      const std::vector<Tensor> got = placed.outputs();
      ASSERT_EQ(got.size(), want.out.size()) << "out buffers";
      for (size_t b = 0; b < got.size(); ++b) {
        const bool ints = b < c.out_ints.size() && c.out_ints[b];
        const Mismatch m = compare(got[b], ints, want.out[b]);
        EXPECT_LE(m.error, tol) << "out[" << b << "] element " << m.at << " is " << m.got
                                << ", the reference " << m.want;
      }
      ASSERT_EQ(returned.size(), want.returned.size()) << "returned values";
      for (size_t k = 0; k < returned.size(); ++k)
        EXPECT_LE(
            std::fabs(returned[k] - want.returned[k]) / std::max(1.0, std::fabs(want.returned[k])),
            tol)
            << "returned " << returned[k] << ", the reference " << want.returned[k];
      if (row->has_gradient() && !is_empty(c))
        differenced += check_gradient(*row, row->make(shape, seed), device);
    }
    for (const std::string& damage : placed.damaged_guards()) ADD_FAILURE() << damage;
    for (const std::string& input : placed.changed_inputs(c))
      ADD_FAILURE() << input << " was written to (a read-only argument)";
  }
  if (row->has_gradient()) {
    EXPECT_GT(differenced, 0) << "no element away from the kinks";
  }
}

std::string run_name(const ::testing::TestParamInfo<std::tuple<Mode, int>>& info) {
  return std::string(name_of(std::get<0>(info.param))) + "_" +
         ops::kOpNames[std::get<1>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(EveryOp, OpTableRun,
                         ::testing::Combine(::testing::Values(Mode::Cpu, Mode::CudaFp32,
                                                              Mode::CudaTf32),
                                            ::testing::Range(0, ops::kOpCount)),
                         run_name);

}  // namespace

TEST(OpTable, EveryOpOfTheInterfaceHasExactlyOneRow) {
  for (int i = 0; i < ops::kOpCount; ++i) {
    const ops::Op op = static_cast<ops::Op>(i);
    EXPECT_EQ(std::count_if(op_table().begin(), op_table().end(),
                            [&](const OpRow& r) { return r.op == op; }),
              1)
        << ops::kOpNames[i] << ": rows in the op table";
  }
  EXPECT_EQ(op_table().size(), static_cast<size_t>(ops::kOpCount));
}

// What backend/ops.h declares as functions (above its "facts and synchronisation" part, which is
// no op) is what EMOAUG_OPS lists: an op declared but not listed would escape the table.
TEST(OpTable, OpsHeaderDeclaresExactlyTheListedOps) {
  std::ifstream in(EMOAUG_SOURCE_DIR "/src/backend/ops.h");
  ASSERT_TRUE(in) << "cannot read src/backend/ops.h";
  const std::regex declaration(R"(^(?:[A-Za-z_][\w:<>]*[ *&]+)+(\w+)\()");
  std::set<std::string> declared;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("---- facts and synchronisation") != std::string::npos) break;
    std::smatch m;
    if (line.rfind("inline ", 0) == 0 || line.rfind("#", 0) == 0) continue;
    if (std::regex_search(line, m, declaration)) declared.insert(m[1]);
  }
  const std::set<std::string> listed(std::begin(ops::kOpNames), std::end(ops::kOpNames));
  for (const std::string& name : declared)
    EXPECT_TRUE(listed.count(name)) << name << " is declared in ops.h but not in EMOAUG_OPS";
  for (const std::string& name : listed)
    EXPECT_TRUE(declared.count(name)) << name << " is in EMOAUG_OPS but not declared in ops.h";
}

// Each row tries the odd tails (1, 7, 17 and 33 columns) and an empty batch.
TEST(OpTable, EveryRowTriesOddTailsAndAnEmptyBatch) {
  for (const OpRow& row : op_table()) {
    std::set<int64_t> cols;
    bool empty = false;
    for (const Shape& s : row.shapes) {
      cols.insert(s.cols);
      empty = empty || s.rows == 0;
    }
    for (int64_t tail : {1, 7, 17, 33})
      EXPECT_TRUE(cols.count(tail))
          << ops::name_of(row.op) << " never tries " << tail << " columns";
    EXPECT_TRUE(empty) << ops::name_of(row.op) << " never tries an empty batch";
    EXPECT_TRUE(row.make && row.call && row.reference) << ops::name_of(row.op);
  }
}

// The guard words themselves: a write one past the end of an out buffer is reported.
TEST(OpTable, GuardWordsCatchAWritePastTheEnd) {
  const OpRow* row = find_row(ops::Op::copy);
  ASSERT_NE(row, nullptr);
  const Case c = row->make({3, 7}, 1);
  Placed placed(*row, c, Device::Host);
  EXPECT_TRUE(placed.damaged_guards().empty());
  placed.bound().out[0].data[21] = 0.0f;  // one past 3 x 7
  ASSERT_EQ(placed.damaged_guards().size(), 1u);
  EXPECT_NE(placed.damaged_guards()[0].find("word 0 after the end"), std::string::npos)
      << placed.damaged_guards()[0];
}
