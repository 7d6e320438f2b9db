/* C twin of dispatch.nyash (gcc -O2 baseline). `noinline` keeps the seed's method call. */
#include <stdio.h>

__attribute__((noinline)) static long simple_calc(long x, long y) { return (x + y) * 2; }

int main(void) {
    long result = 0;
    for (long i = 0; i < 1000000; i++) {
        long a = i % 10, b = (i + 1) % 10, c = a + b, d = c * 2;
        if (d > 15) result += d; else result -= d;
        result += simple_calc(a, b);
    }
    printf("ディスパッチテスト完了: %ld\n", result);
    return 0;
}
