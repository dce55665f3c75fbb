// The three ways to add a verifier (docs/custom_verifiers.md): a C++ class registered by
// name, a shared library loaded at run time, and an external process speaking JSON lines.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include "verifiers/external/external_verifier.h"
#include "verifiers/plugin/plugin_loader.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

// ---- 1. A C++ class registered by name ----------------------------------------------------

// Correct when the completion mentions task.answer; "case_sensitive" is its one option.
class MentionsAnswer : public Verifier {
 public:
  explicit MentionsAnswer(bool case_sensitive) : case_sensitive_(case_sensitive) {}
  std::string name() const override { return "mentions_answer"; }
  Verdict verify(const Task& task, const std::string& completion) override {
    auto fold = [&](std::string s) {
      if (!case_sensitive_) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      return s;
    };
    Verdict v;
    v.correct =
        !task.answer.empty() && fold(completion).find(fold(task.answer)) != std::string::npos;
    v.score = v.correct ? 1.0 : 0.0;
    v.format_ok = true;
    v.reason = v.correct ? "ok" : "not_mentioned";
    return v;
  }

 private:
  bool case_sensitive_;
};

TEST(CustomVerifier, CppClassRegisteredByName) {
  if (!has_verifier("mentions_answer"))  // registered once per process
    register_verifier("mentions_answer", [](const json& options) -> std::unique_ptr<Verifier> {
      JsonReader r(options, "mentions_answer options");
      bool cs = r.get<bool>("case_sensitive", false);
      r.done();
      return std::make_unique<MentionsAnswer>(cs);
    });
  ASSERT_TRUE(has_verifier("mentions_answer"));
  Task t;
  t.answer = "Paris";
  auto v = make_verifier("mentions_answer");
  EXPECT_TRUE(v->verify(t, "I think it is paris.").correct);
  EXPECT_FALSE(v->verify(t, "Lyon").correct);
  auto strict = make_verifier("mentions_answer", {{"case_sensitive", true}});
  EXPECT_FALSE(strict->verify(t, "I think it is paris.").correct);
  EXPECT_THROW(make_verifier("mentions_answer", {{"case", true}}), Error);
  try {
    make_verifier("no_such_verifier");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mentions_answer"), std::string::npos)
        << "known names are listed";
  }
}

// ---- 2. A shared library loaded at run time ---------------------------------------------

TEST(CustomVerifier, PluginLibrary) {
  std::vector<std::string> names = load_verifier_plugin(R1_EXAMPLE_PLUGIN);
  ASSERT_EQ(names, std::vector<std::string>{"caseless"});
  EXPECT_EQ(load_verifier_plugin(R1_EXAMPLE_PLUGIN), names);  // loading again is a no-op
  // ... however the path is spelt: the file decides, not the string.
  std::filesystem::path plugin(R1_EXAMPLE_PLUGIN);
  std::string respelt = (plugin.parent_path() / "." / plugin.filename()).string();
  EXPECT_EQ(load_verifier_plugin(respelt), names);
  Task t;
  t.answer = "Paris";
  auto v = make_verifier("caseless");
  EXPECT_EQ(v->name(), "caseless");
  Verdict ok = v->verify(t, "<think>capital of France</think><answer>  pARIS </answer>");
  EXPECT_TRUE(ok.correct);
  EXPECT_EQ(ok.score, 1.0);
  EXPECT_EQ(ok.reason, "ok");
  Verdict wrong = v->verify(t, "<answer>Lyon\xff</answer>");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "wrong_answer");
  EXPECT_EQ(wrong.details["got"], "Lyon\xC3\xBF");  // the plugin escaped byte 0xff as \u00ff
  const char with_nul[] = "<answer>x</answer>\0<answer>paris</answer>";
  EXPECT_TRUE(v->verify(t, std::string(with_nul, sizeof(with_nul) - 1)).correct);
  // A NUL inside the answer is part of it: a hedge behind one is not cut off (an audit).
  const char hedge[] = "<answer>Paris\0 or maybe Lyon</answer>";
  EXPECT_FALSE(v->verify(t, std::string(hedge, sizeof(hedge) - 1)).correct);
  EXPECT_EQ(v->verify(t, "no tags").reason, "no_answer");
  // Options reach the plugin, and its errors name the plugin.
  auto tagged = make_verifier("caseless", {{"tag", "final"}});
  EXPECT_TRUE(tagged->verify(t, "<final>paris</final>").correct);
  try {
    make_verifier("caseless", {{"colour", "red"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(R1_EXAMPLE_PLUGIN), std::string::npos) << e.what();
  }
  // Many threads on one instance.
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) right += v->verify(t, "<answer>PARIS</answer>").correct;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 2000);
}

