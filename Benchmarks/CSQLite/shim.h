#ifndef AEON_CSQLITE_SHIM_H
#define AEON_CSQLITE_SHIM_H
// The system SQLite (Debian: libsqlite3-dev), for side-by-side benchmarks only; never linked
// into the Aeon library. SQLITE_TRANSIENT does not import: pass the destructor as -1.
#include <sqlite3.h>
#endif
