#!/usr/bin/env python3
"""Reference dumps from PyTorch + Hugging Face transformers for r1.cpp's checkpoint tests.

Needs torch and transformers (a developer tool: CI never runs it, it reads the committed dumps).

  python tools/make_hf_reference.py models [--out tests/data/hf]
      Builds tiny random models of each supported architecture, saves each as an HF folder
      (config.json + safetensors) under OUT/<name>/, and writes OUT/<name>/reference.json (token
      sequences, greedy generation) and OUT/<name>/reference.safetensors (logits and per-token
      log-probs of each sequence, computed in float32).

  python tools/make_hf_reference.py export --r1-build build-hf [--out tests/data/hf]
      The other direction: our small-moe, exported by save_model, loaded by transformers.
      Runs the HfExport test hook of build-hf/tests/test_model to write the export and our
      logits, loads the folder with AutoModelForCausalLM, compares, and writes
      OUT/small-moe-export/reference.{json,safetensors} (transformers' logits), which the C++
      test then checks in CI. Prints the max abs logit difference.

  python tools/make_hf_reference.py compare --model DIR --r1-build build-hf
      Loads any folder written by r1 (e.g. an SFT checkpoint) with transformers and compares its
      logits with r1.cpp's on fixed sequences. Prints the max abs difference.

  python tools/make_hf_reference.py big --out /tmp/hf-big
      A ~110M-parameter Qwen3 in BF16 (not committed) for the load-time / peak-RSS figure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForCausalLM

VOCAB = 128
# Fixed token sequences (lengths 1, 5 and 16) and the greedy-generation prompt.
SEQS = [[7], [3, 17, 42, 99, 5], [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 44, 33, 22, 11, 0, 127]]
PROMPT = [10, 20, 30, 40, 50, 60]
NEW_TOKENS = 20
MIN_MARGIN = 1e-3  # greedy steps must win by this much, far above float32 noise (~1e-5)

COMMON = dict(vocab_size=VOCAB, hidden_size=32, num_attention_heads=4, max_position_embeddings=128,
              rms_norm_eps=1e-6, bos_token_id=None, eos_token_id=None, pad_token_id=None)

# name -> (model_type, config fields, how to save)
ARCHS = {
    "qwen2": ("qwen2", dict(num_hidden_layers=2, num_key_value_heads=2, intermediate_size=64,
                            tie_word_embeddings=False, rope_theta=10000.0),
              dict(shard="60KB")),
    "qwen3": ("qwen3", dict(num_hidden_layers=2, num_key_value_heads=2, head_dim=16, intermediate_size=64,
                            tie_word_embeddings=True, rope_theta=1000000.0),
              dict(dtype=torch.bfloat16)),
    "qwen3_moe": ("qwen3_moe", dict(num_hidden_layers=3, num_key_value_heads=1, head_dim=8, intermediate_size=48,
                                    num_experts=8, num_experts_per_tok=2, moe_intermediate_size=16,
                                    norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[1],
                                    tie_word_embeddings=False), {}),
    # MLA with the low-rank query path, interleaved RoPE, group-limited routing whose selection
    # bias pushes most choices below 0 (so masking dropped groups with 0.0 instead of -inf would
    # change the experts picked).
    "deepseek_v3": ("deepseek_v3", dict(num_hidden_layers=3, num_key_value_heads=4, q_lora_rank=24, kv_lora_rank=16,
                                        qk_nope_head_dim=8, qk_rope_head_dim=4, v_head_dim=6, rope_interleave=True,
                                        intermediate_size=48, moe_intermediate_size=16, n_routed_experts=8,
                                        num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=1,
                                        n_group=4, topk_group=2, routed_scaling_factor=2.5, norm_topk_prob=True,
                                        tie_word_embeddings=False), dict(bias=(-0.6, 0.3))),
    # MLA with q_proj, rotate-half RoPE, no group limit, tied embeddings.
    "deepseek_v3-plain": ("deepseek_v3", dict(num_hidden_layers=2, num_key_value_heads=4, q_lora_rank=None,
                                              kv_lora_rank=12, qk_nope_head_dim=6, qk_rope_head_dim=6,
                                              v_head_dim=10, rope_interleave=False, intermediate_size=40,
                                              moe_intermediate_size=12, n_routed_experts=4, num_experts_per_tok=2,
                                              n_shared_experts=2, first_k_dense_replace=1, n_group=1,
                                              topk_group=1, routed_scaling_factor=1.0, norm_topk_prob=False,
                                              tie_word_embeddings=True), dict(bias=(0.0, 0.1))),
}


def randomize(model, seed, bias):
    """Weights large enough that logits, routing and greedy choices are far from ties."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith("e_score_correction_bias"):
                mean, std = bias
                b.copy_(mean + std * torch.randn(b.shape, generator=g))


