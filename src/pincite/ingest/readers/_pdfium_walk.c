/* A page's text objects and their text, read from PDFium in one call (pincite.ingest.readers.pdfium).

   The pure-Python reader asks PDFium, through ctypes, for every character's text object (1.6 million
   calls for the 436 pages of the real PDFs, ~0.25 us each in ctypes) and for each object's type,
   matrix, font size, font and bounds: ctypes' cost, not PDFium's, was 17 % of an ingest's CPU. This
   module makes the same calls from C and hands back what `Page._texts` and `Page.runs` read, with
   the same rules, so that the runs made from it are the same (tests/test_pdfium_walk.py compares
   them on every real PDF). It does not link PDFium: the caller passes the addresses of the
   functions of the library pypdfium2 loaded, so there is one PDFium in the process.

   walk(page, textpage, functions) -> list of
       (object, text, (a, b, c, d, e, f), in_form, font_size, font, right)
   for each text object in content-stream order (inside form XObjects too, the form's matrices
   multiplied in as `pdf._mult` does), where `text` is the object's text as `Page._texts` makes it
   ("" if none) and `right` the right edge of its bounds (None inside a form or if PDFium has none).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef void *H;
typedef int (*count_objects_t)(H);
typedef H (*get_object_t)(H, int);
typedef int (*get_type_t)(H);
typedef int (*form_count_t)(H);
typedef H (*form_get_t)(H, unsigned long);
typedef int (*get_matrix_t)(H, float *);
typedef int (*get_font_size_t)(H, float *);
typedef H (*get_font_t)(H);
typedef int (*get_bounds_t)(H, float *, float *, float *, float *);
typedef int (*count_chars_t)(H);
typedef int (*get_text_t)(H, int, int, unsigned short *);
typedef unsigned int (*get_unicode_t)(H, int);
typedef H (*get_text_object_t)(H, int);

enum { N_FUNCTIONS = 13 };
enum { PAGEOBJ_TEXT = 1, PAGEOBJ_FORM = 5 }; /* FPDF_PAGEOBJ_TEXT, FPDF_PAGEOBJ_FORM */

typedef struct {
    count_objects_t count_objects;
    get_object_t get_object;
    get_type_t get_type;
    form_count_t form_count;
    form_get_t form_get;
    get_matrix_t get_matrix;
    get_font_size_t get_font_size;
    get_font_t get_font;
    get_bounds_t get_bounds;
    count_chars_t count_chars;
    get_text_t get_text;
    get_unicode_t get_unicode;
    get_text_object_t get_text_object;
} Fns;

static int
fns_from(PyObject *seq, Fns *f)
{
    void *ptrs[N_FUNCTIONS];
    PyObject *fast = PySequence_Fast(seq, "functions: a sequence of addresses");
    if (!fast)
        return -1;
    if (PySequence_Fast_GET_SIZE(fast) != N_FUNCTIONS) {
        PyErr_Format(PyExc_ValueError, "functions: %d addresses expected", N_FUNCTIONS);
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t i = 0; i < N_FUNCTIONS; i++) {
        ptrs[i] = PyLong_AsVoidPtr(PySequence_Fast_GET_ITEM(fast, i));
        if (!ptrs[i]) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "functions: a null address");
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    f->count_objects = (count_objects_t)ptrs[0];
    f->get_object = (get_object_t)ptrs[1];
    f->get_type = (get_type_t)ptrs[2];
    f->form_count = (form_count_t)ptrs[3];
    f->form_get = (form_get_t)ptrs[4];
    f->get_matrix = (get_matrix_t)ptrs[5];
    f->get_font_size = (get_font_size_t)ptrs[6];
    f->get_font = (get_font_t)ptrs[7];
    f->get_bounds = (get_bounds_t)ptrs[8];
    f->count_chars = (count_chars_t)ptrs[9];
    f->get_text = (get_text_t)ptrs[10];
    f->get_unicode = (get_unicode_t)ptrs[11];
    f->get_text_object = (get_text_object_t)ptrs[12];
    return 0;
}

