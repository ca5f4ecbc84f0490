/* Linux headers the Glibc module does not export. */
#include <sys/signalfd.h>
