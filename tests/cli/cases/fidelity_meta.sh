# Issue 12, metadata: orientation 1-8 applied on load (pixels against ImageMagick's
# -auto-orient for JPEG and PIL's exif_transpose for PNG, `shape`, .npy, --no-autorotate);
# ICC (byte for byte, also over several APP2 markers), density, EXIF (orientation reset,
# pixel dimensions of the output), XMP, text and comments carried through PNG->PNG,
# PNG->JPEG, JPEG->PNG and JPEG->JPEG, on the fused and the float path; BMP and .npy
# drop them with a --verbose line and a "dropped" field in --report; --strip, --strip all;
# over-limit blocks dropped with a word; an APNG's frames told. Files are made here with
# PIL (Debian python3-pil) and exiftool (libimage-exiftool-perl) for XMP and EXIF sizes.

if ! "$PY" -c 'import PIL' 2>/dev/null || ! command -v exiftool >/dev/null; then
    skip_case "needs python3-pil and exiftool (scripts/install-deps --test)"
    return 0
fi

# ---- orientation: a picture whose corners all differ, stored under each orientation
py "
from PIL import Image
a = np.zeros((40, 60, 3), np.uint8)
a[:20, :30] = (255, 0, 0); a[:20, 30:] = (0, 255, 0); a[20:, :30] = (0, 0, 255)
a[20:, 30:] = (255, 255, 0); a[0:6, 0:6] = (255, 255, 255)
im = Image.fromarray(a)
for o in range(1, 9):
    ex = Image.Exif(); ex[0x0112] = o
    im.save(f'o{o}.jpg', quality=95, exif=ex.tobytes())
    im.save(f'o{o}.png', exif=ex.tobytes())
"

for o in 1 2 3 4 5 6 7 8; do
    expect_exit 0 -- ct apply -k 1 "o$o.jpg" "j$o.png"
    expect_exit 0 -- ct apply -k 1 "o$o.png" "p$o.png"
    CONVTOOL_FUSED=0 expect_exit 0 -- ct apply -k 1 "o$o.png" "pf$o.png"
    expect_same_bytes "p$o.png" "pf$o.png"
    convert "o$o.jpg" -auto-orient "im$o.png"
    # JPEG: ImageMagick's decoder may round differently from stb (a stb-only build): 2 levels
    expect_py "
from PIL import Image, ImageOps
o = int(ARGS[0])
got = np.asarray(Image.open(f'j{o}.png').convert('RGB')).astype(int)
im = np.asarray(Image.open(f'im{o}.png').convert('RGB')).astype(int)
assert got.shape == im.shape, (got.shape, im.shape)
assert np.abs(got - im).max() <= 2, np.abs(got - im).max()
png = np.asarray(Image.open(f'p{o}.png').convert('RGB'))
ref = np.asarray(ImageOps.exif_transpose(Image.open(f'o{o}.png')).convert('RGB'))
assert png.shape == ref.shape and (png == ref).all()
assert Image.open(f'p{o}.png').getexif().get(0x0112) == 1  # the tag now says upright
" "$o"
done

# shape reports the shown size; --no-autorotate keeps the stored one and the tag
expect_exit 0 -- ct shape -k 3 o6.jpg o8.png o1.jpg
expect_stdout_contains "o6.jpg -> 40x60"
expect_stdout_contains "o8.png -> 40x60"
expect_stdout_contains "o1.jpg -> 60x40"
expect_exit 0 -- ct shape --no-autorotate -k 3 o6.jpg o8.png
expect_stdout_contains "o6.jpg -> 60x40"
expect_stdout_contains "o8.png -> 60x40"
expect_exit 0 -- ct apply --no-autorotate -k 1 o6.png keep6.png
expect_py "
from PIL import Image
im = Image.open('keep6.png')
assert im.size == (60, 40) and im.getexif().get(0x0112) == 6
"
expect_exit 0 -- ct apply -v -k 1 o6.jpg said6.png
expect_stderr_contains "o6.jpg: turned upright (EXIF orientation 6; --no-autorotate keeps it stored)"
# .npy of a JPEG: the shown orientation, C x H x W
expect_exit 0 -- ct apply -k 1 o6.jpg o6.npy
npy_shape o6.npy '(3, 60, 40)'

