#!/usr/bin/env python3
"""r1 against TRL's GRPOTrainer: one GRPO step, same model, same prompts, same CPU threads.

Needs torch, transformers and trl (pip install torch transformers trl); CI never runs it.

  python tools/trl_side_by_side.py [--r1 build/r1] [--model runs/quickstart/sft/final]
                                   [--steps 12] [--threads 2] [--out /tmp/r1-vs-trl]

What it does, in order:
  1. Draws countdown tasks (`r1 tasks countdown`, one level) and writes them as a `generic`
     dataset file, so both sides sample from the same prompts.
  2. Exports r1's checkpoint to transformers: the folder r1 writes is already an HF folder
     (config.json + model.safetensors, DeepseekV3ForCausalLM); it is loaded as is. Greedy
     completions of a few prompts must be equal token for token in both (a failed check stops
     the script), and the prompt ids of every task must match `r1 tokenize`.
  3. Builds an HF tokenizer equal to r1's byte tokenizer: ids 0-255 are the bytes, the special
     tokens follow from 256 in r1's order.
  4. Runs TRL's GRPOTrainer (G completions per prompt, P prompts per step, the same lengths,
     loss, clipping, learning rate, no KL, on `--threads` torch threads), timing generation
     (`_generate_and_score_completions`) and the rest of each step (training).
  5. Runs `r1 bench rl` on the same prompts with the same settings and dynamic sampling off (TRL
     has none), on `--threads` OpenMP threads.
  6. Prints s/step for each side, the split between generation and training, the tokens each
     generated per step, and the ratio TRL s/step / r1 s/step. The first step of each side is a
     warm-up and is not counted.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

SPECIALS_FILE = "byte_tokenizer.json"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


# --- tasks and prompts ---------------------------------------------------------------------

def draw_tasks(r1, n, seed, level):
    out = run([r1, "tasks", "countdown", "--n", str(n), "--seed", str(seed), "--difficulty", str(level)])
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def write_generic_dataset(tasks, path):
    # generic: {prompt, answer, verifier, id}; the other fields land in meta, where the countdown
    # verifier reads numbers and target.
    with open(path, "w") as f:
        for t in tasks:
            f.write(json.dumps({"id": t["id"], "prompt": t["prompt"], "answer": t["answer"],
                                "verifier": "countdown", "numbers": t["meta"]["numbers"],
                                "target": t["meta"]["target"]}) + "\n")


def render_chatml(question):
    # r1's "chatml" template: no system prompt, the completion prefix <think>.
    return f"<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n<think>"


# --- the HF twin of r1's byte tokenizer ------------------------------------------------------

def byte_tokenizer(model_dir):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import PreTrainedTokenizerFast

    specials = json.load(open(os.path.join(model_dir, SPECIALS_FILE)))["special_tokens"]
    # ByteLevel maps each byte to a printable character; give that character the byte's own id.
    alphabet = ByteLevel.alphabet()
    # The GPT-2 byte -> unicode table, written out (tokenizers does not export it): printable
    # Latin-1 bytes stand for themselves, the others take 256, 257, ... in byte order.
    byte_char = {}
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    extra = 0
    for b in range(256):
        if b in printable:
            byte_char[b] = chr(b)
        else:
            byte_char[b] = chr(256 + extra)
            extra += 1
    assert set(byte_char.values()) == set(alphabet), "byte table differs from tokenizers' ByteLevel alphabet"
    vocab = {byte_char[b]: b for b in range(256)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(specials)
    for i, s in enumerate(specials):
        assert tok.token_to_id(s) == 256 + i, f"special {s} got id {tok.token_to_id(s)}"
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|pad|>")


def check_tokenizer(r1, model_dir, hf_tok, texts):
    lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    out = run([r1, "tokenize", "--tokenizer", model_dir], input=lines)
    for line in out.splitlines():
        j = json.loads(line)
        mine = hf_tok(texts[j["id"]], add_special_tokens=False)["input_ids"]
        if mine != j["ids"]:
            sys.exit(f"tokenizer mismatch on {texts[j['id']]!r}:\n  r1 {j['ids']}\n  hf {mine}")


def check_greedy(r1, model_dir, model, hf_tok, questions, stop_ids, new_tokens=48):
    import torch
    for q in questions:
        out = run([r1, "generate", "--model", model_dir, "--prompt", q, "--chat", "chatml", "--temperature", "0",
                   "--max-new-tokens", str(new_tokens), "--stop", "</answer>", "--json"])
        theirs = json.loads(out.splitlines()[-1])["completion"]
        ids = hf_tok(render_chatml(q), return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            g = model.generate(ids, max_new_tokens=new_tokens, do_sample=False, eos_token_id=stop_ids,
                               pad_token_id=hf_tok.pad_token_id)
        mine = hf_tok.decode(g[0, ids.shape[1]:], skip_special_tokens=False)
        for s in ("<|endoftext|>",):
            mine = mine.replace(s, "")
        if mine != theirs:
            sys.exit(f"greedy completions differ on {q!r}:\n  r1 {theirs!r}\n  hf {mine!r}")


# --- the countdown reward, in Python for TRL -----------------------------------------------------

ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S)
FORMAT = re.compile(r"^<think>.*?</think>\s*<answer>.*?</answer>\s*$", re.S)


def eval_expr(s):
    toks = re.findall(r"\d+|[-+*/()]", s)
    if "".join(toks) != re.sub(r"\s+", "", s):
        raise ValueError("bad character")
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def atom():
        t = take()
        if t == "(":
            v = expr()
            if take() != ")":
                raise ValueError("paren")
            return v
        if t == "-":
            return -atom()
        return Fraction(int(t))

    def term():
        v = atom()
        while peek() in ("*", "/"):
            v = v * atom() if take() == "*" else v / atom()
        return v

    def expr():
        v = term()
        while peek() in ("+", "-"):
            v = v + term() if take() == "+" else v - term()
        return v

    v = expr()
    if pos != len(toks):
        raise ValueError("trailing")
    return v, sorted(int(t) for t in toks if t.isdigit())


def countdown_correct(text, nums, tgt):
    m = ANSWER.findall(text)
    try:
        v, used = eval_expr(m[-1])
        return 1.0 if used == sorted(nums) and v == tgt else 0.0
    except (IndexError, ValueError, ZeroDivisionError):
        return 0.0


def make_rewards(hf_tok):
    """TRL's completion texts skip special tokens, and </answer> is one here: decode the ids."""
    drop = {hf_tok.pad_token_id, hf_tok.eos_token_id}

    def text(ids):
        return hf_tok.decode([i for i in ids if i not in drop], skip_special_tokens=False)

    def countdown_reward(completion_ids, numbers, target, **_):
        return [countdown_correct(text(c), n, t) for c, n, t in zip(completion_ids, numbers, target)]

    def format_reward(completion_ids, **_):
        return [1.0 if FORMAT.match("<think>" + text(c)) else 0.0 for c in completion_ids]

    return [countdown_reward, format_reward]


