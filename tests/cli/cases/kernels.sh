# convtool kernels: the library list, exact values, errors; top-level --help/--version.

expect_exit 0 -- ct kernels
cp "$OUT" list.txt
expect_stderr_empty
expect_exit 0 -- ct kernels list
expect_same_bytes list.txt "$OUT"
for k in top_edge left_edge diag1 diag2 sobel sobel_x sobel_y sharpen blur identity; do
    _count
    grep -qE "^$k +3x3 +sum " list.txt || _fail "kernels list has no line '$k 3x3 sum ...'"
done

# kernel_values NAME: the values printed by 'kernels show', as a python list of rows
check_show() {  # check_show NAME 'python literal'
    expect_exit 0 -- ct kernels show "$1"
    expect_py '
rows = [l.split() for l in open(ARGS[0]).read().splitlines()[1:]]
rows = [[float(v) for v in r] for r in rows if r and all(c in "0123456789.-+e" for c in "".join(r))]
want = np.array(eval(ARGS[1]), dtype=float)
assert np.array(rows).shape == want.shape and (np.array(rows) == want).all(), (rows, want)
' "$OUT" "$2"
}
check_show top_edge '[[-1,-1,-1],[0,0,0],[1,1,1]]'
check_show left_edge '[[-1,1,0],[-1,1,0],[-1,1,0]]'
check_show diag1 '[[0,-1,1],[-1,1,0],[1,0,0]]'
check_show diag2 '[[1,-1,0],[0,1,-1],[0,0,1]]'
check_show sobel '[[1,0,-1],[2,0,-2],[1,0,-1]]'
check_show sobel_x '[[1,0,-1],[2,0,-2],[1,0,-1]]'
check_show sobel_y '[[1,2,1],[0,0,0],[-1,-2,-1]]'
check_show sharpen '[[0,-1,0],[-1,5,-1],[0,-1,0]]'
check_show blur '[[1/16,2/16,1/16],[2/16,4/16,2/16],[1/16,2/16,1/16]]'
check_show identity '[[0,0,0],[0,1,0],[0,0,0]]'
check_show Sobel '[[1,0,-1],[2,0,-2],[1,0,-1]]'
check_show '1 2; 3 4' '[[1,2],[3,4]]'
expect_exit 0 -- ct kernels show blur
expect_stdout_contains '0.0625'
expect_stdout_contains '0.25'
# the library values are what apply uses: 3x3 one-hot inputs reproduce the kernel
mknpy delta.npy 'np.eye(3)[1][:, None] * np.eye(3)[1][None, :]'
expect_exit 0 -- ct apply -k blur -p 0 --flip delta.npy d.npy
npy_equals d.npy '[[0.25]]'
# a file and several at once
printf '# two\ndescription: a pair\n1/2 -3e-1\n' >pair.txt
check_show ./pair.txt '[[0.5, -0.3]]'
expect_exit 0 -- ct kernels show sobel blur
expect_stdout_contains 'sobel'
expect_stdout_contains 'blur'

# errors
expect_exit 2 -- ct kernels show nosuchkernel
expect_error_prefix
expect_stderr_contains nosuchkernel
expect_stdout_empty
expect_exit 2 -- ct kernels show
expect_error_prefix
expect_exit 2 -- ct kernels frob
expect_error_prefix
expect_stderr_contains frob
expect_exit 2 -- ct kernels --bogus
expect_error_prefix
expect_stderr_contains -- '--bogus'
expect_exit 2 -- ct kernels -Zx
expect_error_prefix
expect_stderr_contains -- '-Z'

# --help and --version: exit 0, on stdout
expect_exit 0 -- ct --help
expect_stdout_contains 'usage: convtool'
expect_stderr_empty
expect_exit 0 -- ct --version
expect_stdout_contains 'convtool '
expect_stderr_empty
_count
grep -qE '^convtool [0-9]+\.[0-9]+' "$OUT" || _fail "--version is not 'convtool X.Y...'"
for cmd in apply shape kernels; do
    expect_exit 0 -- ct $cmd --help
    expect_stdout_contains "usage: convtool $cmd"
    expect_stderr_empty
done
expect_exit 2 -- ct
expect_stderr_contains 'usage'
expect_stdout_empty