// A verifier is never replaced: a plugin naming one of its verifiers "math" would otherwise judge
// every task that asks for math, and a second plugin would shadow the first, with nothing in the
// run to say which one judged.
TEST(CustomVerifier, ANameAlreadyTakenIsAnErrorNamingBothOrigins) {
  auto factory = [](const json&) -> std::unique_ptr<Verifier> {
    return std::make_unique<MentionsAnswer>(false);
  };
  try {
    register_verifier("math", factory, "my test");
    FAIL() << "the built-in math verifier was replaced";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'math'"), std::string::npos) << m;
    EXPECT_NE(m.find("built in"), std::string::npos) << m;
    EXPECT_NE(m.find("my test"), std::string::npos) << m;
  }
  Task t;
  t.answer = "18";
  EXPECT_TRUE(make_verifier("math")->verify(t, "<think>9+9</think><answer>18</answer>").correct)
      << "math is still the built-in";
  EXPECT_FALSE(make_verifier("math")->verify(t, "<answer>it is not 18</answer>").correct);

  if (!has_verifier("taken_once")) register_verifier("taken_once", factory, "the first");
  EXPECT_THROW(register_verifier("taken_once", factory, "the second"), Error);
  EXPECT_THROW(register_verifier("", factory, "no name"), Error);

  // The same plugin's file under another path registers its names again: refused, naming both.
  std::vector<std::string> names = load_verifier_plugin(R1_EXAMPLE_PLUGIN);
  ASSERT_EQ(names, std::vector<std::string>{"caseless"});
  std::string copy = (std::filesystem::temp_directory_path() /
                      ("r1_plugin_copy_" + std::to_string(getpid()) + ".so"))
                         .string();
  std::filesystem::copy_file(R1_EXAMPLE_PLUGIN, copy,
                             std::filesystem::copy_options::overwrite_existing);
  try {
    load_verifier_plugin(copy);
    FAIL() << "a second library took the name 'caseless'";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'caseless'"), std::string::npos) << m;
    EXPECT_NE(m.find(copy), std::string::npos) << m;
    EXPECT_NE(m.find(R1_EXAMPLE_PLUGIN), std::string::npos) << m;
  }
  std::filesystem::remove(copy);
}

TEST(CustomVerifier, BadPluginsAreRejectedWithTheirPath) {
  try {
    load_verifier_plugin("/nonexistent/libnothing.so");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/libnothing.so"), std::string::npos);
  }
  try {
    load_verifier_plugin("libm.so.6");  // a real library without the entry point
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("r1_register_verifiers"), std::string::npos) << e.what();
  }
  try {
    load_verifier_plugin("");  // dlopen's name for the program itself
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the path is empty"), std::string::npos) << e.what();
  }
}

// ---- 3. An external process speaking JSON lines -----------------------------------------

bool have_python() {
  return std::system("python3 -c pass >/dev/null 2>&1") == 0;
}

const std::string kRoot = R1_SOURCE_DIR;