/* object address -> its text, as Page._texts makes it */
static PyObject *
texts_of(H tp, const Fns *f)
{
    PyObject *out = PyDict_New();
    if (!out)
        return NULL;
    int n = f->count_chars(tp);
    if (n <= 0)
        return out;
    PyObject *text = NULL, *pieces = NULL, *empty = NULL;
    H *owner = NULL;
    /* n + 1 UTF-16 units are what PDFium writes at most; twice that, in case a version writes the
       surrogate pairs of characters outside the BMP in full */
    unsigned short *buf = PyMem_Malloc(sizeof(unsigned short) * (2 * (size_t)n + 2));
    owner = PyMem_Malloc(sizeof(H) * (size_t)n);
    if (!buf || !owner) {
        PyErr_NoMemory();
        goto fail;
    }
    int got = f->get_text(tp, 0, n, buf);
    int units = got > 0 ? got - 1 : 0; /* the count includes the terminating NUL */
    int order = -1;                     /* little-endian */
    text = PyUnicode_DecodeUTF16((const char *)buf, 2 * (Py_ssize_t)units, "replace", &order);
    if (!text)
        goto fail;
    if (PyUnicode_GET_LENGTH(text) != n) { /* characters outside the BMP: ask for each one */
        Py_DECREF(text);
        Py_UCS4 *cps = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)n);
        if (!cps) {
            PyErr_NoMemory();
            goto fail;
        }
        for (int i = 0; i < n; i++) {
            unsigned int u = f->get_unicode(tp, i);
            cps[i] = u > 0x10FFFF ? 0xFFFD : (Py_UCS4)u; /* chr() of more than 0x10FFFF fails */
        }
        text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cps, n);
        PyMem_Free(cps);
        if (!text)
            goto fail;
    }
    for (int i = 0; i < n; i++)
        owner[i] = f->get_text_object(tp, i);
    pieces = PyDict_New(); /* object -> list of its stretches */
    if (!pieces)
        goto fail;
    int gap = 0;
    int a = 0;
    while (a < n) {
        int b = a + 1;
        while (b < n && owner[b] == owner[a])
            b++;
        if (!owner[a]) { /* characters PDFium generated: a word space opens the next object */
            if (!gap)
                for (int i = a; i < b; i++)
                    if (PyUnicode_READ_CHAR(text, i) == ' ') {
                        gap = 1;
                        break;
                    }
            a = b;
            continue;
        }
        PyObject *key = PyLong_FromVoidPtr(owner[a]);
        if (!key)
            goto fail;
        PyObject *list = PyDict_GetItemWithError(pieces, key); /* borrowed */
        if (!list) {
            if (PyErr_Occurred()) {
                Py_DECREF(key);
                goto fail;
            }
            list = PyList_New(0);
            if (!list || PyDict_SetItem(pieces, key, list) < 0) {
                Py_XDECREF(list);
                Py_DECREF(key);
                goto fail;
            }
            Py_DECREF(list); /* the dict holds it */
            if (gap) {
                PyObject *space = PyUnicode_FromOrdinal(' ');
                if (!space || PyList_Append(list, space) < 0) {
                    Py_XDECREF(space);
                    Py_DECREF(key);
                    goto fail;
                }
                Py_DECREF(space);
            }
        }
        Py_DECREF(key);
        gap = 0;
        PyObject *piece = PyUnicode_Substring(text, a, b);
        if (!piece || PyList_Append(list, piece) < 0) {
            Py_XDECREF(piece);
            goto fail;
        }
        Py_DECREF(piece);
        a = b;
    }
    empty = PyUnicode_FromStringAndSize("", 0);
    if (!empty)
        goto fail;
    Py_ssize_t pos = 0;
    PyObject *key, *list;
    while (PyDict_Next(pieces, &pos, &key, &list)) {
        PyObject *joined = PyUnicode_Join(empty, list);
        if (!joined || PyDict_SetItem(out, key, joined) < 0) {
            Py_XDECREF(joined);
            goto fail;
        }
        Py_DECREF(joined);
    }
    Py_DECREF(empty);
    Py_DECREF(pieces);
    Py_DECREF(text);
    PyMem_Free(owner);
    PyMem_Free(buf);
    return out;
fail:
    Py_XDECREF(empty);
    Py_XDECREF(pieces);
    Py_XDECREF(text);
    PyMem_Free(owner);
    PyMem_Free(buf);
    Py_DECREF(out);
    return NULL;
}

