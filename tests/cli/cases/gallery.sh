# samples/make_gallery.sh promises that re-running it reproduces docs/gallery/ byte for byte
# (the README's gallery): run it with this binary into a temp directory and compare every
# PNG, and the generated docs/gallery/README.md with the directory's name put back.

gallery=$SOURCE_DIR/docs/gallery
expect_exit 0 -- env CONVTOOL="$CONVTOOL" "$SOURCE_DIR/samples/make_gallery.sh" -o g
expect_stderr_contains "make_gallery.sh: wrote 16 images"

n=0
for png in "$gallery"/*.png; do
    n=$((n + 1))
    expect_same_bytes "$png" "g/${png##*/}"
done
expect_eq "$n" 16 "PNGs in docs/gallery"
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
