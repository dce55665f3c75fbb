// Fuzz target: the wire. An input is a message's frames (wire_frames.h); it is decoded, then fed
// to every consumer of a channel: the task, rollout/scored and control codecs, the weights
// assembler, and the checks the reward service and the learner run on groups
// (core/rollout_checks.h). Each may refuse the input with MessageError, and nothing else: any
// other exception, a crash or a sanitizer report is a bug. Seeds: corpus/wire_message/, real
// messages of each type (tests/core/test_wire_corpus.cpp writes and checks them).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/channel.h"
#include "core/rl_messages.h"
#include "core/rollout_checks.h"
#include "tests/fuzz/wire_frames.h"
#include "tests/fuzz/wire_limits.h"

namespace {

using namespace r1;

template <typename F>
void only_message_errors(const char* what, F&& f) {
  try {
    f();
  } catch (const MessageError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s threw something other than MessageError: %s\n", what, e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Message m;
  try {
    m = decode(r1::fuzz::split_frames(data, size));
  } catch (const MessageError&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decode threw something other than MessageError: %s\n", e.what());
    std::abort();
  }
  only_message_errors("TaskAssignment", [&] { TaskAssignment::from_message(m); });
  only_message_errors("ControlMessage", [&] { ControlMessage::from_message(m); });
  only_message_errors("RolloutGroup", [&] {
    RolloutGroup g = RolloutGroup::from_message(m);
    only_message_errors("check_rollout_group",
                        [&] { check_rollout_group(g, r1::fuzz::wire_limits(g)); });
    SentTask sent{g.task, g.prompt};
    check_answers(g, sent, 3);
  });
  only_message_errors("WeightsAssembler", [&] {
    // Sized like a receiver's model, as rollout workers size theirs.
    WeightsAssembler a(1024);
    if (a.add(m)) a.take();
  });
  return 0;
}
