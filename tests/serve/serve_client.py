#!/usr/bin/env python3
"""Drives a running `r1 serve` with Python's standard http.client (tests/serve/test_serve.cpp).

    serve_client.py PORT SCENARIO [ARG...]

Each scenario checks one part of the API and exits 0 when everything holds; a failed check
raises with a message. Standard library only, so it runs wherever python3 does.
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])


def conn(timeout=60):
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)


def request(method, path, body=None, headers=None, raw=None):
    c = conn()
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), text


def post(path, body, **kw):
    status, headers, text = request("POST", path, body, **kw)
    return status, headers, json.loads(text) if text else None


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_error(status, body, want_status, want_param=None, want_code=None):
    check(status == want_status, f"status {status}, want {want_status}: {body}")
    e = body.get("error") if isinstance(body, dict) else None
    check(isinstance(e, dict), f"no error object: {body}")
    for k in ("message", "type", "param", "code"):
        check(k in e, f"error without '{k}': {body}")
    check(isinstance(e["message"], str) and e["message"], f"empty message: {body}")
    if want_param is not None:
        check(e["param"] == want_param, f"param {e['param']!r}, want {want_param!r}")
    if want_code is not None:
        check(e["code"] == want_code, f"code {e['code']!r}, want {want_code!r}")


def sse_events(resp):
    """The `data:` payloads of a server-sent-event stream, in order, [DONE] included."""
    out = []
    buf = b""
    while True:
        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(1)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    out.append(line[6:].decode("utf-8"))
    check(buf.strip() == b"", f"bytes after the last event: {buf[:100]!r}")
    return out


def stream(path, body, headers=None):
    c = conn()
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    c.request("POST", path, body=json.dumps(body), headers=h)
    r = c.getresponse()
    if r.status != 200:
        raise AssertionError(f"stream status {r.status}: {r.read()[:300]}")
    check(r.getheader("Content-Type", "").startswith("text/event-stream"), "not an event stream")
    events = sse_events(r)
    c.close()
    check(events and events[-1] == "[DONE]", f"stream does not end with [DONE]: {events[-3:]}")
    return [json.loads(e) for e in events[:-1]]


def joined(chunks, n, chat):
    """Text per choice and finish reasons from a stream's chunks."""
    texts, finish = [""] * n, [None] * n
    for ch in chunks:
        for c in ch["choices"]:
            i = c["index"]
            check(finish[i] is None, f"choice {i} has a chunk after its finish")
            piece = c["delta"].get("content", "") if chat else c["text"]
            texts[i] += piece or ""
            if c["finish_reason"] is not None:
                finish[i] = c["finish_reason"]
    check(all(f is not None for f in finish), f"a choice never finished: {finish}")
    return texts, finish


