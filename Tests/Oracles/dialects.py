#!/usr/bin/env python3
"""Timestamp dialects for LogTime, with each line's instant by datetime.strptime.

usage:
  dialects.py generate OUT --seed S [--count N] [--year Y --month M --offset SECONDS]
      Writes OUT: lines of many real-world timestamp dialects (and lines that must not be
      read as timestamps), and OUT.expected: per line the instant in microseconds, or '-'.
  dialects.py loghub FILE [--year Y --month M --offset SECONDS]
      Per line of a loghub sample (chosen by its file name), the instant of its timestamp read
      with the format that log is known to use.
  dialects.py formatted OUT FORMAT --seed S [--count N]
      Writes OUT: lines starting with FORMAT (strftime) of random times, some lines without.
  dialects.py strptime FILE FORMAT [--year Y --month M --offset SECONDS]
      Per line, the instant of the longest prefix Python's strptime reads with FORMAT, or '-'.

The expected instants never come from the generator's datetime: each is read back from the
text with the strptime format of its dialect (the generator's own value is only checked
against it). Year-less formats take --year, or the year before when their month is after
--month; zone-less times are --offset seconds east of UTC.
"""
import argparse, datetime as dt, json, random, re, sys

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["generate", "loghub", "formatted", "strptime"])
ap.add_argument("file")
ap.add_argument("format", nargs="?")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--count", type=int, default=40)
ap.add_argument("--year", type=int, default=2024)
ap.add_argument("--month", type=int, default=12)
ap.add_argument("--offset", type=int, default=0)
a = ap.parse_args()
UTC = dt.timezone.utc
LOCAL = dt.timezone(dt.timedelta(seconds=a.offset))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ZONES = {"UTC": 0, "GMT": 0, "EST": -5 * 60, "EDT": -4 * 60, "CEST": 2 * 60, "CET": 60, "PDT": -7 * 60, "JST": 9 * 60,
         "AEST": 10 * 60, "MSK": 3 * 60}


def us(t):
    if t.tzinfo is None:
        t = t.replace(tzinfo=LOCAL)
    d = t - EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def yearless(t):
    """A datetime read without a year (1900): the reference year, or the one before."""
    return t.replace(year=a.year - 1 if t.month > a.month else a.year)


def sp(text, fmt, year=True, zone_minutes=None):
    """strptime, then the year rule and a zone given in minutes east."""
    t = dt.datetime.strptime(text, fmt)
    if not year:
        t = yearless(t)
    if zone_minutes is not None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(minutes=zone_minutes)))
    return us(t)


def cut6(frac):
    """strptime's %f takes at most six digits: longer fractions are truncated (as LogTime does)."""
    return frac[:6]


# MARK: - generate

def random_time(r):
    t = dt.datetime(2000, 1, 1) + dt.timedelta(seconds=r.randrange(0, 40 * 365 * 86400), microseconds=r.randrange(10**6))
    if t.month == 2 and t.day == 29:
        t = t.replace(day=28)  # year-less formats are read in 1900 by strptime
    return t.replace(year=a.year) if r.random() < 0.5 else t


def frac_text(r, t, digits):
    if digits == 0:
        return ""
    return "." + (f"{t.microsecond:06d}" + "".join(r.choice("0123456789") for _ in range(3)))[:digits]


def zone_text(r):
    """(text as written, text for %z or None for no zone)."""
    minutes = r.choice([0, 60, 120, -300, -420, 330, 345, -210, 600, -720, 840])
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    kind = r.choice(["none", "Z", "z", "colon", "plain", "hours", "space"])
    if kind == "none": return "", None
    if kind in ("Z", "z"): return kind, "+0000"
    if kind == "colon": return f"{sign}{h:02d}:{m:02d}", f"{sign}{h:02d}{m:02d}"
    if kind == "plain": return f"{sign}{h:02d}{m:02d}", f"{sign}{h:02d}{m:02d}"
    if kind == "space": return f" {sign}{h:02d}{m:02d}", f"{sign}{h:02d}{m:02d}"
    return f"{sign}{h:02d}", f"{sign}{h:02d}00"  # ±hh


