# convtool shape --net/--layers: chains of layers, presets, net files, --json, --explain,
# errors; then tests/torch/check_shapes.py compares every preset and random chains with torch.nn.

# ResNet-18 and -34 on 352x352x3: 11x11x512 after the last stage, 1x1x512 after the pool
for net in resnet18 resnet34; do
    expect_exit 0 -- ct shape 352x352x3 --net $net
    expect_stderr_empty
    expect_stdout_contains "352x352x3 through $net: ResNet-"
    expect_stdout_contains 'conv 64 k7 s2 p3 nobias   176x176x64   [64, 176, 176]     9408'
    expect_stdout_contains 'maxpool k3 s2 p1          88x88x64     [64, 88, 88]'
    expect_stdout_contains 'conv 512 k3 p1 nobias     11x11x512    [512, 11, 11]'
    expect_stdout_contains 'adaptive_avgpool 1        1x1x512      [512, 1, 1]'
    expect_stdout_contains '352x352x3 -> 1000    [3, 352, 352] -> [1000]'
done
expect_exit 0 -- ct shape 352x352x3 --net resnet18
expect_eq "$(grep -c '11x11x512' "$OUT")" 4 "resnet18 rows at 11x11x512"
expect_stdout_contains '(21 layers, 11507880 params)'
expect_exit 0 -- ct shape 224x224x3 --net resnet50
expect_stdout_contains '7x7x2048'
expect_exit 0 -- ct shape 224x224x3 --net vgg16
expect_stdout_contains '7x7x512'
expect_stdout_contains '(23 layers, 138357544 params)' # torchvision's vgg16 total
expect_exit 0 -- ct shape 224x224x3 --net alexnet
expect_stdout_contains '6x6x256'
expect_stdout_contains '(13 layers, 61100840 params)' # torchvision's alexnet total
expect_exit 0 -- ct shape 32x32 --net lenet5
expect_stdout_contains '32x32 -> 10    [1, 32, 32] -> [10]    (8 layers, 61706 params)'
expect_exit 0 -- ct shape --list-nets
for net in alexnet lenet5 resnet18 resnet34 resnet50 vgg16; do expect_stdout_contains "$net"; done

# the table, exactly
expect_exit 0 -- ct shape 28x28 --layers 'conv 32 k3 p1; maxpool k2; flatten; linear 10'
expect_stdout_equals '28x28 through --layers
#  layer          out (WxHxC)  PyTorch [C, H, W]  params
0  input          28x28x1      [1, 28, 28]
1  conv 32 k3 p1  28x28x32     [32, 28, 28]       320
2  maxpool k2     14x14x32     [32, 14, 14]
3  flatten        6272         [6272]
4  linear 10      10           [10]               62730
28x28 -> 10    [1, 28, 28] -> [10]    (4 layers, 63050 params)'

# a layer and the single-convolution form use the same formula
expect_exit 0 -- ct shape 352x352 -k 3 -s 2 -p 1
expect_stdout_contains '352x352 -> 176x176'
expect_exit 0 -- ct shape 352x352 --layers 'conv 1 k3 s2 p1'
expect_stdout_contains '352x352 -> 176x176x1'
# kernel width first and pairs Y,X, as -k/-s/-p/-d; same and valid; dilation; groups
expect_exit 0 -- ct shape 40x20x4 --layers 'conv 8 k5x3 s2,1 p0,1 d1,2 g2 nobias; conv 8 k4 same; conv 8 k3 valid'
expect_stdout_contains 'conv 8 k5x3 s2,1 p0,1 d1,2 g2 nobias  34x9x8'
expect_stdout_contains '[8, 9, 34]' # rows (20-2-1)/2+1 = 9, columns 40+2-8-1+1 = 34
expect_stdout_contains 'conv 8 k4 same                        34x9x8'
expect_stdout_contains 'conv 8 k3 valid                       32x7x8'
expect_stdout_contains '(3 layers, 1856 params)' # 2*8*15 + 8*8*16+8 + 8*8*9+8

