#!/usr/bin/env bash
# Installs a built tree into a temporary prefix and uses the result the way a
# user would, from a clean environment (env -i) in another directory: the
# binary, its kernels, the man page, the completions, and the library through
# pkg-config (shared and static) and through find_package(convtool).
#
#   tests/install/run.sh BUILD_DIR
#
# Environment: SOURCE_DIR (repo root; default this file's ../..), CC (default
# cc), CONVTOOL_BUILD_CFLAGS (flags the library was built with that its users
# need too, e.g. -fsanitize=address,undefined), INSTALL_TESTS_KEEP=1 keeps the
# temporary directory.
set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd -- "$1" && pwd) || exit 2
HERE=$(cd -- "$(dirname -- "$0")" && pwd)
SOURCE_DIR=${SOURCE_DIR:-$(cd -- "$HERE/../.." && pwd)}
CC=${CC:-cc}
CFLAGS=${CONVTOOL_BUILD_CFLAGS:-}
BASE_PATH=/usr/local/bin:/usr/bin:/bin

TMP=$(mktemp -d "${TMPDIR:-/tmp}/convtool-install.XXXXXX") || exit 1
cleanup() { [ "${INSTALL_TESTS_KEEP:-0}" = 1 ] || rm -rf -- "$TMP"; }
trap cleanup EXIT
PREFIX=$TMP/prefix
WORK=$TMP/elsewhere
mkdir -p "$WORK" "$TMP/home"