/* pdf._mult(m, n), in the same order of operations */
static void
mult(const double *m, const double *n, double *out)
{
    double r[6];
    r[0] = m[0] * n[0] + m[1] * n[2];
    r[1] = m[0] * n[1] + m[1] * n[3];
    r[2] = m[2] * n[0] + m[3] * n[2];
    r[3] = m[2] * n[1] + m[3] * n[3];
    r[4] = m[4] * n[0] + m[5] * n[2] + n[4];
    r[5] = m[4] * n[1] + m[5] * n[3] + n[5];
    for (int i = 0; i < 6; i++)
        out[i] = r[i];
}

typedef struct {
    const Fns *f;
    PyObject *texts;
    PyObject *out;
    PyObject *empty;
    float mat[6]; /* one matrix buffer, as the Python reader reuses its FS_MATRIX */
    float size;
} Walk;

static int
emit(Walk *w, H obj, const double *outer)
{
    const Fns *f = w->f;
    double m[6];
    f->get_matrix(obj, w->mat);
    for (int i = 0; i < 6; i++)
        m[i] = (double)w->mat[i];
    if (outer)
        mult(m, outer, m);
    f->get_font_size(obj, &w->size);
    H font = f->get_font(obj);
    PyObject *right;
    float l, b, r, t;
    if (!outer && f->get_bounds(obj, &l, &b, &r, &t))
        right = PyFloat_FromDouble((double)r);
    else {
        right = Py_None;
        Py_INCREF(right);
    }
    if (!right)
        return -1;
    PyObject *key = PyLong_FromVoidPtr(obj);
    if (!key) {
        Py_DECREF(right);
        return -1;
    }
    PyObject *text = PyDict_GetItemWithError(w->texts, key); /* borrowed */
    if (!text) {
        if (PyErr_Occurred()) {
            Py_DECREF(key);
            Py_DECREF(right);
            return -1;
        }
        text = w->empty;
    }
    PyObject *font_o = PyLong_FromVoidPtr(font); /* 0 for none, as the Python reader's `or 0` */
    if (!font_o) {
        Py_DECREF(key);
        Py_DECREF(right);
        return -1;
    }
    PyObject *item = Py_BuildValue("(NO(dddddd)OdNN)", key, text, m[0], m[1], m[2], m[3], m[4], m[5],
                                   outer ? Py_True : Py_False, (double)w->size, font_o, right);
    if (!item)
        return -1;
    int rc = PyList_Append(w->out, item);
    Py_DECREF(item);
    return rc;
}

static int
walk_objects(Walk *w, H parent, int is_form, const double *outer, int depth)
{
    const Fns *f = w->f;
    if (depth > 64) /* forms drawn inside themselves: PDFium stops such loops, this is a backstop */
        return 0;
    int count = is_form ? f->form_count(parent) : f->count_objects(parent);
    for (int i = 0; i < count; i++) {
        H obj = is_form ? f->form_get(parent, (unsigned long)i) : f->get_object(parent, i);
        if (!obj)
            continue;
        int kind = f->get_type(obj);
        if (kind == PAGEOBJ_TEXT) {
            if (emit(w, obj, outer) < 0)
                return -1;
        } else if (kind == PAGEOBJ_FORM) {
            double m[6];
            f->get_matrix(obj, w->mat);
            for (int k = 0; k < 6; k++)
                m[k] = (double)w->mat[k];
            if (outer)
                mult(m, outer, m);
            if (walk_objects(w, obj, 1, m, depth + 1) < 0)
                return -1;
        }
    }
    return 0;
}

static PyObject *
walk_page(PyObject *page_o, PyObject *text_o, PyObject *functions)
{
    H page = PyLong_AsVoidPtr(page_o);
    if (!page && PyErr_Occurred())
        return NULL;
    H tp = PyLong_AsVoidPtr(text_o);
    if (!tp && PyErr_Occurred())
        return NULL;
    if (!page || !tp) {
        PyErr_SetString(PyExc_ValueError, "walk: a null page or text page");
        return NULL;
    }
    Fns f;
    if (fns_from(functions, &f) < 0)
        return NULL;
    Walk w = {&f, NULL, NULL, NULL, {1, 0, 0, 1, 0, 0}, 0};
    w.texts = texts_of(tp, &f);
    if (!w.texts)
        return NULL;
    w.out = PyList_New(0);
    w.empty = PyUnicode_FromStringAndSize("", 0);
    if (!w.out || !w.empty || walk_objects(&w, page, 0, NULL, 0) < 0) {
        Py_XDECREF(w.out);
        Py_XDECREF(w.empty);
        Py_DECREF(w.texts);
        return NULL;
    }
    Py_DECREF(w.empty);
    Py_DECREF(w.texts);
    return w.out;
}