# ---- metadata round trips
py "
from PIL import Image, ImageCms, PngImagePlugin
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
big = bytearray(icc) + bytes(range(256)) * 600      # 154 kB: three APP2 markers in a JPEG
big[0:4] = len(big).to_bytes(4, 'big')
open('big.icc', 'wb').write(bytes(big))
rng = np.random.default_rng(1)
im = Image.fromarray((rng.random((48, 64, 3)) * 255).astype(np.uint8))
ex = Image.Exif(); ex[0x0112] = 1; ex[0x010F] = 'TestMake'
info = PngImagePlugin.PngInfo()
info.add_text('Comment', 'hello png comment')
info.add_text('Title', 'A title')
info.add_itxt('Description', 'caf\u00e9', lang='fr', tkey='Beschreibung')
info.add_text('Author', 'zipped author', zip=True)
im.save('meta.png', icc_profile=bytes(big), dpi=(300, 300), exif=ex.tobytes(), pnginfo=info)
im.save('meta.jpg', quality=95, icc_profile=bytes(big), dpi=(300, 300), exif=ex.tobytes(),
        comment=b'hello jpeg comment')
"
exiftool -q -overwrite_original -XMP-dc:Title='xmp title' -ExifIFD:ExifImageWidth=64 \
    -ExifIFD:ExifImageHeight=48 meta.png meta.jpg

# check_meta OUT IN_KIND: what every PNG or JPEG output of meta.IN_KIND must hold
check_meta() {
    expect_py "
from PIL import Image
out, src = ARGS
im = Image.open(out)
raw = open(out, 'rb').read()
assert im.info.get('icc_profile') == open('big.icc', 'rb').read(), 'ICC differs'
dpi = im.info.get('dpi')
assert dpi and abs(dpi[0] - 300) < 0.01 and abs(dpi[1] - 300) < 0.01, dpi
ex = im.getexif()
assert ex.get(0x010F) == 'TestMake', dict(ex)
assert b'xmp title' in raw, 'XMP missing'
comment = 'hello png comment' if src == 'png' else 'hello jpeg comment'
if out.endswith('.png'):
    assert im.text.get('Comment') == comment, im.text
    if src == 'png':
        assert im.text.get('Title') == 'A title' and im.text.get('Author') == 'zipped author'
        assert im.text.get('Description') == 'caf\u00e9', im.text
else:
    assert im.info.get('comment') == comment.encode(), im.info.get('comment')
" "$1" "$2"
}

for in in png jpg; do
    for out in png jpg; do
        expect_exit 0 -- ct apply -k sharpen "meta.$in" "rt_$in.$out"
        check_meta "rt_$in.$out" "$in"
        CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --chain -k sharpen -k 1 "meta.$in" "rtf_$in.$out"
        check_meta "rtf_$in.$out" "$in"
    done
done
# PNG text other than the comment has no place in JPEG: told
expect_exit 0 -- ct apply -v -k 1 meta.png t.jpg
expect_stderr_contains "t.jpg: metadata dropped (jpeg cannot hold it): text"

# EXIF pixel dimensions follow the output's size (stride 2), density stays dots per inch
expect_exit 0 -- ct apply -k 1 -s 2 meta.jpg half.jpg
expect_py "
import subprocess
out = subprocess.run(['exiftool', '-n', '-s3', '-ExifImageWidth', '-ExifImageHeight',
                      '-XResolution', 'half.jpg'], capture_output=True, text=True).stdout.split()
assert out[:2] == ['32', '24'], out
"

# BMP and .npy hold nothing: one --verbose line, and --report's dropped field
for f in bmp npy; do
    expect_exit 0 -- ct apply -v --report "r_$f.json" -k 1 meta.jpg "d.$f"
    expect_stderr_contains "d.$f: metadata dropped ($f cannot hold it): icc, exif, xmp, density, text"
    expect_py "
import json
r = json.loads(open(ARGS[0]).readline())
assert r['dropped'] == ['icc', 'exif', 'xmp', 'density', 'text'], r
" "r_$f.json"
done
expect_exit 0 -- ct apply --report r_png.json -k 1 meta.jpg d.png
expect_py "
import json
assert json.loads(open('r_png.json').readline())['dropped'] == []
"
# without --verbose: not a word
expect_exit 0 -- ct apply -k 1 meta.jpg quiet.bmp
expect_stderr_empty

