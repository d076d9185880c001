#ifndef LART_CRSVG_SHIM_H
#define LART_CRSVG_SHIM_H
// SVG to PDF or PNG through librsvg and cairo (system libraries, from the Debian package
// librsvg2-dev, which brings cairo). The module takes its flags from `pkg-config cairo`;
// librsvg's own headers need those of glib, gio and gdk-pixbuf, whose pkg-config flags
// carry `-pthread`, which SwiftPM refuses with a warning. So the few librsvg and GLib
// functions used here are declared below, exactly as librsvg 2.46+ declares them (stable
// API), and the one function Swift calls hides GError and GObject.
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <cairo.h>
#include <cairo-pdf.h>

typedef struct _RsvgHandle RsvgHandle;
typedef struct { double x, y, width, height; } RsvgRectangle;
typedef struct { unsigned int domain; int code; char *message; } LartGError;
extern RsvgHandle *rsvg_handle_new_from_data(const unsigned char *data, size_t data_len, LartGError **error);
extern void rsvg_handle_set_dpi(RsvgHandle *handle, double dpi);
extern int rsvg_handle_get_intrinsic_size_in_pixels(RsvgHandle *handle, double *out_width, double *out_height);
extern int rsvg_handle_render_document(RsvgHandle *handle, cairo_t *cr, const RsvgRectangle *viewport, LartGError **error);
extern void g_error_free(LartGError *error);
extern void g_object_unref(void *object);

/// Renders `svg` (`length` bytes) to `path`: a PDF page of the SVG's size when `pdf` is
/// nonzero (librsvg at 72 dpi, so one CSS pixel is one point), else a PNG of the SVG's size
/// at `dpi` on a white-backed ARGB surface. Returns 0, or 1 with a message in `message`.
static inline int lart_render_svg(const char *svg, size_t length, const char *path, int pdf, double dpi,
                                  char *message, size_t message_size) {
    LartGError *error = NULL;
    RsvgHandle *handle = rsvg_handle_new_from_data((const unsigned char *)svg, length, &error);
    if (handle == NULL) {
        snprintf(message, message_size, "librsvg cannot read the figure: %s", error ? error->message : "unknown error");
        if (error) g_error_free(error);
        return 1;
    }
    rsvg_handle_set_dpi(handle, pdf ? 72.0 : dpi);
    double width = 0, height = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) || width <= 0 || height <= 0) {
        snprintf(message, message_size, "the figure has no width and height");
        g_object_unref(handle);
        return 1;
    }
    cairo_surface_t *surface = pdf
        ? cairo_pdf_surface_create(path, width, height)
        : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(width), (int)ceil(height));
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        snprintf(message, message_size, "cairo: %s", cairo_status_to_string(cairo_surface_status(surface)));
        cairo_surface_destroy(surface);
        g_object_unref(handle);
        return 1;
    }
    if (pdf) {
        // No creation date (cairo 1.16 drops it when given an empty one): the same figure
        // gives the same bytes.
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "");
    }
    cairo_t *cr = cairo_create(surface);
    RsvgRectangle viewport = { 0, 0, width, height };
    int failed = 0;
    if (!rsvg_handle_render_document(handle, cr, &viewport, &error)) {
        snprintf(message, message_size, "librsvg cannot draw the figure: %s", error ? error->message : "unknown error");
        if (error) g_error_free(error);
        failed = 1;
    }
    cairo_destroy(cr);
    if (!failed) {
        cairo_status_t status;
        if (pdf) {
            cairo_surface_finish(surface);
            status = cairo_surface_status(surface);
        } else {
            status = cairo_surface_write_to_png(surface, path);
        }
        if (status != CAIRO_STATUS_SUCCESS) {
            snprintf(message, message_size, "cairo: %s", cairo_status_to_string(status));
            failed = 1;
        }
    }
    cairo_surface_destroy(surface);
    g_object_unref(handle);
    return failed;
}

#endif
