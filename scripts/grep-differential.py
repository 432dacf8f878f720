#!/usr/bin/env python3
"""Differential fuzzer: `sluice grep` against GNU grep 3.8 (the oracle).

Random patterns from a grammar of GNU's BRE and ERE (and PCRE2 for -P, fixed strings for -F),
random options and random inputs (real log lines from ../shared/data/loghub when present, short
synthetic lines with non-ASCII letters, invalid UTF-8, CR, empty lines, very long lines, no final
newline), in LC_ALL=C and LC_ALL=C.UTF-8. For each case both programs run on the same files; their
standard output and exit status must agree, and with status 2 both must say something on
standard error. A mismatch is shrunk (options, input lines, pattern characters) and printed as a
shell command that reproduces it.

    scripts/grep-differential.py --sluice .build/debug/sluice --seed 1 --cases 2000

Exit status: 0 when every case agrees, 1 when some differ, 2 on a usage or set-up error.

Cases that fall under a difference the README documents ("Differences from GNU grep") are not
run; `documented()` lists them, each with its reason.
"""

import argparse
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGHUB = os.path.join(ROOT, "..", "shared", "data", "loghub")

# Letters whose case folding is special (Turkish i, long s, Kelvin, sharp s, final sigma, micro).
SPECIAL_LETTERS = ["i", "I", "ı", "İ", "s", "S", "ſ", "k", "K", "\u212a", "ß", "ẞ", "σ", "ς", "Σ", "µ", "μ",
                   "é", "É", "ä", "Ä", "ǅ", "ǆ", "Ǆ", "ω", "Ω", "\u2126"]
NON_ASCII = ["é", "ü", "日", "本", "😀", "€", "ñ", "Ж", "ж", "\u00a0", "\u2028", "ﬁ"]
ASCII_LETTERS = list("aeiostnrkKSIDxyzAEO")

SYNTHETIC = [
    "Ärger über Straße: ÄRGER, ärger, STRASSE, straße, ẞ",
    "café Café CAFÉ naïve façade déjà-vu résumé",
    "Kelvin: \u212a k K; long s: ſ s S; dotless ı i I İ; sharp ß SS ẞ",
    "Greek: σ ς Σ Ω ω µ μ \u2126 ǅ ǆ Ǆ",
    "日本語のテキスト 中文 한국어 カタカナ 😀 👍🏽",
    "istanbul İSTANBUL ıstanbul ISTANBUL",
    "KELVIN kelvin \u212aelvin ſtraße strasse",
    "word_with_underscores and-dashes 123 4567 0x1f2e3d4c",
    "ab abcd abc aab abab acbd bcd aaa a{1}b *x {} a+b a?b (x) a|b \\ back\\slash [] ]a ^x$ x.y",
    "tabs\there and  two  spaces\tend",
    "   leading spaces", "trailing spaces   ", "", "", "x", "a", "aa", "abcabc", "foo bar baz",
    "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce: Created MRAppMaster",
    "nbsp\u00a0here and ﬁnance ﬀ",
]
# Raw byte lines: invalid UTF-8, CR, a lone continuation byte, an overlong form, a truncated character.
BYTE_LINES = [
    b"caf\xe9 latin-1 e-acute", b"a\xffb \xc3( \xe2\x82 ss", b"\xc0\xaf\x80abcd \xf0\x9f\x98", b"ok\xc3\xa9ok\xe9",
    b"Dec 10 error one\r", b"ab abcd\r", b"\r", b"trailing cr and word\r", b"\x80\x81 isolated", b"mixed \xc5\xbf \xc5",
    b"\xe2\x84\xaa\xe2\x84", b"x\ty\x0bz\x0cw", b"\x01\x02 control \x7f",
]


def log_lines():
    lines = []
    if os.path.isdir(LOGHUB):
        for name in sorted(os.listdir(LOGHUB)):
            if not name.endswith(".log"):
                continue
            with open(os.path.join(LOGHUB, name), "rb") as f:
                lines += f.read().split(b"\n")[:300]
    if not lines:
        lines = [s.encode() for s in SYNTHETIC]
    return [l for l in lines if b"\0" not in l]


