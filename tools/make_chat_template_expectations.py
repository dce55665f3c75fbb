#!/usr/bin/env python3
"""Renders the chat templates of ../shared/data/tokenizers/{qwen3,deepseek-v3} with
transformers' apply_chat_template and writes tests/model/data/chat_templates.json, the expected
strings that tests/model/test_chat_template.cpp checks ChatTemplate's built-in renderers against
(CI needs no Python). Run once from the repository root after changing a renderer:

    pip install transformers jinja2
    python3 tools/make_chat_template_expectations.py
"""
import json
import os

from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data", "tokenizers")
QUESTIONS = ["What is 7*8?", "Solve:\n  x + 1 = 3\nGive x.", "naïve café 中文 <b>bold</b>"]
SYSTEM = "You are a careful mathematician."

cases = []
for folder, template in [("qwen3", "qwen"), ("deepseek-v3", "deepseek")]:
    tok = AutoTokenizer.from_pretrained(os.path.join(SHARED, folder))
    for q in QUESTIONS:
        for system in ["", SYSTEM]:
            msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": q}]
            variants = [{}] + ([{"enable_thinking": False}] if template == "qwen" else [])
            for extra in variants:
                text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, **extra)
                cases.append({"template": template, "system": system, "question": q,
                              "enable_thinking": extra.get("enable_thinking", True), "expected": text})

with open(os.path.join(ROOT, "tests", "model", "data", "chat_templates.json"), "w") as f:
    json.dump({"source": "transformers apply_chat_template(add_generation_prompt=True)", "cases": cases}, f,
              ensure_ascii=False, indent=1)
    f.write("\n")
print(len(cases), "cases")
