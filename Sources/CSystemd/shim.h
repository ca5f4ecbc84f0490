/* sd_journal_sendv() is a macro adding CODE_FILE/CODE_LINE of this header unless location is suppressed. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-id128.h>
