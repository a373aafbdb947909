#include <stdio.h>
int main(void) { puts("docket"); return 0; }
