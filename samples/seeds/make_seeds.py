#!/usr/bin/python3
"""Generate the seed tensors of the convtool SPEC as float32 .npy files.

    python3 samples/seeds/make_seeds.py            # (re)write the .npy files here
    python3 samples/seeds/make_seeds.py --verify   # also run convtool on them and
                                                   # compare with the SPEC results

The files are written next to this script:

    seed1_line.npy   5x5 zeros with column 2 set to 1
    seed2_ones.npy   4x4 ones
    seed3_grid.npy   the 6x6 matrix of SPEC seed example 3

All are 2-D (H, W) float32 arrays, so convtool's .npy output keeps the 2-D shape.
--verify finds convtool from $CONVTOOL, then PATH, then the usual build dirs.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def seeds():
    line = np.zeros((5, 5), dtype=np.float32)
    line[:, 2] = 1
    ones = np.ones((4, 4), dtype=np.float32)
    grid = np.array(
        [[5, 0, 8, 7, 8, 1],
         [1, 9, 5, 0, 7, 7],
         [6, 0, 2, 4, 6, 6],
         [9, 7, 6, 6, 8, 4],
         [8, 3, 8, 5, 1, 3],
         [7, 2, 7, 0, 1, 0]], dtype=np.float32)
    return {"seed1_line.npy": line, "seed2_ones.npy": ones, "seed3_grid.npy": grid}


# (input, convtool apply arguments, expected output) exactly as SPEC states them.
CASES = [
    ("seed1_line.npy", ["-k", "sobel", "-p", "0"], [[-4, 0, 4]] * 3),
    ("seed2_ones.npy", ["-k", "1 1; 1 1", "-p", "0"], [[4] * 3] * 3),
    ("seed2_ones.npy", ["-k", "1 1; 1 1", "-p", "0", "-s", "2"], [[4, 4], [4, 4]]),
    ("seed2_ones.npy", ["-k", "1 1; 1 1", "-p", "0", "-s", "3"], [[4]]),
    ("seed2_ones.npy", ["-k", "1 1; 1 1", "-s", "3", "-p", "1", "-m", "zeros"],
     [[1, 2], [2, 4]]),
    ("seed3_grid.npy", ["-k", "identity", "-p", "0"],
     [[9, 5, 0, 7], [0, 2, 4, 6], [7, 6, 6, 8], [3, 8, 5, 1]]),
]


def find_convtool():
    env = os.environ.get("CONVTOOL")
    if env:
        return env
    on_path = shutil.which("convtool")
    if on_path:
        return on_path
    for d in ("build", "build-samples", "build-release"):
        cand = os.path.join(ROOT, d, "convtool")
        if os.access(cand, os.X_OK):
            return cand
    sys.exit("make_seeds.py: convtool not found; set CONVTOOL or build it first")


def verify():
    exe = find_convtool()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, args, expected in CASES:
            out = os.path.join(tmp, "out.npy")
            cmd = [exe, "apply"] + args + [os.path.join(HERE, name), out]
            shown = " ".join(["convtool", "apply"]
                             + [f'"{a}"' if " " in a else a for a in args]
                             + [name, "out.npy"])
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                print(f"FAIL {shown}\n  exit {res.returncode}: {res.stderr.strip()}")
                failures += 1
                continue
            got = np.load(out)
            want = np.array(expected, dtype=np.float32)
            ok = got.dtype == np.float32 and got.shape == want.shape \
                and np.array_equal(got, want)
            print(f"{'ok  ' if ok else 'FAIL'} {shown}")
            print("     got", got.dtype, got.shape, np.array2string(got, separator=", ")
                  .replace("\n", "\n" + " " * 9))
            if not ok:
                print("     want", want.tolist())
                failures += 1
    print(f"{len(CASES) - failures}/{len(CASES)} seed examples exact")
    return failures == 0


def main():
    for name, arr in seeds().items():
        np.save(os.path.join(HERE, name), arr)
        print(f"wrote {name}: {arr.dtype} {arr.shape}")
    if "--verify" in sys.argv[1:]:
        sys.exit(0 if verify() else 1)


if __name__ == "__main__":
    main()
