// --max-memory-gb, for the commands that build models: the memory limit that estimates of what
// a config needs are checked against (core/memory_limit.h) before anything big is allocated.
#pragma once
#include "core/args.h"

namespace r1 {

Args& add_memory_flag(Args& args);
// Sets the limit when the flag was given; throws naming it when its value is not positive.
void apply_memory_flag(const Args& args);

}  // namespace r1