# pools: stride defaults to the kernel; ceil_mode with PyTorch's last-window rule
expect_exit 0 -- ct shape 5x5x3 --layers 'maxpool k2 s2 p1 ceil' --explain
expect_stdout_contains 'maxpool k2 s2 p1 ceil  3x3x3'
expect_stdout_contains 'ceil((5 + 1 + 1 - 1*(2-1) - 1) / 2) + 1 = 4; the last window would start at 3*2 = 6 >= 5 + 1'
expect_exit 2 -- ct shape 7x7 --layers 'avgpool k2 ceil; avgpool k2; maxpool k3 s1 d2 p1'
expect_stdout_contains '1  avgpool k2 ceil  4x4x1'
expect_stdout_contains '2  avgpool k2       2x2x1'
expect_stderr_contains "7x7: layer 3 'maxpool k3 s1 d2 p1': the output would have 0 rows: floor((2 + 1 + 1 - 2*(3-1) - 1) / 1) + 1 = 0"

# images: the channels come from the header
convert -size 200x150 gradient:red-blue -strip PNG24:img.png
expect_exit 0 -- ct shape img.png 63x63x3 --net alexnet
expect_stdout_contains 'img.png through alexnet'
expect_stdout_contains '[3, 150, 200]'
expect_exit 2 -- ct shape 30x30x3 --net alexnet # too small: the last maxpool has no input
expect_stderr_contains "30x30x3: layer 4 'maxpool k3 s2': the output would have 0 rows: floor((2 + 0 + 0 - 1*(3-1) - 1) / 2) + 1 = 0"

# a net file: comments, repeat over lines, description, CRLF; the same as inline
printf '# a small net\r\ndescription: two stages\r\nconv 16 k3 s2 p1  # stem\r\nrepeat 2 {\r\n  conv 16 k3 p1\r\n  bn; relu\r\n}\r\ngap\r\nflatten; dropout; linear 5\r\n' >small.net
expect_exit 0 -- ct shape 64x64x3 --net small.net
expect_stdout_contains '64x64x3 through small.net: two stages'
expect_stdout_contains '64x64x3 -> 5    [3, 64, 64] -> [5]    (11 layers, 5237 params)'
cp "$OUT" from-file.txt
expect_exit 0 -- ct shape 64x64x3 --layers 'conv 16 k3 s2 p1; repeat 2 { conv 16 k3 p1; bn; relu }; gap; flatten; dropout; linear 5'
expect_eq "$(tail -n +2 "$OUT")" "$(tail -n +2 from-file.txt)" "net file and --layers tables"
# --net and --layers add up, in order
expect_exit 0 -- ct shape 64x64x3 --layers 'conv 16 k3 s2 p1' --net ./small.net
expect_stdout_contains 'through --layers + ./small.net'
expect_stdout_contains '16x16x16'

# --json: one object per input, every layer's shapes
expect_exit 0 -- ct shape --json 352x352x3 img.png --net resnet18
expect_py '
lines = open(ARGS[0]).read().splitlines()
assert len(lines) == 2, lines
d = json.loads(lines[0])
assert d["net"] == "resnet18" and d["shape_in"] == [3, 352, 352], d
assert len(d["layers"]) == 21, len(d["layers"])
l1 = d["layers"][0]
assert l1["type"] == "conv" and l1["shape_out"] == [64, 176, 176] and l1["params"] == 9408, l1
assert l1["stride"] == [2, 2] and l1["padding"]["top"] == 3 and l1["bias"] is False, l1
assert d["layers"][17]["shape_out"] == [512, 11, 11], d["layers"][17]
assert d["layers"][18]["shape_out"] == [512, 1, 1] and d["layers"][19]["shape_out"] == [512]
assert d["shape_out"] == [1000] and d["out"] == {"features": 1000}, d
assert d["params"] == sum(l["params"] for l in d["layers"])
e = json.loads(lines[1])
assert e["input"] == "img.png" and e["in"]["channels"] == 3, e
' "$OUT"

