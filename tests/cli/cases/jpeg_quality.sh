# Issue 12, JPEG output that does not lower a good input: a JPEG input without
# -q is re-encoded at the quality ImageMagick estimates for it (identify %Q)
# and with its chroma sampling; other inputs get q90 4:4:4 (4:2:0 below q90);
# -q and --sampling override; --verbose and --report say what was chosen.

photo=$(sample_photo)
convert "$photo" -resize 120x80! photo.png
sf() { identify -format '%[jpeg:sampling-factor]' "$1"; }
q() { identify -format '%Q' "$1"; }

convert photo.png -quality 95 -sampling-factor 1x1 q95-444.jpg
convert photo.png -quality 98 -sampling-factor 1x1 q98.jpg
convert photo.png -quality 75 -sampling-factor 2x2 q75-420.jpg
convert photo.png -quality 85 -sampling-factor 2x1 q85-422.jpg
convert photo.png -quality 60 -sampling-factor 2x2 q60.jpg
convert photo.png -colorspace Gray -quality 92 gray92.jpg

# Is libjpeg-turbo built in? (stb cannot choose the sampling; see the end.)
expect_exit 0 -- ct apply -k identity --gray photo.png probe.jpg
turbo=$([ "$(identify -format '%[channels]' probe.jpg)" = gray ] && echo 1 || echo 0)

if [ "$turbo" = 1 ]; then
    for f in q95-444 q98 q75-420 q85-422 q60; do
        expect_exit 0 -- ct apply -k sharpen "$f.jpg" "out-$f.jpg"
        expect_eq "$(q "out-$f.jpg")" "$(q "$f.jpg")" "$f: quality kept"
        expect_eq "$(sf "out-$f.jpg")" "$(sf "$f.jpg")" "$f: sampling kept"
    done
    expect_eq "$(sf out-q95-444.jpg)" 1x1,1x1,1x1 "q95 4:4:4"
    expect_eq "$(sf out-q85-422.jpg)" 2x1,1x1,1x1 "q85 4:2:2"
    expect_eq "$(q out-q98.jpg)" 98 "q98"
    # a gray JPEG stays gray, at its quality
    expect_exit 0 -- ct apply -k sharpen gray92.jpg out-gray.jpg
    expect_eq "$(q out-gray.jpg)" 92 "gray quality kept"
    expect_eq "$(identify -format '%[channels]' out-gray.jpg)" gray "gray stays one component"

    # -q and --sampling override; -q alone picks the sampling by its value
    expect_exit 0 -- ct apply -k sharpen -q 80 q95-444.jpg q80.jpg
    expect_eq "$(q q80.jpg)" 80 "-q 80"
    expect_eq "$(sf q80.jpg)" 2x2,1x1,1x1 "-q 80: 4:2:0 below 90"
    expect_exit 0 -- ct apply -k sharpen -q 90 q75-420.jpg q90.jpg
    expect_eq "$(sf q90.jpg)" 1x1,1x1,1x1 "-q 90: 4:4:4 from 90 up"
    expect_exit 0 -- ct apply -k sharpen --sampling 422 q95-444.jpg s422.jpg
    expect_eq "$(q s422.jpg)" 95 "--sampling keeps the estimated quality"
    expect_eq "$(sf s422.jpg)" 2x1,1x1,1x1 "--sampling 422"
    expect_exit 0 -- ct apply -k sharpen -q 70 --sampling 4:4:4 q75-420.jpg s444.jpg
    expect_eq "$(q s444.jpg)" 70 "-q with --sampling"
    expect_eq "$(sf s444.jpg)" 1x1,1x1,1x1 "--sampling 4:4:4"
    # on another format they do nothing: one warning says so (none in a batch: formats mix)
    expect_exit 0 -- ct apply -k sharpen -q 70 --sampling 444 q75-420.jpg s444.png
    expect_stderr_contains "-q and --sampling apply to JPEG output only (ignored for png)"
    expect_exit 0 -- ct apply -k sharpen -q 70 q75-420.jpg s444.png
    expect_stderr_contains "s444.png: -q applies to JPEG output only"
    expect_exit 0 -- ct apply -k sharpen -q 70 -o qdir q75-420.jpg
    expect_stderr_not_contains "JPEG output only"

    # Tables that are not libjpeg's (PIL's Photoshop-like presets): ImageMagick's own
    # estimate, so identify reads the input's %Q from the output too.
    py '
