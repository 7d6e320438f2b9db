/* C twin of fib.nyash (gcc -O2 baseline): recursive fib(30), prints 832040. */
#include <stdio.h>

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
    printf("%ld\n", fib(30));
    return 0;
}
