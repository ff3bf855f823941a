#!/usr/bin/env python3
"""Generates a large, realistic git history for benchmarking `sprawl scan --git`.

    python3 benches/gen_history.py DIR [--commits N] [--files N] [--seed S]

Writes a fast-import stream into `git fast-import` in a new repository at DIR:
a tree of source files (Python, JS, YAML, Markdown) that grows and churns over
N commits on a main branch and a few side branches, each commit editing a few
files the way people do (changed, inserted and deleted lines), with tokens
planted in some commits and removed in later ones. It then repacks like a
server would (`git repack -adf --depth=50 --window=50`), so blobs are delta
chains in one pack, as in a real clone. The planted tokens are listed in
DIR.planted.tsv (commit mark, path, token kind).
"""

import argparse
import os
import random
import subprocess
import sys

WORDS = (
    "account amount api batch buffer cache client config context count customer data "
    "deadline delta entry event export field filter handler header index invoice item "
    "job key limit logger merchant message metric order owner page payload payout "
    "queue record refund region request response result retry schema session shard "
    "signal snapshot source state status store stream task tenant timeout token "
    "total trace user value version window worker"
).split()

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def crc32_b62(body):
    import zlib

    v = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = []
    for _ in range(6):
        out.append(B62[v % 62])
        v //= 62
    return "".join(reversed(out))


def token(rng, kind):
    alnum = B62
    if kind == "github":
        body = "".join(rng.choice(alnum) for _ in range(30))
        return "ghp_" + body + crc32_b62(body)
    if kind == "slack":
        return "xoxb-%d-%d-%s" % (
            rng.randrange(10**11, 10**12),
            rng.randrange(10**12, 10**13),
            "".join(rng.choice(alnum) for _ in range(24)),
        )
    if kind == "stripe":
        return "sk_live_" + "".join(rng.choice(alnum) for _ in range(24))
    return "glpat-" + "".join(rng.choice(alnum) for _ in range(20))


def code_line(rng, ext):
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
    n = rng.randrange(1000)
    if ext == "py":
        return rng.choice(
            [
                f"    {a}_{b} = self.{c}.get({a!r}, {n})",
                f"def {a}_{b}({c}: int = {n}) -> dict:",
                f"        return {{{a!r}: {b}_{c}, 'n': {n}}}",
                f"    # {a} {b} {c}: keep in step with the {c} service",
                f"    if {a}.{b} > {n}:",
                f"        logger.info('{a} %s {b} %d', {c}, {n})",
            ]
        )
    if ext == "js":
        return rng.choice(
            [
                f"  const {a}{b.title()} = await {c}.fetch('/{a}/{b}', {{ limit: {n} }});",
                f"export function {a}{b.title()}({c}) {{",
                f"  if ({a}.{b} > {n}) return {c};",
                f"  // {a} {b}: {c} handling",
                f"  }} catch (err) {{ log.error('{a} {b}', err); }}",
            ]
        )
    if ext == "yml":
        return rng.choice([f"  {a}_{b}: {n}", f"{a}:", f"  - name: {b}-{c}", f"    {c}: \"{a}-{n}\""])
    return rng.choice(
        [
            f"The {a} {b} is sent to the {c} queue after {n} ms.",
            f"## {a.title()} {b}",
            f"- `{a}_{b}`: the {c} of each {a}",
            "",
        ]
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.dir)
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True)
    fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dir, stdin=subprocess.PIPE)
    out = fi.stdin
    planted = open(args.dir.rstrip("/") + ".planted.tsv", "w")

    dirs = [f"{top}/{sub}" for top in ("src", "lib", "services", "docs", "deploy") for sub in WORDS[:12]]
    exts = ["py", "py", "js", "js", "yml", "md"]
    files = {}
    people = [(f"Dev {i}", f"dev{i}@acme.example") for i in range(40)]

    def new_file():
        ext = rng.choice(exts)
        path = f"{rng.choice(dirs)}/{rng.choice(WORDS)}_{rng.choice(WORDS)}_{len(files)}.{ext}"
        files[path] = [code_line(rng, ext) for _ in range(rng.randrange(80, 900))]
        return path

    for _ in range(args.files // 3):
        new_file()

    t = 1_500_000_000
    mark = 0
    branch_heads = {"main": None}
    secrets_live = []
    for i in range(args.commits):
        mark += 1
        t += rng.randrange(60, 7200)
        who = rng.choice(people)
        branch = "main"
        if rng.random() < 0.05:
            branch = f"feature/{rng.choice(WORDS)}-{i % 50}"
        parent = branch_heads.get(branch) or branch_heads["main"]
        changes = []
        if len(files) < args.files and rng.random() < 0.3:
            changes.append(new_file())
        for _ in range(rng.choice([1, 1, 2, 2, 3, 5])):
            path = rng.choice(list(files)) if rng.random() < 0.3 else rng.choice(list(files)[-200:])
            lines = files[path]
            ext = path.rsplit(".", 1)[1]
            at = rng.randrange(len(lines) + 1)
            op = rng.random()
            if op < 0.5:
                lines[at:at] = [code_line(rng, ext) for _ in range(rng.randrange(1, 15))]
            elif op < 0.8 and len(lines) > 20:
                for j in range(rng.randrange(1, 10)):
                    k = rng.randrange(len(lines))
                    lines[k] = code_line(rng, ext)
            else:
                del lines[at : at + rng.randrange(1, 8)]
            changes.append(path)
        if rng.random() < 0.003:
            path = rng.choice(list(files))
            kind = rng.choice(["github", "slack", "stripe", "gitlab"])
            files[path].insert(rng.randrange(len(files[path]) + 1), f"TOKEN = \"{token(rng, kind)}\"")
            planted.write(f":{mark}\t{path}\t{kind}\n")
            secrets_live.append(path)
            changes.append(path)
        out.write(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        out.write(f"author {who[0]} <{who[1]}> {t} +0000\ncommitter {who[0]} <{who[1]}> {t} +0000\n".encode())
        msg = f"{rng.choice(WORDS)}: {rng.choice(WORDS)} {rng.choice(WORDS)}\n".encode()
        out.write(b"data %d\n%s" % (len(msg), msg))
        if parent:
            out.write(f"from :{parent}\n".encode())
        for path in set(changes):
            data = ("\n".join(files[path]) + "\n").encode()
            out.write(f"M 100644 inline {path}\n".encode())
            out.write(b"data %d\n%s\n" % (len(data), data))
        branch_heads[branch] = mark
        if branch != "main" and rng.random() < 0.5:
            branch_heads.pop(branch)
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "repack", "-adfq", "--depth=50", "--window=50"], cwd=args.dir, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=args.dir, check=True)


if __name__ == "__main__":
    main()
