/* Native baseline for tiny-sends: the same benchFib as Integer>>benchFib, whose answer is the
   number of calls it made. Prints one JSON line: calls per second, median of the runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int benchFib(int n) {
    return n < 2 ? 1 : benchFib(n - 1) + benchFib(n - 2) + 1;
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
    int n = argc > 1 ? atoi(argv[1]) : 32;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    double rates[64];
    long calls = 0;
    if (runs > 64) runs = 64;
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        calls = benchFib(n);   /* n comes from argv, so nothing is folded at compile time */
        double t = now() - t0;
        rates[i] = calls / t;
    }
    qsort(rates, runs, sizeof rates[0], cmp);
    printf("{\"benchmark\": \"benchFib\", \"n\": %d, \"result\": %ld, \"per_sec\": %.0f}\n",
           n, calls, rates[runs / 2]);
    return 0;
}
