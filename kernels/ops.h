// The op API: one forward and one backward function per op, on flat row-major buffers, with the
// shapes in each header. kernels/cpu/ is the reference implementation (OpenBLAS + OpenMP, for
// float and double); kernels/backend.h gathers them into the op table the model, optimizer and
// generator call, which other backends fill with their own kernels.
#pragma once
#include "kernels/cpu/adamw.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_packed.h"
#include "kernels/cpu/logprobs.h"
#include "kernels/cpu/mla.h"
#include "kernels/cpu/moe.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/router.h"
#include "kernels/cpu/sampling.h"
#include "kernels/cpu/swiglu.h"
#include "kernels/cpu/tensor_ops.h"
