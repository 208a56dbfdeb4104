# Issue 13: weights (O, C/groups, kH, kW), banks from rank-3 lists, --groups, --bias
# lists, (N, C, H, W) batches, images with mixing weights, --grid, --torch, and the
# messages for shapes that do not fit.

# --- a pasted 3-D list is a bank of kernels, not one 6x3 kernel
mknpy one.npy 'np.arange(25).reshape(5, 5)'
expect_exit 0 -- ct apply -p 0 -k '[[[1,0,0],[0,0,0],[0,0,0]],[[0,0,0],[0,0,0],[0,0,1]]]' one.npy b.npy
expect_file_exists b-k1.npy
expect_file_exists b-k2.npy
npy_equals b-k1.npy '[[0,1,2],[5,6,7],[10,11,12]]'
npy_equals b-k2.npy '[[12,13,14],[17,18,19],[22,23,24]]'
expect_exit 0 -- ct kernels show '[[[1,2],[3,4]],[[5,6],[7,8]]]'
expect_stdout_contains 'a bank of 2 kernels'

# --- ragged and ambiguous nestings name the list
expect_exit 2 -- ct apply -k '[[[1,2],[3,4]],[[5,6],[7]]]' one.npy x.npy
expect_stderr_contains 'list [1][1] has 1 item but the lists before it at that depth have 2: the nesting is ragged'
expect_exit 2 -- ct apply -k '[[[1,2],[3,4]], [5,6]]' one.npy x.npy
expect_stderr_contains 'the value at [1][0] is a number, but the numbers before it sit 3 lists deep'
expect_exit 2 -- ct apply -k '[[[1,2]]], [[[3,4]]]' one.npy x.npy
expect_stderr_contains 'text after the lists'
expect_exit 2 -- ct apply -k 'tensor([[[1., 2.], ...]])' one.npy x.npy
expect_stderr_contains 'printed in short'
expect_file_absent x.npy

# --- torch's and numpy's printed forms, multi-line, with tails
mknpy rgb.npy 'np.random.default_rng(1).random((3, 6, 7))'
expect_exit 0 -- ct apply --torch -k 'tensor([[[[ 1.0000,  0.0000],
          [ 0.0000,  0.0000]],

         [[ 0.0000,  0.0000],
          [ 0.0000, -1.0000]],

         [[ 0.0000,  0.0000],
          [ 0.0000,  0.0000]]]], dtype=torch.float64, requires_grad=True)' rgb.npy t.npy
npy_shape t.npy '(1, 5, 6)'
expect_py 'x = np.load("rgb.npy"); y = np.load("t.npy")
assert np.allclose(y[0], x[0, :-1, :-1] - x[1, 1:, 1:], atol=1e-6)'
expect_exit 0 -- ct apply --torch -k 'array([[[[0.5]], [[0.25]], [[0.25]]]], dtype=float32)' rgb.npy a.npy
expect_py 'x = np.load("rgb.npy"); y = np.load("a.npy")
assert y.shape == (1, 6, 7) and np.allclose(y[0], .5 * x[0] + .25 * x[1] + .25 * x[2], atol=1e-6)'

# --- groups: inferred, checked, and torch's facts in the messages
mknpy w6.npy 'np.ones((6, 3, 5, 5))'
expect_exit 0 -- ct apply --torch -k w6.npy rgb.npy ok6.npy
npy_shape ok6.npy "(6, 2, 3)"
expect_exit 2 -- ct apply --torch -k w6.npy one.npy x.npy
expect_stderr_contains 'one.npy: shape (5, 5): 1 input channel, but the weight (6, 3, 5, 5) takes 3 per group'
expect_stderr_contains 'expected input to have 3 channels, but got 1'
mknpy w43.npy 'np.ones((4, 3, 3, 3))'
mknpy two.npy 'np.ones((1, 2, 28, 28))'
expect_exit 2 -- ct apply --torch -k w43.npy --groups 1 two.npy x.npy
expect_stderr_contains 'two.npy: shape (1, 2, 28, 28): with --groups 1 the weight (4, 3, 3, 3) expects 3 input channels (1 x 3), but got 2'
expect_stderr_contains 'Given groups=1, weight of size [4, 3, 3, 3], expected input to have 3 channels, but got 2 channels instead'
mknpy g.npy 'np.random.default_rng(2).random((1, 4, 5, 5))'
mknpy w2.npy 'np.ones((6, 2, 1, 1))'
expect_exit 0 -- ct apply --torch -k w2.npy g.npy grouped.npy
npy_shape grouped.npy '(1, 6, 5, 5)'
expect_exit 0 -- ct apply --torch -k w2.npy --groups 2 g.npy grouped2.npy
expect_same_bytes grouped.npy grouped2.npy
expect_exit 2 -- ct apply --torch -k w2.npy --groups 4 g.npy x.npy
expect_stderr_contains '--groups 4: the weight (6, 2, 1, 1) has 6 output channels, not a multiple of 4'
expect_exit 2 -- ct apply --groups 0 -k w2.npy g.npy x.npy
expect_file_absent x.npy

