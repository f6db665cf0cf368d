#!/usr/bin/env python3
"""The layer rules of docs/architecture.md, read from the #include lines of include/.

A header's folder names its layer; a header may include headers of its own layer and of the
layers listed below it, never one above or beside it. The portable layers include standard
headers only. Every header belongs to exactly one CMake target, the one its layer belongs to.

    layering.py SOURCE_DIR     check the tree; exit 1 with one line per violation
    layering.py --self-test    check that the rules catch what they must
"""
import re
import sys
from pathlib import Path

# layer: (folder prefixes under include/, layers it may include, CMake header list)
LAYERS = {
    "core": (["vrtc/core/"], [], "vrtc_portable_headers"),
    "format": (["vrtc/format/", "vmclock/"], ["core"], "vrtc_portable_headers"),
    "roles": (["vrtc/roles/"], ["core", "format"], "vrtc_portable_headers"),
    "umbrella": (["vrtc/vrtc.hpp"], ["core", "format", "roles"], "vrtc_portable_headers"),
    "fmt": (["vrtc/fmt.hpp", "vmclock/fmt.hpp"], ["core", "format", "roles"], "vrtc_fmt_headers"),
    "linux": (["vrtc/linux/", "vmclock/linux/"], ["core", "format", "roles"], "vrtc_linux_headers"),
    "kits": (["vrtc/conformance/"], ["core", "format", "roles"], "vrtc_conformance_headers"),
    "runners": (["vrtc/conformance/linux/"], ["core", "format", "roles", "linux", "kits"],
                "vrtc_conformance_headers"),
}
PORTABLE = {"core", "format", "roles", "umbrella"}

# The C++20 standard library headers the portable layers may use (C headers in their <c...> form).
STANDARD = set("""
algorithm any array atomic barrier bit bitset cassert cctype cerrno cfenv cfloat charconv chrono
cinttypes climits clocale cmath codecvt compare complex concepts condition_variable coroutine
csetjmp csignal cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype deque
exception execution filesystem format forward_list fstream functional future initializer_list
iomanip ios iosfwd iostream istream iterator latch limits list locale map memory memory_resource
mutex new numbers numeric optional ostream queue random ranges ratio regex scoped_allocator
semaphore set shared_mutex source_location span sstream stack stdexcept stop_token streambuf
string string_view syncstream system_error thread tuple type_traits typeindex typeinfo
unordered_map unordered_set utility valarray variant vector version
""".split())

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


def layer_of(path):
    """The layer of a header path relative to include/: the longest matching prefix wins."""
    best, best_len = None, -1
    for name, (prefixes, _, _) in LAYERS.items():
        for p in prefixes:
            hit = path == p if p.endswith(".hpp") else path.startswith(p)
            if hit and len(p) > best_len:
                best, best_len = name, len(p)
    return best


def violations_of(path, text):
    """Every rule `text`, the header include/<path>, breaks."""
    found = []
    layer = layer_of(path)
    if layer is None:
        return [f"{path}: in no layer's folder"]
    allowed = {layer, *LAYERS[layer][1]}
    for kind, target in INCLUDE.findall(text):
        if target.startswith(("vrtc/", "vmclock/")):
            other = layer_of(target)
            if other is None:
                found.append(f"{path}: includes {target}, which is in no layer")
            elif other not in allowed:
                found.append(f"{path} ({layer}) includes {target} ({other}): arrows point down only")
        elif kind == '"':
            found.append(f'{path}: include "{target}" by its full path from include/')
        elif layer in PORTABLE and target not in STANDARD:
            found.append(f"{path} ({layer}) includes <{target}>: the portable library uses the "
                         "standard library only")
    return found


def target_lists(cmake_text):
    """The header lists of the top-level CMakeLists.txt: {variable: [paths]}."""
    lists = {}
    for name, body in re.findall(r"set\((vrtc_\w+_headers)\s+(.*?)\)", cmake_text, re.DOTALL):
        lists[name] = body.split()
    return lists


def check_tree(source):
    include = source / "include"
    headers = sorted(p.relative_to(include).as_posix() for p in include.rglob("*.hpp"))
    found = []
    for h in headers:
        found += violations_of(h, (include / h).read_text())
    lists = target_lists((source / "CMakeLists.txt").read_text())
    owners = {}
    for name, paths in lists.items():
        for p in paths:
            owners.setdefault(p, []).append(name)
    for h in headers:
        layer = layer_of(h)
        got = owners.get(h, [])
        want = LAYERS[layer][2] if layer else None
        if got != [want]:
            found.append(f"{h}: listed in {got or 'no target'}, belongs in {want}")
    for p in owners:
        if p not in headers:
            found.append(f"CMakeLists.txt lists {p}, which does not exist")
    return headers, found


def self_test():
    cases = [
        ("vrtc/core/time.hpp", '#include "vrtc/format/messages.hpp"\n', "arrows point down"),
        ("vrtc/format/messages.hpp", '#include "vrtc/roles/device.hpp"\n', "arrows point down"),
        ("vmclock/reader.hpp", '#include "vmclock/linux/device_page.hpp"\n', "arrows point down"),
        ("vrtc/roles/device.hpp", "#include <unistd.h>\n", "standard library only"),
        ("vrtc/vrtc.hpp", '#include "vrtc/conformance/report.hpp"\n', "arrows point down"),
        ("vrtc/linux/ptp.hpp", '#include "vrtc/conformance/report.hpp"\n', "arrows point down"),
        ("vrtc/conformance/report.hpp", '#include "vrtc/linux/file.hpp"\n', "arrows point down"),
        ("vrtc/core/bytes.hpp", '#include "config.hpp"\n', "full path"),
        ("vrtc/core/bytes.hpp", "  #  include <fmt/format.h>\n", "standard library only"),
        ("vrtc/misc/x.hpp", "", "no layer"),
    ]
    clean = [
        ("vrtc/conformance/linux/vhost_user_suite.hpp",
         '#include "vrtc/linux/vhost_user_socket.hpp"\n#include "vrtc/conformance/report.hpp"\n'),
        ("vmclock/reader.hpp", '#include "vrtc/core/time.hpp"\n#include "vmclock/abi.hpp"\n#include <atomic>\n'),
        ("vrtc/linux/ptp.hpp", "#include <linux/ptp_clock.h>\n#include \"vmclock/abi.hpp\"\n"),
        ("vmclock/fmt.hpp", "#include <fmt/format.h>\n#include \"vmclock/reader.hpp\"\n"),
    ]
    failed = 0
    for path, text, expect in cases:
        got = violations_of(path, text)
        if not any(expect in v for v in got):
            print(f"self-test: {path} with {text.strip()!r} should break '{expect}', got {got}")
            failed += 1
    for path, text in clean:
        got = violations_of(path, text)
        if got:
            print(f"self-test: {path} with {text.strip()!r} should pass, got {got}")
            failed += 1
    lists = target_lists("set(vrtc_a_headers\n  x/y.hpp z.hpp)\nset(other 1)\n")
    if lists != {"vrtc_a_headers": ["x/y.hpp", "z.hpp"]}:
        print(f"self-test: target lists parsed as {lists}")
        failed += 1
    print(f"layering self-test: {len(cases) + len(clean) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__.strip())
        return 2
    headers, found = check_tree(Path(argv[1]))
    for v in found:
        print(v)
    print(f"layering: {len(headers)} headers, {len(found)} violations")
    return 1 if found or not headers else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