class Generator:
    def __init__(self, rng, logs):
        self.r = rng
        self.logs = logs

    # --- inputs -------------------------------------------------------------------------------

    def line(self):
        r = self.r
        k = r.random()
        if k < 0.45:
            return r.choice(self.logs)
        if k < 0.7:
            return r.choice(SYNTHETIC).encode()
        if k < 0.82:
            return r.choice(BYTE_LINES)
        if k < 0.97:
            n = r.randint(0, 12)
            alphabet = ASCII_LETTERS + SPECIAL_LETTERS + NON_ASCII + list(" :.-_0123(){}[]*+?|\\^$")
            return "".join(r.choice(alphabet) for _ in range(n)).encode()
        base = r.choice(self.logs)
        return (base + b" ") * r.randint(200, 4000)  # a long line (up to hundreds of KB)

    def input(self, utf8_only=False):
        lines = [self.line() for _ in range(self.r.randint(0, 40))]
        if utf8_only:
            lines = [l for l in lines if valid_utf8(l)]
        data = b"\n".join(lines)
        if lines and self.r.random() < 0.85:
            data += b"\n"
        return data

    # --- patterns -----------------------------------------------------------------------------

    def word_from(self, text):
        """A piece of a line of the input, so patterns match now and then."""
        words = [w for w in text.split() if w]
        if not words:
            return "a"
        w = self.r.choice(words)
        s = w.decode("utf-8", "replace").replace("\ufffd", "")
        if not s:
            return "a"
        i = self.r.randint(0, len(s) - 1)
        return s[i:i + self.r.randint(1, 6)]

    def lit_char(self):
        r = self.r
        k = r.random()
        if k < 0.6:
            return r.choice(ASCII_LETTERS + list("0123 :.-_/"))
        if k < 0.85:
            return r.choice(SPECIAL_LETTERS)
        return r.choice(NON_ASCII)

    def escape_literal(self, s, dialect):
        out = ""
        specials = {"bre": ".[]*^$\\", "ere": ".[]*^$\\()|+?{}", "pcre": ".[]*^$\\()|+?{}"}[dialect]
        for c in s:
            out += "\\" + c if c in specials else c
        return out

    def bracket(self):
        r = self.r
        items = []
        if r.random() < 0.15:
            items.append("]")
        for _ in range(r.randint(1, 4)):
            k = r.random()
            if k < 0.3:
                items.append(r.choice(["alpha", "digit", "alnum", "upper", "lower", "space", "punct", "xdigit",
                                       "blank", "print", "graph", "cntrl"]).join(["[:", ":]"]))
            elif k < 0.55:
                a, b = r.choice([("a", "z"), ("A", "Z"), ("0", "9"), ("a", "f"), ("A", "z"), ("!", "/"), ("k", "s"),
                                 ("S", "k"), ("i", "k"), ("z", "a")])
                items.append(a + "-" + b)
            elif k < 0.6:
                items.append(r.choice(["[.a.]", "[=e=]", "[.-.]", "-"]))
            else:
                items.append(self.lit_char() if r.random() < 0.8 else r.choice(["\\", "^", "*", ".", "$"]))
        body = "".join(items)
        neg = "^" if r.random() < 0.3 else ""
        return "[" + neg + body + "]"

    def atom(self, dialect, depth, groups, text):
        r = self.r
        k = r.random()
        if k < 0.25:
            return self.escape_literal(self.word_from(text), dialect)
        if k < 0.4:
            return self.escape_literal(self.lit_char(), dialect)
        if k < 0.5:
            return self.bracket()
        if k < 0.58:
            return r.choice([".", ".", "\\w", "\\W", "\\s", "\\S"] + (["\\d", "\\D", "\\h"] if dialect == "pcre" else []))
        if k < 0.64:
            return r.choice(["\\<", "\\>", "\\b", "\\B", "^", "$"] if dialect != "pcre" else ["\\b", "\\B", "^", "$"])
        if k < 0.68:
            if dialect == "pcre":
                return r.choice(["\\.", "\\*", "\\[", "\\(", "\\)", "\\|", "\\+", "\\\\", "\\$", "\\^", "\\{"])
            return r.choice(["\\.", "\\*", "\\[", "\\]", "\\^", "\\$", "\\\\", "\\{", "\\}", "\\(", "\\)", "\\|",
                             "\\+", "\\?", "\\/", "\\`", "\\'", "\\-", "\\a", "\\%"])
        if k < 0.72 and groups[0] > 0:
            return "\\" + str(r.randint(1, min(groups[0], 9)))
        if k < 0.9 and depth < 3:
            groups[0] += 1
            inner = self.alternation(dialect, depth + 1, groups, text)
            if dialect == "bre":
                return "\\(" + inner + "\\)"
            return "(" + inner + ")"
        if k < 0.93:
            return r.choice(["*", "+", "?", "{1}", "|", "\\{1\\}"])  # operators in odd places
        return self.escape_literal(self.lit_char(), dialect)

    def quantifier(self, dialect):
        r = self.r
        m = r.randint(0, 3)
        n = m + r.randint(0, 3)
        q = r.choice(["*", "*", "+", "?", "{%d}" % m, "{%d,}" % m, "{%d,%d}" % (m, n), "{,%d}" % n, "**", "+*",
                      "{%d,%d}" % (n + 1, m) if n > m else "{2,1}"])
        if dialect == "bre":
            if q.startswith("{"):
                return "\\{" + q[1:-1] + "\\}"
            return q.replace("+", "\\+").replace("?", "\\?")
        if dialect == "pcre" and q in ("**", "+*", "{2,1}") or (dialect == "pcre" and q.startswith("{,")):
            return "*"
        return q

    def branch(self, dialect, depth, groups, text):
        s = ""
        for _ in range(self.r.randint(0, 4) if depth else self.r.randint(1, 4)):
            a = self.atom(dialect, depth, groups, text)
            if self.r.random() < 0.35:
                a += self.quantifier(dialect)
            s += a
        return s

    def alternation(self, dialect, depth, groups, text):
        parts = [self.branch(dialect, depth, groups, text)]
        while self.r.random() < 0.3:
            parts.append(self.branch(dialect, depth, groups, text))
        sep = "\\|" if dialect == "bre" else "|"
        return sep.join(parts)

    def pattern(self, dialect, text):
        if dialect == "fixed":
            k = self.r.random()
            if k < 0.6:
                return self.word_from(text)
            if k < 0.7:
                return ""
            return "".join(self.lit_char() for _ in range(self.r.randint(1, 4)))
        groups = [0]
        return self.alternation(dialect, 0, groups, text)

    # --- cases --------------------------------------------------------------------------------

    def case(self):
        r = self.r
        locale = r.choice(["C", "C.UTF-8"])
        dialect = r.choices(["bre", "ere", "fixed", "pcre"], [35, 35, 15, 15])[0]
        data = self.input()
        files = [data]
        if r.random() < 0.15:
            files.append(self.input())
        text = b"\n".join(files)
        args = []
        args += {"bre": [], "ere": ["-E"], "fixed": ["-F"], "pcre": ["-P"]}[dialect]
        if dialect == "bre" and r.random() < 0.2:
            args = ["-G"]
        for flag, p in [("-i", 0.3), ("-w", 0.2), ("-x", 0.1), ("-v", 0.15), ("-o", 0.25), ("-c", 0.15), ("-n", 0.2),
                        ("-b", 0.1), ("-H", 0.05), ("-l", 0.03), ("-L", 0.02), ("-q", 0.03), ("-s", 0.02)]:
            if r.random() < p:
                args.append(flag)
        if r.random() < 0.1:
            args += ["-m", str(r.randint(0, 4))]
        if r.random() < 0.15:
            args += [r.choice(["-A", "-B", "-C"]), str(r.randint(0, 3))]
        if r.random() < 0.06:
            args.append("--color=always")
        if r.random() < 0.3:
            args.append("-a")
        pattern_files = []
        if dialect == "pcre":
            args += ["-e", self.pattern(dialect, text)]
        else:
            k = r.random()
            if k < 0.55:
                args += ["-e", self.pattern(dialect, text)]
            elif k < 0.8:
                for _ in range(r.randint(2, 4)):
                    args += ["-e", self.pattern(dialect, text)]
            else:
                count = r.choice([0, 1, 2, 5, 20, 200]) if r.random() < 0.9 else 2000
                lines = []
                for _ in range(count):
                    lines.append("" if r.random() < 0.03 else self.pattern(dialect, text))
                body = "\n".join(lines) + ("\n" if lines and r.random() < 0.9 else "")
                pattern_files.append(body.encode())
                args += ["-f", "PATTERNS0"]
        # Drawn last, so the cases of a seed before these were added stay as they were: binary
        # input (a NUL byte in a line: GNU's "binary file matches"), and -o with -v.
        if r.random() < 0.06:
            k = r.randrange(len(files))
            lines = files[k].split(b"\n")
            at = r.randint(0, len(lines))
            lines.insert(at, r.choice([b"\0", b"a\0b", b"Dec 10 \0 sshd", b"\0\0\xff"]))
            files[k] = b"\n".join(lines)
        if r.random() < 0.03 and "-o" not in args:
            args += ["-o", "-v"]
        return {"locale": locale, "args": args, "files": files, "pattern_files": pattern_files}


