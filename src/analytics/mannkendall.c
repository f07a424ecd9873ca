/* mannkendall.c - the Mann-Kendall trend test (Mann 1945, Kendall 1975):
 *
 *   S = sum_{i<j} sgn(x_j - x_i)
 *   Var(S) = (n(n-1)(2n+5) - sum_t t(t-1)(2t+5)) / 18   (t: the size of each group of ties)
 *   z = (S - 1) / sqrt(Var) if S > 0, (S + 1) / sqrt(Var) if S < 0, else 0
 *
 * and p two-sided from the standard normal. The series here are a cell's
 * weekly z-scores, so n is at most HS_SLICES_MAX and O(n^2) is cheap. */
#include "util/base.h"
#include <math.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/mem.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void hs_mann_kendall(const double *x, size_t n, double *s, double *z, double *p)
{
    double buf[64], *sorted = buf;
    double sum = 0, var, dn = (double)n;

    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            sum += (x[j] > x[i]) - (x[j] < x[i]);
    *s = sum;
    *z = 0;
    *p = 1;
    if (n < 3)
        return;
    if (n > PH_NELEM(buf))
        sorted = xmalloc(n * sizeof(*sorted));
    memcpy(sorted, x, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    var = dn * (dn - 1) * (2 * dn + 5);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && sorted[j] == sorted[i])
            j++;
        double t = (double)(j - i);
        var -= t * (t - 1) * (2 * t + 5);
        i = j;
    }
    var /= 18;
    if (sorted != buf)
        free(sorted);
    if (!(var > 0) || sum == 0)
        return;
    *z = (sum > 0 ? sum - 1 : sum + 1) / sqrt(var);
    *p = hs_p_two_sided(*z);
}