def iso_line(r):
    t = random_time(r)
    sep = r.choice("T t")
    digits = r.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    f = frac_text(r, t, digits)
    z, zfmt = zone_text(r)
    comma = digits and r.random() < 0.2
    if comma:
        f = "," + f[1:]
    text = t.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + f + z
    line = text + r.choice([" INFO start", " [main] x", "|x", " - WARN y", ""])
    body = t.strftime("%Y-%m-%d %H:%M:%S") + ("." + cut6(f[1:]) if f else "")
    fmt = "%Y-%m-%d %H:%M:%S" + (".%f" if f else "")
    if zfmt is None:
        return line, sp(body, fmt)
    return line, sp(body + zfmt, fmt + "%z")


def named_zone_line(r):
    """PostgreSQL (and others): a zone abbreviation after the time."""
    t = random_time(r)
    name = r.choice(sorted(ZONES))
    f = frac_text(r, t, r.choice([0, 3, 6]))
    text = t.strftime("%Y-%m-%d %H:%M:%S") + f + " " + name
    line = text + r.choice([" [4242] LOG:  checkpoint starting: time", " [1] FATAL:  x", ""])
    fmt = "%Y-%m-%d %H:%M:%S" + (".%f" if f else "")
    return line, sp(t.strftime("%Y-%m-%d %H:%M:%S") + f, fmt, zone_minutes=ZONES[name])


def python_logging_line(r):
    t = random_time(r)
    text = t.strftime("%Y-%m-%d %H:%M:%S") + f",{t.microsecond // 1000:03d}"
    return text + " - app.db - INFO - connected", sp(text, "%Y-%m-%d %H:%M:%S,%f")


def go_log_line(r):
    t = random_time(r)
    f = frac_text(r, t, r.choice([0, 6]))
    text = t.strftime("%Y/%m/%d %H:%M:%S") + f
    return text + " http: TLS handshake error", sp(text, "%Y/%m/%d %H:%M:%S" + (".%f" if f else ""))


def tomcat_line(r):
    t = random_time(r)
    f = frac_text(r, t, r.choice([0, 3]))
    text = t.strftime("%d-%b-%Y %H:%M:%S") + f
    line = text + " INFO [main] org.apache.catalina.startup.Catalina.start Server startup"
    return line, sp(text, "%d-%b-%Y %H:%M:%S" + (".%f" if f else ""))


def iis_line(r):
    t = random_time(r)
    text = t.strftime("%Y-%m-%d %H:%M:%S")
    return text + " W3SVC1 10.0.0.1 GET /index.html - 80 - 192.0.2.7 Mozilla/5.0 200 0 0 15", sp(text, "%Y-%m-%d %H:%M:%S")


def klog_line(r):
    t = random_time(r)
    text = t.strftime("%m%d %H:%M:%S") + f".{t.microsecond:06d}"
    level = r.choice("IWEF")
    line = level + text + f" {r.randrange(1, 99999):>7} controller.go:{r.randrange(1, 999)}] Starting workers"
    return line, sp(text, "%m%d %H:%M:%S.%f", year=False)


