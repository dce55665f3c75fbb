#!/usr/bin/env python3
"""The PyTorch reference for bench_cuda (scripts/gpu_check.sh runs both in one call): the same
training step (forward, log-probs of the batch's tokens, backward, AdamW) and the same batched
decode, in PyTorch eager with transformers' model of the same config, random weights, on the
same GPU. Prints one JSON line for the training step, then one for decode (bench_cuda's fields).

  python3 tools/torch_step_bench.py --config configs/models/qwen3-0.6b-shape.json \
      --batch 4 --seq 2048 --steps 2 --dtype fp32 --decode-batch 256 --prompt 128 --new-tokens 32

--dtype fp32 turns TF32 off, as bench_cuda's cuBLAS SGEMM does, so the two time the same
arithmetic; --dtype bf16 is what PyTorch users would run. Decode is transformers' `generate`
with a static cache, greedy, every sequence forced to --new-tokens (min_new_tokens).
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--decode-batch", type=int, default=256)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument("--device", default="cuda", help="cpu only to try the script on a small config")
    a = ap.parse_args()

    import torch
    import transformers

    dev = a.device
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    if dev.startswith("cuda") and not torch.cuda.is_available():
        print("torch_step_bench: no CUDA GPU visible to PyTorch", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dtype = torch.float32 if a.dtype == "fp32" else torch.bfloat16
    raw = json.load(open(a.config))
    fields = {k: v for k, v in raw.items() if k not in ("architectures", "model_type")}
    cfg = transformers.AutoConfig.for_model(raw["model_type"], **fields)
    torch.manual_seed(0)
    with torch.device(dev):
        model = transformers.AutoModelForCausalLM.from_config(cfg, dtype=dtype)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    ids = torch.randint(0, cfg.vocab_size, (a.batch, a.seq), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(input_ids=ids).logits[:, :-1].float()
        lp = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None])
        (-lp.mean()).backward()
        opt.step()

    step()  # warm up
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    step_s = (time.perf_counter() - t0) / a.steps
    tokens = a.batch * a.seq
    result = {
        "config": a.config,
        "what": f"PyTorch {torch.__version__} eager, transformers {transformers.__version__}, {a.dtype}",
        "params": n_params,
        "train": {"batch": a.batch, "seq": a.seq, "step_seconds": step_s, "tokens_per_second": tokens / step_s},
    }
    print(json.dumps(result), flush=True)  # the training figure survives a decode cut short
    del opt
    model.zero_grad(set_to_none=True)
    if dev.startswith("cuda"):
        torch.cuda.empty_cache()

    if not a.no_decode:
        model.eval()
        prompt = torch.randint(0, cfg.vocab_size, (a.decode_batch, a.prompt), device=dev)
        kw = dict(max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens, do_sample=False,
                  cache_implementation="static", pad_token_id=0,
                  disable_compile=True)  # eager: generate would torch.compile a static-cache forward
        with torch.no_grad():
            model.generate(prompt, **dict(kw, max_new_tokens=2, min_new_tokens=2))  # warm up
            sync()
            t0 = time.perf_counter()
            out = model.generate(prompt, **kw)
            sync()
        secs = time.perf_counter() - t0
        new = out.shape[1] - a.prompt
        # The timed call includes the prefill; bench_cuda's decode figure does not.
        decode = {"batch": a.decode_batch, "prompt": a.prompt, "new_tokens": new,
                            "seconds_with_prefill": secs, "tokens_per_second": a.decode_batch * new / secs}
        print(json.dumps({"decode": decode}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
