// CUDA graphs (graphs.cu): the backend's Graphs table, and what the rest of the backend asks of
// a recording in progress.
#pragma once
#include "kernels/backend.h"

namespace r1::cuda {

// The table's functions (begin, end, launch, destroy).
Graphs graphs_table();

// True while the calling thread records a graph: the call named `what` is then not made, and
// the recording fails naming it (an op that cannot be recorded, a memory function).
bool refused_while_recording(const char* what);

// R1_CUDA_GRAPHS=1: models use the backend's graphs unless told otherwise (decode steps replay as
// one graph each). Off by default until the graphs have run on a GPU (docs/gpu.md); any value
// but 0 or 1 is an error.
bool graphs_wanted();

}  // namespace r1::cuda
