// Opening a system library on first use (see cdynamic.h), shared by the loaders.
#include "loader.h"
#include <dlfcn.h>
#include <stdio.h>

int lart_open_library(const char *soname, const char *needed, const char *const *names, void **const *slots, int count,
                      char *error, size_t error_size) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(error, error_size, "%s: %s", needed, dlerror());
        return 0;
    }
    for (int k = 0; k < count; k++) {
        if ((*slots[k] = dlsym(handle, names[k])) == NULL) {
            snprintf(error, error_size, "%s lacks %s: %s", soname, names[k], dlerror());
            return 0;
        }
    }
    return 1;
}
