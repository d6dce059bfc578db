#!/usr/bin/python3
"""dkimpy_diff.py - the dkimpy half of the differential test.

Signs generated messages with dkimpy (rsa-sha256 2048 and ed25519, four
canonicalizations, many body shapes, with and without l=), makes tampered
copies, and asks dkimpy.verify() for its verdict with a dnsfunc that reads
the zone file written here (the same file mauth loads).

    dkimpy_diff.py KEYDIR OUTDIR

writes OUTDIR/keys.zone, OUTDIR/NNNN.eml and OUTDIR/manifest.tsv:
    file <TAB> dkimpy verdict (pass|nopass) <TAB> mauth expectation <TAB> name
where the mauth expectation is "same" or, for a documented divergence,
the verdict mauth must give and why.
"""
import base64
import os
import subprocess
import sys

import dkim
import nacl.signing

DOMAIN = b"example.test"


def der_pub(pem_path):
    """SubjectPublicKeyInfo DER of a private key file, base64."""
    der = subprocess.run(["openssl", "pkey", "-in", pem_path, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return base64.b64encode(der).decode()


def pkcs1_pub(pem_path):
    """bare RSAPublicKey DER (RFC 6376 3.6.1 wording), base64."""
    der = subprocess.run(["openssl", "rsa", "-in", pem_path,
                          "-RSAPublicKey_out", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der).decode()


def txt_rr(name, text):
    """a zone-file TXT line, strings of at most 255 bytes"""
    chunks = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
    return "%s. 300 IN TXT %s\n" % (name, " ".join('"%s"' % c
                                                   for c in chunks))


def read_zone(path):
    """name -> record text (strings joined), for dnsfunc"""
    recs = {}
    with open(path) as f:
        for line in f:
            parts = line.split(None, 4)
            if len(parts) < 5 or parts[3] != "TXT":
                continue
            name = parts[0].rstrip(".").lower()
            strs, rest = [], parts[4]
            while '"' in rest:
                a = rest.index('"')
                b = rest.index('"', a + 1)
                strs.append(rest[a + 1:b])
                rest = rest[b + 1:]
            recs[name] = "".join(strs).encode()
    return recs


def bodies():
    """(name, body bytes with LF line ends) of the body shapes"""
    att = base64.encodebytes(os.urandom(750 * 1024)).replace(b"\n", b"\n")
    return [
        ("empty", b""),
        ("blank-lines", b"\n\n\n\n"),
        ("no-final-newline", b"Hello there.\nNo newline at the end"),
        ("trailing-ws", b"line with spaces   \nand tabs\t\t\n  \n\t\nend  \n\n\n"),
        ("inner-ws", b"many    spaces\there\t \t and   there\n"),
        ("long-lines", (b"x" * 3000 + b"\n") * 5 + b"y" * 10000 + b"\n"),
        ("utf8", "Grüße aus Köln — 東京 ✓\nЗдравствуйте\n".encode()),
        ("plain", b"Hi.\n\nWe lost the game. Are you hungry yet?\n\nJoe.\n"),
        ("attachment-1mb", b"--b\nContent-Type: application/octet-stream\n"
         b"Content-Transfer-Encoding: base64\n\n" + att + b"--b--\n"),
    ]


def header_block(subject):
    return (b"From: Joe SixPack <joe@example.test>\n"
            b"To: Suzie Q <suzie@shopping.example.net>\n"
            b"Subject: " + subject + b"\n"
            b"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\n"
            b"Message-ID: <20030712040037.46341.5F8J@example.test>\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=b\n")


def to_crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def flip_b(msg):
    """change one character inside the b= value of the signature"""
    i = msg.index(b" b=") + 3
    while msg[i:i + 1] in (b"\r", b"\n", b" ", b"\t"):
        i += 1
    i += 10
    c = msg[i:i + 1]
    return msg[:i] + (b"A" if c != b"A" else b"B") + msg[i + 1:]


def main():
    keydir, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rsa_pem = open(os.path.join(keydir, "rsa2048.pem"), "rb").read()
    rsa4096_pem = open(os.path.join(keydir, "rsa4096.pem"), "rb").read()
    rsa8192_pem = open(os.path.join(keydir, "rsa8192.pem"), "rb").read()
    seed = open(os.path.join(keydir, "ed25519.seed"), "rb").read().strip()
    edpub = base64.b64encode(bytes(nacl.signing.SigningKey(
        base64.b64decode(seed)).verify_key)).decode()
    zone = os.path.join(out, "keys.zone")
    with open(zone, "w") as z:
        z.write(txt_rr("rsa._domainkey.example.test", "v=DKIM1; k=rsa; p="
                       + der_pub(os.path.join(keydir, "rsa2048.pem"))))
        z.write(txt_rr("ed._domainkey.example.test",
                       "v=DKIM1; k=ed25519; p=" + edpub))
        # RSA-4096 with a long note: over libopendkim's 1024-byte buffer
        z.write(txt_rr("big._domainkey.example.test",
                       "v=DKIM1; k=rsa; n=" + "note-" * 80 + "; p="
                       + der_pub(os.path.join(keydir, "rsa4096.pem"))))
        z.write(txt_rr("pkcs1._domainkey.example.test", "v=DKIM1; p="
                       + pkcs1_pub(os.path.join(keydir, "rsa2048.pem"))))
        z.write(txt_rr("huge._domainkey.example.test", "v=DKIM1; k=rsa; p="
                       + der_pub(os.path.join(keydir, "rsa8192.pem"))))
    recs = read_zone(zone)

    def dnsfunc(name, timeout=5):
        return recs.get(name.decode().rstrip(".").lower())

    keys = [(b"rsa", rsa_pem, b"rsa-sha256"), (b"ed", seed, b"ed25519-sha256")]
    canons = [(b"simple", b"simple"), (b"simple", b"relaxed"),
              (b"relaxed", b"simple"), (b"relaxed", b"relaxed")]
    manifest = []
    n = 0

    def emit(name, msg, mauth="same", tampered_l=False):
        nonlocal n
        n += 1
        fname = "%04d.eml" % n
        with open(os.path.join(out, fname), "wb") as f:
            f.write(msg)
        ok = dkim.verify(msg, dnsfunc=dnsfunc)
        if tampered_l and ok:
            # dkimpy ignores what follows the l= length; mauth refuses a
            # signature that leaves body content unsigned (local policy,
            # RFC 6376 8.2)
            mauth = "nopass: body content after l= (policy)"
        manifest.append("%s\t%s\t%s\t%s" % (fname, "pass" if ok else
                                            "nopass", mauth, name))

    for bname, body in bodies():
        for sel, key, alg in keys:
            for hc, bc in canons:
                if bname == "attachment-1mb" and (hc, bc) not in (
                        (b"simple", b"simple"), (b"relaxed", b"relaxed")):
                    continue
                for length in (False, True):
                    if length and bname == "attachment-1mb":
                        continue
                    msg = to_crlf(header_block(b"test " + bname.encode()) +
                                  b"\n" + body)
                    sig = dkim.sign(msg, sel, DOMAIN, key,
                                    canonicalize=(hc, bc),
                                    signature_algorithm=alg, length=length,
                                    include_headers=[b"from", b"to",
                                                     b"subject", b"date",
                                                     b"message-id"])
                    signed = sig + msg
                    tag = "%s %s %s/%s%s" % (bname, alg.decode(), hc.decode(),
                                             bc.decode(),
                                             " l=" if length else "")
                    emit(tag, signed)
                    if (hc, bc) == (b"relaxed", b"relaxed") or \
                            bname in ("plain", "trailing-ws"):
                        emit(tag + " body-appended",
                             signed + b"tampered line\r\n",
                             tampered_l=length)
                        i = signed.index(b"\r\n\r\n") + 4
                        emit(tag + " body-changed", signed[:i] +
                             b"X" + signed[i:], tampered_l=length)
                        emit(tag + " header-changed", signed.replace(
                            b"Subject: test", b"Subject: Test", 1))
                        emit(tag + " b-flipped", flip_b(signed))
                    if bname == "plain" and (hc, bc) == (b"relaxed",
                                                         b"relaxed"):
                        # stored with bare LF (as in an mbox)
                        emit(tag + " bare-LF",
                             signed.replace(b"\r\n", b"\n"))
    plain = to_crlf(header_block(b"big keys") + b"\nBig keys.\n")
    sig = dkim.sign(plain, b"big", DOMAIN, rsa4096_pem,
                    canonicalize=(b"relaxed", b"relaxed"))
    emit("rsa-4096 key record > 1024 bytes (long n=)", sig + plain)
    sig = dkim.sign(plain, b"pkcs1", DOMAIN, rsa_pem,
                    canonicalize=(b"simple", b"simple"))
    emit("key p= as a bare RSAPublicKey (RFC 6376 3.6.1)", sig + plain)
    sig = dkim.sign(plain, b"huge", DOMAIN, rsa8192_pem,
                    canonicalize=(b"relaxed", b"relaxed"))
    # RFC 8301 3.2: verifiers MUST handle 1024-4096 bits and may go
    # further; the native engine has no 1024-byte key buffer, so RSA-8192
    # verifies (libopendkim, the reference engine, cannot: permerror).
    emit("rsa-8192 key record of 1400+ bytes", sig + plain)
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
