// The code sandbox: runs untrusted Python (or any command) in isolated, resource-limited
// process trees, many at once. Start with SandboxPool (pool.h); docs/sandbox.md describes the
// layers, the limits and how to configure them.
#pragma once
#include "verifiers/sandbox/config.h"
#include "verifiers/sandbox/isolation.h"
#include "verifiers/sandbox/limits.h"
#include "verifiers/sandbox/pool.h"
#include "verifiers/sandbox/request.h"
