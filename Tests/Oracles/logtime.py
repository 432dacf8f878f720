#!/usr/bin/env python3
"""The oracle for LogTime: the instant of each line's leading timestamp, by Python's datetime.

usage: logtime.py FILE [--year Y] [--month M] [--offset SECONDS]

Prints one line per input line: microseconds since the epoch, or '-' when the line has no
timestamp. Year-less formats take --year, or the year before when their month is after
--month; zone-less times are --offset seconds east of UTC. Written independently of the
Swift parser: a regular expression per format, then datetime.strptime / fromisoformat.
"""
import argparse, datetime as dt, json, re, sys

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--year", type=int, default=1970)
ap.add_argument("--month", type=int, default=12)
ap.add_argument("--offset", type=int, default=0)
a = ap.parse_args()
LOCAL = dt.timezone(dt.timedelta(seconds=a.offset))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

def us(t):
    if t.tzinfo is None:
        t = t.replace(tzinfo=LOCAL)
    d = t - EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds

def yearless(month):
    return a.year - 1 if month > a.month else a.year

def frac(s):
    return int((s + "000000")[:6]) if s else 0

def zone(z):
    if not z:
        return None
    z = z.strip()
    if z in ("Z", "z"):
        return dt.timezone.utc
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    h = int(digits[:2]); m = int(digits[2:4]) if len(digits) > 2 else 0
    return dt.timezone(sign * dt.timedelta(hours=h, minutes=m))

ISO = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d))?(?:[.,](\d+))?( ?(?:[Zz]|[+-]\d\d(?::?\d\d)?))?(?![0-9A-Za-z])")
def iso(s):
    m = ISO.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se, f, z = m.groups()
    t = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se or 0), frac(f))
    tz = zone(z)
    return us(t.replace(tzinfo=tz) if tz else t)

def epoch(s):
    m = re.match(r"(\d+)(?:\.(\d+))?(?!\d)", s)
    if not m:
        return None
    n = len(m.group(1))
    v = int(m.group(1))
    if n == 10: return v * 1_000_000 + frac(m.group(2))
    if n == 13: return v * 1000
    if n == 16: return v
    if n == 19: return v // 1000
    return None

def any_string(s):
    for f in (iso, epoch):
        v = f(s)
        if v is not None:
            return v
    return None

def parse(line):
    s = line
    m = re.match(r"<\d{1,3}>(1 )?", s)
    if m: s = s[m.end():]
    if s.startswith("["): s = s[1:]
    v = iso(s)
    if v is not None: return v
    m = re.match(r"(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d)(?:\.(\d+))?( ?[+-]\d{4})?", s)  # CLF in brackets
    if m:
        t = dt.datetime.strptime(f"{m.group(1)}/{m.group(2)}/{m.group(3)}:{m.group(4)}", "%d/%b/%Y:%H:%M:%S").replace(microsecond=frac(m.group(5)))
        tz = zone(m.group(6))
        return us(t.replace(tzinfo=tz) if tz else t)
    m = re.match(r"(\d{8})-(\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,3}))?(?!\d)", s)  # HealthApp, not zero-padded
    if m:
        t = dt.datetime.strptime(m.group(1), "%Y%m%d").replace(hour=int(m.group(2)), minute=int(m.group(3)), second=int(m.group(4)))
        return us(t) + int(m.group(5) or 0) * 1000
    m = re.match(r"(\d{6}) (\d{6})(?!\d)", s)  # HDFS
    if m:
        return us(dt.datetime.strptime(m.group(1) + m.group(2), "%y%m%d%H%M%S"))
    m = re.match(r"(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?", s)  # Android
    if m:
        mo = int(m.group(1))
        return us(dt.datetime(yearless(mo), mo, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), frac(m.group(6))))
    m = re.match(r"(\d\d)\.(\d\d) (\d\d):(\d\d):(\d\d)", s)  # Proxifier
    if m:
        mo = int(m.group(1))
        return us(dt.datetime(yearless(mo), mo, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))))
    m = re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) +(\d\d?) (\d\d:\d\d:\d\d)(?:\.(\d+))? (\d{4})", s)  # Apache error
    if m:
        t = dt.datetime.strptime(f"{m.group(2)} {m.group(3)} {m.group(6)} {m.group(4)}", "%b %d %Y %H:%M:%S")
        return us(t.replace(microsecond=frac(m.group(5))))
    m = re.match(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d\d?) (\d\d:\d\d:\d\d)(?:\.(\d+))?", s)  # syslog
    if m:
        mo = dt.datetime.strptime(m.group(1), "%b").month
        t = dt.datetime.strptime(f"{yearless(mo)} {m.group(1)} {m.group(2)} {m.group(3)}", "%Y %b %d %H:%M:%S")
        return us(t.replace(microsecond=frac(m.group(4))))
    v = epoch(s)
    if v is not None: return v
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except ValueError:
            return None
        for k in ("ts", "time", "timestamp", "@timestamp"):
            if k in obj:
                x = obj[k]
                return any_string(str(x)) if not isinstance(x, str) else any_string(x)
        return None
    if re.match(r"[A-Za-z_@][^ =]*=", line):
        for m in re.finditer(r'(?:^| )(@?(?:ts|time|timestamp))=("([^"]*)"|\S*)', line):
            return any_string(m.group(3) if m.group(3) is not None else m.group(2))
        return None
    m = re.match(r"\S+ \S+ \S+ \[(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d)( [+-]\d{4})?\]", line)  # CLF after host ident user
    if m:
        t = dt.datetime.strptime(f"{m.group(1)}/{m.group(2)}/{m.group(3)}:{m.group(4)}", "%d/%b/%Y:%H:%M:%S")
        tz = zone(m.group(5))
        return us(t.replace(tzinfo=tz) if tz else t)
    return None

out = []
with open(a.file, "rb") as f:
    data = f.read()
lines = data.split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
for raw in lines:
    line = raw.rstrip(b"\r").decode("utf-8", "replace")
    try:
        v = parse(line)
    except ValueError:
        v = None
    out.append("-" if v is None else str(v))
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
