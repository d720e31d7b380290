#include <stdio.h>
int main(void)
{
    puts("cssim (being built)");
    return 0;
}
