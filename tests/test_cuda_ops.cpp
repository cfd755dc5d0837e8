// The CUDA backend against the CPU backend, op by op, on the same inputs: NMSE <= 1e-6 with TF32
// off, the same bytes where both compute the same float operations (dropout masks above all).
// Built in both configurations; without CUDA or a GPU those tests report themselves skipped.
// The dispatcher's and the kernels' host-side logic is tested here too and runs everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "backend/execution.h"
#include "backend/ops.h"
#include "core/error.h"
#include "core/index_buffer.h"
#include "core/state_dict.h"
#include "cuda_test_helpers.h"
#include "kernels/functors.h"
#include "numeric_helpers.h"

using namespace emoaug;
using emoaug::testing::expect_nmse;
using emoaug::testing::expect_same_bytes;
using emoaug::testing::on_cuda;
using emoaug::testing::on_host;
using emoaug::testing::random_matrix;

namespace {

constexpr double kTol = 1e-6;

// Host memory labelled as a device view: the dispatcher must reject mixed calls before it
// touches any memory, so these never reach a backend.
MatView fake_cuda(Tensor& t) {
  return {t.data(), t.rows(), t.cols(), Device::Cuda};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---- dispatcher logic (no GPU needed) ------------------------------------------------------

TEST(CudaDispatch, MixedDevicesAreAnErrorNamingTheOp) {
  Tensor a(3, 4), b(4, 2), c(3, 2), x(3, 2), y(3, 2), m(3, 2), v(3, 2);
  EXPECT_NE(error_of([&] {
              ops::gemm(a.view(), ops::Trans::No, fake_cuda(b), ops::Trans::No, c.view());
            }).find("gemm: arguments on different devices"),
            std::string::npos);
  EXPECT_NE(error_of([&] { ops::axpy(1.0f, fake_cuda(x), y.view()); }).find("axpy"),
            std::string::npos);
  EXPECT_NE(error_of([&] { ops::mse(x.view(), fake_cuda(y), MatView{}); }).find("mse"),
            std::string::npos);
  EXPECT_NE(error_of([&] { ops::copy(fake_cuda(x), y.view()); }).find("copy"), std::string::npos);
  EXPECT_NE(error_of([&] {
              ops::adam(x.view(), y.view(), fake_cuda(m), v.view(), ops::AdamHyper{}, 1);
            }).find("adam"),
            std::string::npos);
  EXPECT_NE(error_of([&] { ops::to_device(fake_cuda(x), y.view()); }).find("to_device"),
            std::string::npos);
}

TEST(CudaDispatch, AbsentOptionalViewsHaveNoDevice) {
  // MatView{} says Host, but an absent gradient must not make a host call "mixed".
  Tensor x = random_matrix(4, 3, 1), t = random_matrix(4, 3, 2);
  EXPECT_NO_THROW(ops::mse(x.view(), t.view(), MatView{}));
  EXPECT_NO_THROW(ops::bce_with_logits(x.view(), 0.9f, MatView{}));
  float loss = -1.0f;
  ops::mse_into(x.view(), t.view(), MatView{}, 1.0f, &loss);
  EXPECT_FLOAT_EQ(loss, ops::mse(x.view(), t.view(), MatView{}));
}

#ifndef EMOAUG_HAVE_CUDA
TEST(CudaDispatch, WithoutCudaADeviceViewSaysCudaIsNotBuilt) {
  Tensor x(2, 2), y(2, 2);
  const std::string msg = error_of([&] { ops::scale(fake_cuda(x), 2.0f); });
  EXPECT_NE(msg.find("scale"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CUDA is not built"), std::string::npos) << msg;
  // With the absent gradient ignored, the device of the call is the logits'.
  EXPECT_NE(error_of([&] {
              ops::bce_with_logits(fake_cuda(x), 0.9f, MatView{});
            }).find("CUDA is not built"),
            std::string::npos);
  EXPECT_THROW(Tensor(2, 2, Device::Cuda), Error);
  EXPECT_THROW(x.to(Device::Cuda), Error);
  EXPECT_THROW(ops::to_device(x.view(), fake_cuda(y)), Error);
  std::string why;
  EXPECT_FALSE(ops::cuda_available(&why));
  EXPECT_NE(why.find("without CUDA"), std::string::npos) << why;
}
#endif

// TF32 is a context's math mode: off by default, and on only for the threads bound to a context
// that asks for it.
TEST(CudaDispatch, Tf32IsOffByDefaultAndBelongsToTheBoundContext) {
  EXPECT_FALSE(ops::current_execution().math().tf32);
  ops::MathMode tf32;
  tf32.tf32 = true;
  ops::ExecutionContext exec(Device::Host, 1, tf32);
  {
    const ops::ExecutionScope bound(exec);
    EXPECT_TRUE(ops::current_execution().math().tf32);
    bool other_thread = true;
    std::thread([&] { other_thread = ops::current_execution().math().tf32; }).join();
    EXPECT_FALSE(other_thread);
  }
  EXPECT_FALSE(ops::current_execution().math().tf32);
}

TEST(CudaDispatch, GemmFlopsCountTwoMnkInTheBoundContext) {
  Tensor a(3, 4), b(4, 5), c(3, 5);
  ops::ExecutionContext exec, unbound;
  {
    const ops::ExecutionScope bound(exec);
    ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
  }
  EXPECT_EQ(exec.gemm_flops(), 2u * 3 * 4 * 5);
  ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
  EXPECT_EQ(exec.gemm_flops(), 2u * 3 * 4 * 5) << "counted after its scope ended";
  EXPECT_EQ(unbound.gemm_flops(), 0u);
}

// ---- kernel logic on the host (no GPU needed) -----------------------------------------------
// The kernels' per-thread bodies live in kernels/functors.h; here they run on the host, one call
// per thread index, against independent references.

TEST(CudaKernelLogic, DropoutQuadIsTheStreamDrawnInOrder) {
  // Element i of a mask uses word i % 4 of block first + i / 4: exactly the i-th word a fresh
  // stream hands out, so an Rng drawing one word at a time is an independent reference.
  const float p = 0.3f;
  const int64_t n = 1001;  // not a multiple of 4
  Rng kernel_rng(3, 4, StreamId::Dropout), sequential(3, 4, StreamId::Dropout);
  const fn::DropoutDraws draws{kernel_rng.key0(), kernel_rng.key1(), kernel_rng.stream(),
                               kernel_rng.reserve_blocks((n + 3) / 4), p};
  for (int64_t q = 0; q < (n + 3) / 4; ++q) {
    float quad[4];
    fn::dropout_quad(draws, static_cast<uint64_t>(q), quad);
    for (int w = 0; w < 4 && 4 * q + w < n; ++w)
      ASSERT_EQ(quad[w], fn::dropout_scale(sequential.next_u32(), p)) << "element " << 4 * q + w;
  }
  // And the CPU op reserves the same blocks, so the stream continues in the same place.
  Tensor x(1, n), mask(1, n);
  Rng op_rng(3, 4, StreamId::Dropout);
  ops::dropout(x.view(), mask.view(), p, op_rng);
  EXPECT_EQ(op_rng.state().block, kernel_rng.state().block);
}

TEST(CudaKernelLogic, ThreadPerColumnSumIsTheCpuBits) {
  Tensor x = random_matrix(64, 37, 5, -3.0f, 3.0f);
  std::vector<float> cpu(37, 0.5f), kernel(37);
  ops::col_sum(x.view(), cpu.data(), /*accumulate=*/true);
  for (int64_t c = 0; c < 37; ++c) kernel[c] = fn::column_sum(x.data(), 64, 37, c, 0.5f);
  EXPECT_EQ(0, std::memcmp(cpu.data(), kernel.data(), sizeof(float) * 37));
}

TEST(CudaKernelLogic, ArgmaxRowTakesTheFirstMaximum) {
  const float row[5] = {1.0f, 3.0f, -2.0f, 3.0f, 0.0f};
  EXPECT_EQ(fn::argmax_row(row, 5), 1);
  EXPECT_EQ(fn::argmax_row(row, 1), 0);
}

TEST(CudaKernelLogic, SharedFunctorsStayFiniteAtExtremes) {
  // The loss and activation functors both backends run: stable where naive forms overflow.
  for (float x : {-100.0f, -30.0f, 0.0f, 30.0f, 100.0f}) {
    EXPECT_TRUE(std::isfinite(fn::sigmoid(x))) << x;
    EXPECT_TRUE(std::isfinite(fn::bce_with_logits(x, 0.9f))) << x;
    EXPECT_TRUE(std::isfinite(fn::bce_with_logits_grad(x, 0.0f))) << x;
  }
  EXPECT_NEAR(fn::bce_with_logits(100.0f, 0.0f), 100.0f, 1e-4f);
  EXPECT_EQ(fn::dropout_scale(0u, 0.0f), 1.0f);  // p = 0 keeps everything, unscaled
  const float logits[3] = {1000.0f, 0.0f, -1000.0f};
  float grad[3];
  EXPECT_NEAR(fn::softmax_xent_row(logits, 3, 0, 1.0f, 1.0f, grad), 0.0, 1e-12);
  EXPECT_NEAR(grad[0], 0.0f, 1e-7f);
}

// ---- every op on CUDA against the CPU backend ----------------------------------------------

TEST(CudaOps, CopiesRoundTrip) {
  EMOAUG_REQUIRE_CUDA();
  Tensor h = random_matrix(7, 9, 1);
  Tensor d(7, 9, Device::Cuda), back(7, 9);
  ops::to_device(h.view(), d.view());
  ops::to_host(d.view(), back.view());
  expect_same_bytes(d, h, "to_device/to_host");
  expect_same_bytes(on_cuda(h), h, "Tensor::to");
  expect_same_bytes(on_cuda(h).clone(), h, "clone on the device");
  std::vector<int32_t> ids{4, 0, 3, 3, 1};
  IndexBuffer buf(Device::Cuda);
  buf.assign(ids);
  EXPECT_EQ(buf.to_vector(), ids);
  buf.set_device(Device::Host);
  EXPECT_EQ(std::vector<int32_t>(buf.data(), buf.data() + 5), ids);
  StateDict state;
  Tensor dev = on_cuda(h);
  state.put("x", dev.view());
  Tensor restored(7, 9, Device::Cuda);
  state.get("x", restored.view());
  expect_same_bytes(restored, h, "StateDict through the device");
}

TEST(CudaOps, MixedDevicesWithARealDeviceTensor) {
  EMOAUG_REQUIRE_CUDA();
  Tensor a(3, 4), c(3, 2);
  Tensor b(4, 2, Device::Cuda);
  EXPECT_NE(error_of([&] {
              ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::No, c.view());
            }).find("gemm"),
            std::string::npos);
}

TEST(CudaOps, GemmAllTransposesAndThePaperShapes) {
  EMOAUG_REQUIRE_CUDA();
  struct Shape {
    int64_t m, k, n;
  };
  for (Shape s : {Shape{7, 13, 5}, Shape{64, 1582, 1000}, Shape{1000, 64, 1582}, Shape{1, 3, 1}})
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        Tensor a = ta ? random_matrix(s.k, s.m, 1) : random_matrix(s.m, s.k, 1);
        Tensor b = tb ? random_matrix(s.n, s.k, 2) : random_matrix(s.k, s.n, 2);
        Tensor c = random_matrix(s.m, s.n, 3);
        Tensor da = on_cuda(a), db = on_cuda(b), dc = on_cuda(c);
        const auto opa = ta ? ops::Trans::Yes : ops::Trans::No;
        const auto opb = tb ? ops::Trans::Yes : ops::Trans::No;
        ops::gemm(a.view(), opa, b.view(), opb, c.view(), 0.7f, 0.3f);
        ops::gemm(da.view(), opa, db.view(), opb, dc.view(), 0.7f, 0.3f);
        expect_nmse(dc, c, kTol,
                    "gemm " + std::to_string(s.m) + "x" + std::to_string(s.k) + "x" +
                        std::to_string(s.n) + " ta=" + std::to_string(ta) +
                        " tb=" + std::to_string(tb));
      }
}

TEST(CudaOps, GemmWithTf32IsCloseAndFp32ComesBackWithTheScope) {
  EMOAUG_REQUIRE_CUDA();
  Tensor a = random_matrix(64, 1582, 1), b = random_matrix(1000, 1582, 2), c(64, 1000);
  Tensor da = on_cuda(a), db = on_cuda(b), dc(64, 1000, Device::Cuda);
  ops::gemm(a.view(), ops::Trans::No, b.view(), ops::Trans::Yes, c.view());
  ops::MathMode tf32;
  tf32.tf32 = true;
  ops::ExecutionContext exec(Device::Cuda, 1, tf32);
  {
    const ops::ExecutionScope bound(exec);
    ops::gemm(da.view(), ops::Trans::No, db.view(), ops::Trans::Yes, dc.view());
  }
  expect_nmse(dc, c, 1e-4, "TF32 gemm");  // 10-bit mantissa inputs
  ops::gemm(da.view(), ops::Trans::No, db.view(), ops::Trans::Yes, dc.view());
  expect_nmse(dc, c, kTol, "FP32 gemm after TF32 was switched off");
}

TEST(CudaOps, BiasColumnSumsAndActivationsAreTheCpuBits) {
  EMOAUG_REQUIRE_CUDA();
  Tensor y = random_matrix(64, 333, 4), bias = random_matrix(1, 333, 5);
  Tensor dy = on_cuda(y), dbias = on_cuda(bias);
  ops::add_bias(y.view(), bias.data());
  ops::add_bias(dy.view(), dbias.data());
  expect_same_bytes(dy, y, "add_bias");
  for (bool accumulate : {false, true}) {
    Tensor sums = random_matrix(1, 333, 6);
    Tensor dsums = on_cuda(sums);
    ops::col_sum(y.view(), sums.data(), accumulate);
    ops::col_sum(dy.view(), dsums.data(), accumulate);
    expect_same_bytes(dsums, sums, accumulate ? "col_sum accumulate" : "col_sum");
  }
  Tensor g = random_matrix(64, 333, 7);
  Tensor dg = on_cuda(g);
  ops::leaky_relu(y.view(), 0.2f);
  ops::leaky_relu(dy.view(), 0.2f);
  expect_same_bytes(dy, y, "leaky_relu");
  ops::leaky_relu_backward(g.view(), y.view(), 0.2f);
  ops::leaky_relu_backward(dg.view(), dy.view(), 0.2f);
  expect_same_bytes(dg, g, "leaky_relu_backward");
  Tensor s(64, 333), ds(64, 333, Device::Cuda);
  Tensor wide = random_matrix(64, 333, 8, -40.0f, 40.0f);
  Tensor dwide = on_cuda(wide);
  ops::sigmoid(wide.view(), s.view());
  ops::sigmoid(dwide.view(), ds.view());
  expect_nmse(ds, s, kTol, "sigmoid");
}

TEST(CudaOps, DropoutMaskIsTheSameBytesAndTheStreamAdvancesAlike) {
  EMOAUG_REQUIRE_CUDA();
  for (int64_t cols : {1000, 1, 7}) {
    Tensor x = random_matrix(64, cols, 9);
    Tensor dx = on_cuda(x), mask(64, cols), dmask(64, cols, Device::Cuda);
    Rng host_rng(1, 2, StreamId::Dropout), dev_rng(1, 2, StreamId::Dropout);
    for (int call = 0; call < 3; ++call) {  // successive calls draw successive blocks
      ops::dropout(x.view(), mask.view(), 0.2f, host_rng);
      ops::dropout(dx.view(), dmask.view(), 0.2f, dev_rng);
      expect_same_bytes(dmask, mask, "dropout mask, call " + std::to_string(call));
      expect_same_bytes(dx, x, "dropout output");
      EXPECT_EQ(dev_rng.state().block, host_rng.state().block);
    }
    Tensor g = random_matrix(64, cols, 10);
    Tensor dg = on_cuda(g);
    ops::dropout_backward(g.view(), mask.view());
    ops::dropout_backward(dg.view(), dmask.view());
    expect_same_bytes(dg, g, "dropout_backward");
  }
}

TEST(CudaOps, FusedBiasLeakyDropoutAndItsBackwardAreTheCpuBits) {
  EMOAUG_REQUIRE_CUDA();
  for (float p : {0.0f, 0.2f, 0.5f}) {
    Tensor z = random_matrix(64, 501, 11), bias = random_matrix(1, 501, 12);
    Tensor dz = on_cuda(z), dbias = on_cuda(bias);
    Tensor mask(64, 501), dmask(64, 501, Device::Cuda);
    Rng r1(5, 6, StreamId::Dropout), r2(5, 6, StreamId::Dropout);
    const bool drop = p > 0.0f;
    ops::bias_leaky_dropout(z.view(), bias.data(), 0.2f, p, drop ? mask.view() : MatView{}, &r1);
    ops::bias_leaky_dropout(dz.view(), dbias.data(), 0.2f, p, drop ? dmask.view() : MatView{}, &r2);
    const std::string tag = " p=" + std::to_string(p);
    expect_same_bytes(dz, z, "bias_leaky_dropout" + tag);
    if (drop) expect_same_bytes(dmask, mask, "bias_leaky_dropout mask" + tag);
    Tensor g = random_matrix(64, 501, 13);
    Tensor dg = on_cuda(g);
    ops::leaky_dropout_backward(g.view(), z.view(), drop ? mask.cview() : ConstMatView{}, 0.2f);
    ops::leaky_dropout_backward(dg.view(), dz.view(), drop ? dmask.cview() : ConstMatView{}, 0.2f);
    expect_same_bytes(dg, g, "leaky_dropout_backward" + tag);
  }
}

TEST(CudaOps, LossesAndTheirGradients) {
  EMOAUG_REQUIRE_CUDA();
  auto close = [](float got, float want, const char* what) {
    EXPECT_LE(std::fabs(got - want), kTol * std::max(1.0f, std::fabs(want))) << what;
  };
  // MSE over a generator-sized batch (several reduction blocks).
  Tensor pred = random_matrix(64, 1582, 14), target = random_matrix(64, 1582, 15);
  Tensor dpred = on_cuda(pred), dtarget = on_cuda(target);
  Tensor grad(64, 1582), dgrad(64, 1582, Device::Cuda);
  close(ops::mse(dpred.view(), dtarget.view(), dgrad.view(), 5.0f),
        ops::mse(pred.view(), target.view(), grad.view(), 5.0f), "mse");
  expect_nmse(dgrad, grad, kTol, "mse gradient");
  // BCE against a constant and a matrix target, a discriminator's [64, 1] logits.
  Tensor logits = random_matrix(64, 1, 16, -20.0f, 20.0f), targets = random_matrix(64, 1, 17, 0, 1);
  Tensor dlogits = on_cuda(logits), dtargets = on_cuda(targets);
  Tensor g(64, 1), dg(64, 1, Device::Cuda);
  close(ops::bce_with_logits(dlogits.view(), 0.9f, dg.view(), 0.5f),
        ops::bce_with_logits(logits.view(), 0.9f, g.view(), 0.5f), "bce");
  expect_nmse(dg, g, kTol, "bce gradient");
  close(ops::bce_with_logits(dlogits.view(), dtargets.view(), dg.view(), 0.5f),
        ops::bce_with_logits(logits.view(), targets.view(), g.view(), 0.5f), "bce matrix");
  expect_nmse(dg, g, kTol, "bce matrix gradient");
  // Softmax cross-entropy with device labels, argmax, and the device-resident loss.
  Tensor x = random_matrix(64, 4, 18, -5.0f, 5.0f);
  Tensor dx = on_cuda(x);
  std::vector<int32_t> labels(64);
  for (int r = 0; r < 64; ++r) labels[r] = (r * 7) % 4;
  IndexBuffer dlabels(Device::Cuda);
  dlabels.assign(labels);
  Tensor gx(64, 4), dgx(64, 4, Device::Cuda);
  const float want = ops::softmax_cross_entropy(x.view(), labels.data(), gx.view(), 2.0f);
  close(ops::softmax_cross_entropy(dx.view(), dlabels.data(), dgx.view(), 2.0f), want, "xent");
  expect_nmse(dgx, gx, kTol, "xent gradient");
  Tensor dloss(1, 1, Device::Cuda);
  ops::softmax_cross_entropy_into(dx.view(), dlabels.data(), dgx.view(), 2.0f, dloss.data());
  close(on_host(dloss).data()[0], want, "xent left on the device");
  std::vector<int32_t> pred_host(64);
  IndexBuffer dpred_idx(Device::Cuda);
  dpred_idx.resize(64);
  ops::argmax_rows(x.view(), pred_host.data());
  ops::argmax_rows(dx.view(), dpred_idx.data());
  EXPECT_EQ(dpred_idx.to_vector(), pred_host);
  // The count of correct predictions, left on the device as the CPU writes it on the host.
  float hits_host = -1.0f;
  ops::argmax_hits_into(x.view(), labels.data(), &hits_host);
  Tensor dhits(1, 1, Device::Cuda);
  ops::argmax_hits_into(dx.view(), dlabels.data(), dhits.data());
  EXPECT_EQ(on_host(dhits).data()[0], hits_host);
  EXPECT_GT(hits_host, 0.0f);
  // A bad label is still an error naming the row.
  labels[9] = 4;
  dlabels.assign(labels);
  EXPECT_NE(error_of([&] {
              ops::softmax_cross_entropy(dx.view(), dlabels.data(), MatView{});
            }).find("row 9"),
            std::string::npos);
}

TEST(CudaOps, ScaleAxpyCopyZeroGather) {
  EMOAUG_REQUIRE_CUDA();
  Tensor x = random_matrix(50, 30, 19), y = random_matrix(50, 30, 20);
  Tensor dx = on_cuda(x), dy = on_cuda(y);
  ops::axpy(-0.5f, x.view(), y.view());
  ops::axpy(-0.5f, dx.view(), dy.view());
  expect_nmse(dy, y, kTol, "axpy");
  ops::scale(y.view(), 3.0f);
  ops::scale(dy.view(), 3.0f);
  expect_nmse(dy, y, kTol, "scale");
  ops::copy(dx.view(), dy.view());
  expect_same_bytes(dy, x, "copy");
  ops::scale(dy.view(), 0.0f);
  ops::zero(y.view());
  expect_same_bytes(dy, y, "scale by 0 clears");
  std::vector<int32_t> rows{49, 0, 17, 17, 3};
  IndexBuffer drows(Device::Cuda);
  drows.assign(rows);
  Tensor out(5, 30), dout(5, 30, Device::Cuda);
  ops::gather_rows(x.view(), rows.data(), out.view());
  ops::gather_rows(dx.view(), drows.data(), dout.view());
  expect_same_bytes(dout, out, "gather_rows");
  rows[2] = 50;  // outside: a NaN row on the device (the CPU throws)
  drows.assign(rows);
  ops::gather_rows(dx.view(), drows.data(), dout.view());
  Tensor got = on_host(dout);
  EXPECT_TRUE(std::isnan(got(2, 0)));
  EXPECT_EQ(got(3, 0), x(17, 0));
}

TEST(CudaOps, AdamBothFlavoursOverSeveralSteps) {
  EMOAUG_REQUIRE_CUDA();
  for (auto flavor : {ops::AdamFlavor::PyTorch, ops::AdamFlavor::TensorFlow}) {
    ops::AdamHyper h;
    h.lr = 1e-2f;
    h.flavor = flavor;
    Tensor p = random_matrix(1, 10007, 21), m(1, 10007), v(1, 10007);
    Tensor dp = on_cuda(p), dm = on_cuda(m), dv = on_cuda(v);
    for (int step = 1; step <= 5; ++step) {
      Tensor g = random_matrix(1, 10007, 100 + step);
      Tensor dg = on_cuda(g);
      ops::adam(p.view(), g.view(), m.view(), v.view(), h, step);
      ops::adam(dp.view(), dg.view(), dm.view(), dv.view(), h, step);
    }
    expect_nmse(dp, p, kTol, "adam parameters");
    expect_nmse(dm, m, kTol, "adam first moment");
    expect_nmse(dv, v, kTol, "adam second moment");
  }
}