def regression(locale, args, data, pattern_files=()):
    return {"locale": locale, "args": args, "files": [data], "pattern_files": list(pattern_files)}


# Mismatches this fuzzer found, shrunk; run before the random cases, every time.
REGRESSIONS = [
    # The empty fixed string was searched as one byte long: -o read past the line (a crash, or garbage).
    regression("C", ["-F", "-o", "-e", ""], b"x"),
    regression("C", ["-o", "-e", ""], b"ab\nx"),
    # ... and -w took the empty match inside a UTF-8 character for a position between non-word characters.
    regression("C.UTF-8", ["-F", "-w", "-e", ""], "S[k0+t2İẞSi".encode()),
    regression("C.UTF-8", ["-P", "-w", "-e", ""], "İẞ".encode()),
    regression("C.UTF-8", ["-F", "-w", "-e", ""], "μﬁz é😀a\nz é\né😀\n".encode()),
    # GNU selects these lines with glibc's regex (UTF-8 classes, word assertions,
    # back-references), which skips an ERE operator that repeats nothing, and reads a BRE one
    # after an anchor as a character.
    regression("C.UTF-8", ["-E", "-e", "E\\<*|8"], b"$s$e\\E\n"),
    regression("C.UTF-8", ["-E", "-e", "^?[^A-z]"], b"]1x\n"),
    regression("C.UTF-8", ["-E", "-e", "[[:print:]]{1,3}(x))|\\<**"], b"\n"),
    regression("C.UTF-8", ["-c", "-e", "a\\<*b"], b"ab\na*b\n"),
    regression("C", ["-E", "-c", "-e", "(a)\\1|^*b"], b"b\n^b\n"),
    # -F lists are leftmost-longest (the empty string does not hide the others under -o).
    regression("C.UTF-8", ["-F", "-o", "-i", "-e", "", "-e", ":", "-e", "ẞ"], b"a:b:c\n"),
    # An ERE interval that is not valid after an anchor is ordinary characters (no error).
    regression("C", ["-E", "-e", "]\\<{6,2}"], b""),
    regression("C", ["-E", "-c", "-e", "a\\<{6,2}", "-e", "x${2,1}"], b"a{6,2}\nx{2,1}\n"),
    # A back-reference sees only the groups of its own alternative.
    regression("C", ["-e", "\\(\\)\\|\\1"], b""),
    regression("C", ["-E", "-e", "(a)|b\\1"], b"a\n"),
    regression("C", ["-E", "-e", "((a)|b)\\2"], b"aa\nbb\nab\n"),
    # -m 0 is status 1 at once: no pattern compiled, no file read, nothing printed (-c too), but -L names files.
    regression("C", ["-P", "-m", "0", "-e", "*"], b""),
    regression("C", ["-E", "-m", "0", "-e", "\\"], b"a\n"),
    regression("C", ["-c", "-m", "0", "-e", "a"], b"a\n"),
    regression("C", ["-L", "-m", "0", "-e", "a"], b"a\n"),
    regression("C", ["-E", "-c", "-f", "PATTERNS0"], b"a\n", [b""]),
    regression("C", ["-E", "-c", "-v", "-f", "PATTERNS0"], b"a\n", [b""]),
    # glibc skips an ERE operator that repeats nothing (and then reads a `)` as ordinary, or the
    # digits of a skipped `{` as characters): GNU reports its errors.
    regression("C", ["-E", "-e", "(+)"], b"a\n"),
    regression("C", ["-E", "-e", "((()\\B*)my)"], b"a\n"),
    regression("C", ["-E", "-e", "a|{1}{4,2}"], b"a\n"),
    regression("C", ["-E", "-e", "({)"], b"a\n"),
    regression("C", ["-E", "-e", "^*a"], b"a\n"),
    # -o extents of patterns with back-references are leftmost-longest too (they were Perl's:
    # the empty first alternative hid the second, `ab` was printed of `abab`).
    regression("C.UTF-8", ["-o", "-e", "\\(\\|\\)\\1\\{2\\}\\|\\(+*é\\)"], "+é ++é x é\n".encode()),
    regression("C", ["-o", "-E", "-e", "(a|ab)\\1*b?"], b"abab ab aab\n"),
    regression("C", ["-o", "-e", "\\(ab\\|abc\\)\\1"], b"abcabc abab\n"),
    # A bracket with [.x.] or [=x=] makes GNU decide the pattern with glibc's regex in the C
    # locale too, which reads `^*` after a character as an anchor and a `*`.
    regression("C", ["-E", "-c", "-e", "[[.a.]]|y^*"], b"y\n"),
    regression("C", ["-E", "-c", "-e", "[[=a=]]|y^*"], b"y\n"),
    # -o -v prints the matches of the context lines (the selected ones have none), marked "-".
    regression("C", ["-n", "-b", "-v", "-o", "-A", "1", "-e", "]"], b"a]\nb\nc]]\nd\n"),
    regression("C", ["-n", "-v", "-o", "-B", "1", "-e", "]", "-e", "b"], b"a]\nb\nc]]\nd\n"),
    # -o -w: GNU's fixed-string matcher (-F lists, -F in UTF-8, lists of plain BREs) takes the end
    # of the last match as a word boundary; its regex matcher (one alternation) does not.
    regression("C.UTF-8", ["-F", "-w", "-o", "-e", "b", "-e", "-ab", "-e", "ab"], b"a b-ab\n"),
    regression("C.UTF-8", ["-w", "-o", "-e", "b", "-e", "-ab", "-e", "ab"], b"a b-ab\n"),
    regression("C", ["-w", "-o", "-e", "b\\|-ab\\|ab"], b"a b-ab\n"),
    regression("C.UTF-8", ["-F", "-w", "-o", "-e", "-a"], b"-a-a\n"),
    # Seed 4: -o went on from the second byte of a character after an empty match there.
    regression("C.UTF-8", ["-o", "-e", "\\(\\)\\1\\|\\\\"], "\u01c5K:".encode()),
    # One pattern that needs glibc's regex makes GNU read the whole list with it.
    regression("C.UTF-8", ["-E", "-e", "]\\<", "-e", "{,}|m"], b"x\n,}\n"),
    # -w: GNU's regex loop (shorter matches at a start, the line cut short from the second -o
    # match on, an empty match only where it is the longest).
    regression("C", ["-owE", "a(-b)?"], b"q a-b q a-bc\nq a-bc\n"),
    regression("C.UTF-8", ["-cwE", "(-b)*"], b"-bc\n"),
]


def valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def documented(case):
    """The reason a case falls under a documented difference (README), or None."""
    args = case["args"]
    utf8 = case["locale"] == "C.UTF-8"
    patterns = [args[i + 1] for i, a in enumerate(args) if a == "-e"]
    for body in case["pattern_files"]:
        patterns += body.decode().split("\n")
    joined = "\n".join(patterns)
    invalid = utf8 and any(not valid_utf8(f) for f in case["files"])
    if invalid and any(a in args for a in ["-A", "-B", "-C"]) and "-a" not in args:
        return "context around a line that is not UTF-8 (refused)"
    if invalid and ("-w" in args or any(s in joined for s in ["\\<", "\\>", "\\b", "\\B"])):
        return "GNU's word assertions count bytes that are not UTF-8 as word characters"
    if "-E" in args and "-o" in args and any(p.startswith("{") or "|{" in p or "({" in p for p in patterns):
        return "-o extents of an ERE starting with {...}"
    if "-c" in args and "-v" in args and "" in patterns:
        return "grep -c -v '' (GNU prints nothing)"
    return None


def run(argv, env, cwd, timeout=60):
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""


def write_case(case, directory):
    names = []
    for k, data in enumerate(case["files"]):
        name = "input%d.txt" % k
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        names.append(name)
    for k, data in enumerate(case["pattern_files"]):
        with open(os.path.join(directory, "PATTERNS%d" % k), "wb") as f:
            f.write(data)
    return names


