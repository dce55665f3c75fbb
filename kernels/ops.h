// The op API: one forward and one backward function per op, on flat row-major buffers, with the
// shapes in each header. kernels/cpu/ is the reference implementation (OpenBLAS + OpenMP, for
// float and double); kernels/cuda/ mirrors ops one by one and is tested against these.
#pragma once
#include "kernels/cpu/adamw.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/logprobs.h"
#include "kernels/cpu/moe.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/router.h"
#include "kernels/cpu/swiglu.h"