TEST(CustomVerifier, ExternalProcessExample) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  ExternalVerifierOptions o;
  o.command = {"python3", kRoot + "/examples/external_verifier/keywords_verifier.py"};
  o.timeout_ms = 10000;
  if (!has_verifier("keywords")) register_external_verifier("keywords", o);  // once per process
  auto v = make_verifier("keywords");
  EXPECT_EQ(v->name(), "keywords");
  Task t;
  t.meta = {{"keywords", {"photosynthesis", "light"}}};
  Verdict all = v->verify(t, "<think>.</think><answer>Photosynthesis needs light.</answer>");
  EXPECT_TRUE(all.correct);
  EXPECT_EQ(all.score, 1.0);
  Verdict half = v->verify(t, "<think>.</think><answer>Photosynthesis.</answer>");
  EXPECT_FALSE(half.correct);
  EXPECT_DOUBLE_EQ(half.score, 0.5);
  EXPECT_EQ(half.details["missing"], json::array({"light"}));
  EXPECT_DOUBLE_EQ(v->verify(t, "<answer>photosynthesislight</answer>").score, 0.0);  // words
  Task broken;
  Verdict err = v->verify(broken, "<answer>x</answer>");
  EXPECT_TRUE(err.verifier_error);
  EXPECT_EQ(err.reason, "task_has_no_keywords");
  // Invalid UTF-8 in the completion still makes a valid request.
  EXPECT_FALSE(v->verify(t, "<answer>light \xff\xfe</answer>").verifier_error);
}

TEST(CustomVerifier, ExternalProcessTimeoutsCrashesAndRestarts) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  auto v = make_verifier(
      "external",
      {{"command", {"python3", kRoot + "/tests/verifiers/data/misbehaving_verifier.py"}},
       {"timeout_ms", 1500},
       {"startup_ms", 500},
       {"name", "misbehaving"}});
  Task t;
  t.answer = "yes";
  Verdict first = verify_guarded(*v, t, "yes");
  ASSERT_TRUE(first.correct) << first.to_json().dump();
  int pid = first.details["pid"];
  EXPECT_EQ(verify_guarded(*v, t, "no").reason, "wrong_answer");
  EXPECT_EQ(verify_guarded(*v, t, "yes").details["pid"], pid)
      << "the process is kept between requests";

  // A failure on one completion, with the program judging the task's gold right in time, is
  // that completion's: it scores 0 (were it a verifier error, the sample would be dropped and
  // a policy could escape its penalty by writing what breaks the verifier).
  auto start = std::chrono::steady_clock::now();
  Verdict hang = verify_guarded(*v, t, "HANG");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(hang.verifier_error) << hang.to_json().dump();
  EXPECT_FALSE(hang.correct);
  EXPECT_EQ(hang.score, 0.0);
  EXPECT_EQ(hang.reason, "external_timeout");
  EXPECT_TRUE(hang.details.contains("scored")) << hang.to_json().dump();
  EXPECT_TRUE(hang.scored_by_control);
  EXPECT_LT(secs, 5.0);
  Verdict after_hang = verify_guarded(*v, t, "yes");
  EXPECT_TRUE(after_hang.correct) << "restarted after the timeout: " << after_hang.to_json().dump();
  EXPECT_NE(after_hang.details["pid"], pid);

  Verdict crash = verify_guarded(*v, t, "CRASH");
  EXPECT_FALSE(crash.verifier_error);
  EXPECT_EQ(crash.score, 0.0);
  EXPECT_EQ(crash.reason, "external_crashed");
  EXPECT_TRUE(verify_guarded(*v, t, "yes").correct) << "restarted after the crash";

  Verdict garbage = verify_guarded(*v, t, "GARBAGE");
  EXPECT_FALSE(garbage.verifier_error);
  EXPECT_EQ(garbage.reason, "external_bad_reply");
  Verdict wrong_id = verify_guarded(*v, t, "WRONGID");
  EXPECT_FALSE(wrong_id.verifier_error);
  EXPECT_EQ(wrong_id.reason, "external_bad_reply");
  EXPECT_TRUE(verify_guarded(*v, t, "yes").correct);
  // Replies are untrusted text too: nesting and numbers beyond range are bad replies, not a
  // stack overflow or an exception (issue items 17-18, the same class as r1 verify's lines).
  for (const char* how : {"DEEP", "HUGENUM"}) {
    Verdict bad = verify_guarded(*v, t, how);
    EXPECT_FALSE(bad.verifier_error) << how;
    EXPECT_EQ(bad.score, 0.0) << how;
    EXPECT_EQ(bad.reason, "external_bad_reply") << how << ": " << bad.to_json().dump();
    EXPECT_TRUE(verify_guarded(*v, t, "yes").correct) << "restarted after " << how;
  }

  // An error the program reports itself is asked about as a crash is: the gold judged right,
  // it is the completion's.
  Verdict own = verify_guarded(*v, t, "OWNERROR");
  EXPECT_FALSE(own.verifier_error) << own.to_json().dump();
  EXPECT_EQ(own.reason, "scorer_failed");
  EXPECT_TRUE(own.scored_by_control);

  // A task without a gold: nothing tells the completion's fault from the task's or the
  // program's, so a crash or an error the program reports stays a verifier error.
  Task no_gold;
  Verdict g = verify_guarded(*v, no_gold, "CRASH");
  EXPECT_TRUE(g.verifier_error) << g.to_json().dump();
  EXPECT_EQ(g.reason, "external_crashed");
  g = verify_guarded(*v, no_gold, "OWNERROR");
  EXPECT_TRUE(g.verifier_error) << g.to_json().dump();
  EXPECT_EQ(g.reason, "scorer_failed");
  // A program that fails on the gold too is down: a verifier error, no zero.
  Task down;
  down.answer = "DOWN";
  start = std::chrono::steady_clock::now();
  Verdict d = verify_guarded(*v, down, "yes");
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(d.verifier_error) << d.to_json().dump();
  EXPECT_EQ(d.reason, "external_timeout");
  EXPECT_LT(secs, 8.0);  // two timeouts of 1.5 s
  EXPECT_TRUE(verify_guarded(*v, t, "yes").correct) << "restarted after the timeouts";

  auto missing = make_verifier("external", {{"command", {"/nonexistent/verifier"}}});
  Verdict m = verify_guarded(*missing, t, "yes");
  EXPECT_TRUE(m.verifier_error);
  EXPECT_EQ(m.reason, "external_spawn_failed");
}

