// SVG to PDF or PNG through librsvg and cairo (system libraries: Debian's librsvg2-2, which
// brings cairo). The few librsvg, GLib and cairo functions used are declared below, as
// librsvg 2.46+ and cairo 1.16+ declare them (stable API), and found with dlopen/dlsym on
// first use; the one function Swift calls hides GError, GObject and cairo.
#include "cdynamic.h"
#include "loader.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>

// librsvg (and through it cairo, GLib, Pango, fontconfig, libxml2 and ICU: some 50
// libraries) is opened when the first figure is drawn as PDF or PNG, not when lart starts:
// linked, they took most of lart's start-up in the dynamic loader. Only the sonames and the
// stable C API below are needed; nothing of it is linked.
typedef struct _RsvgHandle RsvgHandle;
typedef struct { double x, y, width, height; } RsvgRectangle;
typedef struct { unsigned int domain; int code; char *message; } LartGError;
typedef struct _cairo_surface cairo_surface_t;
typedef struct _cairo cairo_t;
typedef int cairo_status_t;                      // cairo_status_t: CAIRO_STATUS_SUCCESS is 0
#define LART_CAIRO_STATUS_SUCCESS 0
#define LART_CAIRO_FORMAT_ARGB32 0               // cairo_format_t
#define LART_CAIRO_PDF_METADATA_CREATE_DATE 5    // cairo_pdf_metadata_t (cairo 1.16)

/// The functions used, found in librsvg-2.so.2 and the libraries it depends on.
typedef struct {
    int loaded;
    char error[256];
    RsvgHandle *(*rsvg_handle_new_from_data)(const unsigned char *, size_t, LartGError **);
    void (*rsvg_handle_set_dpi)(RsvgHandle *, double);
    int (*rsvg_handle_get_intrinsic_size_in_pixels)(RsvgHandle *, double *, double *);
    int (*rsvg_handle_render_document)(RsvgHandle *, cairo_t *, const RsvgRectangle *, LartGError **);
    void (*g_error_free)(LartGError *);
    void (*g_object_unref)(void *);
    cairo_surface_t *(*cairo_pdf_surface_create)(const char *, double, double);
    cairo_surface_t *(*cairo_image_surface_create)(int, int, int);
    cairo_status_t (*cairo_surface_status)(cairo_surface_t *);
    const char *(*cairo_status_to_string)(cairo_status_t);
    void (*cairo_surface_destroy)(cairo_surface_t *);
    void (*cairo_pdf_surface_set_metadata)(cairo_surface_t *, int, const char *);
    cairo_t *(*cairo_create)(cairo_surface_t *);
    void (*cairo_destroy)(cairo_t *);
    void (*cairo_surface_finish)(cairo_surface_t *);
    cairo_status_t (*cairo_surface_write_to_png)(cairo_surface_t *, const char *);
} LartRsvg;

static LartRsvg library;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define LART_RSVG_FUNCTIONS(X) \
    X(rsvg_handle_new_from_data) X(rsvg_handle_set_dpi) \
    X(rsvg_handle_get_intrinsic_size_in_pixels) X(rsvg_handle_render_document) \
    X(g_error_free) X(g_object_unref) X(cairo_pdf_surface_create) \
    X(cairo_image_surface_create) X(cairo_surface_status) X(cairo_status_to_string) \
    X(cairo_surface_destroy) X(cairo_pdf_surface_set_metadata) X(cairo_create) \
    X(cairo_destroy) X(cairo_surface_finish) X(cairo_surface_write_to_png)

static void load(void) {
    static const char *const names[] = { LART_RSVG_FUNCTIONS(LART_NAME) };
    void **const slots[] = { LART_RSVG_FUNCTIONS(LART_SLOT) };
    library.loaded = lart_open_library("librsvg-2.so.2", "PDF and PNG figures need librsvg (Debian: apt-get install librsvg2-2)",
                                       names, slots, (int)(sizeof names / sizeof names[0]), library.error, sizeof library.error);
}

/// The library, opened once (any thread); NULL with `message` set when it cannot be.
static LartRsvg *opened(char *message, size_t message_size) {
    pthread_once(&once, load);
    LartRsvg *l = &library;
    if (!l->loaded) { snprintf(message, message_size, "%s", l->error); return NULL; }
    return l;
}

int lart_render_svg(const char *svg, size_t length, const char *path, int pdf, double dpi,
                                  char *message, size_t message_size) {
    LartRsvg *l = opened(message, message_size);
    if (l == NULL) return 1;
    LartGError *error = NULL;
    RsvgHandle *handle = l->rsvg_handle_new_from_data((const unsigned char *)svg, length, &error);
    if (handle == NULL) {
        snprintf(message, message_size, "librsvg cannot read the figure: %s", error ? error->message : "unknown error");
        if (error) l->g_error_free(error);
        return 1;
    }
    l->rsvg_handle_set_dpi(handle, pdf ? 72.0 : dpi);
    double width = 0, height = 0;
    if (!l->rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) || width <= 0 || height <= 0) {
        snprintf(message, message_size, "the figure has no width and height");
        l->g_object_unref(handle);
        return 1;
    }
    cairo_surface_t *surface = pdf
        ? l->cairo_pdf_surface_create(path, width, height)
        : l->cairo_image_surface_create(LART_CAIRO_FORMAT_ARGB32, (int)ceil(width), (int)ceil(height));
    if (l->cairo_surface_status(surface) != LART_CAIRO_STATUS_SUCCESS) {
        snprintf(message, message_size, "cairo: %s", l->cairo_status_to_string(l->cairo_surface_status(surface)));
        l->cairo_surface_destroy(surface);
        l->g_object_unref(handle);
        return 1;
    }
    if (pdf) {
        // No creation date (cairo 1.16 drops it when given an empty one): the same figure
        // gives the same bytes.
        l->cairo_pdf_surface_set_metadata(surface, LART_CAIRO_PDF_METADATA_CREATE_DATE, "");
    }
    cairo_t *cr = l->cairo_create(surface);
    RsvgRectangle viewport = { 0, 0, width, height };
    int failed = 0;
    if (!l->rsvg_handle_render_document(handle, cr, &viewport, &error)) {
        snprintf(message, message_size, "librsvg cannot draw the figure: %s", error ? error->message : "unknown error");
        if (error) l->g_error_free(error);
        failed = 1;
    }
    l->cairo_destroy(cr);
    if (!failed) {
        cairo_status_t status;
        if (pdf) {
            l->cairo_surface_finish(surface);
            status = l->cairo_surface_status(surface);
        } else {
            status = l->cairo_surface_write_to_png(surface, path);
        }
        if (status != LART_CAIRO_STATUS_SUCCESS) {
            snprintf(message, message_size, "cairo: %s", l->cairo_status_to_string(status));
            failed = 1;
        }
    }
    l->cairo_surface_destroy(surface);
    l->g_object_unref(handle);
    return failed;
}

