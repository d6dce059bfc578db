-- spf_mailfrom.lua - SPF is evaluated at MAIL FROM for a client that
-- cannot be outgoing (issue 5: "SPF at MAIL FROM (and HELO)"): mauthd's
-- MAIL FROM callback writes a debug line with the SPF results, which it
-- can only know if SPF ran there.  An internal client's message is decided
-- at end of headers instead.  (MAIL FROM has no reply, so the log is read
-- after the end of the message.)
dofile(src .. "/tests/milter/lib.lua")

-- log_has TEXT - whether the daemon's log holds TEXT (plain)
local function log_has(text)
	local f = io.open(out .. "/mauthd.log", "rb")
	if f == nil then fail("cannot read " .. out .. "/mauthd.log") end
	local data = f:read("*a")
	f:close()
	return data:find(text, 1, true) ~= nil
end

local fields, body = read_message(src ..
    "/testdata/verify/messages/06-unsigned-quarantine.eml")

-- an outside client, MAIL FROM bank.test: spf=fail known at MAIL FROM
local c = open_conn("203.0.113.9", "bad.example")
send_message(c, "SPFMF1", "<x@bank.test>", fields, body)
expect_match("SPFMF1 A-R", authres(c), "spf=fail")
if not log_has("SPFMF1: MAIL FROM <x@bank.test>: incoming, spf=fail") then
	fail("SPFMF1: no SPF result logged at MAIL FROM")
end
mt.disconnect(c)

-- the same From domain's own network: pass at MAIL FROM
c = open_conn("192.0.2.25", "mail.bank.test")
send_message(c, "SPFMF2", "<alice@bank.test>", fields, body)
if not log_has("SPFMF2: MAIL FROM <alice@bank.test>: incoming, spf=pass") then
	fail("SPFMF2: no spf=pass logged at MAIL FROM")
end
mt.disconnect(c)

-- an internal client: whether it signs depends on From, so it waits
c = open_conn("127.0.0.1", "localhost")
send_message(c, "SPFMF3", "<alice@bank.test>", fields, body)
if not log_has("SPFMF3: MAIL FROM <alice@bank.test>: decided at end of headers") then
	fail("SPFMF3: internal client not deferred to end of headers")
end
if log_has("SPFMF3: MAIL FROM <alice@bank.test>: incoming") then
	fail("SPFMF3: internal client checked at MAIL FROM")
end
mt.disconnect(c)
