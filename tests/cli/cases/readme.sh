# The README's examples run as printed. The rule (README, "Tests"): every fenced block
# opened with ```sh is a script meant to run from the root of a fresh clone; each runs
# here with bash -e -o pipefail in its own directory holding a fresh copy of samples/
# and nothing else, with `convtool` on PATH being the binary under test, and must exit 0.
# Nothing is created for it: a block that writes into out/ must say `mkdir -p out` itself.
# Plain ``` blocks (transcripts with `$ `, other machines, photos/ of your own, builds)
# and ```bash/```yaml recipes are not run.

readme=$SOURCE_DIR/README.md
mkdir bin
ln -s "$CONVTOOL" bin/convtool

# Split the ```sh blocks into block-N.sh files (N from 1, in README order), each starting
# with a comment naming its README line.
awk '
    /^```sh[[:space:]]*$/ { n++; f = sprintf("block-%d.sh", n); print "# README.md line " NR > f; inside = 1; next }
    inside && /^```/ { inside = 0; close(f); next }
    inside { print > f }
' "$readme"
blocks=(block-*.sh)
[ -e "${blocks[0]}" ] || blocks=()
# The rule must keep covering the examples: the intro, `convtool apply`, other tools' kernels.
_count
[ "${#blocks[@]}" -ge 3 ] || _fail "only ${#blocks[@]} \`\`\`sh blocks in README.md"

for ((i = 1; i <= ${#blocks[@]}; i++)); do
    b=$PWD/block-$i.sh
    where=$(head -1 "$b")
    mkdir "clone-$i"
    cp -R "$SOURCE_DIR/samples" "clone-$i/"
    if ! expect_exit 0 -- env PATH="$PWD/bin:$PATH" bash -c 'cd "$1" && exec bash -e -o pipefail "$2"' \
        sh "clone-$i" "$b"; then
        echo "      ($where, block $i:)"
        sed 's/^/        /' "$b"
    fi
    expect_no_temp "clone-$i"
done

# The examples that name an output file produce it (a spot check that the blocks ran).
expect_file_exists clone-1/sharp.png
expect_file_exists clone-2/out/e-sobel_y.png
expect_file_exists clone-2/out/astronaut.png
