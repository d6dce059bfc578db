#!/usr/bin/python3
"""sign_dkimpy.py - verify signed messages with dkimpy, keys from a zone file.

    /usr/bin/python3 sign_dkimpy.py ZONE FILE...

ZONE holds the key records as "mauth keygen" writes them
(NAME. IN TXT ( "..." "..." )); no network is used.  For every
DKIM-Signature of every FILE one line is printed:
    BASENAME SELECTOR pass|fail
Bare LF line ends are turned into CRLF first, as an MTA does on the wire.
Needs Debian's python3-dkim (run with /usr/bin/python3).
"""
import os
import re
import sys

import dkim


def load_zone(path):
    keys = {}
    with open(path, "rb") as f:
        for line in f:
            m = re.match(rb"^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$", line.strip())
            if not m:
                continue
            name = m.group(1).rstrip(b".").lower()
            keys[name] = b"".join(re.findall(rb'"([^"]*)"', m.group(2)))
    return keys


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    keys = load_zone(sys.argv[1])

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return keys.get(name.rstrip(b".").lower())

    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            msg = re.sub(rb"(?<!\r)\n", b"\r\n", f.read())
        base = os.path.basename(path)
        d = dkim.DKIM(msg)
        sigs = [v for (n, v) in d.headers if n.lower() == b"dkim-signature"]
        for i, v in enumerate(sigs):
            m = re.search(rb"(?:^|;)\s*s\s*=\s*([^;\s]+)", v)
            sel = m.group(1).decode() if m else "?"
            try:
                ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
            except Exception:  # dkimpy raises on some malformed input
                ok = False
            print("%s %s %s" % (base, sel, "pass" if ok else "fail"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
