# convtool apply against torch.nn.functional.conv2d on random geometries
# (tests/torch/compare_conv.py; exit 2 expected where SPEC rejects the geometry).

_count
if ! "$PY" "$SOURCE_DIR/tests/torch/compare_conv.py" "$CONVTOOL" >torch.log 2>&1; then
    _fail "compare_conv.py failed"
    sed 's/^/      /' torch.log | head -80
elif grep -q '^SKIP' torch.log; then
    skip_case "$(head -1 torch.log)"
fi
sed 's/^/    /' torch.log | head -3
