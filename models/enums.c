/* Names of the domain enumerations (models/enums.h); the same strings label the HDF5 enum
 * types and the authority table's CSV columns. */
#include "enums.h"

#include <ctype.h>
#include <stddef.h>

const char *const cs_grade_names[CS_NGRADES + 1] = {"outstanding", "good", "ri", "inadequate",
                                                    NULL};
const char *const cs_gov_names[CS_NGOV + 1] = {
    "council", "notice", "commissioner", "partner", "trust_setup", "trust", NULL};

/* ASCII case-insensitive equality (strcasecmp is POSIX, not C11). */
static int same_word(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

static int lookup(const char *const *names, const char *s)
{
    if (!s) return -1;
    for (int i = 0; names[i]; i++)
        if (same_word(names[i], s)) return i;
    return -1;
}

int cs_grade_parse(const char *s)
{
    int g = lookup(cs_grade_names, s);
    if (g >= 0 || !s) return g;
    /* Ofsted's wording, and "adequate" from the frameworks before the SIF. */
    if (same_word(s, "requires improvement") || same_word(s, "requires improvement to be good") ||
        same_word(s, "adequate"))
        return CS_GRADE_RI;
    return -1;
}

int cs_gov_parse(const char *s)
{
    return lookup(cs_gov_names, s);
}
