-- dmarc.lua - (d) with rules/default.rules: a DMARC p=reject failure is
-- rejected (5.7.1), a p=quarantine failure is quarantined.
dofile(src .. "/tests/milter/lib.lua")

-- From bank.test (p=reject), signed by evil.test, sent from elsewhere
local fields, body = read_message(src ..
    "/testdata/verify/messages/04-spoofed-from.eml")
local c = open_conn("203.0.113.9", "bad.example")
local r = send_message(c, "DM1", "<x@evil.test>", fields, body)
if r ~= SMFIR_REPLYCODE then
	fail("p=reject failure: got reply " .. tostring(r) ..
	    ", want SMFIR_REPLYCODE")
end
-- (miltertest's MT_SMTPREPLY check does not see an EOM reply code: the
-- runner checks "reject 550 5.7.1" in the daemon's log line instead)
mt.disconnect(c)

-- shop.test has p=quarantine; unsigned, from outside its SPF network
fields, body = read_message(src ..
    "/testdata/verify/messages/06-unsigned-quarantine.eml")
c = open_conn("203.0.113.9", "bad.example")
r = send_message(c, "DM2", "<x@shop.test>", fields, body)
if r ~= SMFIR_ACCEPT then
	fail("p=quarantine failure: got reply " .. tostring(r) ..
	    ", want SMFIR_ACCEPT")
end
if not mt.eom_check(c, MT_QUARANTINE) then
	fail("p=quarantine failure: not quarantined")
end
mt.disconnect(c)

-- and a passing message is still accepted
fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
c = open_conn("192.0.2.25", "mail.bank.test")
if send_message(c, "DM3", "<alice@bank.test>", fields, body) ~= SMFIR_ACCEPT then
	fail("passing message not accepted")
end
mt.disconnect(c)