# --- the two runs --------------------------------------------------------------------------------

def run_trl(args, model_dir, hf_tok, tasks, stop_ids):
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, PrinterCallback, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    # TRL stops a completion and ends its loss mask at the model's eos ids: r1 stops at
    # <|endoftext|> and at the stop string </answer>, which is one token here.
    model.generation_config.eos_token_id = stop_ids
    ds = Dataset.from_list([{"prompt": render_chatml(t["prompt"]), "numbers": t["meta"]["numbers"],
                             "target": t["meta"]["target"]} for t in tasks])
    batch = args.group_size * args.groups
    cfg = GRPOConfig(
        output_dir=os.path.join(args.out, "trl"), report_to=[], save_strategy="no", logging_steps=1,
        use_cpu=True, bf16=False, fp16=False, seed=args.seed, max_steps=args.steps,
        per_device_train_batch_size=batch, gradient_accumulation_steps=1, num_generations=args.group_size,
        max_completion_length=args.max_new_tokens, temperature=1.0, top_p=1.0, top_k=0,
        loss_type="dapo", epsilon=0.2, epsilon_high=0.28, beta=0.0, num_iterations=1,
        scale_rewards="group", learning_rate=args.lr, lr_scheduler_type="constant_with_warmup",
        warmup_steps=5, weight_decay=0.0, adam_beta1=0.9, adam_beta2=0.95, max_grad_norm=1.0,
        reward_weights=[1.0, 0.1], dataloader_num_workers=0, disable_tqdm=True,
        gradient_checkpointing=False)  # TRL's default recomputes activations; r1 does not

    class Timed(GRPOTrainer):
        gen_s = []

        def _generate_and_score_completions(self, inputs):
            t0 = time.perf_counter()
            out = super()._generate_and_score_completions(inputs)
            Timed.gen_s.append(time.perf_counter() - t0)
            mask = out["completion_mask"]
            Timed.tokens.append(int(mask.sum()))
            return out

    Timed.tokens = []
    step_s = []

    class StepClock(TrainerCallback):
        def on_step_begin(self, *a, **k):
            self.t0 = time.perf_counter()

        def on_step_end(self, *a, **k):
            step_s.append(time.perf_counter() - self.t0)

    trainer = Timed(model=model, reward_funcs=make_rewards(hf_tok), args=cfg, train_dataset=ds,
                    processing_class=hf_tok, callbacks=[StepClock()])
    trainer.remove_callback(PrinterCallback)  # its log lines would mix with the report on stdout
    trainer.train()
    accs = [h.get("rewards/countdown_reward/mean") for h in trainer.state.log_history
            if "rewards/countdown_reward/mean" in h]
    n = len(step_s) - 1
    gen = sum(Timed.gen_s[1:]) / n
    step = sum(step_s[1:]) / n
    return {"steps_measured": n, "step_seconds": step, "generate_seconds": gen, "train_seconds": step - gen,
            "generated_tokens_per_step": sum(Timed.tokens[1:]) / n, "accuracy_per_step": accs,
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__}


