#!/usr/bin/env python3
"""The layout rules of src/README.md, checked: folder includes and calls, no circles, unique names.

usage: check.py SOURCE_DIR BUILD_DIR
  - every #include "..." of src/ and cli/ goes to the same folder, a folder its rules allow, or
    the public header;
  - from the objects of convtool_lib and convtool_cli (nm): no two files call each other in a
    loop, and no folder calls a folder its rules do not allow;
  - no basename is used twice across src/ and cli/.
"""
import collections, glob, os, re, subprocess, sys

ALLOWED = {  # folder -> folders it may use (src/README.md); the public header is always allowed
    'src/common': set(), 'src/sandbox': set(), 'src/conv/simd': set(),
    'src/codec': {'src/common'}, 'src/files': {'src/common'},
    'src/conv': {'src/common', 'src/conv/simd'},
    'src/image': {'src/common', 'src/codec', 'src/files', 'src/sandbox'},
    'src/kernel': {'src/common', 'src/codec', 'src/conv', 'src/files'},
    'cli/common': set(), 'cli/apply': {'cli/common'}, 'cli/shape': {'cli/common'},
    'cli': {'cli/common', 'cli/apply', 'cli/shape'},
}
LIBRARY = {f for f in ALLOWED if f.startswith('src/')}

def include_target(root, top, folder, inc):
    """The folder the included header lives in (None: the public header)."""
    if inc.startswith('convtool/'):
        return None
    if os.path.exists(os.path.join(root, folder, inc)):
        return os.path.dirname(os.path.join(folder, inc))  # beside the includer
    return os.path.dirname(os.path.join(top, inc))  # from the include root, src/ or cli/

def check_includes(root, problems):
    names = collections.defaultdict(list)
    for top in ('src', 'cli'):
        for d, _, files in os.walk(os.path.join(root, top)):
            folder = os.path.relpath(d, root)
            for f in files:
                if not f.endswith(('.c', '.h')):
                    continue
                names[f].append(os.path.join(folder, f))
                if folder not in ALLOWED:
                    problems.append('%s/%s: a folder src/README.md does not describe' % (folder, f))
                    continue
                text = open(os.path.join(d, f), encoding='utf-8', errors='replace').read()
                for inc in re.findall(r'#include "([^"]+)"', text):
                    to = include_target(root, top, folder, inc)
                    if to and to != folder and to not in ALLOWED[folder]:
                        problems.append('%s/%s includes %s: %s may not use %s' % (folder, f, inc, folder, to))
    for base, where in names.items():
        if len(where) > 1:
            problems.append('basename %s used twice: %s' % (base, ', '.join(where)))

def objects(build):
    found = []
    for target in ('convtool_lib', 'convtool_cli', 'convtool'):
        found += glob.glob(os.path.join(build, 'CMakeFiles', target + '.dir', '**', '*.o'), recursive=True)
    return found

def source_of(obj, root):
    path = obj.split('.dir/', 1)[1][:-2]  # the object is named after the source path
    path = path.replace(root.lstrip('/') + '/', '')
    return path if path.startswith(('src/', 'cli/')) else None

def call_graph(root, build):
    defs, uses = {}, collections.defaultdict(set)
    for obj in objects(build):
        src = source_of(obj, root)
        if not src:
            continue
        for line in subprocess.check_output(['nm', obj], text=True).splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in 'TDBR':
                defs[p[2]] = src
            elif len(p) == 2 and p[0] == 'U':
                uses[src].add(p[1])
    graph = collections.defaultdict(set)
    for src, used in uses.items():
        for sym in used:
            if sym in defs and defs[sym] != src:
                graph[src].add(defs[sym])
    return graph

def cycles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))
    for v in list(graph):
        if v not in index:
            visit(v)
    return found

def check_calls(root, build, problems):
    graph = call_graph(root, build)
    if not graph:
        problems.append('no objects under %s: build first' % build)
    for comp in cycles(graph):
        problems.append('files that call each other in a loop: ' + ' '.join(comp))
    for a, targets in graph.items():
        fa = os.path.dirname(a)
        for b in targets:
            fb = os.path.dirname(b)
            # The program calls the library through its public header: any library folder.
            if fa == fb or (fa.startswith('cli') and fb in LIBRARY):
                continue
            if fa in ALLOWED and fb not in ALLOWED[fa]:
                problems.append('%s calls %s: %s may not use %s' % (a, b, fa, fb))

def main():
    root, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    problems = []
    check_includes(root, problems)
    check_calls(root, build, problems)
    for p in problems:
        print('layout: ' + p)
    print('layout: %s' % ('%d problems' % len(problems) if problems else 'ok'))
    return 1 if problems else 0

if __name__ == '__main__':
    sys.exit(main())
