# The long-lived decoder workers (issue 14, item 3) in a batch: 200 small images
# (PNG and JPEG) with a few hostile ones among them (a zlib bomb the arena's budget
# stops, a PNG whose deflate stream is garbage, a JPEG cut short in its header, text
# named .png). Each hostile file fails alone, with the same message and exit status
# as with --no-sandbox; every other output is byte for byte the --no-sandbox one, for
# -J 1 and -J 2 (one worker per batch thread); no temp file is left, and no worker
# outlives the run (a worker is a fork, so it carries the program's arguments).

py "
import zlib, struct
from PIL import Image
r = np.random.default_rng(14)
import os
os.makedirs('in', exist_ok=True)
for i in range(200):
    h, w = 12 + i % 7, 16 + i % 9
    a = (r.random((h, w, 3)) * 255).astype('uint8')
    img = Image.fromarray(a if i % 3 else a[:, :, 0])
    if i % 4 == 0:
        img.save('in/f%03d.jpg' % i, quality=85)
    else:
        img.save('in/f%03d.png' % i)
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
sig = b'\x89PNG\r\n\x1a\n'
ihdr = chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0))
raw = bytearray(64 << 20); raw[1] = 7
open('in/f050.png', 'wb').write(sig + ihdr + chunk(b'IDAT', zlib.compress(bytes(raw), 9)) + chunk(b'IEND', b''))
ihdr = chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 16, 8, 2, 0, 0, 0))
open('in/f101.png', 'wb').write(sig + ihdr + chunk(b'IDAT', b'\x78\x9c' + bytes(range(7, 250))) + chunk(b'IEND', b''))
open('in/f152.jpg', 'wb').write(open('in/f148.jpg', 'rb').read()[:300])
open('in/f199.png', 'w').write('not an image')
" || echo "could not make the inputs" >&2
N=$(ls in | wc -l)
expect_eq "$N" 200 "inputs made"

# Workers die with the run: none is left once it has exited (they go within moments).
no_worker_left() {
    local tries=0
    while pgrep -f "$1" >/dev/null 2>&1 && [ "$tries" -lt 50 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    _count
    if pgrep -f "$1" >/dev/null 2>&1; then
        _fail "a process with '$1' in its arguments outlived the run"
        pgrep -af "$1" | sed 's/^/      /'
    fi
}

command -v pgrep >/dev/null || echo "      note: no pgrep: the leftover-worker check is skipped"
for j in 1 2; do
    expect_exit 1 -- "$CONVTOOL" apply -k sharpen -J "$j" --quiet --no-sandbox -o "bare$j" in/*
    cp "$ERR" "bare$j.err"
    expect_exit 1 -- "$CONVTOOL" apply -k sharpen -J "$j" --quiet -o "boxed$j" in/*
    command -v pgrep >/dev/null && no_worker_left "boxed$j"
    expect_no_temp "boxed$j"
    expect_eq "$(ls "boxed$j" | wc -l)" 196 "outputs of -J $j"
    expect_eq "$(diff -r "bare$j" "boxed$j" >/dev/null && echo same)" same \
        "sandboxed and --no-sandbox outputs, -J $j"
    expect_eq "$(sort "$ERR" | md5sum)" "$(sort "bare$j.err" | md5sum)" \
        "the messages, sandboxed and not, -J $j"
    for f in f050.png f101.png f152.jpg f199.png; do
        expect_stderr_contains "$f"
        expect_file_absent "boxed$j/$f"
    done
done

case_done
