#!/usr/bin/env python3
"""Generates a repository with a large work tree for timing `sprawl scan --staged`.

    python3 benches/gen_worktree.py DIR [--files N]

One commit of N small files (default 100,000) in 100 top-level and 20
second-level directories, checked out, then one line with a GitLab token
appended to one file and staged: the small change in a large repository that
a pre-commit hook sees. Compare with `git diff --cached --stat` in DIR.
"""

import argparse
import os
import subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=100_000)
    args = ap.parse_args()
    os.makedirs(args.dir)
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True)
    fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dir, stdin=subprocess.PIPE)
    w = fi.stdin
    w.write(b"commit refs/heads/main\ncommitter A <a@example.org> 1700000000 +0000\ndata 4\ninit\n")
    for i in range(args.files):
        body = ("line %d of module %d\n" % (i, i // 100)) * 20
        path = "src/d%03d/e%02d/f%05d.py" % (i // 1000, (i // 50) % 20, i)
        w.write(("M 100644 inline %s\ndata %d\n%s\n" % (path, len(body), body)).encode())
    w.close()
    if fi.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=args.dir, check=True)
    target = "src/d%03d/e00/f%05d.py" % (args.files // 2000, args.files // 2)
    with open(os.path.join(args.dir, target), "a") as f:
        f.write('token = "glpat-Zq3xT9vLm2Kp8RwY4nBc"\n')
    subprocess.run(["git", "add", target], cwd=args.dir, check=True)


if __name__ == "__main__":
    main()