def outcome(case, sluice, directory):
    names = write_case(case, directory)
    env = dict(os.environ, LC_ALL=case["locale"])
    env.pop("GREP_COLORS", None)
    env.pop("GREP_COLOR", None)
    g = run(["grep"] + case["args"] + names, env, directory)
    s = run([sluice, "grep"] + case["args"] + names, env, directory)
    return g, s


def loud(g, s):
    """Sluice refused, with a message, what GNU grep ran (allowed where the README says so)."""
    return s[0] == 2 and g[0] != 2 and s[1] == b"" and any(m in s[2] for m in LOUD)


# Sluice's refusals (status 2) that the README lists.
LOUD = [b"regular expression is too large", b"Unsupported: a ')' right after a repetition operator",
        b"unsupported: a back-reference to a group in which"]


def binary_notices(err, program):
    """The "binary file matches" lines of a standard error, with the program's name taken off."""
    prefix = program + b": "
    return [l[len(prefix):] if l.startswith(prefix) else l for l in err.split(b"\n") if l.endswith(b"binary file matches")]


def differs(g, s):
    if loud(g, s):
        return False
    if g[0] != s[0] or g[1] != s[1]:
        return True
    if g[0] == 2 and (not g[2]) != (not s[2]):
        return True
    if binary_notices(g[2], b"grep") != binary_notices(s[2], b"sluice"):
        return True
    return False


