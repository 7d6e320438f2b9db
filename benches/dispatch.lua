-- Lua 5.4 twin of dispatch.nyash (the seed's instruction-dispatch loop,
-- 1,000,000 iterations). Prints "ディスパッチテスト完了: 29600000".
-- Only integer operations on non-negative operands, so % and // agree with Nyash.
local DispatchTest = {}

function DispatchTest.simple_calc(x, y)
    return (x + y) * 2
end

function DispatchTest.main()
    local result = 0
    local i = 0
    while i < 1000000 do
        local a = i % 10
        local b = (i + 1) % 10
        local c = a + b
        local d = c * 2
        local e = d > 15
        if e then
            result = result + d
        else
            result = result - d
        end
        local box_result = DispatchTest.simple_calc(a, b)
        result = result + box_result
        i = i + 1
    end
    print("ディスパッチテスト完了: " .. result)
end

DispatchTest.main()