static PyObject *
walk(PyObject *self, PyObject *args)
{
    PyObject *page_o, *text_o, *functions;
    if (!PyArg_ParseTuple(args, "OOO:walk", &page_o, &text_o, &functions))
        return NULL;
    return walk_page(page_o, text_o, functions);
}

/* -- runs: Page.runs' loop over the walk, rule for rule (readers/pdfium.py, `_runs_python`) -------- */

static int
all_space(PyObject *s, Py_ssize_t *first, Py_ssize_t *last) /* str.strip() == "": the bounds if not */
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), a = 0, b = n;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    while (a < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)))
        a++;
    while (b > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)))
        b--;
    if (first)
        *first = a;
    if (last)
        *last = b;
    return a == b;
}

static int
orientation(const double *m) /* pdfium._orientation: pypdf's rule */
{
    if (m[3] > 1e-6)
        return 0;
    if (m[3] < -1e-6)
        return 180;
    return m[1] > 0 ? 90 : 270;
}

static PyObject *
rounded(double v) /* round(v), as Python's round() of a float: half to even, errors alike */
{
    if (isnan(v)) {
        PyErr_SetString(PyExc_ValueError, "cannot convert float NaN to integer");
        return NULL;
    }
    if (isinf(v)) {
        PyErr_SetString(PyExc_OverflowError, "cannot convert float infinity to integer");
        return NULL;
    }
    double r = round(v); /* CPython's float.__round__ without digits */
    if (fabs(v - r) == 0.5)
        r = 2.0 * round(v / 2.0);
    return PyLong_FromDouble(r);
}

/* Is every character of `s` in [from, to)? (False for an empty range.) */
static int
all_between(PyObject *s, Py_UCS4 from, Py_UCS4 to)
{
    if (from >= to)
        return 0;
    const int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < from || c >= to)
            return 0;
    }
    return 1;
}