def shrink(case, sluice, directory, deadline):
    """A smaller case that still differs: fewer options, files, input lines, pattern characters."""
    g0, _ = outcome(case, sluice, directory)
    kind = g0[0] == 2  # keep the kind of mismatch: GNU refusing the pattern, or not

    def still(c):
        if time.time() > deadline or documented(c):
            return False
        g, s = outcome(c, sluice, directory)
        return differs(g, s) and (g[0] == 2) == kind

    def variants_args(c):
        a = c["args"]
        i = 0
        while i < len(a):
            if a[i] in ("-m", "-A", "-B", "-C"):
                yield dict(c, args=a[:i] + a[i + 2:])
                i += 2
                continue
            if a[i] in ("-e", "-f"):
                if sum(1 for x in a if x in ("-e", "-f")) > 1:
                    yield dict(c, args=a[:i] + a[i + 2:])
                i += 2
                continue
            if a[i] not in ("-E", "-F", "-P", "-G"):
                yield dict(c, args=a[:i] + a[i + 1:])
            i += 1

    changed = True
    while changed and time.time() < deadline:
        changed = False
        for v in variants_args(case):
            if still(v):
                case, changed = v, True
                break
        if changed:
            continue
        if len(case["files"]) > 1 and still(dict(case, files=case["files"][:1])):
            case, changed = dict(case, files=case["files"][:1]), True
            continue
        # Input lines, by halves then one at a time.
        for k, data in enumerate(case["files"]):
            lines = data.split(b"\n")
            chunk = max(1, len(lines) // 2)
            while chunk >= 1 and time.time() < deadline:
                i = 0
                while i < len(lines):
                    trial = lines[:i] + lines[i + chunk:]
                    files = list(case["files"])
                    files[k] = b"\n".join(trial)
                    c = dict(case, files=files)
                    if still(c):
                        case, lines, changed = c, trial, True
                    else:
                        i += chunk
                chunk //= 2
        # Pattern list lines.
        for k, body in enumerate(case["pattern_files"]):
            lines = body.split(b"\n")
            i = 0
            while i < len(lines) and time.time() < deadline:
                trial = lines[:i] + lines[i + 1:]
                pf = list(case["pattern_files"])
                pf[k] = b"\n".join(trial)
                c = dict(case, pattern_files=pf)
                if still(c):
                    case, lines, changed = c, trial, True
                else:
                    i += 1
        # Pattern characters.
        a = case["args"]
        for i, w in enumerate(a):
            if i == 0 or a[i - 1] != "-e":
                continue
            j = 0
            while j < len(w) and time.time() < deadline:
                trial = w[:j] + w[j + 1:]
                c = dict(case, args=a[:i] + [trial] + a[i + 1:])
                if still(c):
                    case, w, a, changed = c, trial, c["args"], True
                else:
                    j += 1
    return case


def repro(case):
    parts = []
    for k, data in enumerate(case["files"]):
        parts.append("printf %s > input%d.txt" % (shlex.quote(printf_escape(data)), k))
    for k, data in enumerate(case["pattern_files"]):
        parts.append("printf %s > PATTERNS%d" % (shlex.quote(printf_escape(data)), k))
    names = " ".join("input%d.txt" % k for k in range(len(case["files"])))
    args = " ".join(shlex.quote(a) for a in case["args"])
    parts.append("LC_ALL=%s grep %s %s; echo $?" % (case["locale"], args, names))
    parts.append("LC_ALL=%s sluice grep %s %s; echo $?" % (case["locale"], args, names))
    return "\n".join(parts)


def printf_escape(data):
    out = ""
    for b in data:
        c = chr(b)
        if c == "\\":
            out += "\\\\"
        elif c == "%":
            out += "%%"
        elif 0x20 <= b < 0x7F or c == "\n":
            out += c
        else:
            out += "\\%03o" % b
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice", default=os.path.join(ROOT, ".build", "debug", "sluice"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=0, help="stop starting cases after this many seconds")
    ap.add_argument("--show", type=int, default=10, help="mismatches to shrink and print")
    ap.add_argument("--shrink-seconds", type=float, default=20)
    ap.add_argument("--only", default="", help="run only these case numbers (as printed: 'case N'), comma-separated")
    args = ap.parse_args()
    if not os.access(args.sluice, os.X_OK):
        print("no sluice binary at %s" % args.sluice, file=sys.stderr)
        return 2
    logs = log_lines()
    cases = list(REGRESSIONS)
    for n in range(args.cases):
        g = Generator(random.Random("%d/%d" % (args.seed, n)), logs)
        cases.append(g.case())
    numbered = list(enumerate(cases))
    if args.only:
        wanted = {int(x) for x in args.only.split(",")}
        numbered = [(n, c) for n, c in numbered if n in wanted]
    start = time.time()
    work = tempfile.mkdtemp(prefix="grep-differential-")
    skipped = {}
    ran = [0]

    def one(item):
        n, case = item
        if args.time_limit and time.time() - start > args.time_limit:
            return None
        reason = documented(case)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            return None
        directory = os.path.join(work, str(n))
        os.mkdir(directory)
        g, s = outcome(case, args.sluice, directory)
        ran[0] += 1
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)
        if s[0] == 2 and not s[1] and b"grep: unsupported: " in s[2]:
            # A refusal (status 2, nothing printed) where Sluice knows it would differ from GNU.
            reason = "refused by sluice: " + s[2].decode(errors="replace").split("unsupported: ", 1)[1][:48] + "..."
            skipped[reason] = skipped.get(reason, 0) + 1
            return None
        return (n, case, g, s) if differs(g, s) else None

    with ThreadPoolExecutor(args.jobs) as pool:
        results = [x for x in pool.map(one, numbered) if x]
    elapsed = time.time() - start
    print("%d cases run in %.1f s (seed %d), %d differ" % (ran[0], elapsed, args.seed, len(results)))
    for reason, count in sorted(skipped.items()):
        print("  not run (documented difference): %d: %s" % (count, reason))
    for n, case, g, s in results[:args.show]:
        directory = os.path.join(work, "shrink%d" % n)
        os.mkdir(directory)
        small = shrink(case, args.sluice, directory, time.time() + args.shrink_seconds)
        g, s = outcome(small, args.sluice, directory)
        print("\n--- case %d (seed %d)" % (n, args.seed))
        print(repro(small))
        print("grep   -> %s %r %r" % (g[0], g[1][:300], g[2][:200]))
        print("sluice -> %s %r %r" % (s[0], s[1][:300], s[2][:200]))
    return 1 if results else 0


if __name__ == "__main__":
    sys.exit(main())