# --- bias: one number, a list of O, a .npy (O,); wrong lengths name both numbers
mknpy w3.npy 'np.zeros((3, 1, 1, 1))'
expect_exit 0 -- ct apply --torch -k w3.npy --bias 0.5,1,-2 one.npy bl.npy
npy_equals bl.npy 'np.array([0.5, 1, -2])[:, None, None] * np.ones((3, 5, 5))'
mknpy b3.npy '[1, 2, 3]'
expect_exit 0 -- ct apply --torch -k w3.npy --bias b3.npy one.npy bn.npy
npy_equals bn.npy 'np.array([1, 2, 3])[:, None, None] * np.ones((3, 5, 5))'
expect_exit 2 -- ct apply --torch -k w3.npy --bias 1,2 one.npy x.npy
expect_stderr_contains 'one.npy: --bias has 2 values but the weight (3, 1, 1, 1) has 3 output channels'
expect_exit 2 -- ct apply -k identity --bias 1,2 rgb.npy x.npy
expect_stderr_contains 'rgb.npy: --bias has 2 values but the kernel filters each channel on its own: the input has 3 output channels'
expect_exit 0 -- ct apply -p 0 -k 1 --bias 1,2,3 rgb.npy dw.npy
expect_py 'x = np.load("rgb.npy"); y = np.load("dw.npy")
assert np.allclose(y, x + np.array([1, 2, 3])[:, None, None], atol=1e-6)'
expect_exit 2 -- ct apply -k w3.npy --bias 1,,2 one.npy x.npy
expect_file_absent x.npy

# --- batches: (N, C, H, W) in, (N, O, Ho, Wo) out; depthwise kernels keep their meaning
mknpy xb.npy 'np.random.default_rng(3).random((5, 2, 8, 9))'
expect_exit 0 -- ct apply --torch -k top_edge xb.npy dwb.npy
npy_shape dwb.npy '(5, 2, 6, 7)'
expect_exit 0 -- ct apply --torch -k '[[[[1]],[[1]]]]' xb.npy mixb.npy
npy_shape mixb.npy '(5, 1, 8, 9)'
expect_py 'x = np.load("xb.npy"); y = np.load("mixb.npy")
assert np.allclose(y[:, 0], x[:, 0] + x[:, 1], atol=1e-6)'
expect_exit 2 -- ct apply -k top_edge xb.npy x.png
expect_stderr_contains 'x.png: a batch of 5 items cannot be one png; write .npy (N, C, H, W), or add --grid'
expect_exit 2 -- ct apply -k top_edge -k sobel --combine stack xb.npy x.npy
expect_stderr_contains '5-D tensor'
mknpy v.npy '[1, 2, 3]'
expect_exit 1 -- ct apply -k identity v.npy x.npy
expect_file_absent x.npy

