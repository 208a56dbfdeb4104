# samples/make_gallery.sh promises that re-running it reproduces docs/gallery/ byte for byte
# (the README's gallery): run it with this binary into a temp directory and compare every
# PNG, and the generated docs/gallery/README.md with the directory's name put back.

gallery=$SOURCE_DIR/docs/gallery
expect_exit 0 -- env CONVTOOL="$CONVTOOL" "$SOURCE_DIR/samples/make_gallery.sh" -o g
expect_stderr_contains "make_gallery.sh: wrote 18 images"

# The promise is for the Release build that made the gallery. A sanitizer build (-O1)
# contracts multiply-adds differently in the FMA loops: a level off on a few pixels of
# two images, so there the pixels are compared within one level instead of the bytes.
SANITIZED=0
grep -qa -e __asan_init -e __tsan_init "$CONVTOOL" && SANITIZED=1
n=0
for png in "$gallery"/*.png; do
    n=$((n + 1))
    if [ "$SANITIZED" = 1 ]; then
        ae=$(compare -metric AE -fuzz 0.4% "$png" "g/${png##*/}" null: 2>&1)
        expect_eq "$ae" 0 "${png##*/}: pixels more than one level apart"
    else
        expect_same_bytes "$png" "g/${png##*/}"
    fi
done
expect_eq "$n" 18 "PNGs in docs/gallery"
# No image the committed gallery lacks.
expect_eq "$(cd g && ls -- *.png | wc -l)" "$n" "PNGs made by make_gallery.sh"

# The commands in the generated README.md name the output directory.
sed "s#$CASE_TMP/g/#docs/gallery/#g" g/README.md >readme.md
expect_same_bytes "$gallery/README.md" readme.md

# -o needs a directory; anything else is refused.
expect_exit 2 -- "$SOURCE_DIR/samples/make_gallery.sh" -o
expect_stderr_contains "-o needs a directory"
expect_exit 2 -- "$SOURCE_DIR/samples/make_gallery.sh" extra
expect_stderr_contains "unexpected argument 'extra'"