// A program that exits after each reply, or writes a stray line after it, fails the next request
// for reasons of its own: that request is asked again of a fresh process, so every completion
// gets its own verdict (each was an external_crashed or external_bad_reply before, which the gold
// control scored 0: right answers too). Requests follow each other at once, as in training, where
// the program may still be exiting, or its stray line still on its way, when the next arrives.
TEST(CustomVerifier, ExternalProcessThatDiesOrPrintsWhileIdleIsAskedAgain) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  for (const char* flag : {"--one-shot", "--stray"}) {
    SCOPED_TRACE(flag);
    auto v = make_verifier(
        "external",
        {{"command", {"python3", kRoot + "/tests/verifiers/data/misbehaving_verifier.py", flag}},
         {"timeout_ms", 5000}});
    Task t;
    t.answer = "yes";
    for (int i = 0; i < 6; ++i) {
      // Between some requests, time for the program to have exited, or its stray line to have
      // arrived, before the next (a failure of the idle program, found before sending).
      if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(300));
      Verdict yes = v->verify(t, "yes");
      EXPECT_FALSE(yes.verifier_error) << yes.to_json().dump();
      EXPECT_TRUE(yes.correct) << yes.to_json().dump();
      Verdict no = v->verify(t, "no");
      EXPECT_EQ(no.reason, "wrong_answer") << no.to_json().dump();
    }
    // A completion that breaks the program still breaks the fresh one: it is the completion's.
    Verdict crash = verify_guarded(*v, t, "CRASH");
    EXPECT_FALSE(crash.verifier_error) << crash.to_json().dump();
    EXPECT_EQ(crash.reason, "external_crashed");
    EXPECT_EQ(crash.score, 0.0);
  }
}