@torch.no_grad()
def logits_of(model, seq):
    return model(torch.tensor([seq])).logits[0].float()


@torch.no_grad()
def greedy(model, prompt, n):
    """Greedy decoding twice: a plain argmax loop over full forwards and transformers' generate()
    (KV cache); both must agree. Returns the tokens and the smallest top-1 margin."""
    ids = list(prompt)
    margin = float("inf")
    for _ in range(n):
        last = logits_of(model, ids)[-1]
        top = torch.topk(last, 2).values
        margin = min(margin, float(top[0] - top[1]))
        ids.append(int(last.argmax()))
    out = model.generate(torch.tensor([prompt]), max_new_tokens=n, min_new_tokens=n, do_sample=False,
                         eos_token_id=None, pad_token_id=0)
    gen = out[0, len(prompt):].tolist()
    if gen != ids[len(prompt):]:
        sys.exit(f"generate() {gen} disagrees with the argmax loop {ids[len(prompt):]}")
    return ids[len(prompt):], margin


def dump_reference(model, out_dir, seqs, with_greedy=True):
    tensors, meta = {}, {"sequences": seqs, "transformers": transformers.__version__, "torch": torch.__version__}
    for i, seq in enumerate(seqs):
        lg = logits_of(model, seq)
        tensors[f"logits.{i}"] = lg.contiguous()
        lp = torch.log_softmax(lg.double(), dim=-1)
        tensors[f"logprobs.{i}"] = torch.stack([lp[t, seq[t + 1]] for t in range(len(seq) - 1)]).float() \
            if len(seq) > 1 else torch.zeros(0)
    if with_greedy:
        tokens, margin = greedy(model, PROMPT, NEW_TOKENS)
        meta["greedy"] = {"prompt": PROMPT, "tokens": tokens, "min_top1_margin": margin}
    save_file(tensors, os.path.join(out_dir, "reference.safetensors"))
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    return meta


def make_models(out):
    for name, (model_type, fields, how) in ARCHS.items():
        cfg = AutoConfig.for_model(model_type, **COMMON, **fields)
        cfg._attn_implementation = "eager"
        for seed in range(100):
            torch.manual_seed(seed)
            model = AutoModelForCausalLM.from_config(cfg).eval()
            randomize(model, seed, how.get("bias", (0.0, 0.0)))
            if how.get("dtype") is not None:  # store these weights exactly in the saved dtype
                with torch.no_grad():
                    for p in model.parameters():
                        p.copy_(p.to(how["dtype"]).float())
            _, margin = greedy(model, PROMPT, NEW_TOKENS)
            if margin > MIN_MARGIN:
                break
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        meta = dump_reference(model, d, SEQS)  # reference logits in float32
        to_save = model.to(how["dtype"]) if how.get("dtype") is not None else model
        to_save.save_pretrained(d, max_shard_size=how.get("shard", "50GB"))
        gen_cfg = os.path.join(d, "generation_config.json")
        if os.path.exists(gen_cfg):
            os.remove(gen_cfg)
        n = sum(p.numel() for p in model.parameters())
        print(f"{name}: {type(model).__name__}, {n} params, seed {seed}, greedy margin "
              f"{meta['greedy']['min_top1_margin']:.3g}, files {sorted(os.listdir(d))}")


