#!/usr/bin/env python3
"""A deliberately unreliable external verifier for test_custom_verifiers.cpp. The completion
says how to misbehave: HANG (never reply), CRASH (exit), GARBAGE (a non-JSON line), WRONGID
(reply to another request), SLOWSTART (reply after 0.2 s), DEEP (details nested 100,000 levels
deep), HUGENUM (a score of 1e999, beyond double), OWNERROR (a reply that reports a verifier
error of its own, as a scorer that raised would). A task whose answer says DOWN makes it hang on every
completion, the gold's included (a verifier that is down, not one an answer broke).
SCOREONLY: a reply with a score of 1 and no "correct"; LONGREASON: a reason of 10,000
characters; SPANLAST: a wrong span over the last character of the completion it got, in bytes
of its UTF-8; ASCII: correct when the request line it read was ASCII.
With --one-shot it exits after each reply (a program that serves one request); with --stray it
writes a stray line 50 ms after each reply (between requests); with --start-delay it sleeps 1 s
before reading its first request (slow imports).
Otherwise it replies with a correct verdict when the completion, or what its <answer> tags
hold, equals task.answer, and reports its pid so the test can see restarts."""
import json
import os
import re
import sys
import time

one_shot = "--one-shot" in sys.argv
stray = "--stray" in sys.argv
if "--start-delay" in sys.argv:
    time.sleep(1.0)


def reply(obj):
    print(json.dumps(obj), flush=True)
    if stray:
        time.sleep(0.05)
        print("stray", flush=True)
    if one_shot:
        sys.exit(0)


for line in sys.stdin:
    req = json.loads(line)
    c = req["completion"]
    if "SCOREONLY" in c:
        reply({"id": req["id"], "score": 1.0})
        continue
    if "LONGREASON" in c:
        reply({"id": req["id"], "score": 0.0, "correct": False, "reason": "x" * 10000})
        continue
    if "SPANLAST" in c:
        n = len(c.encode("utf-8"))
        last = len(c[-1].encode("utf-8"))
        reply({"id": req["id"], "score": 0.0, "correct": False,
               "details": {"wrong_spans": [[n - last, n]]}})
        continue
    if "ASCII" in c:
        reply({"id": req["id"], "score": 1.0, "correct": line.isascii()})
        continue
    if "DOWN" in req["task"].get("answer", ""):
        time.sleep(3600)
    if "HANG" in c:
        time.sleep(3600)
    if "CRASH" in c:
        sys.exit(3)
    if "GARBAGE" in c:
        print("this is not json", flush=True)
        continue
    if "DEEP" in c:
        deep = "[" * 100000 + "]" * 100000
        print('{"id": %d, "score": 1.0, "correct": true, "details": {"x": %s}}' % (req["id"], deep),
              flush=True)
        continue
    if "OWNERROR" in c:
        print(json.dumps({"id": req["id"], "score": 0.0, "correct": False, "verifier_error": True,
                          "reason": "scorer_failed"}), flush=True)
        continue
    if "HUGENUM" in c:
        print('{"id": %d, "score": 1e999, "correct": true}' % req["id"], flush=True)
        continue
    rid = req["id"] + (1 if "WRONGID" in c else 0)
    if "SLOWSTART" in c:
        time.sleep(0.2)
    tagged = re.search(r"<answer>(.*)</answer>", c, re.S)
    ok = (tagged.group(1) if tagged else c) == req["task"]["answer"]
    reply({"id": rid, "score": 1.0 if ok else 0.0, "correct": ok, "format_ok": True,
           "reason": "ok" if ok else "wrong_answer", "details": {"pid": os.getpid()}})
