/* The smallest check: arguments arrive and stdout and the exit status work. */
#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    printf("hello, world (%d arguments)\n", argc - 1);
    return 3;
}