def run_hook(r1_build, env):
    exe = os.path.join(r1_build, "tests", "test_model")
    e = dict(os.environ, **env)
    r = subprocess.run([exe, "--gtest_filter=HfExport.*"], env=e, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{exe} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")


def compare_folder(folder, ours_path, seqs):
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    ours = load_file(ours_path)
    worst = 0.0
    for i, seq in enumerate(seqs):
        diff = (logits_of(model, seq) - ours[f"logits.{i}"]).abs().max().item()
        worst = max(worst, diff)
    return model, worst


def export_check(r1_build, out):
    """Our small-moe, exported by save_model, as transformers computes it."""
    d = os.path.join(out, "small-moe-export")
    os.makedirs(d, exist_ok=True)
    seqs = [[t % 264 for t in s] for s in SEQS] + [[256, 260, 72, 101, 108, 108, 111, 257, 33, 262]]
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump({"sequences": seqs}, f)
    with tempfile.TemporaryDirectory() as tmp:
        run_hook(r1_build, {"R1_HF_EXPORT_DIR": os.path.join(tmp, "model"), "R1_HF_LOGITS_OUT": os.path.join(tmp, "ours.safetensors"),
                            "R1_HF_SEQUENCES": os.path.join(d, "reference.json")})
        model, worst = compare_folder(os.path.join(tmp, "model"), os.path.join(tmp, "ours.safetensors"), seqs)
        print(f"small-moe export loads as {type(model).__name__}; max |r1 - transformers| logit difference: {worst:.3g}")
        dump_reference(model, d, seqs, with_greedy=False)
        with open(os.path.join(d, "reference.json")) as f:
            meta = json.load(f)
        meta["max_abs_logit_diff_when_made"] = worst
        meta["architecture"] = type(model).__name__
        with open(os.path.join(d, "reference.json"), "w") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")


def compare(model_dir, r1_build):
    with open(os.path.join(model_dir, "config.json")) as f:
        vocab = json.load(f)["vocab_size"]
    seqs = [[t % vocab for t in s] for s in SEQS]
    with tempfile.TemporaryDirectory() as tmp:
        seq_file = os.path.join(tmp, "seqs.json")
        with open(seq_file, "w") as f:
            json.dump({"sequences": seqs}, f)
        ours = os.path.join(tmp, "ours.safetensors")
        run_hook(r1_build, {"R1_HF_SCORE_MODEL": model_dir, "R1_HF_LOGITS_OUT": ours, "R1_HF_SEQUENCES": seq_file})
        model, worst = compare_folder(model_dir, ours, seqs)
    print(f"{model_dir} loads as {type(model).__name__}; max |r1 - transformers| logit difference: {worst:.3g}")


def make_big(out):
    cfg = AutoConfig.for_model("qwen3", vocab_size=32000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                               num_key_value_heads=4, head_dim=64, intermediate_size=2560, tie_word_embeddings=False,
                               max_position_embeddings=2048)
    model = AutoModelForCausalLM.from_config(cfg).to(torch.bfloat16)
    model.save_pretrained(out, max_shard_size="100MB")
    print(f"{out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters, BF16, sharded")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["models", "export", "compare", "big"])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "hf"))
    ap.add_argument("--r1-build", default="build")
    ap.add_argument("--model")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.what == "models":
        make_models(a.out)
    elif a.what == "export":
        export_check(a.r1_build, a.out)
    elif a.what == "compare":
        compare(a.model, a.r1_build)
    else:
        make_big(a.out)


if __name__ == "__main__":
    main()
