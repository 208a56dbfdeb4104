#!/usr/bin/env python3
"""Differential test: `convtool shape --net/--layers` against torch.nn.

usage: check_shapes.py BINARY [--cases N] [--seed S]

1. The presets (nets/*.net) against the same networks built here with torch.nn,
   layer for layer as torchvision's code builds them (torchvision itself is not
   needed): ResNet-18/34/50 with their real residual blocks and downsample
   shortcuts, VGG-16, AlexNet, and LeNet-5. For several input sizes, the shape
   after every layer convtool lists (the main path of each residual block) must
   equal the output shape of that torch module, seen through forward hooks; the
   parameter total must equal the model's (ResNets: minus BatchNorm and the
   shortcut convs, which the presets leave out); an input too small for the
   network must be an error in both (convtool: exit 2).
2. Random chains of conv (kernel, stride, padding numbers/same/valid, dilation,
   groups, bias), max and average pooling (padding up to beyond k/2, dilation,
   ceil_mode), adaptive average pooling, flatten, linear, bn, relu, dropout and
   repeat blocks, written in convtool's layer syntax and built as torch.nn
   modules: every layer's shape, the parameter counts, and which chains fail
   must agree.

Shapes are computed on torch's "meta" device: no arithmetic, so big inputs
cost nothing. Deterministic for a given seed. Prints one line per part and
"ok"; exits 1 on the first mismatches (all are listed).

If torch cannot be imported the script fails, unless CONVTOOL_ALLOW_SKIP=1, when
it prints SKIP and exits 0.
"""
import argparse
import copy
import functools
import json
import os
import random
import subprocess
import sys
import warnings

try:
    import torch
    import torch.nn as nn
except ImportError as e:  # pragma: no cover
    if os.environ.get("CONVTOOL_ALLOW_SKIP") == "1":
        print("SKIP: torch is not available (%s)" % e)
        sys.exit(0)
    print("check_shapes.py: torch is not available (%s); set CONVTOOL_ALLOW_SKIP=1 to skip" % e,
          file=sys.stderr)
    sys.exit(1)

META = torch.device("meta")
warnings.filterwarnings("ignore")  # zero-size and padding='same' notes from torch
FAILURES = []

# Modules made on the meta device: VGG's 100M weights cost nothing to "initialise".
Conv2d = functools.partial(nn.Conv2d, device=META)
Linear = functools.partial(nn.Linear, device=META)
BatchNorm2d = functools.partial(nn.BatchNorm2d, device=META)


def fail(msg):
    FAILURES.append(msg)


# ---------------------------------------------------------------- torchvision's networks

def conv3x3(cin, cout, stride=1):
    return Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def conv1x1(cin, cout, stride=1):
    return Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        self.main = [self.conv1, self.conv2]

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)  # torchvision's v1.5: stride on the 3x3
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * 4)
        self.bn3 = BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.main = [self.conv1, self.conv2, self.conv3]

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()  # torchvision calls torch.flatten(x, 1): the same
        self.fc = Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.flatten(self.avgpool(x)))

    def main_path(self):
        mods = [self.conv1, self.maxpool]
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            for blk in layer:
                mods += blk.main
        return mods + [self.avgpool, self.flatten, self.fc]

    def left_out_params(self):
        """BatchNorm and the downsample shortcuts: not in the presets."""
        n = 0
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                n += sum(p.numel() for p in m.parameters())
        for m in self.modules():
            if isinstance(m, (BasicBlock, Bottleneck)) and m.downsample is not None:
                n += sum(p.numel() for p in m.downsample[0].parameters())
        return n


class Plain(nn.Module):
    """A network whose every module is on the main path (VGG, AlexNet, LeNet)."""

    def __init__(self, modules):
        super().__init__()
        self.seq = nn.Sequential(*modules)

    def forward(self, x):
        return self.seq(x)

    def main_path(self):
        return [m for m in self.seq if not isinstance(m, (nn.ReLU, nn.Dropout))]

    def left_out_params(self):
        return 0


def vgg16():
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
           512, 512, 512, "M"]
    mods, cin = [], 3
    for v in cfg:
        if v == "M":
            mods.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            mods += [Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = v
    mods += [nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(),
             Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
             Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), Linear(4096, 1000)]
    return Plain(mods)


def alexnet():
    return Plain([
        Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.AdaptiveAvgPool2d((6, 6)), nn.Flatten(),
        nn.Dropout(), Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
        nn.Dropout(), Linear(4096, 4096), nn.ReLU(inplace=True), Linear(4096, 1000)])


def lenet5():
    return Plain([Conv2d(1, 6, 5), nn.AvgPool2d(2), Conv2d(6, 16, 5), nn.AvgPool2d(2),
                  Conv2d(16, 120, 5), nn.Flatten(), Linear(120, 84), Linear(84, 10)])