def docker_line(r):
    t = random_time(r).replace(tzinfo=UTC)
    nanos = f"{t.microsecond:06d}" + "".join(r.choice("0123456789") for _ in range(3))
    stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + nanos + "Z"
    msg = r.choice(['started \\"time\\":\\"2001-01-01T00:00:00Z\\" x\\n', 'GET / 200\\n', '{\\"ts\\":\\"1999-01-01T00:00:00Z\\"}\\n'])
    line = '{"log":"' + msg + '","stream":"stdout","time":"' + stamp + '"}'
    assert json.loads(line)["time"] == stamp
    return line, sp(t.strftime("%Y-%m-%dT%H:%M:%S.") + nanos[:6] + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z")


def nested_json_line(r):
    t = random_time(r).replace(tzinfo=UTC)
    stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    line = '{"msg":"x","request":{"time":"2001-01-01T00:00:00Z","a":[{"ts":1}]},"ts":"' + stamp + '"}'
    return line, sp(stamp[:-1] + "+0000", "%Y-%m-%dT%H:%M:%S%z")


def epoch_line(r):
    seconds = r.randrange(1_000_000_000, 2_000_000_000)
    digits = r.choice([0, 1, 3, 6, 9])
    frac = "".join(r.choice("0123456789") for _ in range(digits))
    text = str(seconds) + ("." + frac if digits else "")
    t = dt.datetime.fromtimestamp(seconds, UTC)  # the oracle for seconds since the epoch
    return text + " host kernel: x", us(t) + (int(cut6(frac).ljust(6, "0")) if digits else 0)


def logfmt_line(r):
    t = random_time(r).replace(tzinfo=UTC)
    stamp = t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond:06d}Z"
    expected = sp(stamp[:-1] + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z")
    shape = r.choice(["ts", "quoted", "late"])
    if shape == "ts":
        return f"ts={stamp} level=info msg=started", expected
    if shape == "quoted":
        return f'time="{stamp}" level=warn msg="a \\"b\\" c"', expected
    return f'level=info msg="time=2001-01-01T00:00:00Z is a word" ts="{stamp}" x=1', expected


def clf_line(r):
    t = random_time(r)
    minutes = r.choice([0, 60, -300, 330])
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    zone = f"{sign}{h:02d}{m:02d}"
    text = t.strftime("%d/%b/%Y:%H:%M:%S") + " " + zone
    host = r.choice(["10.0.0.1", "::1", "2001:db8::7", "host.example.com", "example.com:443 10.0.0.2"])
    ident = r.choice(["-", "ident"])
    user = r.choice(["-", "bob", "john doe", "a b c"])
    line = f'{host} {ident} {user} [{text}] "GET /a b HTTP/1.1" 200 512 "-" "curl/8.0"'
    return line, sp(text.replace(" ", ""), "%d/%b/%Y:%H:%M:%S%z")


def syslog_line(r):
    t = random_time(r)
    f = frac_text(r, t, r.choice([0, 0, 6]))
    text = f"{t.strftime('%b')} {t.day:>2} {t.strftime('%H:%M:%S')}" + f  # the day space-padded
    pri = r.choice(["", "<13>"])
    line = pri + text + " combo sshd[19939]: session opened"
    return line, sp(text, "%b %d %H:%M:%S" + (".%f" if f else ""), year=False)


def rfc5424_line(r):
    t = random_time(r)
    f = frac_text(r, t, r.choice([0, 3, 6]))
    z, zfmt = r.choice([("Z", "+0000"), ("+02:00", "+0200"), ("-07:00", "-0700")])
    text = t.strftime("%Y-%m-%dT%H:%M:%S") + f
    line = f"<34>1 {text}{z} mymachine.example.com su - ID47 - 'su root' failed"
    return line, sp(text + zfmt, "%Y-%m-%dT%H:%M:%S" + (".%f" if f else "") + "%z")


def journal_line(r):
    t = random_time(r)
    shape = r.choice(["short-iso", "short-iso-precise", "short-precise", "short-full"])
    if shape == "short-iso":
        text = t.strftime("%Y-%m-%dT%H:%M:%S") + "+0200"
        return text + " host systemd[1]: Started x.", sp(text, "%Y-%m-%dT%H:%M:%S%z")
    if shape == "short-iso-precise":
        text = t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond:06d}-04:00"
        return text + " host kernel: x", sp(text.replace("-04:00", "-0400"), "%Y-%m-%dT%H:%M:%S.%f%z")
    if shape == "short-precise":
        text = f"{t.strftime('%b')} {t.day:>2} {t.strftime('%H:%M:%S')}.{t.microsecond:06d}"
        return text + " host kernel: x", sp(text, "%b %d %H:%M:%S.%f", year=False)
    name = r.choice(["UTC", "CEST", "EST"])
    text = t.strftime("%a %Y-%m-%d %H:%M:%S")
    return text + f" {name} host sshd[2]: x", sp(text, "%a %Y-%m-%d %H:%M:%S", zone_minutes=ZONES[name])


