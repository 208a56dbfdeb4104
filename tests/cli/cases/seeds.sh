# SPEC "Seed examples that must come out exactly", via .npy in and out.

# 1. 5x5 zeros with column 2 set to 1, sobel, -p 0: every row is [-4, 0, 4].
mknpy col.npy 'np.tile((np.arange(5) == 2).astype(float), (5, 1))'
expect_py 'a = np.load("col.npy"); assert a.shape == (5, 5) and a.sum() == 5 and (a[:, 2] == 1).all()'
expect_exit 0 -- ct apply -k sobel -p 0 col.npy s1.npy
npy_equals s1.npy '[[-4, 0, 4]] * 3'
# float64 input is computed in float32 with the same result
mknpy col64.npy 'np.load("col.npy")' float64
expect_exit 0 -- ct apply -k sobel -p 0 col64.npy s1d.npy
npy_equals s1d.npy '[[-4, 0, 4]] * 3'

# 2. 4x4 ones, kernel "1 1; 1 1".
mknpy ones.npy 'np.ones((4, 4))'
expect_exit 0 -- ct apply -k '1 1; 1 1' -p 0 ones.npy s2a.npy
npy_equals s2a.npy '[[4, 4, 4]] * 3'
expect_exit 0 -- ct apply -k '1 1; 1 1' -p 0 -s 2 ones.npy s2b.npy
npy_equals s2b.npy '[[4, 4], [4, 4]]'
expect_exit 0 -- ct apply -k '1 1; 1 1' -p 0 -s 3 ones.npy s2c.npy
npy_equals s2c.npy '[[4]]'
expect_exit 0 -- ct apply -k '1 1; 1 1' -s 3 -p 1 -m zeros ones.npy s2d.npy
npy_equals s2d.npy '[[1, 2], [2, 4]]'

# 3. 6x6 matrix, identity, -p 0: the centre 4x4.
mknpy m6.npy '[[5,0,8,7,8,1],[1,9,5,0,7,7],[6,0,2,4,6,6],[9,7,6,6,8,4],[8,3,8,5,1,3],[7,2,7,0,1,0]]'
expect_exit 0 -- ct apply -k identity -p 0 m6.npy s3.npy
npy_equals s3.npy '[[9,5,0,7],[0,2,4,6],[7,6,6,8],[3,8,5,1]]'

# 4. shape.
expect_exit 0 -- ct shape 28x28 -k 3 -p 0
expect_stdout_contains '28x28 -> 26x26'
expect_exit 0 -- ct shape 5x5 -k 3 -p 2
expect_stdout_contains '5x5 -> 7x7'
expect_exit 0 -- ct shape 4x4 -k 2 -s 2 -p 0
expect_stdout_contains '4x4 -> 2x2'
expect_exit 0 -- ct shape 352x352 -k 3 -s 2 -p 1
expect_stdout_contains '352x352 -> 176x176'
# the same numbers in the JSON form
expect_exit 0 -- ct shape --json 352x352 -k 3 -s 2 -p 1
expect_py 'import json; d = json.load(open(ARGS[0])); assert (d["out"]["width"], d["out"]["height"]) == (176, 176), d' "$OUT"
