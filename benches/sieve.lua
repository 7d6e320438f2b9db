-- Lua 5.4 twin of sieve.nyash: primes below 1,000,000 counted 60 times, prints 4709880.
local function sieve(n)
    local flags = {}
    for i = 0, n - 1 do flags[i] = 1 end
    flags[0] = 0
    flags[1] = 0
    local p = 2
    while p * p < n do
        if flags[p] == 1 then
            local k = p * p
            while k < n do
                flags[k] = 0
                k = k + p
            end
        end
        p = p + 1
    end
    local count = 0
    for i = 0, n - 1 do count = count + flags[i] end
    return count
end

local total = 0
for _ = 1, 60 do total = total + sieve(1000000) end
print(total)