from PIL import Image
im = Image.open("photo.png").convert("RGB")
for p in ("web_low", "web_medium", "web_high", "web_very_high", "maximum"):
    im.save("pil-" + p + ".jpg", quality=p)'
    for p in web_low web_medium web_high web_very_high maximum; do
        expect_exit 0 -- ct apply -k sharpen "pil-$p.jpg" "out-pil-$p.jpg"
        expect_eq "$(q "out-pil-$p.jpg") $(sf "out-pil-$p.jpg")" "$(q "pil-$p.jpg") $(sf "pil-$p.jpg")" \
            "PIL preset $p: identify's quality and sampling"
    done

    # Another sampling (4:1:1) becomes 4:2:0, with a word under --verbose
    convert photo.png -quality 88 -sampling-factor 4x1 q88-411.jpg
    expect_exit 0 -- ct apply -v -k sharpen q88-411.jpg out-411.jpg
    expect_eq "$(q out-411.jpg) $(sf out-411.jpg)" "88 2x2,1x1,1x1" "4:1:1 input"
    expect_stderr_contains "out-411.jpg: quality 88, 4:2:0 (estimated from q88-411.jpg; its chroma sampling is none of"

    # Not a JPEG: q90 with whole chroma
    expect_exit 0 -- ct apply -k sharpen photo.png png-in.jpg
    expect_eq "$(q png-in.jpg)" 90 "PNG input: default quality"
    expect_eq "$(sf png-in.jpg)" 1x1,1x1,1x1 "PNG input: 4:4:4"

    # --verbose says what and why
    expect_exit 0 -- ct apply -v -k sharpen q95-444.jpg v.jpg
    expect_stderr_contains "v.jpg: quality 95, 4:4:4 (estimated from q95-444.jpg)"
    expect_exit 0 -- ct apply -v -k sharpen -q 80 photo.png v2.jpg
    expect_stderr_contains "v2.jpg: quality 80, 4:2:0 (-q)"
    expect_exit 0 -- ct apply -v -k sharpen photo.png v3.jpg
    expect_stderr_contains "v3.jpg: quality 90, 4:4:4 (the default for a non-JPEG input)"

    # A batch chooses per input; --report records it.
    mkdir -p in
    cp q95-444.jpg in/a.jpg
    cp q75-420.jpg in/b.jpg
    expect_exit 0 -- ct apply -k sharpen -o out --report report.jsonl in/a.jpg in/b.jpg
    expect_eq "$(q out/a.jpg) $(sf out/a.jpg)" "95 1x1,1x1,1x1" "batch: a.jpg"
    expect_eq "$(q out/b.jpg) $(sf out/b.jpg)" "75 2x2,1x1,1x1" "batch: b.jpg"
    expect_py '
lines = {l["input"]: l for l in map(json.loads, open("report.jsonl"))}
assert (lines["in/a.jpg"]["quality"], lines["in/a.jpg"]["sampling"]) == (95, "4:4:4"), lines
assert (lines["in/b.jpg"]["quality"], lines["in/b.jpg"]["sampling"]) == (75, "4:2:0"), lines
assert "depth" not in lines["in/a.jpg"], "no PNG written: no depth"'
    # The fused and the float path agree here too.
    CONVTOOL_FUSED=0 expect_exit 0 -- ct apply -k sharpen q85-422.jpg float-q85.jpg
    expect_same_bytes out-q85-422.jpg float-q85.jpg
else
    echo "    libjpeg-turbo is not built in: the sampling checks are skipped"
fi

# stb (no libjpeg-turbo, or CONVTOOL_JPEG_CODEC=stb) keeps the quality; its sampling follows
# the quality (4:2:0 up to 90), and an asked --sampling it cannot give is warned about.
CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k sharpen q75-420.jpg stb75.jpg
expect_eq "$(q stb75.jpg)" 75 "stb: quality kept"
expect_eq "$(sf stb75.jpg)" 2x2,1x1,1x1 "stb: 4:2:0 at 75"
CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k sharpen q98.jpg stb98.jpg
expect_eq "$(q stb98.jpg) $(sf stb98.jpg)" "98 1x1,1x1,1x1" "stb: q98 4:4:4"
CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k sharpen --sampling 444 q75-420.jpg stb444.jpg
expect_stderr_contains "--sampling 4:4:4 not kept"
expect_stderr_contains "stb444.jpg"

# Usage errors
expect_exit 2 -- ct apply -k sharpen --sampling 411 q75-420.jpg none.jpg
expect_stderr_contains "--sampling '411'"
expect_file_absent none.jpg