# --strip keeps the profile only; --strip all (and --strip=all) keeps nothing
expect_exit 0 -- ct apply --strip -k 1 meta.jpg s1.png
expect_exit 0 -- ct apply --strip all -k 1 meta.png s2.jpg
expect_exit 0 -- ct apply --strip=all -k 1 meta.png s3.png
expect_py "
from PIL import Image
icc = open('big.icc', 'rb').read()
a = Image.open('s1.png')
assert a.info.get('icc_profile') == icc and 'dpi' not in a.info and not a.getexif()
assert not a.text and b'xmp' not in open('s1.png', 'rb').read()
for f in ('s2.jpg', 's3.png'):
    b = Image.open(f)
    assert 'icc_profile' not in b.info and not b.getexif() and 'comment' not in b.info, f
    assert b'xmp' not in open(f, 'rb').read(), f
"
expect_exit 2 -- ct apply --strip=some -k 1 meta.png s4.png
expect_stderr_contains "--strip 'some'"

# an ICC profile over 4 MiB is dropped with a word, the picture still filtered
py "
from PIL import Image
Image.new('RGB', (4, 4)).save('hugeicc.png', icc_profile=b'\0' * (4 * 1024 * 1024 + 1))
"
expect_exit 0 -- ct apply -v -k 1 hugeicc.png hugeicc_out.png
expect_stderr_contains "hugeicc.png: metadata dropped (over its size limit or damaged): icc"

# an animated PNG: told that only the first frame is filtered (not with --quiet)
py "
from PIL import Image
frames = [Image.new('RGB', (8, 8), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
frames[0].save('anim.png', save_all=True, append_images=frames[1:], duration=100)
"
expect_exit 0 -- ct apply -k 1 anim.png anim_out.png
expect_stderr_contains "anim.png: 3 frames (an animated PNG or a multi-picture JPEG): only the first is filtered"
expect_exit 0 -- ct apply --quiet -k 1 anim.png anim_out.png
expect_stderr_empty

# a colour profile must fit the output's channels (libpng refuses an RGB iCCP on a gray
# PNG; ImageMagick and libvips drop it): --gray or a weight with one output leaves an RGB
# profile out with a --verbose word, a (3, 1, k, k) weight a gray one; a fitting one stays
py "
from PIL import Image, ImageCms
rgb = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
gray = bytearray(rgb); gray[16:20] = b'GRAY'                  # a gray profile's header
open('rgb.icc', 'wb').write(rgb); open('gray.icc', 'wb').write(bytes(gray))
a = (np.arange(12 * 16 * 3) % 251).astype(np.uint8).reshape(12, 16, 3)
Image.fromarray(a).save('icc_rgb.jpg', quality=95, icc_profile=rgb)
Image.fromarray(a).save('icc_rgb.png', icc_profile=rgb)
Image.fromarray(a[..., 0]).save('icc_gray.png', icc_profile=bytes(gray))
np.save('w_to_gray.npy', np.full((1, 3, 3, 3), 1 / 27, np.float32))
np.save('w_to_rgb.npy', np.full((3, 1, 3, 3), 1 / 9, np.float32))
"
for f in icc_rgb.jpg icc_rgb.png; do
    for ext in png jpg; do
        expect_exit 0 -- ct apply -v --gray -k blur "$f" "gray_$f.$ext"
        expect_stderr_contains "gray_$f.$ext: metadata dropped (the profile is for colour, the output gray): icc"
        expect_exit 0 -- ct apply -k w_to_gray.npy "$f" "wgray_$f.$ext"
        expect_exit 0 -- ct apply -k blur "$f" "rgb_$f.$ext"
    done
done
expect_exit 0 -- ct apply -v -k w_to_rgb.npy icc_gray.png rgb_from_gray.png
expect_stderr_contains "rgb_from_gray.png: metadata dropped (the profile is not for RGB, the output is colour): icc"
expect_exit 0 -- ct apply -k blur icc_gray.png gray_kept.png
expect_py "
from PIL import Image
import glob
for f in glob.glob('gray_icc_*') + glob.glob('wgray_icc_*') + ['rgb_from_gray.png']:
    im = Image.open(f)
    assert 'icc_profile' not in im.info, f + ': a profile of the wrong colour space'
for f in glob.glob('rgb_icc_*'):
    assert Image.open(f).info.get('icc_profile') == open('rgb.icc', 'rb').read(), f
assert Image.open('gray_kept.png').info.get('icc_profile') == open('gray.icc', 'rb').read()
"
