#!/usr/bin/env python3
"""Resolves an ESP-IDF configuration the way `idf.py build` does, for scripts/check-esp-idf.ts.

Usage: esp-idf-sdkconfig.py IDF_PATH TARGET OUT_DIR --ours FILE... [--theirs FILE...]

Loads every component's Kconfig of the ESP-IDF tree for TARGET (with Debian's python3-kconfiglib,
the library ESP-IDF's own kconfgen is built on), applies the defaults files in order (`--theirs`:
devicescript-esp32's boards/sdkconfig.*, then `--ours`: this project's boards/sdkconfig.*), and
writes OUT_DIR/sdkconfig.h as the build would (deprecated names from the sdkconfig.rename files
included). Every CONFIG_ line of an `--ours` file must name an option the tree defines (not a
renamed one) and must hold the value it sets once dependencies are resolved; each that does not is
printed as one line naming the file, the line and why, and the exit status is 1 (a later
`--ours` file may set an option again: the last line must hold). Lines of
`--theirs` files are applied as ESP-IDF would apply them (renamed names translated, unknown ones
ignored) and not judged: they are not ours.
"""
import glob
import os
import re
import sys

try:
    import kconfiglib
except ImportError:
    sys.stderr.write("python3-kconfiglib is missing: scripts/install-system-deps.sh installs it "
                     "(apt-get install python3-kconfiglib)\n")
    sys.exit(3)

ASSIGN = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")


def parse_defaults(path):
    """(line number, name without CONFIG_, value as kconfiglib writes it) for each assignment."""
    out = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            m = ASSIGN.match(line)
            if m:
                value = m.group(2)
                if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                    value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                out.append((number, m.group(1), value))
                continue
            m = UNSET.match(line)
            if m:
                out.append((number, m.group(1), "n"))
    return out


def load_renames(idf_path):
    """old name -> (new name, inverted), from ESP-IDF's sdkconfig.rename files."""
    renames = {}
    files = [os.path.join(idf_path, "sdkconfig.rename")]
    files += sorted(glob.glob(os.path.join(idf_path, "components", "*", "sdkconfig.rename")))
    for path in files:
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.split("#", 1)[0].split()
                if len(line) != 2:
                    continue
                old, new = line
                inverted = new.startswith("!")
                renames[old[len("CONFIG_"):]] = (new.lstrip("!")[len("CONFIG_"):], inverted)
    return renames


def component_kconfigs(idf_path, out_dir):
    """The two files ESP-IDF's build generates to `source` every component's Kconfig files."""
    components = sorted(d for d in glob.glob(os.path.join(idf_path, "components", "*")) if os.path.isdir(d))
    paths = {}
    for kind, name in (("COMPONENT_KCONFIGS_SOURCE_FILE", "Kconfig"),
                       ("COMPONENT_KCONFIGS_PROJBUILD_SOURCE_FILE", "Kconfig.projbuild")):
        listing = os.path.join(out_dir, name.lower().replace(".", "_") + ".in")
        with open(listing, "w", encoding="utf-8") as f:
            for c in components:
                k = os.path.join(c, name)
                if os.path.isfile(k):
                    f.write('source "%s"\n' % k)
        paths[kind] = listing
    return paths


def kconfig_value(sym, value):
    """The value as kconfiglib reports it (bools as n/y, strings unquoted)."""
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        return value
    if sym.orig_type == kconfiglib.HEX:
        return value.lower()
    return value


def main(argv):
    if len(argv) < 4 or "--ours" not in argv:
        sys.stderr.write(__doc__)
        return 2
    idf_path, target, out_dir = argv[1:4]
    ours, theirs, bucket = [], [], None
    for a in argv[4:]:
        if a == "--ours":
            bucket = ours
        elif a == "--theirs":
            bucket = theirs
        elif bucket is None:
            sys.stderr.write("unexpected argument %s\n" % a)
            return 2
        else:
            bucket.append(a)

    os.makedirs(out_dir, exist_ok=True)
    os.environ.update(component_kconfigs(idf_path, out_dir))
    os.environ["IDF_PATH"] = idf_path
    os.environ["IDF_TARGET"] = target
    os.environ.setdefault("IDF_ENV_FPGA", "")
    os.environ.setdefault("IDF_CI_BUILD", "")
    kconf = kconfiglib.Kconfig(os.path.join(idf_path, "Kconfig"), warn=False)
    if kconf.syms["IDF_TARGET"].str_value != target:
        sys.stderr.write("ESP-IDF's Kconfig did not take IDF_TARGET=%s\n" % target)
        return 1
    renames = load_renames(idf_path)

    problems = []
    checked = {}  # name -> the last of our lines that sets it (a later file overrides an earlier one)
    for path in theirs + ours:
        mine = path in ours
        translated = []
        for number, name, value in parse_defaults(path):
            where = "%s:%d CONFIG_%s" % (path, number, name)
            if name in renames:
                new, inverted = renames[name]
                if mine:
                    problems.append("%s: ESP-IDF renamed it to CONFIG_%s" % (where, new))
                    continue
                if inverted and value in ("y", "n"):
                    value = "n" if value == "y" else "y"
                name = new
            sym = kconf.syms.get(name)
            if sym is None or not sym.nodes:
                if mine:
                    problems.append("%s: no such option in this ESP-IDF tree's Kconfig files" % where)
                continue
            translated.append((name, value))
            if mine:
                checked[name] = (where, sym, value)
        # One temporary file per defaults file, applied on top of the previous ones (replace=False),
        # as ESP-IDF applies sdkconfig.defaults.
        tmp = os.path.join(out_dir, "applied." + os.path.basename(path))
        with open(tmp, "w", encoding="utf-8") as f:
            for name, value in translated:
                sym = kconf.syms[name]
                if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE) and value == "n":
                    f.write("# CONFIG_%s is not set\n" % name)
                elif sym.orig_type == kconfiglib.STRING:
                    f.write('CONFIG_%s="%s"\n' % (name, kconfiglib.escape(value)))
                else:
                    f.write("CONFIG_%s=%s\n" % (name, value))
        kconf.load_config(tmp, replace=False)

    for where, sym, value in checked.values():
        got = sym.str_value
        want = kconfig_value(sym, value)
        if sym.orig_type in (kconfiglib.INT, kconfiglib.HEX):
            same = got != "" and int(got, 0) == int(want, 0)
        else:
            same = got == want
        if not same:
            problems.append("%s=%s: resolves to %r for %s (it depends on: %s)" % (
                where, value, got, target, kconfiglib.expr_str(sym.direct_dep)))

    header = os.path.join(out_dir, "sdkconfig.h")
    kconf.write_autoconf(header, header="/* Generated by scripts/esp-idf-sdkconfig.py for %s */\n#pragma once\n" % target)
    with open(header, "a", encoding="utf-8") as f:
        f.write("\n/* Deprecated names (ESP-IDF's sdkconfig.rename), as kconfgen writes them */\n")
        for old, (new, inverted) in sorted(renames.items()):
            sym = kconf.syms.get(new)
            if sym is None or not sym.nodes:
                continue
            if not inverted and sym.str_value not in ("", "n"):
                f.write("#define CONFIG_%s CONFIG_%s\n" % (old, new))
            elif inverted and sym.str_value == "n":
                f.write("#define CONFIG_%s 1\n" % old)

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
