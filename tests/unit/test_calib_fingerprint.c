/* The committed calibrated fragment matches the inputs and code that would produce it: its
 * recorded fingerprint equals the one computed now from calibration/config.yaml (config text,
 * targets CSV, scenario file, stream scheme, parameter key table, version). No calibration is
 * run. When this fails, regenerate the fragment (docs/calibration.md gives the command). */
#include "cs_test.h"

#include "calib.h"

#include <string.h>

/* Fails when the fragment at `fragment` no longer matches what `config` would produce. */
static void check_fragment(const char *config, const char *fragment, const char *report)
{
    cs_calib *c = NULL;
    cs_error err;
    cs_error_clear(&err);
    int rc = cs_calib_create(&c, config, NULL, 0, &err);
    if (rc) fail_msg("%s:%d: %s: %s", err.file, err.line, err.key, err.msg);
    char now[CS_CALIB_FP_LEN], recorded[CS_CALIB_FP_LEN];
    assert_int_equal(cs_calib_fingerprint(c, now, &err), CS_OK);
    rc = cs_calib_read_fingerprint(fragment, recorded, &err);
    if (rc) fail_msg("%s: %s", fragment, err.msg);
    if (strcmp(now, recorded))
        fail_msg("%s is stale: it records %s, the inputs now give %s; regenerate it: "
                 "./build/cssim calibrate %s -o %s --report %s --force",
                 fragment, recorded, now, config, fragment, report);
    cs_calib_destroy(c);
}

static void test_calib_fingerprint_of_the_committed_fragment(void **state)
{
    (void)state;
    check_fragment("calibration/config.yaml", "scenarios/calibrated.yaml", "calibration");
}

/* The time-split fit (data to 2017 only) that scenarios/forecast_2018.yaml extends. */
static void test_calib_fingerprint_of_the_time_split_fragment(void **state)
{
    (void)state;
    check_fragment("calibration/config_to2017.yaml", "scenarios/calibrated_to2017.yaml",
                   "calibration/to2017");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calib_fingerprint_of_the_committed_fragment),
        cmocka_unit_test(test_calib_fingerprint_of_the_time_split_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