# ---------------------------------------------------------------------------------------------
def scenario_routes(model):
    s, _, body = request("GET", "/health")
    check(s == 200 and json.loads(body)["status"] == "ok", f"/health: {s} {body}")
    s, _, body = request("GET", "/v1/models")
    data = json.loads(body)["data"]
    check(s == 200 and len(data) == 1 and data[0]["id"] == model, f"/v1/models: {body}")

    # Completions, plain and streamed: the same seed gives the same text either way.
    req = {"model": model, "prompt": "Hello", "max_tokens": 24, "seed": 3, "n": 2,
           "temperature": 0.9, "top_p": 0.95}
    s, _, out = post("/v1/completions", req)
    check(s == 200, f"completions: {s} {out}")
    check(out["object"] == "text_completion" and out["model"] == model, str(out)[:300])
    check(len(out["choices"]) == 2, "two choices")
    check([c["index"] for c in out["choices"]] == [0, 1], "choice indices")
    u = out["usage"]
    check(u["prompt_tokens"] == 5 and u["total_tokens"] == 5 + u["completion_tokens"], f"usage {u}")
    check(out["choices"][0]["text"] != out["choices"][1]["text"], "two choices sample differently")
    chunks = stream("/v1/completions", dict(req, stream=True))
    texts, finish = joined(chunks, 2, chat=False)
    check(texts == [c["text"] for c in out["choices"]], f"streamed {texts!r} != {[c['text'] for c in out['choices']]!r}")
    check(finish == [c["finish_reason"] for c in out["choices"]], "finish reasons")
    check(all(c.get("usage") is None for c in chunks), "no usage chunk unless asked")
    chunks = stream("/v1/completions", dict(req, stream=True, stream_options={"include_usage": True}))
    check(chunks[-1]["choices"] == [] and chunks[-1]["usage"] == u, f"usage chunk {chunks[-1]}")

    # Log-probs: one entry per token; top alternatives sorted.
    s, _, out = post("/v1/completions", {"prompt": "Hi", "max_tokens": 6, "seed": 1, "logprobs": 3,
                                         "ignore_eos": True})
    lp = out["choices"][0]["logprobs"]
    check(len(lp["tokens"]) == 6 and len(lp["token_logprobs"]) == 6, f"logprobs {lp}")
    check(all(len(t) <= 3 for t in lp["top_logprobs"]), "at most 3 alternatives")
    check(all(x <= 0 for x in lp["token_logprobs"]), "log-probs <= 0")

    # Chat, plain and streamed.
    chat = {"model": model, "messages": [{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": "What is 2+2?"}],
            "max_tokens": 20, "seed": 5, "logprobs": True, "top_logprobs": 2}
    s, _, out = post("/v1/chat/completions", chat)
    check(s == 200 and out["object"] == "chat.completion", f"chat: {s} {str(out)[:300]}")
    msg = out["choices"][0]["message"]
    check(msg["role"] == "assistant" and isinstance(msg["content"], str), f"message {msg}")
    content = out["choices"][0]["logprobs"]["content"]
    check(len(content) == out["usage"]["completion_tokens"], "a log-prob per token")
    check(all(len(c["top_logprobs"]) == 2 for c in content), "two alternatives each")
    chunks = stream("/v1/chat/completions", dict(chat, stream=True))
    check(chunks[0]["object"] == "chat.completion.chunk", "chunk object")
    check(chunks[0]["choices"][0]["delta"].get("role") == "assistant", "the role comes first")
    texts, finish = joined(chunks, 1, chat=True)
    check(texts[0] == msg["content"], f"streamed chat {texts[0]!r} != {msg['content']!r}")
    check(finish[0] == out["choices"][0]["finish_reason"], "chat finish reason")
    # The content parts form of a message.
    s, _, out2 = post("/v1/chat/completions", dict(chat, messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is "}, {"type": "text", "text": "2+2?"}]}]))
    check(s == 200 and out2["choices"][0]["message"] == msg, "text parts render as one string")

    # Token ids in and out.
    s, _, out = post("/v1/generate", {"prompt_ids": [1, 2, 3, 4], "max_tokens": 8, "seed": 2,
                                      "top_logprobs": 2, "ignore_eos": True})
    ch = out["choices"][0]
    check(s == 200 and len(ch["token_ids"]) == 8 and len(ch["logprobs"]) == 8, f"generate {out}")
    check(all(len(t) == 2 for t in ch["top_logprobs"]), "top_logprobs per token")

    # A stop string ends the text before it.
    s, _, full = post("/v1/completions", {"prompt": "Hello", "max_tokens": 30, "seed": 11, "ignore_eos": True})
    text = full["choices"][0]["text"]
    cut = text[5:7] if len(text) >= 7 else None
    if cut and "\ufffd" not in cut:
        s, _, stopped = post("/v1/completions", {"prompt": "Hello", "max_tokens": 30, "seed": 11,
                                                 "ignore_eos": True, "stop": [cut]})
        ch = stopped["choices"][0]
        check(ch["finish_reason"] == "stop", f"stop string: {ch}")
        check(ch["text"] == text[: text.index(cut)], f"text before the stop: {ch['text']!r} vs {text!r}")

    # Keep-alive: several requests on one connection.
    c = conn()
    for _ in range(3):
        c.request("GET", "/health")
        r = c.getresponse()
        check(r.status == 200, "keep-alive")
        r.read()
    c.close()


def scenario_errors(model, context):
    context = int(context)
    P = "/v1/completions"
    s, _, b = post(P, None, raw="{not json")
    check_error(s, b, 400, None, "invalid_json")
    s, _, b = post(P, None, raw="[1, 2]")
    check_error(s, b, 400)
    s, _, b = post(P, {"prompt": "x", "frobnicate": 1})
    check_error(s, b, 400, "frobnicate", "unknown_field")
    s, _, b = post(P, {"prompt": "x", "max_tokens": "ten"})
    check_error(s, b, 400, "max_tokens")
    s, _, b = post(P, {"prompt": "x", "temperature": -1})
    check_error(s, b, 400, "temperature")
    s, _, b = post(P, {"prompt": 5})
    check_error(s, b, 400, "prompt")
    s, _, b = post(P, {"prompt": "x", "stream": "yes"})
    check_error(s, b, 400, "stream")
    s, _, b = post(P, {"prompt": "x", "model": "gpt-9"})
    check_error(s, b, 404, "model", "model_not_found")
    s, _, b = post(P, {"prompt": "y" * (context + 10)})
    check_error(s, b, 400, "prompt", "context_length_exceeded")
    # A length the context cannot hold after the prompt is refused, not cut short in silence.
    s, _, b = post(P, {"prompt": "y" * (context - 50), "max_tokens": 100})
    check_error(s, b, 400, "max_tokens", "context_length_exceeded")
    s, _, b = post(P, {"prompt": "y" * (context - 50), "max_tokens": 40})
    check(s == 200, f"a length that fits after the prompt: {b}")
    s, _, b = post("/v1/generate", {"prompt_ids": [1] * (context - 50), "max_tokens": 100})
    check(s == 200, f"/v1/generate cuts a budget to the room: {b}")
    s, _, b = post(P, {"prompt": "x", "n": 1000})
    check_error(s, b, 400, "n")
    s, _, b = post(P, {"prompt": "x", "max_tokens": 10 ** 7})
    check_error(s, b, 400, "max_tokens")
    s, _, b = post(P, {"prompt": "x", "presence_penalty": 0.5})
    check_error(s, b, 400, "presence_penalty", "unsupported_field")
    s, _, b = post(P, {"prompt": "x", "presence_penalty": 1})
    check_error(s, b, 400, "presence_penalty", "unsupported_field")
    s, _, b = post(P, {"prompt": "x", "presence_penalty": 0, "best_of": 1, "max_tokens": 2})
    check(s == 200, "neutral unsupported fields are accepted")
    s, _, b = post("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 2,
                                            "response_format": {"type": "text"}})
    check(s == 200, f"response_format text is the default: {b}")
    s, _, b = post(P, {"prompt": "x", "max_tokens": 2, "seed": 2 ** 64 - 1})
    check(s == 200, f"a 64-bit seed: {b}")
    s, _, b = post(P, {"prompt": "x", "stop": "s" * 1000})
    check_error(s, b, 400, "stop")
    s, _, b = post("/v1/generate", {"prompt_ids": [1], "stop_token_ids": [10 ** 9]})
    check_error(s, b, 400, "stop_token_ids")
    s, _, b = post("/v1/chat/completions", {"messages": []})
    check_error(s, b, 400, "messages")
    s, _, b = post("/v1/chat/completions", {"messages": [{"role": "wizard", "content": "hi"}]})
    check_error(s, b, 400, "messages")
    s, _, b = post("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2})
    check_error(s, b, 400, "top_logprobs")
    s, _, b = post("/v1/generate", {"prompt_ids": [1, -4]})
    check_error(s, b, 400, "prompt_ids")
    s, _, b = post("/v1/generate", {"prompt_ids": []})
    check_error(s, b, 400, "prompt_ids")
    # Body over the limit (the server runs with --max-body-bytes 4096).
    s, _, b = post(P, {"prompt": "z" * 5000})
    check_error(s, b, 413)
    s, _, b = request("GET", "/v1/nothing")
    check_error(s, json.loads(b), 404)
    s, _, b = request("GET", "/v1/completions")
    check_error(s, json.loads(b), 405)
    # Bytes that are not UTF-8 inside a JSON string are a clear 400, never a crash.
    s, _, b = post(P, None, raw=b'{"prompt": "\xff\xfe"}')
    check_error(s, b, 400)
    # The server is still fine.
    s, _, b = post(P, {"prompt": "ok", "max_tokens": 2})
    check(s == 200, f"after the errors: {s} {b}")


def scenario_auth(key):
    s, _, b = request("GET", "/health")
    check(s == 200, "/health needs no key")
    s, h, b = request("GET", "/v1/models")
    check_error(s, json.loads(b), 401, None, "invalid_api_key")
    check(key not in b, "the key is not echoed")
    s, _, b = request("GET", "/v1/models", headers={"Authorization": "Bearer wrong-" + key})
    check_error(s, json.loads(b), 401, None, "invalid_api_key")
    s, _, b = request("GET", "/v1/models", headers={"Authorization": key})
    check(s == 401, "the Bearer scheme is required")
    s, _, b = post("/v1/completions", {"prompt": "x", "max_tokens": 2},
                   headers={"Authorization": "Bearer " + key})
    check(s == 200, f"the right key: {s} {b}")
    s, _, b = post("/v1/completions", {"prompt": "x", "max_tokens": 2},
                   headers={"Authorization": "bearer " + key})
    check(s == 200, f"the scheme's name is case-insensitive: {s} {b}")
    for path in ("/x1", "/x2", '/a",route="b'):
        request("GET", path.replace('"', "%22"))
    s, _, b = request("GET", "/metrics", headers={"Authorization": "Bearer " + key})
    check(s == 200 and key not in b, "metrics with the key, and no key in them")
    check("/x1" not in b and 'route="other",status="401"' in b, "unknown paths share one label")


def scenario_slow_client(idle_timeout):
    """A client that sends half a request and stalls is closed after the idle timeout; the server
    keeps serving meanwhile."""
    idle_timeout = float(idle_timeout)
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pro")
    t0 = time.time()
    st, _, b = post("/v1/completions", {"prompt": "x", "max_tokens": 2})
    check(st == 200, "others are served while one stalls")
    s.settimeout(idle_timeout + 20)
    data = s.recv(4096)
    waited = time.time() - t0
    check(data == b"" or b"400" in data.split(b"\r\n")[0], f"closed, got {data[:80]!r}")
    check(waited < idle_timeout + 10, f"closed after {waited:.1f} s (idle timeout {idle_timeout} s)")
    s.close()
    print(f"slow client: closed after {waited:.1f} s")


def metric(name):
    s, _, text = request("GET", "/metrics")
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name}")


def scenario_disconnect(max_tokens):
    """A streaming client leaves after its first chunks: its sequence is cancelled at once."""
    max_tokens = int(max_tokens)
    before = metric("r1_generated_tokens_total")
    s = socket.create_connection(("127.0.0.1", PORT))
    body = json.dumps({"prompt": "Hello", "max_tokens": max_tokens, "stream": True, "seed": 1,
                       "ignore_eos": True}).encode()
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    got = b""
    while got.count(b"data: ") < 2:
        got += s.recv(4096)
    s.close()
    deadline = time.time() + 30
    while time.time() < deadline and metric('r1_cancelled_requests_total{reason="client_gone"}') < 1:
        time.sleep(0.05)
    check(metric('r1_cancelled_requests_total{reason="client_gone"}') == 1, "the disconnect is seen")
    # The handler cancels; the engine ends the sequence at its next token (a forward call later).
    deadline = time.time() + 10
    while time.time() < deadline and metric("r1_running_sequences") != 0:
        time.sleep(0.01)
    check(metric("r1_running_sequences") == 0, "the sequence is gone")
    generated = metric("r1_generated_tokens_total") - before
    check(generated < max_tokens, f"{generated} tokens generated for a client that left ({max_tokens} asked)")
    print(f"disconnect: {int(generated)} of {max_tokens} tokens generated before the cancel")
    # The slot is free: a new request runs.
    s_, _, b = post("/v1/completions", {"prompt": "x", "max_tokens": 3})
    check(s_ == 200, "a request after the disconnect")


def scenario_same_as_generate(prompt, seed, temperature, max_tokens, n):
    """Prints the token ids of /v1/completions' choices (via /v1/generate on the same ids, whose
    log-probs must match the completion's) as one JSON line for the test to compare."""
    req = {"prompt": prompt, "seed": int(seed), "temperature": float(temperature),
           "max_tokens": int(max_tokens), "n": int(n), "logprobs": 0}
    s, _, comp = post("/v1/completions", req)
    check(s == 200, f"completions {s} {comp}")
    out = []
    for c in comp["choices"]:
        out.append({"logprobs": c["logprobs"]["token_logprobs"], "finish_reason": c["finish_reason"]})
    # The same prompt's ids: r1 tokenizes it as r1 generate does; /v1/generate takes them back.
    ids = [b for b in prompt.encode("utf-8")]  # the byte tokenizer of r1 init
    s, _, gen = post("/v1/generate", {"prompt_ids": ids, "seed": int(seed), "temperature": float(temperature),
                                      "max_tokens": int(max_tokens), "n": int(n)})
    check(s == 200, f"generate {s} {gen}")
    for i, c in enumerate(gen["choices"]):
        check(len(c["logprobs"]) == len(out[i]["logprobs"]), f"choice {i}: token counts differ")
        for a, b in zip(c["logprobs"], out[i]["logprobs"]):
            check(abs(a - b) < 1e-6, f"choice {i}: log-probs differ")
        out[i] = {"token_ids": c["token_ids"], "finish_reason": c["finish_reason"]}
    print(json.dumps(out))


def scenario_limits(max_tokens):
    """With one slot and no queue, a second request gets 429 with Retry-After; a request that runs
    past --timeout gets 504 (plain) or an error event then [DONE] (streamed)."""
    max_tokens = int(max_tokens)
    result = {}

    def long_one():
        result["long"] = post("/v1/completions", {"prompt": "a", "max_tokens": max_tokens, "ignore_eos": True})

    t = threading.Thread(target=long_one)
    t.start()
    deadline = time.time() + 30
    while time.time() < deadline and metric("r1_running_sequences") < 1:
        time.sleep(0.01)
    s, h, b = post("/v1/completions", {"prompt": "b", "max_tokens": 4})
    check_error(s, b, 429, None, "queue_full")
    check(h.get("retry-after") == "1", f"Retry-After: {h}")
    t.join(60)
    s, _, b = result["long"]
    check_error(s, b, 504, None, "timeout")
    check(metric('r1_cancelled_requests_total{reason="timeout"}') == 1, "the timeout is counted")
    # Streamed: the error arrives as an event, then [DONE].
    c = conn()
    c.request("POST", "/v1/completions", body=json.dumps(
        {"prompt": "a", "max_tokens": max_tokens, "ignore_eos": True, "stream": True}),
        headers={"Content-Type": "application/json"})
    r = c.getresponse()
    events = sse_events(r)
    check(events[-1] == "[DONE]", "the stream ends with [DONE]")
    err = json.loads(events[-2])
    check(err.get("error", {}).get("code") == "timeout", f"timeout event: {events[-2]}")
    # Free again.
    s, _, b = post("/v1/completions", {"prompt": "c", "max_tokens": 4})
    check(s == 200, f"after the timeout: {s} {b}")


def scenario_sigterm(pid, max_tokens):
    """SIGTERM with streams in flight: they finish, new connections are refused, exit 0."""
    pid, max_tokens = int(pid), int(max_tokens)
    results, errors = {}, []

    def one(i):
        try:
            chunks = stream("/v1/completions", {"prompt": "Hello", "max_tokens": max_tokens, "seed": i,
                                                "stream": True, "ignore_eos": True})
            results[i] = joined(chunks, 1, chat=False)[1][0]
        except Exception as e:  # noqa: BLE001
            errors.append(f"{i}: {e!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while time.time() < deadline and metric("r1_running_sequences") < 4:
        time.sleep(0.01)
    check(metric("r1_running_sequences") == 4, "four sequences running before SIGTERM")
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    refused = False
    try:
        request("GET", "/health")
    except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
        refused = True
    for t in threads:
        t.join(120)
    check(not errors, f"streams failed: {errors}")
    check(results == {i: "length" for i in range(4)}, f"every stream finished: {results}")
    check(refused, "a new connection after SIGTERM is refused")


def scenario_load(clients, per_client, max_tokens):
    """Concurrent streaming clients: every request completes, and each stream's text equals the
    non-streamed text for the same seed (no chunk lost or duplicated)."""
    clients, per_client, max_tokens = int(clients), int(per_client), int(max_tokens)
    errors, done = [], [0]
    lock = threading.Lock()

    def client(k):
        try:
            for j in range(per_client):
                seed = k * 1000 + j
                req = {"prompt": f"Task {k}.{j}:", "max_tokens": max_tokens, "seed": seed,
                       "temperature": 1.0}
                chunks = stream("/v1/completions", dict(req, stream=True))
                texts, _ = joined(chunks, 1, chat=False)
                if j == 0:  # one plain request per client to compare with
                    s, _, plain = post("/v1/completions", req)
                    check(s == 200, f"plain request {s}")
                    check(texts[0] == plain["choices"][0]["text"], f"client {k}: stream != plain")
                with lock:
                    done[0] += 1
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(f"client {k}: {e!r}")

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    check(not errors, f"{len(errors)} clients failed, first: {errors[:3]}")
    check(done[0] == clients * per_client, f"{done[0]} of {clients * per_client} requests completed")
    print(f"load: {done[0]} streamed requests from {clients} clients in {time.time() - t0:.1f} s")


def scenario_openai(model, venv_python):
    """The official openai client, installed by the test into a temporary venv."""
    code = f"""
import openai
c = openai.OpenAI(base_url="http://127.0.0.1:{PORT}/v1", api_key="unused")
r = c.chat.completions.create(model={model!r}, messages=[{{"role": "user", "content": "hi"}}],
                              max_tokens=8, seed=1)
assert r.choices[0].message.role == "assistant", r
assert r.usage.completion_tokens == len(r.choices[0].message.content) or r.usage.completion_tokens > 0
text = ""
n = 0
for chunk in c.chat.completions.create(model={model!r}, messages=[{{"role": "user", "content": "hi"}}],
                                       max_tokens=8, seed=1, stream=True):
    n += 1
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
assert text == r.choices[0].message.content, (text, r.choices[0].message.content)
print("openai client: one completion and one stream of", n, "chunks")
"""
    import subprocess
    out = subprocess.run([venv_python, "-c", code], capture_output=True, text=True, timeout=120)
    sys.stdout.write(out.stdout)
    check(out.returncode == 0, f"openai client failed: {out.stderr[-2000:]}")


if __name__ == "__main__":
    name = sys.argv[2]
    globals()["scenario_" + name](*sys.argv[3:])
    print(f"scenario {name}: ok")
