// The code sandbox: runs untrusted Python (or any command) in isolated, resource-limited
// process trees, many at once. Start with SandboxPool (pool.h); docs/sandbox.md describes the
// layers, the limits and how to configure them.
#pragma once
#include "sandbox/config.h"
#include "sandbox/isolation.h"
#include "sandbox/limits.h"
#include "sandbox/pool.h"
#include "sandbox/request.h"
