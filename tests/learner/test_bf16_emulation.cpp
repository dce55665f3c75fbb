// bf16 arithmetic on the CPU (tests/common/bf16_emulation.h): the rounding itself, and what it
// costs against fp32, op by op and for the whole model. The CUDA bf16 backend is held to the
// bounds checked here (tests/cuda/): this shows, on every machine, that bf16 arithmetic fits
// them, so a GPU failure of those bounds points at the CUDA code, not at the bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/common/backend_op_cases.h"
#include "tests/common/bf16_emulation.h"
#include "tests/common/model_compare.h"

using namespace r1;
using namespace r1::test;

TEST(Bf16Emulation, RoundsToNearestWithTiesToEven) {
  EXPECT_EQ(round_bf16(1.0f), 1.0f);
  EXPECT_EQ(round_bf16(-3.5f), -3.5f);
  const float ulp = std::ldexp(1.0f, -7);  // bf16 keeps 7 fraction bits: 1 + 2^-7 is the next value
  EXPECT_EQ(round_bf16(1.0f + ulp / 2), 1.0f);                   // tie: to the even 1.0
  EXPECT_EQ(round_bf16(1.0f + 3 * ulp / 2), 1.0f + 2 * ulp);     // tie: to the even 1 + 2^-6
  EXPECT_EQ(round_bf16(1.0f + ulp / 2 + ulp / 64), 1.0f + ulp);  // past the tie: up
  EXPECT_EQ(round_bf16(1.0f + ulp / 2 - ulp / 64), 1.0f);        // short of it: down
  EXPECT_EQ(round_bf16(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(round_bf16(std::numeric_limits<float>::quiet_NaN())));
  float low_nan;  // a NaN whose payload lies only in the bits the cut drops
  const uint32_t bits = 0x7f800001u;
  std::memcpy(&low_nan, &bits, 4);
  EXPECT_TRUE(std::isnan(round_bf16(low_nan)));
  EXPECT_EQ(round_bf16(std::numeric_limits<float>::max()), std::numeric_limits<float>::infinity());
}

// The GEMM-based ops round both operands to 8 significant bits: a relative error of at most 2^-9
// and about 1.1e-3 rms per operand, 1.6e-3 rms per product, and a sum of products with random
// signs keeps that relative norm: 1e-2 leaves a margin of about 4 (measured: at most 2.6e-3).
// Attention from rounded q, k, v and dO: the forward likewise (at most 4.7e-3); the backward's
// dS = P (dP - D) subtracts nearly equal terms, which magnifies the rounding of dP (measured: up
// to 1.3e-2 for dK at head size 192), so 3e-2. Every other op is the CPU's own: exactly equal.
TEST(Bf16Emulation, EveryOpIsWithinItsBf16BoundOfFp32) {
  const int compared = check_backend_against_cpu(cpu_bf16_emulation(), [](const Case& c) {
    return c.op == "attention_backward" ? 3e-2 : bf16_changes(c.op) ? 1e-2 : 0.0;
  });
  EXPECT_GT(compared, 40);
}

// The whole-model bounds of tests/common/model_compare.h, which the CUDA bf16 backend is held to.
TEST(Bf16Emulation, ForwardAndGradientsStayWithinTheBounds) {
  check_bf16_forward_and_gradients(cpu_bf16_emulation());
}
TEST(Bf16Emulation, DecodeLogitsStayWithinTheBounds) {
  check_bf16_decode_logits(cpu_bf16_emulation());
}
TEST(Bf16Emulation, TrainingCurveStaysWithinTheBounds) {
  check_bf16_training_curve(cpu_bf16_emulation());
}
