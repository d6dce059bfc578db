-- dnsdown.lua - the DNS server never answers: within the per-message DNS
-- time bound the message gets the rules' action for a DNS temporary error
-- (default.rules: tempfail 451 4.4.3), never an accept.
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
local c = open_conn("203.0.113.9", "bad.example")
local r = send_message(c, "DNS1", "<alice@bank.test>", fields, body)
if r ~= SMFIR_REPLYCODE and r ~= SMFIR_TEMPFAIL then
	fail("DNS down: got reply " .. tostring(r) .. ", want a tempfail")
end
mt.disconnect(c)
