#ifndef LART_CDYNAMIC_LOADER_H
#define LART_CDYNAMIC_LOADER_H
#include <stddef.h>

/// Opens the library `soname` and finds each of the `count` functions `names` into `slots`
/// (dlsym on the library's handle also searches the libraries it depends on). Returns 1 when
/// every one is found; else 0 with why in `error`, which begins with `needed` when the library
/// itself cannot be opened (what to install).
int lart_open_library(const char *soname, const char *needed, const char *const *names, void **const *slots, int count,
                      char *error, size_t error_size);

/// The names and slots of the functions `LIST(X)` names, for `lart_open_library`.
#define LART_NAME(function) #function,
#define LART_SLOT(function) (void **)&library.function,

#endif
