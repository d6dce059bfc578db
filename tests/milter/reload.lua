-- reload.lua - a message in flight during a reload (SIGUSR1, sent by this
-- script through the runner's variable pid) keeps the context it started
-- with: signed with the old selector; the next one uses the new selector.
-- The runner has already rewritten the configuration (rsa1 -> ed1).
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src .. "/testdata/verify/to-sign.eml")
local c = open_conn("127.0.0.2", "client.bank.test")
if mt.macro(c, SMFIC_MAIL, "i", "RL1") ~= nil then fail("macro") end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
rcpt(c, "<bob@sink.test>")
for _, h in ipairs(fields) do
	if mt.header(c, h.name, h.value) ~= nil then fail("header") end
end
-- MAIL FROM and the headers get no reply: wait until mauthd has taken
-- the message (its debug line for MAIL FROM) before the reload
local seen = false
for _ = 1, 200 do
	local f = io.open(out .. "/mauthd.log", "rb")
	if f ~= nil then
		seen = f:read("*a"):find("RL1: MAIL FROM <alice@bank.test>", 1,
		    true) ~= nil
		f:close()
	end
	if seen then break end
	os.execute("sleep 0.05")
end
if not seen then fail("RL1: MAIL FROM not logged (log_debug)") end
-- the reload happens between the headers and the end of the message
if not os.execute("kill -USR1 " .. pid .. " && sleep 0.5") then
	fail("cannot signal mauthd")
end
if mt.eoh(c) ~= nil or mt.bodystring(c, body) ~= nil or mt.eom(c) ~= nil then
	fail("eoh/body/eom")
end
if mt.getreply(c) ~= SMFIR_ACCEPT then fail("in flight: expected SMFIR_ACCEPT") end
expect_match("in flight", mt.getheader(c, "DKIM-Signature", 0) or "", "s=rsa1;")
if mt.getheader(c, "DKIM-Signature", 1) ~= nil then
	fail("in flight: two signatures, want one (old configuration)")
end

-- the next message on the same connection: the new configuration
if send_message(c, "RL2", "<alice@bank.test>", fields, body) ~= SMFIR_ACCEPT then
	fail("after reload: expected SMFIR_ACCEPT")
end
expect_match("after reload", mt.getheader(c, "DKIM-Signature", 0) or "", "s=ed1;")
mt.disconnect(c)
