/* Native baseline for tiny-bytecodes: the sieve of Integer>>benchmark (8190 flags), counted as
   Squeak counts it: one run of the sieve = 500,000 bytecodes. Prints one JSON line with the
   equivalent bytecodes per second, median of the runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int sieve(int iterations, char *flags) {
    int count = 0;
    for (int iter = 1; iter <= iterations; iter++) {
        count = 0;
        for (int i = 1; i <= 8190; i++) flags[i] = 1;
        for (int i = 1; i <= 8190; i++) {
            if (flags[i]) {
                int prime = i + 1;
                for (int k = i + prime; k <= 8190; k += prime) flags[k] = 0;
                count++;
            }
        }
    }
    return count;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    static char flags[8191];
    double rates[64];
    int count = 0;
    if (runs > 64) runs = 64;
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        count = sieve(n, flags);
        double t = now() - t0;
        rates[i] = n * 500000.0 / t;
    }
    qsort(rates, runs, sizeof rates[0], cmp);
    printf("{\"benchmark\": \"sieve\", \"n\": %d, \"result\": %d, \"per_sec\": %.0f}\n",
           n, count, rates[runs / 2]);
    return 0;
}