# name: (builder, input channels, input sizes (w, h), known total parameters of the model)
PRESETS = {
    "resnet18": (lambda: ResNet(BasicBlock, [2, 2, 2, 2]), 3,
                 [(224, 224), (352, 352), (131, 97), (1, 1), (33, 65)], 11689512),
    "resnet34": (lambda: ResNet(BasicBlock, [3, 4, 6, 3]), 3,
                 [(224, 224), (352, 352), (100, 37)], 21797672),
    "resnet50": (lambda: ResNet(Bottleneck, [3, 4, 6, 3]), 3,
                 [(224, 224), (352, 352), (17, 300)], 25557032),
    "vgg16": (vgg16, 3, [(224, 224), (352, 352), (32, 32), (31, 64), (16, 16)], 138357544),
    "alexnet": (alexnet, 3, [(224, 224), (352, 352), (63, 63), (62, 200), (32, 32)], 61100840),
    # LeNet's first linear layer takes exactly 120 features: 32x32 or an error
    # (convtool's "linear N" takes any flat size, as nn.LazyLinear does)
    "lenet5": (lenet5, 1, [(32, 32), (28, 28), (16, 16)], 61706),
}


# ---------------------------------------------------------------- running both sides

def run_convtool(binary, args):
    p = subprocess.run([binary, "shape", "--json"] + args, capture_output=True, text=True)
    if p.returncode == 0:
        return 0, json.loads(p.stdout.splitlines()[0]), p.stderr
    return p.returncode, None, p.stderr


def torch_trace(model, mods, c, h, w):
    """Output shapes (without the batch axis) of `mods`, in call order; None if torch fails."""
    seen = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape[1:])))
             for m in mods]
    try:
        model(torch.empty(1, c, h, w, device=META))
        ok = all(d >= 1 for s in seen for d in s)
    except RuntimeError:
        ok = False
    finally:
        for hk in hooks:
            hk.remove()
    return seen if ok else None


def convtool_shapes(doc):
    return [tuple(layer["shape_out"]) for layer in doc["layers"]]


def check_presets(binary):
    checked = 0
    for name, (build, c, sizes, known) in PRESETS.items():
        model = build().to(META).eval()
        total = sum(p.numel() for p in model.parameters())
        if total != known:
            fail("%s: the torch model here has %d parameters, torchvision's has %d"
                 % (name, total, known))
        for w, h in sizes:
            label = "%s %dx%dx%d" % (name, w, h, c)
            want = torch_trace(model, model.main_path(), c, h, w)
            rc, doc, err = run_convtool(binary, ["--net", name, "%dx%dx%d" % (w, h, c)])
            checked += 1
            if want is None:
                if rc != 2:
                    fail("%s: torch fails, convtool exit %d (want 2)" % (label, rc))
                continue
            if rc != 0:
                fail("%s: convtool exit %d: %s" % (label, rc, err.strip()))
                continue
            got = convtool_shapes(doc)
            if got != want:
                fail("%s: shapes differ\n  convtool %s\n  torch    %s" % (label, got, want))
            if doc["params"] != total - model.left_out_params():
                fail("%s: params %d, torch %d (model %d minus %d left out)"
                     % (label, doc["params"], total - model.left_out_params(), total,
                        model.left_out_params()))
    print("presets: %d nets x sizes checked against torch.nn" % checked)


# ---------------------------------------------------------------- random chains

def pair_text(letter, a, b):
    return "%s%d" % (letter, a) if a == b else "%s%d,%d" % (letter, a, b)


def random_conv(rng, cin):
    kw, kh = rng.randint(1, 5), rng.randint(1, 5)
    sy, sx = rng.choice([(1, 1), (2, 2), (1, 2), (3, 1)])
    dy, dx = rng.choice([(1, 1), (2, 2), (1, 3)])
    g = rng.choice([1, 1, 1, 2, 4])
    cout = g * rng.randint(1, 4)
    if cin % g:
        g = 1
    words = ["conv", str(cout), "k%d" % kw if kw == kh else "k%dx%d" % (kw, kh)]
    pad = rng.choice(["num", "num", "same", "valid", "none"])
    if pad == "same" and (sy, sx) != (1, 1):
        pad = "num"  # PyTorch refuses padding='same' with a stride
    if (sy, sx) != (1, 1) or rng.random() < 0.2:
        words.append(pair_text("s", sy, sx))
    py, px = rng.randint(0, 3), rng.randint(0, 3)
    if pad == "num":
        words.append(pair_text("p", py, px))
        padding = (py, px)
    elif pad in ("same", "valid"):
        words.append(pad)
        padding = pad
    else:
        padding = 0
    if (dy, dx) != (1, 1):
        words.append(pair_text("d", dy, dx))
    if g > 1:
        words.append("g%d" % g)
    bias = rng.random() < 0.7
    if not bias:
        words.append("nobias")
    mod = Conv2d(cin, cout, (kh, kw), stride=(sy, sx), padding=padding, dilation=(dy, dx),
                    groups=g, bias=bias)
    return " ".join(words), mod, cout


