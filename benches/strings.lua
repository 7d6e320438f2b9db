-- Lua 5.4 twin of strings.nyash: 100,000 lines of 20 concatenated pieces each.
local total, commas = 0, 0
for n = 0, 99999 do
    local line = ""
    for j = 0, 19 do
        line = line .. "item" .. (n + j) .. ","
    end
    total = total + #line
    if string.sub(line, 1, 4) == "item" then
        commas = commas + 1
    end
end
print(total .. " " .. commas)
