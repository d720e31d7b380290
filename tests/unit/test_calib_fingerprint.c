/* The committed calibrated fragment matches the inputs and code that would produce it: its
 * recorded fingerprint equals the one computed now from calibration/config.yaml (config text,
 * targets CSV, scenario file, stream scheme, parameter key table, version). No calibration is
 * run. When this fails, regenerate the fragment (docs/calibration.md gives the command). */
#include "cs_test.h"

#include "calib.h"

#include <string.h>

static void test_calib_fingerprint_of_the_committed_fragment(void **state)
{
    (void)state;
    cs_calib *c = NULL;
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_calib_create(&c, "calibration/config.yaml", NULL, 0, &err);
    if (rc) fail_msg("%s:%d: %s: %s", err.file, err.line, err.key, err.msg);
    char now[CS_CALIB_FP_LEN], recorded[CS_CALIB_FP_LEN];
    assert_int_equal(cs_calib_fingerprint(c, now, &err), CS_OK);
    rc = cs_calib_read_fingerprint("scenarios/calibrated.yaml", recorded, &err);
    if (rc) fail_msg("scenarios/calibrated.yaml: %s", err.msg);
    if (strcmp(now, recorded))
        fail_msg("scenarios/calibrated.yaml is stale: it records %s, the inputs now give %s; "
                 "regenerate it: ./build/cssim calibrate calibration/config.yaml -o "
                 "scenarios/calibrated.yaml --report calibration --force",
                 recorded, now);
    cs_calib_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calib_fingerprint_of_the_committed_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