def random_pool(rng, cin):
    kind = rng.choice(["maxpool", "avgpool"])
    kw, kh = rng.randint(1, 4), rng.randint(1, 4)
    words = [kind, "k%d" % kw if kw == kh else "k%dx%d" % (kw, kh)]
    stride = (kh, kw)
    if rng.random() < 0.6:
        stride = (rng.randint(1, 3), rng.randint(1, 3))
        words.append(pair_text("s", *stride))
    # mostly within PyTorch's limit (pad <= k/2), sometimes beyond it
    pad = (rng.randint(0, kh // 2 + (rng.random() < 0.1)),
           rng.randint(0, kw // 2 + (rng.random() < 0.1)))
    if pad != (0, 0) or rng.random() < 0.2:
        words.append(pair_text("p", *pad))
    dil = (1, 1)
    if kind == "maxpool" and rng.random() < 0.3:
        dil = (rng.randint(1, 2), rng.randint(1, 3))
        words.append(pair_text("d", *dil))
    ceil = rng.random() < 0.5
    if ceil:
        words.append("ceil")
    if kind == "maxpool":
        mod = nn.MaxPool2d((kh, kw), stride, pad, dilation=dil, ceil_mode=ceil)
    else:
        mod = nn.AvgPool2d((kh, kw), stride, pad, ceil_mode=ceil)
    return " ".join(words), mod, cin


def random_chain(rng):
    """Layer texts (with a repeat block sometimes), torch modules, input (c, h, w)."""
    c = rng.randint(1, 4)
    h, w = rng.randint(1, 48), rng.randint(1, 48)
    texts, mods, cur = [], [], c
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.45:
            t, m, cur = random_conv(rng, cur)
        elif r < 0.8:
            t, m, cur = random_pool(rng, cur)
        elif r < 0.87:
            t, m = "bn", BatchNorm2d(cur)
        elif r < 0.93:
            t, m = rng.choice([("relu", nn.ReLU()), ("dropout", nn.Dropout())])
        else:
            ow, oh = rng.randint(1, 5), rng.randint(1, 5)
            t = "adaptive_avgpool %d" % ow if ow == oh else "adaptive_avgpool %dx%d" % (ow, oh)
            m = nn.AdaptiveAvgPool2d((oh, ow))
        texts.append(t)
        mods.append(m)
    last = mods[-1]
    if rng.random() < 0.3 and not (isinstance(last, nn.Conv2d) and
                                   last.in_channels != last.out_channels):
        texts[-1] = "repeat 2 { %s }" % texts[-1]  # the last layer twice
        mods.append(copy.deepcopy(last))
    if rng.random() < 0.4:
        feats = rng.randint(1, 20)
        texts += ["flatten", "linear %d" % feats]
        mods += [nn.Flatten(), ("linear", feats)]
    return texts, mods, (c, h, w)


def build_torch(mods, c, h, w):
    """Runs the modules; nn.Linear is made once the flattened size is known."""
    built = []
    x = torch.empty(1, c, h, w, device=META)
    for m in mods:
        if isinstance(m, tuple):
            m = Linear(x.shape[1], m[1])
        m = m.to(META).eval()
        x = m(x)
        built.append((m, tuple(x.shape[1:])))
    return built


def check_random(binary, cases, seed):
    rng = random.Random(seed)
    agree_ok = agree_fail = 0
    for n in range(cases):
        texts, mods, (c, h, w) = random_chain(rng)
        text = "; ".join(texts)
        label = "case %d: %dx%dx%d --layers '%s'" % (n, w, h, c, text)
        try:
            built = build_torch(mods, c, h, w)
            want = [s for _, s in built]
            params = sum(p.numel() for m, _ in built for p in m.parameters())
            if any(d < 1 for s in want for d in s):
                want = None
        except RuntimeError:
            want = None
        rc, doc, err = run_convtool(binary, ["--layers", text, "%dx%dx%d" % (w, h, c)])
        if want is None:
            if rc != 2:
                fail("%s: torch fails, convtool exit %d (want 2)" % (label, rc))
            elif not err.startswith("convtool: ") or "layer " not in err:
                fail("%s: the error does not name the layer: %s" % (label, err.strip()))
            agree_fail += 1
            continue
        if rc != 0:
            fail("%s: convtool exit %d, torch gives %s: %s" % (label, rc, want, err.strip()))
            continue
        got = convtool_shapes(doc)
        if got != want:
            fail("%s: shapes differ\n  convtool %s\n  torch    %s" % (label, got, want))
        elif doc["params"] != params:
            fail("%s: params %d, torch %d" % (label, doc["params"], params))
        agree_ok += 1
    print("random chains: %d cases (%d computed, %d refused by both)"
          % (cases, agree_ok, agree_fail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    check_presets(a.binary)
    check_random(a.binary, a.cases, a.seed)
    if FAILURES:
        for f in FAILURES[:40]:
            print("FAIL " + f)
        print("%d mismatches" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