# --- images with mixing weights: O = 1 gray, 3 RGB, 4 RGBA; others say what to do
img=$SOURCE_DIR/samples/chelsea.png
mknpy gray.npy '[[[[0.299]], [[0.587]], [[0.114]]]]'
expect_exit 0 -- ct apply -k gray.npy "$img" gray.png
expect_eq "$(png_channels gray.png)" 1 "a (1, 3, 1, 1) weight gives a gray PNG"
mknpy swap.npy '[[[[0]], [[0]], [[1]]], [[[0]], [[1]], [[0]]], [[[1]], [[0]], [[0]]]]'
expect_exit 0 -- ct apply -k swap.npy "$img" bgr.png
expect_eq "$(png_channels bgr.png)" 3 "a (3, 3, 1, 1) weight gives an RGB PNG"
expect_py 'from PIL import Image
a = np.asarray(Image.open(ARGS[0])); b = np.asarray(Image.open(ARGS[1]))
assert (a[..., ::-1] == b).all()' "$img" bgr.png
mknpy w6.npy 'np.random.default_rng(4).standard_normal((6, 3, 5, 5))'
expect_exit 2 -- ct apply -k w6.npy "$img" six.png
expect_stderr_contains 'six.png: the weight gives 6 output channels; png holds 1 (gray), 3 (RGB) or 4 (RGBA): write .npy, or add --grid'
expect_file_absent six.png
expect_exit 0 -- ct apply -k w6.npy "$img" six.npy
npy_shape six.npy '(6, 300, 451)'
expect_exit 0 -- ct apply --torch -k w6.npy --grid "$img" six.png
expect_eq "$(png_channels six.png)" 1 "--grid writes one gray picture"

# --- --grid: tiles of every channel and batch item, each min-max mapped, 2-pixel lines
mknpy gb.npy 'np.random.default_rng(5).random((2, 1, 6, 5))'
expect_exit 0 -- ct apply --torch -k '[[[[1]]],[[[-1]]],[[[2]]]]' --grid gb.npy grid.png
expect_py 'from PIL import Image
g = np.asarray(Image.open("grid.png")).astype(float) / 255
x = np.load("gb.npy")
assert g.shape == (2 + 2 * 8, 2 + 3 * 7), g.shape
for n in range(2):
    for k, s in enumerate([1, -1, 2]):
        t = x[n, 0] * s
        t = (t - t.min()) / (t.max() - t.min())
        cell = g[2 + n * 8: 2 + n * 8 + 6, 2 + k * 7: 2 + k * 7 + 5]
        assert np.abs(cell - t).max() <= 0.5 / 255 + 1e-9, (n, k)
assert (g[0:2] == 1).all() and (g[:, 0:2] == 1).all()'
expect_exit 0 -- ct apply --torch -k top_edge -k left_edge -k diag1 -k diag2 --grid "$SOURCE_DIR/tests/samples/digit3.png" bank.png
expect_py 'from PIL import Image
assert np.asarray(Image.open("bank.png")).shape == (2 + 26 + 2, 2 + 4 * 28)'
# a --grid is saved as any output: JPEG at the default quality (it was "invalid argument":
# a quality of 0), PNG at the input's depth (16 stays 16) or --depth
expect_exit 0 -- ct apply --torch -k w6.npy --grid "$img" six.jpg
expect_magic six.jpg jpg
py 'from PIL import Image
Image.fromarray((np.arange(20 * 30).reshape(20, 30) * 100).astype(np.uint16)).save("g16.png")'
expect_exit 0 -- ct apply -k top_edge -k left_edge --grid g16.png grid16.png
expect_eq "$(png_bitdepth grid16.png)" 16 "--grid of a 16-bit input"
expect_exit 0 -- ct apply -k top_edge -k left_edge --grid --depth 8 g16.png grid8.png
expect_eq "$(png_bitdepth grid8.png)" 8 "--grid --depth 8"

# --- --torch: padding 0 and zeros; refuses same with a stride; a note without it
mknpy ones.npy 'np.ones((4, 4))'
expect_exit 0 -- ct apply --torch -k '1 1; 1 1' ones.npy t1.npy
npy_equals t1.npy '[[4,4,4],[4,4,4],[4,4,4]]'
expect_exit 0 -- ct apply --torch -p 1 -k '1 1; 1 1' ones.npy t2.npy
npy_equals t2.npy '[[1,2,2,2,1],[2,4,4,4,2],[2,4,4,4,2],[2,4,4,4,2],[1,2,2,2,1]]'
expect_exit 2 -- ct apply --torch -p same -s 2 -k '1 1; 1 1' ones.npy x.npy
expect_stderr_contains "torch refuses padding='same' with stride 2,2"
expect_exit 0 -- ct apply -p same -s 2 -k '1 1; 1 1' ones.npy s.npy
expect_stderr_contains 'torch would refuse it'

