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
	f:write("DKIM-Signature:" .. v:gsub("\n", "\r\n") .. "\r\n")
end
for _, h in ipairs(fields) do
	f:write(h.name .. ":" .. h.value:gsub("\n", "\r\n") .. "\r\n")
end
f:write("\r\n" .. body)
f:close()
mt.disconnect(c)
