/* C twin of sieve.nyash: primes below 1,000,000 counted 60 times in a growable array of
 * longs (as ArrayBox grows by push), prints 4709880. */
#include <stdio.h>
#include <stdlib.h>

static long sieve(long n) {
    long cap = 4, len = 0;
    long *flags = malloc(cap * sizeof *flags);
    for (long i = 0; i < n; i++) {
        if (len == cap) flags = realloc(flags, (cap *= 2) * sizeof *flags);
        flags[len++] = 1;
    }
    flags[0] = flags[1] = 0;
    for (long p = 2; p * p < n; p++)
        if (flags[p] == 1)
            for (long k = p * p; k < n; k += p) flags[k] = 0;
    long count = 0;
    for (long i = 0; i < len; i++) count += flags[i];
    free(flags);
    return count;
}

int main(void) {
    long total = 0;
    for (int round = 0; round < 60; round++) total += sieve(1000000);
    printf("%ld\n", total);
    return 0;
}
