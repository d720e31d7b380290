/* cssim calibrate: placeholder until the calibration issue lands. */
#include "cli.h"

int cs_cmd_calibrate(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "cssim: error: calibrate is not implemented yet (see docs/calibration.md)\n");
    return 2;
}
