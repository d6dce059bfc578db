-- authres.lua - (c) Authentication-Results fields claiming our authserv-id
-- (any case, or unreadable) are removed; one with another id is kept.
-- The runner checks the log line: removed-ar=2 for AR1.
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
table.insert(fields, 1, { name = "Authentication-Results",
    value = "other.example; spf=pass smtp.mailfrom=bank.test" })
table.insert(fields, 2, { name = "Authentication-Results",
    value = "MX.Example.Test.; dkim=pass header.d=bank.test" })
table.insert(fields, 3, { name = "Authentication-Results",
    value = "(unterminated comment" })
local c = open_conn("192.0.2.25", "mail.bank.test")
if send_message(c, "AR1", "<alice@bank.test>", fields, body) ~= SMFIR_ACCEPT then
	fail("expected SMFIR_ACCEPT")
end
if not mt.eom_check(c, MT_HDRCHANGE, "Authentication-Results", "") then
	fail("no Authentication-Results removed")
end
local ar = authres(c)
expect_match("A-R", ar, "dkim=pass")
mt.disconnect(c)
