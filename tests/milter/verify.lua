-- verify.lua - (b) incoming mail gets one Authentication-Results with spf,
-- dkim and dmarc, and is not signed.
dofile(src .. "/tests/milter/lib.lua")

-- a signed message from bank.test's own network: all pass
local fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
local c = open_conn("192.0.2.25", "mail.bank.test")
if send_message(c, "VER1", "<alice@bank.test>", fields, body) ~= SMFIR_ACCEPT then
	fail("expected SMFIR_ACCEPT")
end
if mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature") then
	fail("incoming mail was signed")
end
local ar = authres(c)
expect_match("01 A-R", ar, "^ ?mx%.example%.test;")
expect_match("01 spf", ar, "spf=pass")
expect_match("01 dkim", ar, "dkim=pass")
expect_match("01 dmarc", ar, "dmarc=pass")

-- second message on the same connection: spoofed From from elsewhere
fields, body = read_message(src ..
    "/testdata/verify/messages/04-spoofed-from.eml")
if send_message(c, "VER2", "<x@evil.test>", fields, body) == nil then
	fail("no reply")
end
ar = authres(c)
expect_match("04 spf", ar, "spf=fail")
expect_match("04 dmarc", ar, "dmarc=fail")
mt.disconnect(c)

-- an unsigned message from a network bank.test does not list: spf fail
c = open_conn("203.0.113.9", "bad.example")
fields, body = read_message(src ..
    "/testdata/verify/messages/06-unsigned-quarantine.eml")
if send_message(c, "VER3", "<x@bank.test>", fields, body) == nil then
	fail("no reply")
end
ar = authres(c)
expect_match("06 spf", ar, "spf=fail")
expect_match("06 dkim", ar, "dkim=none")
mt.disconnect(c)

-- simple/simple header canonicalization (05): the values must arrive with
-- their leading space exactly (SMFIP_HDR_LEADSPC)
c = open_conn("203.0.113.9", "bad.example")
fields, body = read_message(src ..
    "/testdata/verify/messages/05-relaxed-alignment.eml")
if send_message(c, "VER4", "<x@mail.bank.test>", fields, body) == nil then
	fail("no reply")
end
ar = authres(c)
expect_match("05 dkim (simple/simple)", ar, "dkim=pass")
expect_match("05 dmarc (relaxed alignment)", ar, "dmarc=pass")
mt.disconnect(c)
