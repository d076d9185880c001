#ifndef LART_CCMARK_SHIM_H
#define LART_CCMARK_SHIM_H
// GitHub's CommonMark (cmark-gfm) and its extensions (tables), from the system
// (Debian: libcmark-gfm-dev, libcmark-gfm-extensions-dev).
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#endif