// A copy just started has startup_ms on top of timeout_ms for its first request (imports): the
// gold control after a timeout or a crash usually runs on one, and a control that timed out for
// the imports' sake would leave the completion that broke the program a verifier error.
TEST(CustomVerifier, ExternalProcessStartUpHasItsOwnTime) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  const json command = {"python3", kRoot + "/tests/verifiers/data/misbehaving_verifier.py",
                        "--start-delay"};
  Task t;
  t.answer = "yes";
  auto slow_start =
      make_verifier("external", {{"command", command}, {"timeout_ms", 400}, {"startup_ms", 5000}});
  Verdict first = slow_start->verify(t, "yes");
  EXPECT_TRUE(first.correct) << first.to_json().dump();
  EXPECT_TRUE(slow_start->verify(t, "yes").correct) << "the running copy answers at once";
  Verdict hang = verify_guarded(*slow_start, t, "HANG");
  EXPECT_FALSE(hang.verifier_error)
      << "the control's fresh copy had time to start: " << hang.to_json().dump();
  EXPECT_EQ(hang.reason, "external_timeout");
  auto no_allowance =
      make_verifier("external", {{"command", command}, {"timeout_ms", 400}, {"startup_ms", 0}});
  EXPECT_EQ(no_allowance->verify(t, "yes").reason, "external_timeout");
  EXPECT_THROW(make_verifier("external", {{"command", command}, {"startup_ms", -1}}), Error);
}

// What the program reads and what its reply means: valid UTF-8 on an ASCII line (a JavaScript
// reader splits a line at a raw U+2028), byte ranges mapped back onto the completion's own
// bytes (an invalid byte is one byte here, three as U+FFFD there), a score of 1 alone is
// correct, and a reason is a label of bounded length.
TEST(CustomVerifier, ExternalProcessRequestsAndRepliesAreReadAsTheCompletionsBytes) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  auto v = make_verifier(
      "external",
      {{"command", {"python3", kRoot + "/tests/verifiers/data/misbehaving_verifier.py"}},
       {"timeout_ms", 5000}});
  Task t;
  t.answer = "yes";
  Verdict ascii = v->verify(t, "ASCII \xe2\x80\xa8 caf\xc3\xa9 \xff");
  EXPECT_TRUE(ascii.correct) << ascii.to_json().dump();
  // "SPANLAST " is 9 bytes; the invalid bytes are one each here.
  Verdict last = v->verify(t, "SPANLAST \xff");
  EXPECT_EQ(last.details["wrong_spans"], json::parse("[[9, 10]]")) << last.to_json().dump();
  Verdict after = v->verify(t, "SPANLAST \xff\xfe\xc3\xa9");
  EXPECT_EQ(after.details["wrong_spans"], json::parse("[[11, 13]]")) << after.to_json().dump();
  Verdict score_only = v->verify(t, "SCOREONLY");
  EXPECT_TRUE(score_only.correct) << score_only.to_json().dump();
  EXPECT_EQ(score_only.score, 1.0);
  Verdict long_reason = v->verify(t, "LONGREASON");
  EXPECT_FALSE(long_reason.verifier_error) << long_reason.to_json().dump();
  EXPECT_LE(long_reason.reason.size(), 300u);
}

TEST(CustomVerifier, ExternalProcessPoolServesThreads) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed";
  auto v = make_verifier(
      "external",
      {{"command", {"python3", kRoot + "/tests/verifiers/data/misbehaving_verifier.py"}},
       {"processes", 3},
       {"timeout_ms", 5000}});
  Task t;
  t.answer = "SLOWSTART yes";
  std::atomic<int> right{0};
  std::mutex m;
  std::set<int64_t> pids;
  auto round = [&](int per_thread) {
    std::vector<std::thread> threads;
    for (int k = 0; k < 3; ++k) {
      threads.emplace_back([&] {
        for (int i = 0; i < per_thread; ++i) {
          Verdict d = v->verify(t, "SLOWSTART yes");
          right += d.correct;
          std::lock_guard<std::mutex> lock(m);
          pids.insert(d.details.value("pid", int64_t{-1}));
        }
      });
    }
    for (auto& th : threads) th.join();
  };
  round(1);  // starts the three processes: python's start-up is not what is timed below
  auto start = std::chrono::steady_clock::now();
  round(4);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(right.load(), 15);
  EXPECT_EQ(pids.size(), 3u) << "every process of the pool served requests";
  // 12 requests of 0.2 s (sleeping, not computing) on 3 processes: about 0.8 s, not 2.4 s.
  EXPECT_LT(secs, 2.0);
  EXPECT_THROW(make_verifier("external", {{"command", json::array()}}), Error);
  EXPECT_THROW(make_verifier("external", {{"timeout_ms", 10}}), Error);  // no command
}

}  // namespace
}  // namespace r1
