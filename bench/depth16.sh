#!/usr/bin/env bash
# 16-bit PNG in → 16-bit PNG out (issue 12), side by side in one run: convtool's fused
# path (16-bit samples straight into 16-bit rows), its float path (CONVTOOL_FUSED=0),
# convtool --depth 8, ImageMagick (-morphology Convolve, 16-bit out) and libvips (conv,
# 16-bit out via ushort cast). A 3×3 blur on an RGB photo scaled to SIZE² (default 2048).
# Prints the medians of RUNS runs (after a warm-up) and ratios to convtool's fused path.
#   bench/depth16.sh [SIZE] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-2048} runs=${2:-7}
bin=${CONVTOOL:-build/convtool}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
convert samples/chelsea.png -resize "${size}x${size}!" -depth 16 PNG48:"$work/in16.png"
printf '3 3 16 0\n1 2 1\n2 4 2\n1 2 1\n' >"$work/blur.mat" # vips: scale 16, offset 0
cmds=(
  "$bin apply -k blur -j 2 $work/in16.png $work/ct16.png"
  "CONVTOOL_FUSED=0 $bin apply -k blur -j 2 $work/in16.png $work/ctf16.png"
  "$bin apply -k blur -j 2 --depth 8 $work/in16.png $work/ct8.png"
  "convert $work/in16.png -morphology Convolve '3x3: 0.0625,0.125,0.0625 0.125,0.25,0.125 0.0625,0.125,0.0625' -depth 16 $work/im16.png"
  "vips conv $work/in16.png $work/v.v $work/blur.mat --precision float && vips cast $work/v.v $work/vips16.png ushort"
)
/usr/bin/python3 - "$size" "$runs" "${cmds[@]}" <<'PY'
import statistics, subprocess, sys, time
size, runs, cmds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names = ["convtool (fused, 16-bit out)", "convtool float path (16-bit out)", "convtool --depth 8",
         "ImageMagick 16-bit", "libvips 16-bit"]
medians = []
for c in cmds:
    subprocess.run(c, shell=True, check=True)  # warm-up, and the command must work
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(c, shell=True, check=True)
        t.append(time.perf_counter() - t0)
    medians.append(statistics.median(t))
print(f"3x3 blur, {size}^2 RGB 16-bit PNG in, {runs} runs each, medians:")
for n, m in zip(names, medians):
    print(f"  {n:36s} {m*1000:8.1f} ms   x{m/medians[0]:5.2f}")
PY
# The outputs must be the same picture: 16-bit, means within 1e-4 of convtool's.
for f in ct16 ctf16 im16 vips16; do
  identify -format "  $f: %z-bit, mean %[fx:mean], %b\n" "$work/$f.png"
done
