-- lib.lua - helpers shared by the mauthd miltertest scripts.
-- Variables come from the runner with miltertest -D: sock, src, out.

function fail(m)
	-- miltertest's error() exits 1 without the message: print it first
	mt.echo("FAIL: " .. m)
	error(m)
end

function open_conn(ip, host)
	local c = mt.connect(sock, 100, 0.05)
	if c == nil then fail("cannot connect to " .. sock) end
	if mt.conninfo(c, host or "client.example", ip) ~= nil then
		fail("conninfo")
	end
	if mt.helo(c, host or "client.example") ~= nil then fail("helo") end
	return c
end

-- read a message file: a list of {name, value} and the body with CRLF.
-- value is what follows "Name: " (LF folding kept): miltertest puts the
-- space back itself when the milter negotiated SMFIP_HDR_LEADSPC, as an
-- MTA passes the bytes after the colon; write fields back as
-- name .. ": " .. value.
function read_message(path)
	local f = io.open(path, "rb")
	if f == nil then fail("cannot open " .. path) end
	local data = f:read("*a")
	f:close()
	data = data:gsub("\r\n", "\n")
	local hdr, body = data:match("^(.-)\n\n(.*)$")
	if hdr == nil then fail(path .. ": no end of header") end
	local fields = {}
	for line in (hdr .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local n, v = line:match("^([^:]+):(.*)$")
			if n == nil then fail(path .. ": bad header line " .. line) end
			table.insert(fields, { name = n, value = v:gsub("^ ", "") })
		end
	end
	return fields, body:gsub("\n", "\r\n")
end

-- rcpt: RCPT TO, as an MTA does: not sent when mauthd asked for none
-- (SMFIP_NORCPT; miltertest then refuses the call with this message)
function rcpt(c, addr)
	local ok, err = pcall(mt.rcptto, c, addr)
	if ok then
		if err ~= nil then fail("rcptto: " .. tostring(err)) end
	elseif not tostring(err):find("negotiated SMFIP_NORCPT", 1, true) then
		fail("rcptto: " .. tostring(err))
	end
end

-- one message on conn: envelope, fields, body; returns the reply
function send_message(c, qid, mailfrom, fields, body)
	if mt.macro(c, SMFIC_MAIL, "i", qid) ~= nil then fail("macro") end
	if mt.mailfrom(c, mailfrom) ~= nil then fail("mailfrom") end
	rcpt(c, "<bob@sink.test>")
	for _, h in ipairs(fields) do
		if mt.header(c, h.name, h.value) ~= nil then
			fail("header " .. h.name)
		end
	end
	if mt.eoh(c) ~= nil then fail("eoh") end
	if mt.bodystring(c, body) ~= nil then fail("body") end
	if mt.eom(c) ~= nil then fail("eom") end
	return mt.getreply(c)
end

-- the Authentication-Results value inserted by the milter
function authres(c)
	if not mt.eom_check(c, MT_HDRINSERT, "Authentication-Results") then
		fail("no Authentication-Results inserted")
	end
	return mt.getheader(c, "Authentication-Results", 0)
end

function expect_match(what, text, pattern)
	if not text:find(pattern) then
		fail(what .. ": got '" .. text .. "', want /" .. pattern .. "/")
	end
end
