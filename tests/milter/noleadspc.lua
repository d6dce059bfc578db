-- noleadspc.lua - an MTA that does not offer SMFIP_HDR_LEADSPC: header
-- values arrive without the space after the colon (miltertest then sends
-- them as given) and are inserted without one.  A simple/simple signature (05) must still verify, and a message
-- signed this way must verify once written back as "Name: value".
dofile(src .. "/tests/milter/lib.lua")


local function open_plain(ip, host)
	local c = mt.connect(sock, 100, 0.05)
	if c == nil then fail("cannot connect to " .. sock) end
	-- actions: ADDHDRS | CHGHDRS | QUARANTINE; steps: none (no LEADSPC)
	if mt.negotiate(c, nil, 49, 0) ~= nil then fail("negotiate") end
	if mt.conninfo(c, host, ip) ~= nil then fail("conninfo") end
	if mt.helo(c, host) ~= nil then fail("helo") end
	return c
end

local fields, body = read_message(src ..
    "/testdata/verify/messages/05-relaxed-alignment.eml")
local c = open_plain("203.0.113.9", "bad.example")
if send_message(c, "NL1", "<alice@mail.bank.test>", fields,
    body) ~= SMFIR_ACCEPT then
	fail("05: expected SMFIR_ACCEPT")
end
local ar = authres(c)
if ar:sub(1, 1) == " " then fail("A-R inserted with a leading space") end
expect_match("05 simple/simple without LEADSPC", ar, "dkim=pass")
mt.disconnect(c)

fields, body = read_message(src .. "/testdata/verify/to-sign.eml")
c = open_plain("127.0.0.2", "client.bank.test")
if send_message(c, "NL2", "<alice@bank.test>", fields,
    body) ~= SMFIR_ACCEPT then
	fail("sign: expected SMFIR_ACCEPT")
end
local f = io.open(out .. "/signed-noleadspc.eml", "wb")
for i = 0, 1 do
	local v = mt.getheader(c, "DKIM-Signature", i)
	if v == nil then fail("DKIM-Signature " .. i .. " missing") end
	if v:sub(1, 1) == " " then fail("inserted with a leading space") end
	f:write("DKIM-Signature: " .. v:gsub("\n", "\r\n") .. "\r\n")
end
for _, h in ipairs(fields) do
	f:write(h.name .. ": " .. h.value:gsub("\n", "\r\n") .. "\r\n")
end
f:write("\r\n" .. body)
f:close()
mt.disconnect(c)