def not_timestamps(r):
    """Lines that must not be read as timestamps: no time, or one that cannot be read surely."""
    t = random_time(r)
    return r.choice([
        "<34>1 - mymachine su - ID47 - NILVALUE time",
        "-- Boot 2b5f7e0d6b8a4c1e --",
        "#Fields: date time s-sitename cs-method cs-uri-stem",
        "#Date: " + t.strftime("%Y-%m-%d %H:%M:%S"),
        t.strftime("%d/%m/%Y %H:%M:%S") + " day-first date",
        t.strftime("%m/%d/%Y %I:%M:%S %p") + " month-first date",
        t.strftime("%Y-%m-%d %H:%M:%S") + " CST ambiguous zone",
        t.strftime("%Y-%m-%d %H:%M:%S") + " IST ambiguous zone",
        "\tat org.example.Main.run(Main.java:10)",
        "Caused by: java.io.IOException: x",
        "I0513 not a klog line",
        '{"msg":"no time here","n":1}',
        "level=info msg=none",
        t.strftime("%Y-%m-%d") + " a date alone",
    ]), None


DIALECTS = [iso_line, named_zone_line, python_logging_line, go_log_line, tomcat_line, iis_line, klog_line, docker_line,
            nested_json_line, epoch_line, logfmt_line, clf_line, syslog_line, rfc5424_line, journal_line, not_timestamps]


def generate():
    r = random.Random(a.seed)
    lines, expected = [], []
    for _ in range(a.count):
        for make in DIALECTS:
            line, value = make(r)
            lines.append(line)
            expected.append("-" if value is None else str(value))
    with open(a.file, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.file + ".expected", "w") as f:
        f.write("\n".join(expected) + "\n")


# MARK: - loghub

def loghub_value(name, line):
    if name.startswith("Android"):
        return sp(line[:18], "%m-%d %H:%M:%S.%f", year=False)
    if name.startswith("Apache"):
        return sp(line[1:25], "%a %b %d %H:%M:%S %Y")
    if name.startswith("HDFS"):
        return sp(line[:13], "%y%m%d %H%M%S")
    if name.startswith(("Hadoop", "Zookeeper")):
        return sp(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    if name.startswith("HealthApp"):
        stamp = line.split("|", 1)[0]
        date, ms = stamp.rsplit(":", 1)
        return sp(date, "%Y%m%d-%H:%M:%S") + int(ms) * 1000  # the last field counts milliseconds
    if name.startswith(("Linux", "OpenSSH")):
        return sp(line[:15], "%b %d %H:%M:%S", year=False)
    if name.startswith("Proxifier"):
        return sp(line[1:15], "%m.%d %H:%M:%S", year=False)
    if name.startswith("Windows"):
        return sp(line[:19], "%Y-%m-%d %H:%M:%S")
    raise SystemExit(f"no known format for {name}")


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [raw.rstrip(b"\r").decode("utf-8", "replace") for raw in lines]


def loghub():
    name = a.file.rsplit("/", 1)[-1]
    out = [str(loghub_value(name, line)) for line in read_lines(a.file)]
    sys.stdout.write("\n".join(out) + "\n")


# MARK: - --time-format

def formatted():
    r = random.Random(a.seed)
    lines = []
    for i in range(a.count):
        t = random_time(r).replace(tzinfo=dt.timezone(dt.timedelta(minutes=r.choice([0, 60, -300, 330, -570, 840]))))
        if i % 7 == 3:
            lines.append("\tcontinuation " + str(i))
            continue
        text = t.strftime(a.format)
        lines.append(text + r.choice([" msg", " INFO x", "|y", ""]))
    with open(a.file, "w") as f:
        f.write("\n".join(lines) + "\n")


def strptime_values():
    import _strptime
    pattern = re.compile(_strptime._TimeRE_cache.pattern(a.format), re.IGNORECASE)
    has_year = any(d in a.format for d in ("%Y", "%y", "%G", "%s"))
    out = []
    for line in read_lines(a.file):
        m = pattern.match(line)
        if not m:
            out.append("-")
            continue
        try:
            t = dt.datetime.strptime(m.group(0), a.format)
        except ValueError:
            out.append("-")
            continue
        if not has_year:
            t = yearless(t)
        out.append(str(us(t)))
    sys.stdout.write("\n".join(out) + "\n")


{"generate": generate, "loghub": loghub, "formatted": formatted, "strptime": strptime_values}[a.mode]()
