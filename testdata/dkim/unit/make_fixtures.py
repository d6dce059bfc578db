#!/usr/bin/python3
"""make_fixtures.py - regenerate the unit-test fixtures of
tests/unit/test_dkim_verify.c with dkimpy and the test-only keys of
../keys.  Run from this directory:  /usr/bin/python3 make_fixtures.py

Writes unit.zone (key records) and one .eml per case (CRLF)."""
import base64
import subprocess

import dkim
import nacl.signing

K = "../keys/"
DOM = b"example.test"


def pub(pem):
    der = subprocess.run(["openssl", "pkey", "-in", K + pem, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return base64.b64encode(der).decode()


def rr(name, *texts):
    out = ""
    for text in texts:
        chunks = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
        out += "%s._domainkey.example.test. 300 IN TXT %s\n" % (
            name, " ".join('"%s"' % c for c in chunks))
    return out


rsa, small = pub("rsa2048.pem"), pub("rsa768.pem")
seed = open(K + "ed25519.seed", "rb").read().strip()
ed = base64.b64encode(bytes(nacl.signing.SigningKey(
    base64.b64decode(seed)).verify_key)).decode()
zone = "".join([
    rr("rsa", "v=DKIM1; k=rsa; p=" + rsa),
    rr("ed", "v=DKIM1; k=ed25519; p=" + ed),
    rr("small", "v=DKIM1; k=rsa; p=" + small),
    rr("testing", "v=DKIM1; k=rsa; t=y; p=" + rsa),
    rr("revoked", "v=DKIM1; k=rsa; p="),
    rr("sha1only", "v=DKIM1; k=rsa; h=sha1; p=" + rsa),
    rr("ktype", "v=DKIM1; k=ed25519; p=" + rsa),
    rr("keyver", "v=DKIM2; k=rsa; p=" + rsa),
    rr("chat", "v=DKIM1; k=rsa; s=chat; p=" + rsa),
    rr("strict", "v=DKIM1; k=rsa; t=s; p=" + rsa),
    rr("multi", "v=DKIM1; k=rsa; p=" + rsa, "v=DKIM1; k=rsa; p=" + rsa),
    rr("big", "v=DKIM1; k=rsa; n=" + "note-" * 80 + "; p=" + pub("rsa4096.pem")),
    rr("huge", "v=DKIM1; k=rsa; p=" + pub("rsa8192.pem")),
    rr("garbage", "v=DKIM1; k=rsa; p=notbase64!!"),
    "nodata._domainkey.example.test. 300 IN A 192.0.2.1\n",
])
open("unit.zone", "w").write(zone)

MSG = (b"From: Joe SixPack <joe@example.test>\r\n"
       b"To: Suzie Q <suzie@shopping.example.net>\r\n"
       b"Subject: Is dinner ready?\r\n"
       b"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
       b"Message-ID: <20030712040037.46341.5F8J@example.test>\r\n"
       b"\r\n"
       b"Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n")
KEYS = {"rsa2048.pem": open(K + "rsa2048.pem", "rb").read(),
        "rsa768.pem": open(K + "rsa768.pem", "rb").read(),
        "rsa4096.pem": open(K + "rsa4096.pem", "rb").read(),
        "rsa8192.pem": open(K + "rsa8192.pem", "rb").read()}


def sign(sel, key="rsa2048.pem", alg=b"rsa-sha256", **kw):
    k = seed if alg == b"ed25519-sha256" else KEYS[key]
    return dkim.sign(MSG, sel, DOM, k, signature_algorithm=alg,
                     canonicalize=(b"relaxed", b"relaxed"), **kw) + MSG


def put(name, data):
    open(name + ".eml", "wb").write(data)


put("pass-rsa", sign(b"rsa"))
put("pass-ed", sign(b"ed", alg=b"ed25519-sha256"))
put("small-key", sign(b"small", key="rsa768.pem"))
put("sha1", sign(b"rsa", alg=b"rsa-sha1"))
for sel in ("testing", "revoked", "sha1only", "ktype", "keyver", "chat",
            "multi", "missing", "nodata", "timeout", "servfail", "garbage"):
    put(sel, sign(sel.encode()))
put("subdomain", sign(b"strict", identity=b"@sub.example.test"))
put("l-exact", sign(b"rsa", length=True))
put("l-appended", sign(b"rsa", length=True) + b"Appended by someone.\r\n")
put("big-key", sign(b"big", key="rsa4096.pem"))
put("huge-key", sign(b"huge", key="rsa8192.pem"))
m = sign(b"rsa")
put("body-changed", m.replace(b"hungry", b"thirsty"))
put("header-changed", m.replace(b"Subject: Is dinner", b"Subject: Is lunch"))
put("unsigned", MSG)
