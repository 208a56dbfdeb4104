# Issue 13: the whole F.conv2d signature through the binary against torch in float64
# (tests/torch/compare_conv2d.py: N, C_in, O, groups, kH, kW, stride, padding, dilation,
# every padding mode, bias as .npy, list or one number, weights as .npy, pasted tolist()
# and printed tensors), and the lessons' exact example (tests/torch/lessons_example.py).

_count
if ! "$PY" "$SOURCE_DIR/tests/torch/compare_conv2d.py" "$CONVTOOL" --cases 120 >conv2d.log 2>&1; then
    _fail "compare_conv2d.py failed"
    sed 's/^/      /' conv2d.log | head -40
fi
sed 's/^/    /' conv2d.log | tail -1

_count
if ! "$PY" "$SOURCE_DIR/tests/torch/lessons_example.py" "$CONVTOOL" >lessons.log 2>&1; then
    _fail "lessons_example.py failed"
    sed 's/^/      /' lessons.log | head -20
fi
sed 's/^/    /' lessons.log | tail -1
