-- failsafe.lua - a message mauthd cannot check (over max_headers = 10)
-- gets the failsafe action: tempfail by default, never an accept.
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src ..
    "/testdata/verify/messages/01-pass-rsa.eml")
for i = 1, 6 do
	table.insert(fields, { name = "X-Filler-" .. i, value = "" .. i })
end
local c = open_conn("192.0.2.25", "mail.bank.test")
if mt.macro(c, SMFIC_MAIL, "i", "FS1") ~= nil then fail("macro") end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
if mt.rcptto(c, "<bob@sink.test>") ~= nil then fail("rcptto") end
local r
for _, h in ipairs(fields) do
	if mt.header(c, h.name, h.value) ~= nil then fail("header") end
	r = mt.getreply(c)
	if r ~= SMFIR_CONTINUE then break end
end
if r ~= SMFIR_TEMPFAIL and r ~= SMFIR_REPLYCODE then
	fail("over max_headers: got reply " .. tostring(r) ..
	    ", want a temporary failure")
end
mt.disconnect(c)
