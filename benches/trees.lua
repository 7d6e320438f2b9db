-- Lua 5.4 twin of trees.nyash: perfect binary trees of depth 4..16 below a maximum of 16, built and checked.
local function make(depth)
    if depth == 0 then
        return { left = nil, right = nil }
    end
    return { left = make(depth - 1), right = make(depth - 1) }
end

local function check(node)
    if node.left == nil then
        return 1
    end
    return 1 + check(node.left) + check(node.right)
end

local max = 16
for depth = 4, max, 2 do
    local iterations = 1 << (max - depth + 4)
    local total = 0
    for _ = 1, iterations do
        total = total + check(make(depth))
    end
    print(iterations .. " trees of depth " .. depth .. " check: " .. total)
end
