// libpq's functions, looked up once with dlopen/dlsym (see cdynamic.h).
#include "cdynamic.h"
#include "loader.h"
#include <pthread.h>
#include <stdio.h>

typedef struct {
    int loaded;
    char error[256];
    PGconn *(*PQconnectdbParams)(const char *const *keywords, const char *const *values, int expand_dbname);
    ConnStatusType (*PQstatus)(const PGconn *conn);
    char *(*PQerrorMessage)(const PGconn *conn);
    void (*PQfinish)(PGconn *conn);
    PGresult *(*PQexec)(PGconn *conn, const char *query);
    PGresult *(*PQexecParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
    PGresult *(*PQprepare)(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes);
    PGresult *(*PQdescribePrepared)(PGconn *conn, const char *stmt);
    ExecStatusType (*PQresultStatus)(const PGresult *res);
    char *(*PQresultErrorField)(const PGresult *res, int fieldcode);
    void (*PQclear)(PGresult *res);
    int (*PQntuples)(const PGresult *res);
    int (*PQnfields)(const PGresult *res);
    char *(*PQfname)(const PGresult *res, int field_num);
    Oid (*PQftype)(const PGresult *res, int field_num);
    char *(*PQgetvalue)(const PGresult *res, int tup_num, int field_num);
    int (*PQgetisnull)(const PGresult *res, int tup_num, int field_num);
    int (*PQgetlength)(const PGresult *res, int tup_num, int field_num);
    PQconninfoOption *(*PQconninfoParse)(const char *conninfo, char **errmsg);
    void (*PQconninfoFree)(PQconninfoOption *connOptions);
    void (*PQfreemem)(void *ptr);
} LartPQ;

static LartPQ library;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define LART_PQ_FUNCTIONS(X) \
    X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQexecParams) \
    X(PQprepare) X(PQdescribePrepared) X(PQresultStatus) X(PQresultErrorField) X(PQclear) \
    X(PQntuples) X(PQnfields) X(PQfname) X(PQftype) X(PQgetvalue) X(PQgetisnull) \
    X(PQgetlength) X(PQconninfoParse) X(PQconninfoFree) X(PQfreemem)

static void load(void) {
    static const char *const names[] = { LART_PQ_FUNCTIONS(LART_NAME) };
    void **const slots[] = { LART_PQ_FUNCTIONS(LART_SLOT) };
    library.loaded = lart_open_library("libpq.so.5", "PostgreSQL needs the client library libpq (Debian: apt-get install libpq5)",
                                       names, slots, (int)(sizeof names / sizeof names[0]), library.error, sizeof library.error);
}

const char *lart_pq_open(void) {
    pthread_once(&once, load);
    return library.loaded ? NULL : library.error;
}

PGconn *lart_PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname) { return library.PQconnectdbParams(keywords, values, expand_dbname); }
ConnStatusType lart_PQstatus(const PGconn *conn) { return library.PQstatus(conn); }
char *lart_PQerrorMessage(const PGconn *conn) { return library.PQerrorMessage(conn); }
void lart_PQfinish(PGconn *conn) { library.PQfinish(conn); }
PGresult *lart_PQexec(PGconn *conn, const char *query) { return library.PQexec(conn, query); }
PGresult *lart_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) { return library.PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat); }
PGresult *lart_PQprepare(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes) { return library.PQprepare(conn, stmtName, query, nParams, paramTypes); }
PGresult *lart_PQdescribePrepared(PGconn *conn, const char *stmt) { return library.PQdescribePrepared(conn, stmt); }
ExecStatusType lart_PQresultStatus(const PGresult *res) { return library.PQresultStatus(res); }
char *lart_PQresultErrorField(const PGresult *res, int fieldcode) { return library.PQresultErrorField(res, fieldcode); }
void lart_PQclear(PGresult *res) { library.PQclear(res); }
int lart_PQntuples(const PGresult *res) { return library.PQntuples(res); }
int lart_PQnfields(const PGresult *res) { return library.PQnfields(res); }
char *lart_PQfname(const PGresult *res, int field_num) { return library.PQfname(res, field_num); }
Oid lart_PQftype(const PGresult *res, int field_num) { return library.PQftype(res, field_num); }
char *lart_PQgetvalue(const PGresult *res, int tup_num, int field_num) { return library.PQgetvalue(res, tup_num, field_num); }
int lart_PQgetisnull(const PGresult *res, int tup_num, int field_num) { return library.PQgetisnull(res, tup_num, field_num); }
int lart_PQgetlength(const PGresult *res, int tup_num, int field_num) { return library.PQgetlength(res, tup_num, field_num); }
PQconninfoOption *lart_PQconninfoParse(const char *conninfo, char **errmsg) { return library.PQconninfoParse(conninfo, errmsg); }
void lart_PQconninfoFree(PQconninfoOption *connOptions) { library.PQconninfoFree(connOptions); }
void lart_PQfreemem(void *ptr) { library.PQfreemem(ptr); }

