#ifndef LART_CLIBPQ_SHIM_H
#define LART_CLIBPQ_SHIM_H
// Debian's libpq-dev puts the client headers under /usr/include/postgresql; libpq-fe.h
// finds its own includes (postgres_ext.h) beside it.
#include <postgresql/libpq-fe.h>
#endif