def run_r1(args, model_dir, dataset):
    base = json.load(open(args.r1_config))
    cfg = {
        "out": os.path.join(args.out, "r1-run"), "seed": args.seed, "model": {"init": os.path.abspath(model_dir)},
        "chat_template": {"name": "chatml"},
        "tasks": {"seed": args.seed, "mix": [{"dataset": "generic", "path": dataset}]},
        "rollout": dict(base["rollout"], group_size=args.group_size, max_new_tokens=args.max_new_tokens,
                        temperature=1.0, stop=["</answer>"]),
        "reward": base["reward"], "reward_service": base.get("reward_service", {"threads": 1}),
        "learner": dict(base["learner"], steps=args.steps, batch_groups=args.groups, dynamic_sampling=False,
                        max_staleness=0, max_waves=1, max_seconds=3600,
                        optimizer={"lr": args.lr, "weight_decay": 0.0, "grad_clip": 1.0}),
    }
    path = os.path.join(args.out, "r1-side-by-side.json")
    json.dump(cfg, open(path, "w"), indent=1)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")
    out = run([args.r1, "bench", "rl", "--config", path, "--steps", str(args.steps)], env=env)
    b = json.loads(out[out.index("{"):])
    share = b["share_of_step_time"]
    return {"steps_measured": b["steps_measured"], "step_seconds": b["step_seconds"],
            "generate_seconds": b["step_seconds"] * share["collect_wall"],
            "train_seconds": b["step_seconds"] * (share["train"] + share["publish"]),
            "generated_tokens_per_step": b["tokens_per_step"]["generated"], "threads": b["threads"],
            "config": path}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--r1", default="build/r1")
    ap.add_argument("--model", default="runs/quickstart/sft/final", help="an r1 checkpoint (the cold start)")
    ap.add_argument("--r1-config", default="configs/quickstart-rl.json", help="rollout/reward/learner base")
    ap.add_argument("--steps", type=int, default=12, help="GRPO steps per side, the first a warm-up")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--group-size", type=int, default=16)
    ap.add_argument("--groups", type=int, default=16, help="prompts per step")
    ap.add_argument("--max-new-tokens", type=int, default=96)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--level", type=int, default=1, help="countdown difficulty level of every task")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "r1-vs-trl"))
    ap.add_argument("--skip-trl", action="store_true", help="only the r1 side (for quick checks)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not os.path.exists(os.path.join(args.model, SPECIALS_FILE)):
        sys.exit(f"{args.model}: no {SPECIALS_FILE}; train the quickstart's cold start first "
                 "(build/r1 sft configs/quickstart-sft.json) or pass --model")

    tasks = draw_tasks(args.r1, args.groups * (args.steps + 2), 4242, args.level)
    dataset = os.path.abspath(os.path.join(args.out, "countdown.jsonl"))
    write_generic_dataset(tasks, dataset)
    report = {"setup": {"model": args.model, "tasks": f"countdown level {args.level}, {len(tasks)} prompts",
                        "group_size": args.group_size, "prompts_per_step": args.groups,
                        "max_new_tokens": args.max_new_tokens, "loss": "token-mean (TRL dapo), clip 0.2/0.28, no KL",
                        "threads": args.threads, "steps": args.steps}}

    print(f"r1: {args.steps} steps ...", file=sys.stderr)
    report["r1"] = run_r1(args, args.model, dataset)
    if not args.skip_trl:
        import torch  # noqa: F401  (fail early with a clear message when missing)
        import transformers
        import trl
        from transformers import AutoModelForCausalLM
        hf_tok = byte_tokenizer(args.model)
        stop_ids = [hf_tok.convert_tokens_to_ids(s) for s in ("<|endoftext|>", "</answer>")]
        check_tokenizer(args.r1, args.model, hf_tok, [render_chatml(t["prompt"]) for t in tasks])
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
        check_greedy(args.r1, args.model, model, hf_tok, [t["prompt"] for t in tasks[:4]], stop_ids)
        del model
        print(f"TRL {trl.__version__}: {args.steps} steps ...", file=sys.stderr)
        report["trl"] = run_trl(args, args.model, hf_tok, tasks, stop_ids)
        report["trl"].update(transformers=transformers.__version__, trl=trl.__version__)
        report["ratio_trl_over_r1_step_seconds"] = report["trl"]["step_seconds"] / report["r1"]["step_seconds"]
        report["ratio_generate"] = report["trl"]["generate_seconds"] / report["r1"]["generate_seconds"]
        report["ratio_train"] = report["trl"]["train_seconds"] / report["r1"]["train_seconds"]
    print(json.dumps(report, indent=2))
    print(f"{'':6}{'s/step':>9}{'generate':>10}{'train':>9}{'tokens/step':>13}", file=sys.stderr)
    for side in ("r1", "trl"):
        if side in report:
            s = report[side]
            print(f"{side:6}{s['step_seconds']:9.2f}{s['generate_seconds']:10.2f}{s['train_seconds']:9.2f}"
                  f"{s['generated_tokens_per_step']:13.0f}", file=sys.stderr)


if __name__ == "__main__":
    main()