static PyObject *
runs(PyObject *self, PyObject *args)
{
    PyObject *page_o, *text_o, *functions, *orient_o, *run_cls, *style_of, *table;
    double em_per_char;
    unsigned int kept_from = 0, kept_to = 0; /* characters in [from, to) are no key of `table` */
    if (!PyArg_ParseTuple(args, "OOOOOOOd|II:runs", &page_o, &text_o, &functions, &orient_o, &run_cls,
                          &style_of, &table, &em_per_char, &kept_from, &kept_to))
        return NULL;
    int allowed[4] = {0, 0, 0, 0}; /* 0, 90, 180, 270 */
    PyObject *fast = PySequence_Fast(orient_o, "orientations: a sequence of 0, 90, 180, 270");
    if (!fast)
        return NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        long o = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (o == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return NULL;
        }
        if (o == 0 || o == 90 || o == 180 || o == 270)
            allowed[o / 90] = 1;
    }
    Py_DECREF(fast);
    PyObject *objects = walk_page(page_o, text_o, functions);
    if (!objects)
        return NULL;
    PyObject *out = PyList_New(0), *seen = PySet_New(NULL), *styles = PyDict_New();
    PyObject *space = PyUnicode_FromOrdinal(' ');
    PyObject *last_text = NULL; /* the last run kept: its text, y and size */
    double last_y = 0, last_size = 0;
    int pending = 0;
    if (!out || !seen || !styles || !space)
        goto fail;
    Py_ssize_t count = PyList_GET_SIZE(objects);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyList_GET_ITEM(objects, i);
        PyObject *text = PyTuple_GET_ITEM(item, 1), *mo = PyTuple_GET_ITEM(item, 2);
        PyObject *font = PyTuple_GET_ITEM(item, 5), *right_o = PyTuple_GET_ITEM(item, 6);
        if (all_space(text, NULL, NULL)) {
            pending = 1; /* a space drawn as its own object */
            continue;
        }
        double m[6];
        for (int k = 0; k < 6; k++)
            m[k] = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(mo, k));
        int turn = orientation(m);
        if (!allowed[turn / 90])
            continue;
        double size = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(item, 4));
        double scale = hypot(m[2], m[3]);
        if (scale == 0.0)
            scale = 1.0;
        double eff = size * scale;
        if (eff <= 0.5)
            continue;
        PyObject *t; /* text.translate(table): None deletes */
        if (all_between(text, kept_from, kept_to)) { /* nothing to translate: most texts */
            t = text;
            Py_INCREF(t);
        } else if (!(t = PyUnicode_Translate(text, table, "ignore")))
            goto fail;
        Py_ssize_t a, b;
        if (all_space(t, &a, &b)) {
            Py_DECREF(t);
            continue;
        }
        double x = m[4], y = m[5];
        if (!Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(t, 0)) &&
            (!last_text ||
             !Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(last_text, PyUnicode_GET_LENGTH(last_text) - 1)))) {
            double top = last_size > eff ? last_size : eff; /* max(eff, last.size) */
            if (pending || !last_text || fabs(y - last_y) > 0.5 * top) {
                PyObject *spaced = PyUnicode_Concat(space, t);
                Py_DECREF(t);
                if (!spaced)
                    goto fail;
                t = spaced;
                a += 1;
                b += 1;
            }
        }
        pending = 0;
        PyObject *stripped = PyUnicode_Substring(t, a, b);
        PyObject *rx = stripped ? rounded(x) : NULL;
        PyObject *ry = rx ? rounded(y) : NULL;
        PyObject *key = ry ? PyTuple_Pack(3, stripped, rx, ry) : NULL;
        Py_XDECREF(stripped);
        Py_XDECREF(rx);
        Py_XDECREF(ry);
        if (!key) {
            Py_DECREF(t);
            goto fail;
        }
        int dup = PySet_Contains(seen, key);
        if (dup == 0)
            dup = PySet_Add(seen, key) < 0 ? -1 : 0;
        Py_DECREF(key);
        if (dup != 0) { /* text printed twice to look bold, or an error */
            Py_DECREF(t);
            if (dup < 0)
                goto fail;
            continue;
        }
        PyObject *style = PyDict_GetItemWithError(styles, font); /* borrowed */
        if (!style) {
            if (PyErr_Occurred()) {
                Py_DECREF(t);
                goto fail;
            }
            style = PyObject_CallOneArg(style_of, font);
            if (!style || !PyTuple_Check(style) || PyTuple_GET_SIZE(style) != 2 ||
                PyDict_SetItem(styles, font, style) < 0) {
                if (style && !PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "style_of: a (bold, italic) tuple expected");
                Py_XDECREF(style);
                Py_DECREF(t);
                goto fail;
            }
            Py_DECREF(style); /* the dict holds it */
        }
        double width = 0.0;
        if (right_o != Py_None && turn == 0) {
            double v = PyFloat_AS_DOUBLE(right_o) - x;
            width = v > 0.0 ? v : 0.0; /* max(0.0, right - x) */
        }
        if (width <= 0.0) {
            double xscale = hypot(m[0], m[1]);
            if (xscale == 0.0)
                xscale = scale;
            width = em_per_char * size * xscale * (double)PyUnicode_GET_LENGTH(t);
        }
        PyObject *run = PyObject_CallFunction(run_cls, "OdddOdnO", t, x, y, eff, PyTuple_GET_ITEM(style, 0),
                                              width, PyList_GET_SIZE(out), PyTuple_GET_ITEM(style, 1));
        if (!run || PyList_Append(out, run) < 0) {
            Py_XDECREF(run);
            Py_DECREF(t);
            goto fail;
        }
        Py_DECREF(run);
        Py_XSETREF(last_text, t); /* the reference moves to last_text */
        last_y = y;
        last_size = eff;
    }
    Py_XDECREF(last_text);
    Py_DECREF(space);
    Py_DECREF(styles);
    Py_DECREF(seen);
    Py_DECREF(objects);
    return out;
fail:
    Py_XDECREF(last_text);
    Py_XDECREF(space);
    Py_XDECREF(styles);
    Py_XDECREF(seen);
    Py_XDECREF(out);
    Py_DECREF(objects);
    return NULL;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(page, textpage, functions): the page's text objects with their text, matrix, size, font "
     "and right edge (see the module's source)"},
    {"runs", runs, METH_VARARGS,
     "runs(page, textpage, functions, orientations, Run, style_of, table, em_per_char): Page.runs "
     "over the walk, in C (see readers/pdfium.py)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdfium_walk",
    "A page's text objects read from PDFium in one call (pincite.ingest.readers.pdfium).", -1, methods,
};

PyMODINIT_FUNC
PyInit__pdfium_walk(void)
{
    return PyModule_Create(&module);
}
