#!/usr/bin/env python3
"""The screens a document shows are the screens the tests take.

Every block of a Markdown file (fenced, or indented) that draws a screen (a `docket |`
title bar) must be, line for line, one of the snapshots the TUI tests
compare against (tests/unit/screens/*.txt, tests/cli/screens/*.txt): the
one the text before it names (`tests/unit/screens/X.txt`), else the one
it is most like. Trailing spaces do not count, nor blank rows (a
document may leave a screen's empty rows out). A dialog shown alone (a
`+-` border, no title bar) must be rows of some snapshot, in order. A
screen taken by hand (from the demo store, say) is marked so just above
it, `<!-- not a snapshot: why -->`, and kept true by hand.

  doc-screens.py DOC...            exit 1, naming each block that differs
  doc-screens.py --update DOC...   rewrite each differing whole screen from
                                   its snapshot (blank rows left out where
                                   the document left them out); a dialog
                                   alone is mended by hand
"""
import difflib
import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def snapshots():
    out = {}
    for pat in ("tests/unit/screens/*.txt", "tests/cli/screens/*.txt"):
        for path in sorted(glob.glob(os.path.join(REPO, pat))):
            with open(path, encoding="utf-8") as f:
                out[os.path.relpath(path, REPO)] = f.read().rstrip("\n").split("\n")
    return out


def split(lines, a, end, indent):
    """Screens in lines[a:end]: a title bar starts a new one (two screens in one block are two)."""
    cuts = [k for k in range(a + 1, end) if "docket |" in lines[k]] + [end]
    for b in cuts:
        e = b
        while e > a and not lines[e - 1].strip():
            e -= 1
        body = lines[a:e]
        if any("docket |" in l or "+- " in l for l in body):
            if indent is None:
                ind = min(len(l) - len(l.lstrip(" ")) for l in body if l.strip())
                ind -= ind % 4  # Markdown indents by 4; a screen row may start with spaces of its own
            else:
                ind = indent
            yield a, e, ind
        a = b


def blocks(lines):
    """(start, end, indent) of each block that draws a screen: fenced, or indented."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            yield from split(lines, i + 1, j, 0)
            i = j + 1
        elif lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            end = j
            while end > i and not lines[end - 1].strip():
                end -= 1
            yield from split(lines, i, end, None)
            i = j
        else:
            i += 1


def shape(rows):
    return [r.rstrip() for r in rows if r.strip()]


def core(rows):
    """Rows as a part of a screen: an excerpt (a dialog) may sit at another column."""
    return [r.strip() for r in rows if r.strip()]


def within(part, rows):
    n = len(part)
    return any(rows[i:i + n] == part for i in range(len(rows) - n + 1))


def exempt(lines, start):
    """A screen the text marks `<!-- not a snapshot: why -->` just above it (its fence)."""
    k = start - 1
    if k >= 0 and lines[k].startswith("```"):
        k -= 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    return k >= 0 and lines[k].startswith("<!-- not a snapshot")


def named(lines, start):
    """The snapshot the text just before a block names (`tests/unit/screens/X.txt`), or None."""
    k = start - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    para = []
    while k >= 0 and lines[k].strip() and not lines[k].startswith("    "):
        para.append(lines[k])
        k -= 1
    m = re.findall(r"(tests/(?:unit|cli)/screens/[A-Za-z0-9_.-]+\.txt)", " ".join(para))
    return m[-1] if m else None


def main(argv):
    update = "--update" in argv
    docs = [a for a in argv if a != "--update"]
    snaps = snapshots()
    shaped = {k: shape(v) for k, v in snaps.items()}
    bad = 0
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            lines = f.read().split("\n")
        changed = False
        for start, end, indent in reversed(list(blocks(lines))):
            if exempt(lines, start):
                continue
            rows = [l[indent:] for l in lines[start:end]]
            want = shape(rows)
            best, ratio = named(lines, start), 1.0
            if best not in shaped:
                best, ratio = None, 0.0
                for name, rows_s in shaped.items():
                    r = difflib.SequenceMatcher(None, want, rows_s, autojunk=False).ratio()
                    if r > ratio:
                        best, ratio = name, r
            if best and shaped[best] == want:
                continue
            # a part of a screen (its top rows, or a dialog shown alone): its
            # rows, in order, somewhere in a snapshot
            whole = any("docket |" in r for r in want)
            if whole and any(within(want, v) for v in shaped.values()):
                continue
            if not whole and any(within(core(rows), core(v)) for v in snaps.values()):
                continue
            bad += 1
            print(f"{doc}:{start + 1}: the screen differs from {best} (alike {ratio:.2f})")
            for d in difflib.unified_diff(want, shaped[best] if best else [], "doc", best or "-", lineterm="", n=1):
                print("    " + d)
            if update and whole and best and ratio >= 0.5:
                blank_rows = any(not r.strip() for r in rows)
                new = [r.rstrip() for r in snaps[best]]
                while new and not new[-1].strip():
                    new.pop()
                if not blank_rows:
                    new = [r for r in new if r.strip()]
                lines[start:end] = [(" " * indent + r) if r else "" for r in new]
                changed = True
        if changed:
            with open(doc, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
    return 1 if bad and not update else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
