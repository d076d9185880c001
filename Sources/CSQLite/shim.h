#ifndef LART_CSQLITE_SHIM_H
#define LART_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
