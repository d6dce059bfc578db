-- sign.lua - (a) outgoing mail from an internal client with a From domain
-- in the signing table gets two DKIM-Signature fields (RSA, Ed25519); the
-- signed message is written to out .. "/signed.eml" for `mauth verify`.
dofile(src .. "/tests/milter/lib.lua")

local fields, body = read_message(src .. "/testdata/verify/to-sign.eml")
local c = open_conn("127.0.0.2", "client.bank.test")
if send_message(c, "SIGN1", "<alice@bank.test>", fields, body) ~= SMFIR_ACCEPT then
	fail("expected SMFIR_ACCEPT")
end
if not mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature") then
	fail("no DKIM-Signature inserted")
end
if mt.eom_check(c, MT_HDRINSERT, "Authentication-Results") then
	fail("outgoing mail got an Authentication-Results field")
end
local f = io.open(out .. "/signed.eml", "wb")
for i = 0, 1 do
	local v = mt.getheader(c, "DKIM-Signature", i)
	if v == nil then fail("DKIM-Signature " .. i .. " missing") end
	-- inserted with its leading space (LEADSPC), as the MTA writes it
	f:write("DKIM-Signature:" .. v:gsub("\n", "\r\n") .. "\r\n")
end
for _, h in ipairs(fields) do
	f:write(h.name .. ": " .. h.value:gsub("\n", "\r\n") .. "\r\n")
end
f:write("\r\n" .. body)
f:close()
mt.disconnect(c)

-- an authenticated client ({auth_authen}) from outside is signed too
c = open_conn("198.51.100.77", "laptop.example")
if mt.macro(c, SMFIC_MAIL, "i", "SIGN2", "{auth_authen}", "alice") ~= nil then
	fail("macro")
end
if mt.mailfrom(c, "<alice@bank.test>") ~= nil then fail("mailfrom") end
rcpt(c, "<bob@sink.test>")
for _, h in ipairs(fields) do
	if mt.header(c, h.name, h.value) ~= nil then fail("header") end
end
if mt.eoh(c) ~= nil or mt.bodystring(c, body) ~= nil or mt.eom(c) ~= nil then
	fail("eoh/body/eom")
end
if mt.getreply(c) ~= SMFIR_ACCEPT then fail("auth: expected SMFIR_ACCEPT") end
if not mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature") then
	fail("auth: no DKIM-Signature inserted")
end
mt.disconnect(c)

-- an internal client with a From domain outside the signing table is
-- not signed: it is checked like incoming mail
local ofields = {
	{ name = "From", value = "Carol <carol@shop.test>" },
	{ name = "To", value = "bob@sink.test" },
	{ name = "Subject", value = "not ours" },
}
c = open_conn("127.0.0.2", "client.bank.test")
if send_message(c, "SIGN3", "<carol@shop.test>", ofields, "Hi.\r\n") ~= SMFIR_ACCEPT then
	fail("foreign From: expected SMFIR_ACCEPT")
end
if mt.eom_check(c, MT_HDRINSERT, "DKIM-Signature") then
	fail("foreign From: signed")
end
expect_match("foreign From A-R", authres(c), "dmarc=")
mt.disconnect(c)
