-- Lua 5.4 twin of maps.nyash: 200,000 string keys set, read back and tested, 5 rounds.
local total, found = 0, 0
for _ = 1, 5 do
    local m = {}
    for i = 0, 199999 do
        m["key" .. i] = i
    end
    for i = 0, 199999 do
        local k = "key" .. i
        local v = m[k]
        if v ~= nil then
            total = total + v
            found = found + 1
        end
    end
end
print(total .. " " .. found)
