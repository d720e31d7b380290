/* Shared helpers for cmocka tests. Debian's cmocka 1.1.5 has no assert_double_equal. */
#ifndef CS_TEST_H
#define CS_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/* Passes when |x - want| <= abs_tol + rel_tol * |want|. */
#define CS_ASSERT_CLOSE(x, want, rel_tol, abs_tol)                                                 \
    do {                                                                                           \
        double cs_x_ = (double)(x), cs_w_ = (double)(want);                                        \
        double cs_tol_ = (double)(abs_tol) + (double)(rel_tol)*fabs(cs_w_);                        \
        if (!(fabs(cs_x_ - cs_w_) <= cs_tol_))                                                     \
            fail_msg("%s = %.10g, want %.10g +- %.3g", #x, cs_x_, cs_w_, cs_tol_);                 \
    } while (0)

/* Passes when x is within k standard errors of want. */
#define CS_ASSERT_WITHIN_SE(x, want, se, k) CS_ASSERT_CLOSE(x, want, 0.0, (k) * (se))

#endif