FAILS=0
CHECKS=0
fail() {
    FAILS=$((FAILS + 1))
    echo "FAIL: $*"
}
check() { # description command... : the command must succeed
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    "$@" >"$TMP/out" 2>"$TMP/err" || {
        fail "$what"
        echo "      command: $*"
        sed 's/^/      /' "$TMP/out" "$TMP/err" | head -20
    }
}
# A clean environment: no variables but these, the installed bin/ first.
clean() {
    (cd "$WORK" && env -i PATH="$PREFIX/bin:$BASE_PATH" HOME="$TMP/home" LC_ALL=C "$@")
}
equals() { # expected command...
    local want=$1 got
    shift
    got=$("$@" 2>&1)
    [ "$got" = "$want" ] || { echo "expected: $want"; echo "got:      $got"; return 1; }
}
have() { command -v "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------------ install
if ! cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
    cat "$TMP/install.log"
    echo "install: FAIL: cmake --install $BUILD --prefix $PREFIX"
    exit 1
fi
PC=$(find "$PREFIX" -name convtool.pc -path '*/pkgconfig/*' | head -1)
LIBDIR=$(dirname -- "$(dirname -- "${PC:-$PREFIX/lib/pkgconfig/x}")")
VERSION=$(sed -n 's/^Version: //p' "${PC:-/dev/null}")

expect_file() { [ -f "$PREFIX/$1" ] || { echo "missing $PREFIX/$1"; return 1; }; }
for f in bin/convtool include/convtool/convtool.h share/man/man1/convtool.1 \
    share/bash-completion/completions/convtool share/zsh/site-functions/_convtool \
    share/convtool/kernels/sharpen.txt share/convtool/kernels/FORMAT.md; do
    check "installed $f" expect_file "$f"
done
for f in libconvtool.so "libconvtool.so.${VERSION%%.*}" "libconvtool.so.$VERSION" \
    libconvtool.a pkgconfig/convtool.pc cmake/convtool/convtoolConfig.cmake \
    cmake/convtool/convtoolConfigVersion.cmake cmake/convtool/convtoolTargets.cmake; do
    check "installed lib/$f" expect_file "${LIBDIR#"$PREFIX"/}/$f"
done
check "every kernel file is installed" \
    diff <(cd "$SOURCE_DIR/kernels" && ls) <(cd "$PREFIX/share/convtool/kernels" && ls)

# ------------------------------------------------------------------ binary
check "the installed convtool is the one on PATH" \
    equals "$PREFIX/bin/convtool" clean sh -c 'command -v convtool'
check "convtool --version" equals "convtool $VERSION" clean convtool --version
check "convtool kernels lists the compiled-in kernels" \
    clean sh -c 'convtool kernels | grep -q "^sharpen "'
check "convtool kernels show sobel" \
    clean sh -c 'convtool kernels show sobel | grep -q "^sobel: 3x3, sum 0"'

# A 4x4 float32 .npy of ones, written byte by byte: a v1.0 header of 128 bytes
# (magic, version, little-endian length 118, the dict padded with spaces).
make_ones_npy() {
    local dict="{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }"
    local pad=$((128 - 10 - ${#dict} - 1))
    {
        printf '\223NUMPY\001\000\166\000%s%*s\n' "$dict" "$pad" ""
        for _ in $(seq 16); do printf '\000\000\200\077'; done
    } >"$1"
}
make_ones_npy "$WORK/ones.npy"
four_x9=$(for _ in $(seq 9); do printf '00 00 80 40 '; done)
check "apply: 4x4 ones, kernel 1 1; 1 1, -p 0 gives 3x3 of 4" \
    clean sh -c 'convtool apply -k "1 1; 1 1" -p 0 ones.npy out.npy &&
        [ "$(tail -c 36 out.npy | od -An -v -tx1 | tr -s " \n" " ")" = " '"$four_x9"'" ]'
check "apply: npy to PNG, then a named kernel on the PNG, in another directory" \
    clean sh -c 'mkdir -p sub && convtool apply -k identity ones.npy sub/in.png &&
        cd sub && convtool apply -k sharpen in.png out.png &&
        convtool shape out.png -k 3 | grep -q "out.png -> 4x4"'
check "apply: a named kernel from --kernels-dir wins over the built-in one" \
    clean sh -c 'mkdir -p mine && echo "0 0 0; 0 2 0; 0 0 0" >mine/sharpen.txt &&
        convtool kernels show --kernels-dir mine sharpen | grep -q "^sharpen: 3x3, sum 2"'
check "apply: the installed kernel files work as --kernels-dir" \
    clean convtool kernels show --kernels-dir "$PREFIX/share/convtool/kernels" blur

# ------------------------------------------------------------------ man page
if have man; then
    check "man finds convtool(1) under the prefix" \
        clean env MANPATH="$PREFIX/share/man" sh -c 'man -w convtool | grep -q "man1/convtool.1"'
fi
if have groff; then
    check "the man page renders without groff warnings" \
        equals "" clean groff -man -Tutf8 -ww -z "$PREFIX/share/man/man1/convtool.1"
fi
if have mandoc; then
    check "mandoc -Tlint finds nothing in the man page" \
        clean mandoc -Tlint -W warning "$PREFIX/share/man/man1/convtool.1"
fi

# ------------------------------------------------------------------ completion
BASHCOMP=$PREFIX/share/bash-completion/completions/convtool
complete_words() { # words... (the last one is being completed)
    clean bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _convtool convtool "${!#}"
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$BASHCOMP" "$@"
}
check "bash completes commands" equals "apply " complete_words convtool ap
check "bash completes options per command" equals "--pad-mode " \
    complete_words convtool apply --pad-m
check "bash completes kernel names" equals "sharpen " complete_words convtool apply -k sha
check "bash completes pad modes" equals "reflect replicate " \
    complete_words convtool apply -m re
check "bash completes kernels subcommands" equals "show " complete_words convtool kernels s
if have zsh; then
    check "the zsh completion parses" clean zsh -n "$PREFIX/share/zsh/site-functions/_convtool"
fi

# Bash reads the options from --help; the man page and the zsh completion list
# them, so an option added to the program must be added to both.
sed 's/\\-/-/g' "$PREFIX/share/man/man1/convtool.1" >"$TMP/man.txt"
missing_options() { # file command: long options of `convtool command --help` absent from file
    local opt
    for opt in $(clean convtool "$2" --help | grep -oE -- '(^|[ ,])--[a-z0-9][a-z0-9-]*' |
        tr -d ' ,' | sort -u); do
        grep -qE -- "$opt([^a-z0-9-]|\$)" "$1" || printf '%s ' "$opt"
    done
}
for cmd in $(clean convtool --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
    check "the man page documents every option of '$cmd --help'" \
        equals "" missing_options "$TMP/man.txt" "$cmd"
    check "the zsh completion knows every option of '$cmd --help'" \
        equals "" missing_options "$PREFIX/share/zsh/site-functions/_convtool" "$cmd"
    check "the man page and the zsh completion know the command '$cmd'" \
        sh -c "grep -q '^\\.B $cmd' '$TMP/man.txt' &&
            grep -q \"'$cmd:\" '$PREFIX/share/zsh/site-functions/_convtool'"
done

# ------------------------------------------------------------------ library
if have readelf; then
    check "SONAME is libconvtool.so.${VERSION%%.*}" sh -c "readelf -d '$LIBDIR/libconvtool.so' |
        grep -q 'SONAME.*\[libconvtool.so.${VERSION%%.*}\]'"
fi
if have readelf; then
    check "the installed convtool needs no libconvtool.so (linked statically)" \
        sh -c "! readelf -d '$PREFIX/bin/convtool' | grep -q 'NEEDED.*libconvtool'"
fi
if have nm; then
    nm -D --defined-only "$LIBDIR/libconvtool.so" | awk '$2 ~ /[TDBRVW]/ {print $3}' |
        sort >"$TMP/exported"
    grep -oE '\bconvtool_[a-z0-9_]+\(' "$PREFIX/include/convtool/convtool.h" | tr -d '(' |
        sort -u >"$TMP/declared"
    check "libconvtool.so exports only convtool_* symbols" \
        equals "" grep -v '^convtool_' "$TMP/exported"
    check "every function of convtool.h is exported (CONVTOOL_API)" \
        equals "" comm -23 "$TMP/declared" "$TMP/exported"
fi

EXPECTED="[[1 2] [2 4]] sobel 3x3"
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
check "pkg-config --modversion convtool" \
    equals "$VERSION" clean env PKG_CONFIG_PATH="$PKG_CONFIG_PATH" pkg-config --modversion convtool
check "a C program built through pkg-config against libconvtool.so" \
    clean env PKG_CONFIG_PATH="$PKG_CONFIG_PATH" sh -c '"$0" $1 "$2" -o example_so \
        $(pkg-config --cflags --libs convtool) -Wl,-rpath,"$3"' \
    "$CC" "$CFLAGS" "$HERE/example.c" "$LIBDIR"
check "... runs from a clean environment" equals "$EXPECTED" clean ./example_so
check "a C program linked statically through pkg-config --static" \
    clean env PKG_CONFIG_PATH="$PKG_CONFIG_PATH" sh -c '"$0" $1 "$2" -o example_a \
        $(pkg-config --cflags convtool) "$3/libconvtool.a" \
        $(pkg-config --static --libs convtool | sed "s/-lconvtool//")' \
    "$CC" "$CFLAGS" "$HERE/example.c" "$LIBDIR"
check "... runs from a clean environment" equals "$EXPECTED" clean ./example_a

check "a CMake project with find_package(convtool) configures" \
    clean cmake -S "$HERE/consumer" -B "$TMP/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$CFLAGS"
check "... and builds against convtool::convtool and convtool::convtool_static" \
    clean cmake --build "$TMP/consumer"
check "... its shared-library program runs" equals "$EXPECTED" clean "$TMP/consumer/example_shared"
check "... its static-library program runs" equals "$EXPECTED" clean "$TMP/consumer/example_static"

if [ "$FAILS" -ne 0 ]; then
    echo "install: $FAILS of $CHECKS checks failed (prefix kept in $TMP with INSTALL_TESTS_KEEP=1)"
    exit 1
fi
echo "install: all $CHECKS checks passed"
