-- Lua 5.4 twin of fib.nyash: recursive Fibonacci, prints 832040.
local function fib(n)
    if n < 2 then
        return n
    end
    return fib(n - 1) + fib(n - 2)
end

print(fib(30))
