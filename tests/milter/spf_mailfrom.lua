-- spf_mailfrom.lua - SPF is evaluated at MAIL FROM for a client that
-- cannot be outgoing (issue 5: "SPF at MAIL FROM (and HELO)"): the debug
-- line with the SPF results is in the log before any header is sent.  An
-- internal client's message is decided at end of headers instead.
dofile(src .. "/tests/milter/lib.lua")

-- log_has TEXT - whether the daemon's log already holds TEXT (plain)
local function log_has(text)
	local f = io.open(out .. "/mauthd.log", "rb")
	if f == nil then fail("cannot read " .. out .. "/mauthd.log") end
	local data = f:read("*a")
	f:close()
	return data:find(text, 1, true) ~= nil
end

-- an outside client, MAIL FROM bank.test: spf=fail known at MAIL FROM
local c = open_conn("203.0.113.9", "bad.example")
if mt.macro(c, SMFIC_MAIL, "i", "SPFMF1") ~= nil then fail("macro") end
if mt.mailfrom(c, "<x@bank.test>") ~= nil then fail("mailfrom") end
if mt.getreply(c) ~= SMFIR_CONTINUE then fail("mailfrom: not continue") end
if not log_has("SPFMF1: MAIL FROM <x@bank.test>: incoming, spf=fail") then
	fail("SPFMF1: no SPF result logged at MAIL FROM")
end
local fields, body = read_message(src ..
    "/testdata/verify/messages/06-unsigned-quarantine.eml")
if mt.rcptto(c, "<bob@sink.test>") ~= nil then fail("rcptto") end
for _, h in ipairs(fields) do
	if mt.header(c, h.name, h.value) ~= nil then fail("header") end
end
if mt.eoh(c) ~= nil then fail("eoh") end
if mt.bodystring(c, body) ~= nil then fail("body") end
if mt.eom(c) ~= nil then fail("eom") end
expect_match("SPFMF1 A-R", authres(c), "spf=fail")
mt.disconnect(c)

-- the same From domain's own network: pass at MAIL FROM
c = open_conn("192.0.2.25", "mail.bank.test")
if mt.macro(c, SMFIC_MAIL, "i", "SPFMF2") ~= nil then fail("macro") end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
if not log_has("SPFMF2: MAIL FROM <alice@bank.test>: incoming, spf=pass") then
	fail("SPFMF2: no spf=pass logged at MAIL FROM")
end
mt.disconnect(c)

-- an internal client: whether it signs depends on From, so it waits
c = open_conn("127.0.0.1", "localhost")
if mt.macro(c, SMFIC_MAIL, "i", "SPFMF3") ~= nil then fail("macro") end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
if not log_has("SPFMF3: MAIL FROM <alice@bank.test>: decided at end of headers") then
	fail("SPFMF3: internal client not deferred to end of headers")
end
if log_has("SPFMF3: MAIL FROM <alice@bank.test>: incoming") then
	fail("SPFMF3: internal client checked at MAIL FROM")
end
mt.disconnect(c)
