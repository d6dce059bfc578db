-- failsafe.lua - a message mauthd cannot check (over max_headers = 10)
-- gets the failsafe action: tempfail by default, never an accept.  The
-- header stages have no reply (miltertest, like Postfix, offers that), so
-- the failure is given at the end of the message.  (miltertest always
-- offers the no-reply stages: an MTA without them is driven by
-- bench/milter_bench -P in bench.milter_smoke.)
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
for i = 1, 6 do
	table.insert(fields, { name = "X-Filler-" .. i, value = "" .. i })
end

local function tempfail(r)
	return r == SMFIR_TEMPFAIL or r == SMFIR_REPLYCODE
end

-- everything offered: the headers get no reply, end of message the failsafe
local c = open_conn("192.0.2.25", "mail.bank.test")
if mt.macro(c, SMFIC_MAIL, "i", "FS1") ~= nil then fail("macro") end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
rcpt(c, "<bob@sink.test>")
for _, h in ipairs(fields) do
	if mt.header(c, h.name, h.value) ~= nil then fail("header") end
	if mt.getreply(c) ~= SMFIR_CONTINUE then
		fail("FS1: a reply to a no-reply header")
	end
end
if mt.eoh(c) ~= nil then fail("eoh") end
if mt.bodystring(c, body) ~= nil then fail("body") end
if mt.eom(c) ~= nil then fail("eom") end
if not tempfail(mt.getreply(c)) then
	fail("FS1 over max_headers: got reply " .. tostring(mt.getreply(c)) ..
	    " at end of message, want a temporary failure")
end
if mt.eom_check(c, MT_HDRINSERT, "Authentication-Results") then
	fail("FS1: an unchecked message got an Authentication-Results field")
end
mt.disconnect(c)