# --- --gray on a batch: each item's RGB to its luma
mknpy b3.npy 'np.random.default_rng(6).random((2, 3, 5, 6))'
expect_exit 0 -- ct apply --torch --gray -k 1 b3.npy gb3.npy
expect_py 'x = np.load("b3.npy"); y = np.load("gb3.npy")
assert y.shape == (2, 1, 5, 6)
assert np.allclose(y[:, 0], .299 * x[:, 0] + .587 * x[:, 1] + .114 * x[:, 2], atol=1e-6)'

# --- shape: weights, batches, torch's shapes
mknpy xb64.npy 'np.zeros((64, 1, 28, 28))'
mknpy ek.npy 'np.zeros((4, 1, 3, 3))'
expect_exit 0 -- ct shape --torch -k ek.npy xb64.npy
expect_stdout_contains 'xb64.npy -> 26x26  (weight ek (4, 1, 3, 3))    [64, 1, 28, 28] -> [64, 4, 26, 26]'
expect_exit 0 -- ct shape --torch -k ek.npy xb64.npy --json
expect_stdout_contains '"weight":[4,1,3,3],"batch":64,"shape_in":[64,1,28,28],"shape_out":[64,4,26,26]'
expect_exit 2 -- ct shape -k ek.npy 28x28x3
expect_stderr_contains '28x28x3: 3 input channels do not fit the weight (4, 1, 3, 3)'
expect_exit 0 -- ct shape 224x224x3 --layers 'conv 64 k7 s2 same'
expect_stderr_contains "torch would refuse padding='same' with stride 2,2"
expect_exit 2 -- ct shape --torch 224x224x3 --layers 'conv 64 k7 s2 same'
expect_stderr_contains "--torch: torch refuses padding='same' with stride 2,2"

# --- circular padding wider than the input: torch's F.pad refuses; convtool says so
mknpy s3.npy 'np.ones((3, 3))'
expect_exit 0 -- ct apply -m circular -p 4 -k 1 s3.npy c4.npy
expect_stderr_contains 'circular padding wider than the input (3x3): torch would refuse it'
expect_exit 2 -- ct apply --torch -m circular -p 4 -k 1 s3.npy c5.npy
expect_stderr_contains '--torch: torch refuses circular padding wider than the input'
expect_file_absent c5.npy
expect_exit 0 -- ct apply --torch -m circular -p 3 -k 1 s3.npy c3.npy
expect_stderr_empty

# --- kernels show: a weight's planes, as torch indexes them
expect_exit 0 -- ct kernels show 'tensor([[[[1., 2.]], [[3., 4.]]]])'
expect_stdout_contains 'k1: a weight (O, C/groups, kH, kW) = (1, 2, 1, 2) that mixes channels'
expect_stdout_contains '[0, 1]: 2x1, sum 7'
expect_exit 2 -- ct kernels show --as npy ek.npy
expect_stderr_contains 'a 4-D weight (4, 1, 3, 3) mixes channels'

# --- --groups belongs to weights
expect_exit 2 -- ct apply --groups 2 -k blur s3.npy g2.npy
expect_stderr_contains '--groups 2: groups split the channels of a 4-D weight'
expect_file_absent g2.npy
expect_exit 2 -- ct shape --groups 2 -k blur 5x5
expect_stderr_contains '--groups 2: groups split the channels of a 4-D weight'

# --- a bright weight's clipping advice names --scale, not --normalize (which it refuses)
mknpy bright.npy 'np.full((3, 3, 3, 3), 0.5)'
expect_exit 0 -- ct apply -k bright.npy "$img" bright.png
expect_stderr_contains "the weight's first output sums to 13.5 over its inputs"
expect_stderr_not_contains '--normalize divides'