# errors name the layer, its text and the numbers; exit 2 for the command line
expect_exit 2 -- ct shape 4x4 --layers 'conv 8 k3; maxpool k2; conv 8 k3'
expect_error_prefix
expect_stderr_contains "4x4: layer 3 'conv 8 k3': the output would have -1 rows: floor((1 + 0 + 0 - 1*(3-1) - 1) / 1) + 1 = -1"
expect_stdout_contains '2  maxpool k2  1x1x8' # the rows before it are shown
expect_exit 2 -- ct shape --json 4x4 --layers 'conv 8 k3; maxpool k2; conv 8 k3'
expect_stdout_empty
expect_exit 2 -- ct shape 9x9 --layers 'maxpool k3 p2'
expect_stderr_contains 'padding 2 is more than half the kernel (3)'
expect_exit 2 -- ct shape 9x9x3 --layers 'conv 4 k3 g2'
expect_stderr_contains 'groups 2 must divide the input channels (3) and the output channels (4)'
expect_exit 2 -- ct shape 9x9 --layers 'conv 4 k3; linear 3'
expect_stderr_contains "layer 2 'linear 3': linear needs a flat input: put 'flatten' before it"
expect_exit 2 -- ct shape 9x9 --layers 'flatten; conv 4 k3'
expect_stderr_contains "layer 2 'conv 4 k3': conv needs a CxHxW input"
# syntax: inline is a usage error (2), a file is a bad file (1) with FILE:LINE:COLUMN
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 k3 q1'
expect_stderr_contains "--layers: column 11: 'q1' is not an option of conv"
expect_exit 2 -- ct shape 9x9 --layers 'conv k3'
expect_stderr_contains "'k3'"
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 s2'
expect_stderr_contains 'conv needs a kernel size'
expect_exit 2 -- ct shape 9x9 --layers 'avgpool k2 d2'
expect_stderr_contains "'d2' is not an option of avgpool"
expect_exit 2 -- ct shape 9x9 --layers 'maxpool k2 same'
expect_stderr_contains "'same' is not an option of maxpool"
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 k3 p1 p2'
expect_stderr_contains "'p2': padding given twice"
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 k0'
expect_stderr_contains "'k0'"
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 k3 s-1'
expect_stderr_contains "'s-1'"
expect_exit 2 -- ct shape 9x9 --layers 'pool k2'
expect_stderr_contains "unknown layer 'pool'"
expect_exit 2 -- ct shape 9x9 --layers 'repeat 2 { conv 8 k3'
expect_stderr_contains "'{' is never closed"
expect_exit 2 -- ct shape 9x9 --layers 'conv 8 k3 }'
expect_stderr_contains "'}' without 'repeat N {'"
expect_exit 2 -- ct shape 9x9 --layers 'repeat 0 { relu }'
expect_stderr_contains 'repeat N {'
expect_exit 2 -- ct shape 9x9 --layers 'repeat 4096 { repeat 4096 { relu } }'
expect_stderr_contains 'more than 4096 layers'
expect_exit 2 -- ct shape 9x9 --layers '# nothing'
expect_stderr_contains 'no layers'
printf 'conv 8 k3\n\n  maxpool k2 x\n' >bad.net
expect_exit 1 -- ct shape 9x9 --net bad.net
expect_error_prefix
expect_stderr_contains "bad.net:3:14: 'x' is not an option of maxpool"
expect_exit 1 -- ct shape 9x9 --net nosuch.net
expect_stderr_contains 'nosuch.net: no such file'
printf 'conv 8 k3\0' >nul.net
expect_exit 1 -- ct shape 9x9 --net nul.net
expect_stderr_contains 'nul.net'
expect_exit 2 -- ct shape 9x9 --net resnet19
expect_stderr_contains "--net 'resnet19': no such preset (alexnet, lenet5, resnet18"
expect_exit 2 -- ct shape 9x9 --net resnet18 -k 3
expect_stderr_contains 'do not go with --net/--layers'
expect_exit 2 -- ct shape 9x9 --layers 'relu' -s 2
expect_stderr_contains 'do not go with --net/--layers'
expect_exit 2 -- ct shape --net resnet18
expect_stderr_contains 'no input given'
expect_exit 1 -- ct shape nosuch.png --net resnet18
expect_stderr_contains 'nosuch.png'
expect_exit 0 -- ct shape --help
expect_stdout_contains '--net NAME|FILE'

# every preset and random chains against torch.nn (tests/torch/check_shapes.py)
_count
if ! "$PY" "$SOURCE_DIR/tests/torch/check_shapes.py" "$CONVTOOL" >check_shapes.log 2>&1; then
    _fail "check_shapes.py failed"
    sed 's/^/      /' check_shapes.log | head -60
elif grep -q '^SKIP' check_shapes.log; then
    skip_case "$(head -1 check_shapes.log)"
fi
sed 's/^/    /' check_shapes.log | head -3
