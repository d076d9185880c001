#ifndef LART_CDYNAMIC_H
#define LART_CDYNAMIC_H
// System libraries lart opens when first needed (dlopen), not at start: libpq, with the
// first PostgreSQL source, and librsvg (with cairo, GLib, Pango, fontconfig, libxml2, ICU),
// with the first figure drawn as PDF or PNG. Linked, their 60-odd libraries took most of
// lart's start-up in the dynamic loader. Each is looked up once per process (loader_*.c).
#include <stddef.h>
// Debian's libpq-dev puts the client headers under /usr/include/postgresql; libpq-fe.h finds
// its own includes (postgres_ext.h) beside it. Only its types are used from it here.
#include <postgresql/libpq-fe.h>

/// Opens libpq once (any thread): NULL when it is there, else why not. The `lart_PQ...`
/// functions, each libpq's function of the same name, may be called only after it gave NULL.
const char *lart_pq_open(void);

PGconn *lart_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname);
ConnStatusType lart_PQstatus(const PGconn *conn);
char *lart_PQerrorMessage(const PGconn *conn);
void lart_PQfinish(PGconn *conn);
PGresult *lart_PQexec(PGconn *conn, const char *query);
PGresult *lart_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
PGresult *lart_PQprepare(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes);
PGresult *lart_PQdescribePrepared(PGconn *conn, const char *stmt);
ExecStatusType lart_PQresultStatus(const PGresult *res);
char *lart_PQresultErrorField(const PGresult *res, int fieldcode);
void lart_PQclear(PGresult *res);
int lart_PQntuples(const PGresult *res);
int lart_PQnfields(const PGresult *res);
char *lart_PQfname(const PGresult *res, int field_num);
Oid lart_PQftype(const PGresult *res, int field_num);
char *lart_PQgetvalue(const PGresult *res, int tup_num, int field_num);
int lart_PQgetisnull(const PGresult *res, int tup_num, int field_num);
int lart_PQgetlength(const PGresult *res, int tup_num, int field_num);
PQconninfoOption *lart_PQconninfoParse(const char *conninfo, char **errmsg);
void lart_PQconninfoFree(PQconninfoOption *connOptions);
void lart_PQfreemem(void *ptr);

/// Renders `svg` (`length` bytes) to `path`: a PDF page of the SVG's size when `pdf` is
/// nonzero (librsvg at 72 dpi, so one CSS pixel is one point), else a PNG of the SVG's size
/// at `dpi` on a white-backed ARGB surface. Returns 0, or 1 with a message in `message`
/// (librsvg missing included).
int lart_render_svg(const char *svg, size_t length, const char *path, int pdf, double dpi,
                    char *message, size_t message_size);

#endif
